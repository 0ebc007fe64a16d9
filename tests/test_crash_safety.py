"""SIGKILL during `prepare`, at 10 random points, never leaves an output that `train` would take as
complete (a manifest whose shards are all there, unchanged); the next run succeeds."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def assert_complete(out: Path) -> None:
    """What `train` relies on: manifest.json, and exactly the shards it lists, byte for byte."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = set()
    for split in manifest["shards"].values():
        for f in split["files"]:
            data = (out / f["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == f["sha256"], f["name"]
            listed.add(f["name"])
    assert {p.name for p in out.glob("*.parquet")} == listed
    assert (out / "rejects.jsonl").is_file()


def looks_safe(out: Path) -> bool:
    """True when `out` is absent, has no manifest (train refuses it), or is complete."""
    if not (out / "manifest.json").exists():
        return True
    assert_complete(out)
    return True


def wait_for_writing(root: Path, out: Path, proc: subprocess.Popen, timeout: float) -> bool:
    """Poll until a temporary shard folder (any folder beside `out`) exists, i.e. shards are being
    written (True), or the process ends or time runs out (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if root.is_dir() and any(p.is_dir() and p != out for p in root.iterdir()):
            return True
        time.sleep(0.005)
    return False


@pytest.mark.slow
def test_sigkill_during_prepare_never_leaves_a_complete_looking_output(tmp_path):
    root = tmp_path / "processed"
    out = root / "mixed"
    # one row per shard: many files and fsyncs, so the write phase is a real window to hit
    args = [sys.executable, "-m", "pipeline.cli", "prepare", "--config", "configs/mixed.yaml",
            "--set", f"output.dir={root}", "--set", "output.max_rows_per_shard=1"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    start = time.monotonic()
    first = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)  # fmt: skip
    assert wait_for_writing(root, out, first, 600)
    write_start = time.monotonic()
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err.decode()
    total, writing = time.monotonic() - start, time.monotonic() - write_start
    assert_complete(out)
    reference = {p.name: p.read_bytes() for p in out.glob("*.parquet")}

    rng = random.Random(21)
    in_write_phase = 0
    for i in range(10):
        if i % 2:
            shutil.rmtree(out, ignore_errors=True)  # half the runs have no earlier output
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        if i < 5:  # anywhere in the run
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=rng.uniform(0.1, 1.0) * total)
        elif wait_for_writing(root, out, proc, 600):  # inside the shard-writing window
            time.sleep(rng.uniform(0, writing))
            in_write_phase += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert looks_safe(out), i
    assert in_write_phase == 5

    subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)
    assert_complete(out)
    assert {p.name: p.read_bytes() for p in out.glob("*.parquet")} == reference
    assert [p for p in root.iterdir() if p.is_dir()] == [out]  # no temporary folder left
