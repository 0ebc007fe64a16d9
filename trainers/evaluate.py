"""Validation loss exactly as training sees the data: padding-free packed rows, token-weighted.

Rows go through the training collator (position_ids, no attention_mask) and the model runs with
`use_cache=False`, so attention stays inside each packed sample. The loss is the sum of per-token
cross-entropy over every supervised token divided by their count, not a mean of per-batch means
(Trainer.evaluate's default), so it does not depend on the batch size or on how rows were packed.
Under torchrun every rank takes a strided share of the rows and the sums are all-reduced.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

from pipeline.rows import IGNORE


def supervised_logits(model: Any, batch: dict[str, Any]) -> tuple[Any, Any]:
    """(logits, targets) at the positions that predict a supervised token only.

    For a padding-free batch (one row) the model is asked for those positions' logits alone
    (`logits_to_keep` as indices), so lm_head, the largest matmul of a small model, and the
    float32 cross-entropy skip every prompt token; wider batches take the full logits.
    """
    labels = batch["labels"]
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    target = labels[:, 1:]
    if labels.shape[0] == 1:
        keep = (target[0] != IGNORE).nonzero().squeeze(1)
        logits = model(**inputs, logits_to_keep=keep, use_cache=False).logits[0]
        return logits, target[0, keep]
    mask = target != IGNORE
    return model(**inputs, use_cache=False).logits[:, :-1][mask], target[mask]


def loss_sums(model: Any, batch: dict[str, Any]) -> tuple[float, int]:
    """(sum of next-token cross-entropy over supervised tokens, their count) for one collated batch."""
    import torch.nn.functional as F

    logits, target = supervised_logits(model, batch)
    if target.numel() == 0:
        return 0.0, 0
    loss = F.cross_entropy(logits.float(), target.to(logits.device), reduction="sum")
    return float(loss), int(target.numel())


def _world() -> tuple[int, int]:
    """(rank, world size) when torch.distributed is running, else (0, 1)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def evaluate_loss(
    model: Any,
    rows: Sequence[dict[str, Any]],
    collator: Callable[[list[dict[str, Any]]], dict[str, Any]],
    batch_size: int = 1,
    base: bool = False,
) -> dict[str, float]:
    """{"loss", "perplexity", "tokens"} of `model` on `rows`; `base=True` disables a peft adapter."""
    import torch
    import torch.distributed as dist

    rank, world = _world()
    device = next(model.parameters()).device
    mine = list(range(rank, len(rows), world))
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    ctx = model.disable_adapter() if base else nullcontext()
    with ctx, torch.no_grad():
        for start in range(0, len(mine), batch_size):
            batch = collator([rows[i] for i in mine[start : start + batch_size]])
            s, n = loss_sums(model, {k: v.to(device) for k, v in batch.items()})
            total, count = total + s, count + n
    model.train(was_training)
    if world > 1:
        sums = torch.tensor([total, float(count)], dtype=torch.float64, device=device)
        dist.all_reduce(sums)
        total, count = float(sums[0]), int(sums[1])
    loss = total / count if count else float("nan")
    return {"loss": loss, "perplexity": math.exp(min(loss, 50.0)), "tokens": count}
