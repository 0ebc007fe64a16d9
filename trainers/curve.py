"""The loss-curve PNG: train loss per step, eval loss at each evaluation, the base model as a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def points(history: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of one logged key in a Trainer log_history."""
    pairs = [(int(h["step"]), float(h[key])) for h in history if key in h and "step" in h]
    return [s for s, _ in pairs], [v for _, v in pairs]


def rolling_mean(values: list[float], window: int) -> list[float]:
    """Mean of each value and up to `window - 1` before it."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v - (values[i - window] if i >= window else 0.0)
        out.append(total / min(i + 1, window))
    return out


def plot_curve(
    history: list[dict[str, Any]], base_loss: float | None, path: Path, title: str = ""
) -> Path:
    """Write the curve with matplotlib's Agg backend (no display needed); returns `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    steps, losses = points(history, "loss")
    ax.plot(steps, losses, color="tab:blue", alpha=0.3, label="train loss")
    if len(losses) >= 10:  # one packed row per step is noisy: show the trend too
        smooth = rolling_mean(losses, max(3, len(losses) // 10))
        ax.plot(steps, smooth, color="tab:blue", label="train loss, rolling mean")
    steps, evals = points(history, "eval_loss")
    if evals:
        ax.plot(steps, evals, "o-", color="tab:orange", label="validation loss")
    if base_loss is not None:
        ax.axhline(
            base_loss,
            color="grey",
            linestyle="--",
            label=f"base model, validation ({base_loss:.3f})",
        )
    ax.set_xlabel("step")
    ax.set_ylabel("loss (mean over supervised tokens)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
