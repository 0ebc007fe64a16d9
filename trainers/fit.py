"""Reading the loss curves as the fine-tuning guides do: underfit, overfit or well fit.

- overfit: validation loss turned up (its minimum is before the last evaluation and the last one is
  more than `TURN` above it) while the train loss kept falling; the step of the minimum is reported.
- underfit: the train loss is flat (first and last tenth of steps within `FLAT`), or the curve is
  still falling steeply at the end: validation loss by more than `STEEP` between the last two
  evaluations, or without evaluations, train loss by more than `STEEP` across the last quarter.
- well fit: otherwise.
The thresholds are relative and deliberately coarse: the verdict is a reading aid, not a test.
"""

from __future__ import annotations

from statistics import fmean
from typing import Any

from trainers.curve import points

TURN = 0.01
FLAT = 0.02
STEEP = 0.05


def _edge_means(values: list[float], share: float) -> tuple[float, float]:
    """Mean of the first and of the last `share` of `values` (at least one value each)."""
    k = max(1, int(len(values) * share))
    return fmean(values[:k]), fmean(values[-k:])


def verdict(history: list[dict[str, Any]]) -> dict[str, Any]:
    """{"verdict", "reason", "best_step", "best_eval_loss"} from a Trainer log_history."""
    _, train = points(history, "loss")
    eval_steps, evals = points(history, "eval_loss")
    out: dict[str, Any] = {"best_step": None, "best_eval_loss": None}
    if evals:
        best = min(range(len(evals)), key=evals.__getitem__)
        out.update(best_step=eval_steps[best], best_eval_loss=evals[best])
    if len(train) < 4:
        return {**out, "verdict": "underfit", "reason": f"only {len(train)} logged train steps"}
    first, last = _edge_means(train, 0.1)
    if evals and out["best_step"] != eval_steps[-1] and evals[-1] > evals[best] * (1 + TURN):
        tail = [
            loss for s, loss in zip(*points(history, "loss"), strict=True) if s > eval_steps[best]
        ]
        if tail and fmean(tail[-max(1, len(tail) // 4) :]) < fmean(tail[: max(1, len(tail) // 4)]):
            return {
                **out,
                "verdict": "overfit",
                "reason": f"validation loss turned up after step {eval_steps[best]} "
                f"({evals[best]:.4f} -> {evals[-1]:.4f}) while train loss kept falling",
            }
    if abs(first - last) <= FLAT * first:
        return {
            **out,
            "verdict": "underfit",
            "reason": f"train loss flat ({first:.4f} -> {last:.4f})",
        }
    if len(evals) >= 2:  # validation points are less noisy than per-step train losses
        if evals[-1] < evals[-2] * (1 - STEEP):
            return {
                **out,
                "verdict": "underfit",
                "reason": f"validation loss still falling steeply ({evals[-2]:.4f} -> "
                f"{evals[-1]:.4f} between the last two evaluations)",
            }
    else:
        q_start, q_end = _edge_means(train[-max(2, len(train) // 4) :], 0.5)
        if q_end < q_start * (1 - STEEP):
            return {
                **out,
                "verdict": "underfit",
                "reason": f"train loss still falling steeply at the end ({q_start:.4f} -> "
                f"{q_end:.4f} over the last quarter)",
            }
    return {
        **out,
        "verdict": "well fit",
        "reason": f"train loss {first:.4f} -> {last:.4f} and levelling off; "
        "validation loss did not turn up",
    }
