"""A training run's results for the report, read from the run folder the trainer writes:
`metrics.json` (eval base/final, log_history, fit verdict, config_hash), `loss_curve.png` and
`generations.jsonl` (id, source, prompt, reference, base, adapter)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from pipeline.inspect import charts

GENERATIONS_SHOWN = 50


def run_dir_of(manifest: dict[str, Any]) -> Path | None:
    """Where `rawtune train` with this folder's config writes (cfg.run_dir), if the config says."""
    train = manifest.get("config", {}).get("train") or {}
    if "output_dir" not in train:
        return None
    return Path(train["output_dir"]) / (train.get("run_name") or manifest.get("name", ""))


def load_run(run_dir: Path | None, config_hash: str | None) -> dict[str, Any] | None:
    """The run's numbers, curves and generations; None when no run has written metrics yet."""
    if run_dir is None or not (run_dir / "metrics.json").is_file():
        return None
    try:
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {"dir": str(run_dir), "error": "metrics.json is not valid JSON"}
    history = metrics.get("log_history") or []
    train_pts = [(h["step"], h["loss"]) for h in history if "loss" in h and "step" in h]
    eval_pts = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h and "step" in h]
    series = {k: v for k, v in (("train loss", train_pts), ("eval loss", eval_pts)) if v}
    evals = metrics.get("eval") or {}
    losses = [
        (k, (evals[k]["loss"],)) for k in ("base", "final") if (evals.get(k) or {}).get("loss")
    ]
    png = run_dir / "loss_curve.png"
    return {
        "dir": str(run_dir),
        "config_hash": metrics.get("config_hash"),
        "same_config": metrics.get("config_hash") == config_hash,
        "eval": {k: evals.get(k) or {} for k in ("base", "final")},
        "fit": metrics.get("fit") or {},
        "eval_chart": charts.stacked(losses, ("bar",), "eval loss, base vs final")
        if losses
        else "",
        "loss_chart": charts.lines(series, "loss per step") if series else "",
        "loss_png": _data_uri(png) if png.is_file() else None,
        "generations": _generations(run_dir / "generations.jsonl"),
    }


def _data_uri(png: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def _generations(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and len(out) < GENERATIONS_SHOWN:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a torn last line from an interrupted run; the rest still shows
    return out
