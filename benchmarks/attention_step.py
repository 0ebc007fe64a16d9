"""Forward+backward time of SmolLM2-135M on one padding-free row, sdpa (block-diagonal mask) vs
sdpa_varlen (causal sdpa per sample), alternated, with the largest output difference.

    .venv/bin/python benchmarks/attention_step.py [--threads 2] [--lengths 128,128,...]

The README's per-row-shape figures for sdpa_varlen come from this script (min of 4 steps per load,
two loads per side): 400,300,200,124 (four samples), 8 x 128, 700,324 and 1024 (one sample).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import torch

    from pipeline.models import load_model
    from trainers.attention import register
    from trainers.collators import PaddingFreeCollator

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lengths", default="400,300,200,124", help="sample lengths in the row")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    register()
    lengths = [int(x) for x in args.lengths.split(",")]
    rows = [
        {"input_ids": torch.randint(0, 40000, (n,)).tolist(), "labels": [0] * n} for n in lengths
    ]
    batch = PaddingFreeCollator()(rows)
    del batch["labels"]
    seconds: dict[str, list[float]] = {}
    outputs = {}
    for impl in ["sdpa", "sdpa_varlen"] * 2:
        model = load_model("smollm2-135m-instruct", attn_implementation=impl).train()
        times = []
        for _ in range(4):
            started = time.perf_counter()
            logits = model(**batch, use_cache=False).logits
            logits[0, :, :100].float().sum().backward()
            times.append(time.perf_counter() - started)
        seconds.setdefault(impl, []).append(round(min(times), 2))
        outputs[impl] = logits[0, :, :100].detach()
    diff = (outputs["sdpa"] - outputs["sdpa_varlen"]).abs().max().item()
    print(f"lengths {lengths}: seconds per step {seconds}, largest logit difference {diff:.2e}")


if __name__ == "__main__":
    main()
