"""The CLI turns user errors into one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, capture_output=True, text=True
    )


def test_misspelt_key_is_one_line(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("name: x\ntrain: {max_stpes: 3}\n")
    res = run("prepare", "--config", str(cfg))
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert "train.max_stpes" in lines[0] and "max_steps" in lines[0]
    assert "Traceback" not in res.stderr


def test_missing_input_is_one_line(tmp_path):
    res = run(
        "clean",
        str(tmp_path / "nope.jsonl"),
        "-o",
        str(tmp_path / "o.jsonl"),
        "--rejects",
        str(tmp_path / "r.jsonl"),
    )
    assert res.returncode != 0
    assert "Traceback" not in res.stderr
    assert len([ln for ln in res.stderr.splitlines() if ln.strip()]) == 1


def test_train_without_prepare_is_one_line(tmp_path):
    res = run(
        "train",
        "--config",
        str(ROOT / "configs" / "default.yaml"),
        "--set",
        f"output.dir={tmp_path}",
    )
    assert res.returncode == 2
    assert "manifest.json missing" in res.stderr
