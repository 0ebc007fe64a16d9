"""The training commands as separate processes: resume after SIGKILL, and a 2-process torchrun (gloo)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _sets(processed: Path, model_dir: Path, outputs: Path, *more: str) -> list[str]:
    pairs = [
        f"output.dir={processed}",
        f"model.name_or_path={model_dir}",
        f"train.output_dir={outputs}",
        "train.early_stopping=null",
        "train.generations=1",
        "train.max_new_tokens=4",
        *more,
    ]
    return [arg for pair in pairs for arg in ("--set", pair)]


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "OMP_NUM_THREADS": "1"}


def test_sigkill_after_checkpoint_then_resume_reaches_the_planned_steps(
    sample_processed, tiny_model_dir, tmp_path
):
    steps, every = 30, 3
    args = [
        sys.executable, "-m", "pipeline.cli", "train", "--config", "configs/default.yaml",
        *_sets(sample_processed, tiny_model_dir, tmp_path, f"train.max_steps={steps}",
               f"train.save_steps={every}", f"train.eval_steps={every}"),
    ]  # fmt: skip
    run = tmp_path / "sample"
    first = run / "checkpoints" / f"checkpoint-{every}" / "trainer_state.json"
    proc = subprocess.Popen(
        args, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 600
    while not first.is_file() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert first.is_file(), proc.stderr.read().decode()[-2000:]
    assert not (run / "metrics.json").exists(), "the run ended before the kill; nothing to resume"
    before = json.loads(first.read_text())["log_history"]  # read now: rotation may delete it

    done = subprocess.run([*args, "--resume"], cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    history = json.loads((run / "metrics.json").read_text())["log_history"]
    assert [h["step"] for h in history if "loss" in h] == list(range(1, steps + 1))
    assert [h["step"] for h in history if "eval_loss" in h] == list(range(every, steps + 1, every))
    assert before and history[: len(before)] == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torchrun_two_processes_on_cpu(sample_processed, tiny_model_dir, tmp_path):
    """DDP over gloo with the tiny model: one run folder, written once, batch doubled."""
    if not (BIN / "torchrun").is_file():
        pytest.skip("torchrun not installed beside this python")
    done = subprocess.run(
        [
            str(BIN / "torchrun"), "--nproc_per_node", "2", "--master_port", str(_free_port()),
            "--no-python", "rawtune", "train", "--config", "configs/default.yaml",
            *_sets(sample_processed, tiny_model_dir, tmp_path, "train.max_steps=4",
                   "train.eval_steps=2", "train.save_steps=2"),
        ],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((tmp_path / "sample" / "metrics.json").read_text())
    assert metrics["plan"]["world_size"] == 2
    assert metrics["plan"]["effective_batch_rows"] == 2
    assert [h["step"] for h in metrics["log_history"] if "loss" in h] == [1, 2, 3, 4]
    assert metrics["eval"]["base"]["tokens"] == metrics["eval"]["final"]["tokens"] > 0
    assert done.stderr.count("effective batch 2 ") == 1  # rank 0 speaks, rank 1 not
    assert done.stderr.count("train: sample") == 1
    assert (tmp_path / "sample" / "adapter" / "adapter_model.safetensors").is_file()
    assert len((tmp_path / "sample" / "generations.jsonl").read_text().splitlines()) == 1
