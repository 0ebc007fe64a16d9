"""Training speed side by side: rawtune (prepare + train) vs TRL's SFTTrainer at its defaults.

Both train SmolLM2-135M-Instruct with LoRA r16 on all linear layers, batch 1, max_length 1024, for
the same number of steps, on the same real multi-turn ShareGPT conversations rendered with the
same generation-tagged ChatML template (templates/chatml.jinja). TRL runs as a user would call it:
`packing=True` (bfd), `assistant_only_loss=True`, its other SFTConfig defaults (gradient
checkpointing on). rawtune runs its recipe (padding-free packed rows, no gradient checkpointing).
Supervised tokens are counted in each trainer's own batches (shifted labels != -100) and divided
by that Trainer's `train_runtime`.

    flock /tmp/rawtune-bench.lock .venv/bin/python benchmarks/bench_train.py [--dialogs 600] [--steps 20]

Both sides use the same torch threads (`--threads`, default: the cores this process may run on, so
`taskset -c 1 ...` pins both sides to one core on a loaded machine). Quick mode (BENCH_QUICK=1)
trains 3 steps of 512 tokens on 100 dialogs to check that both sides still run. Results go to
benchmarks/results/bench_train.json, with the rawtune/TRL ratio and the load each side started under.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pack import SHAREGPT, sharegpt_dialogs  # noqa: E402  (after the path insert)
from harness import QUICK, load, save  # noqa: E402  (QUICK: `make bench` sizes unless BENCH_FULL)

MODEL = "smollm2-135m-instruct"


def first_dialogs(n: int) -> list[tuple[str, list[dict[str, str]]]]:
    """The first n usable ShareGPT conversations with non-empty turns."""
    out = []
    for rid, messages in sharegpt_dialogs(SHAREGPT):
        if all(m["content"].strip() for m in messages):
            out.append((rid, messages))
            if len(out) == n:
                break
    return out


def rates(train: dict[str, Any], started_load: str, **extra: Any) -> dict[str, Any]:
    """The figures compared: runtime, supervised tokens and their rate, plus context."""
    return {
        "load_at_start": [started_load],
        "train_runtime": train["train_runtime"],
        "supervised_tokens": train["supervised_tokens"],
        "supervised_tokens_per_second": train["supervised_tokens"] / train["train_runtime"],
        **extra,
    }


def run_rawtune(dialogs: list, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """prepare (render + pack + shards) then the LoRA recipe, with its Trainer's collator counted."""
    from rich.console import Console

    from pipeline.config import load_config
    from pipeline.models import load_tokenizer
    from pipeline.pack import pack_sft
    from pipeline.records import Dialog, Message
    from pipeline.render import load_chat_template, render_dialogs
    from pipeline.shards import token_stats, write_shards
    from pipeline.stage import RejectSink, Report
    from trainers import lora_sft

    cfg = load_config(
        None,
        [
            "name=bench",
            f"output.dir={work / 'processed'}",
            f"train.output_dir={work / 'outputs'}",
            "render.template=chatml",
            f"render.max_length={args.max_length}",
            "lora.r=16",
            "lora.alpha=32",
            "lora.target_modules=all-linear",
            f"train.max_steps={args.steps}",
            "train.per_device_train_batch_size=1",
            f"train.learning_rate={args.lr}",
            f"train.threads={args.threads}",
            "train.generations=0",
            "train.logging_steps=5",
        ],
    )
    started_load = load()
    started = time.perf_counter()
    tokenizer = load_tokenizer(MODEL)
    template = load_chat_template("chatml", tokenizer)
    records = [
        Dialog(id=rid, messages=[Message(**m) for m in msgs], source=f"sharegpt:{rid}")
        for rid, msgs in dialogs
    ]
    report = Report()
    with RejectSink(report) as sink:
        rows = list(
            render_dialogs(records, cfg.render, tokenizer, report, sink, template, args.max_length)
        )
    manifest = {"chat_template": template, "token_stats": {"train": token_stats(rows)}}
    write_shards(cfg.processed_dir, {"train": pack_sft(rows, args.max_length)}, manifest, 5000)
    prepare_seconds = time.perf_counter() - started

    lora_sft.train(cfg, Console(quiet=True))
    metrics = json.loads((cfg.run_dir / "metrics.json").read_text())
    return rates(
        metrics["train"], started_load, prepare_seconds=prepare_seconds, rendered_dialogs=len(rows)
    )


def run_trl(dialogs: list, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """TRL SFTTrainer at its defaults plus what the comparison fixes (LoRA, steps, batch, length)."""
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    from pipeline.models import load_model, load_tokenizer
    from trainers.collators import CountingCollator
    from trainers.model import mixed_precision

    started_load = load()
    tokenizer = load_tokenizer(MODEL)
    tokenizer.chat_template = (ROOT / "templates" / "chatml.jinja").read_text(encoding="utf-8")
    data = Dataset.from_dict({"messages": [m for _, m in dialogs]})
    config = SFTConfig(
        output_dir=str(work / "trl"),
        max_length=args.max_length,
        packing=True,
        assistant_only_loss=True,
        per_device_train_batch_size=1,
        max_steps=args.steps,
        learning_rate=args.lr,
        logging_steps=5,
        save_strategy="no",
        report_to="none",
        seed=42,
        **mixed_precision(),  # TRL defaults to bf16, which a CPU run refuses: same rule as rawtune
    )
    trainer = SFTTrainer(
        model=load_model(MODEL),
        args=config,
        train_dataset=data,
        processing_class=tokenizer,
        peft_config=LoraConfig(
            r=16,
            lora_alpha=32,
            lora_dropout=0.05,
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        ),  # fmt: skip
    )
    counter = trainer.data_collator = CountingCollator(trainer.data_collator)
    train = trainer.train().metrics
    return rates(
        {**train, "supervised_tokens": counter.supervised},
        started_load,
        gradient_checkpointing=config.gradient_checkpointing,
        packing=config.packing,
    )


def main() -> None:
    import tempfile

    import torch
    import transformers
    import trl

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=60 if QUICK else 600)
    parser.add_argument("--steps", type=int, default=2 if QUICK else 20)
    parser.add_argument("--max-length", type=int, default=512 if QUICK else 1024)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--quick", action="store_true", help="same as BENCH_QUICK=1")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)  # TRL's side; rawtune's sets train.threads to the same
    if not SHAREGPT.is_file():
        sys.exit(f"{SHAREGPT} missing: run scripts/fetch_real_data.sh")
    dialogs = first_dialogs(args.dialogs)
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_rawtune(dialogs, args, Path(tmp))
        theirs = run_trl(dialogs, args, Path(tmp))
    report = {
        "quick": QUICK,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "source": str(SHAREGPT.relative_to(ROOT)),
        "dialogs": len(dialogs),
        "steps": args.steps,
        "max_length": args.max_length,
        "torch_threads": args.threads,
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "versions": {"trl": trl.__version__, "transformers": transformers.__version__},
        "rawtune": ours,
        "trl": theirs,
        "ratio_supervised_tokens_per_second": ours["supervised_tokens_per_second"]
        / theirs["supervised_tokens_per_second"],
    }
    print(save("bench_train", report).read_text())


if __name__ == "__main__":
    main()
