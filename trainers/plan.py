"""What a run will do, printed before the first step: batch, steps, warmup, tokens."""

from __future__ import annotations

import math
from typing import Any

from pipeline.config import RunConfig


def training_plan(
    cfg: RunConfig, train_rows: int, token_stats: dict[str, Any], world_size: int
) -> dict[str, Any]:
    """Effective batch, total/warmup steps and tokens per step, computed as the Trainer will."""
    t = cfg.train
    per_rank_batches = math.ceil(train_rows / (t.per_device_train_batch_size * world_size))
    per_epoch = max(math.ceil(per_rank_batches / t.gradient_accumulation_steps), 1)
    by_steps = t.max_steps > 0
    total = t.max_steps if by_steps else math.ceil(t.num_train_epochs * per_epoch)
    effective = t.per_device_train_batch_size * world_size * t.gradient_accumulation_steps
    tokens = int(token_stats.get("tokens", 0))
    supervised = int(token_stats.get("supervised", 0))
    return {
        "world_size": world_size,
        "effective_batch_rows": effective,
        "total_steps": total,
        "warmup_steps": math.ceil(total * t.warmup_ratio),
        "length_set_by": "max_steps" if by_steps else "num_train_epochs",
        "epochs": total / per_epoch,
        "tokens_per_step": tokens / max(train_rows, 1) * effective,
        "supervised_tokens_per_step": supervised / max(train_rows, 1) * effective,
        "train_tokens": tokens,
        "train_supervised_tokens": supervised,
    }


def describe(plan: dict[str, Any], cfg: RunConfig) -> str:
    """The plan as a few lines for the console."""
    t = cfg.train
    rows = "packed rows" if cfg.pack.enabled else "rows (one sample each)"
    return (
        f"effective batch {plan['effective_batch_rows']} {rows} = "
        f"{t.per_device_train_batch_size} per device x {plan['world_size']} process(es) x "
        f"{t.gradient_accumulation_steps} accumulation\n"
        f"{plan['total_steps']} steps ({plan['epochs']:.2f} epochs, length set by "
        f"{plan['length_set_by']}), {plan['warmup_steps']} warmup steps\n"
        f"~{plan['tokens_per_step']:,.0f} tokens / ~{plan['supervised_tokens_per_step']:,.0f} "
        f"supervised tokens per step; the train split has {plan['train_tokens']:,} tokens, "
        f"{plan['train_supervised_tokens']:,} supervised"
    )
