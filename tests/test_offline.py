"""`prepare` and `train` run with the hub switched off (HF_HUB_OFFLINE=1) and a socket guard that
fails, and logs, any connection attempt: nothing in the path may need the network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Loaded at interpreter start (sitecustomize) in the child processes: every connect() and every
# name lookup fails and is written to $OFFLINE_LOG, so an attempt swallowed by a retry is still seen.
GUARD = """
import os, socket

_LOG = os.environ["OFFLINE_LOG"]


def _refuse(what):
    with open(_LOG, "a") as fh:
        fh.write(repr(what) + "\\n")
    raise OSError(f"offline test: network access refused ({what!r})")


_connect = socket.socket.connect


def _guarded_connect(self, address):
    if self.family == socket.AF_UNIX:
        return _connect(self, address)
    _refuse(address)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect
socket.getaddrinfo = lambda host, *a, **k: _refuse(host)
socket.gethostbyname = lambda host: _refuse(host)
"""


@pytest.mark.slow  # about a minute: two processes, each importing torch and transformers
def test_prepare_and_train_offline_behind_a_socket_guard(
    tmp_path, smol_tokenizer, tiny_model_factory
):
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "connections.log"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "OFFLINE_LOG": str(log),
        "PYTHONPATH": os.pathsep.join([str(guard), os.environ.get("PYTHONPATH", "")]),
    }
    model_dir = tmp_path / "tiny"  # the tiny random Llama with the real tokenizer: a fast train
    tiny_model_factory(len(smol_tokenizer)).save_pretrained(model_dir)
    smol_tokenizer.save_pretrained(model_dir)
    common = ["--config", "configs/mixed.yaml", "--set", f"output.dir={tmp_path / 'processed'}",
              "--set", f"model.name_or_path={model_dir}",
              "--set", f"train.output_dir={tmp_path / 'outputs'}"]  # fmt: skip
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('example.com', 80))"],
                           env=env, capture_output=True, text=True)  # fmt: skip
    assert probe.returncode != 0 and "network access refused" in probe.stderr  # the guard works
    log.unlink()

    for command in (["prepare"], ["train", "--set", "train.max_steps=2"]):
        done = subprocess.run([sys.executable, "-m", "pipeline.cli", *command, *common], cwd=ROOT,
                              env=env, capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert not log.exists(), log.read_text()
    assert (tmp_path / "processed" / "mixed" / "manifest.json").is_file()
    assert list((tmp_path / "outputs").rglob("adapter_config.json"))


def test_hf_source_makes_no_connection_even_with_the_hub_on(tmp_path, monkeypatch):
    """`datasets.load_dataset` of a local file would send a download-count request; an `hf`
    source turns that off, so reading local data never touches the network."""
    import json
    import socket

    from pipeline.config import load_config
    from pipeline.extract import extract
    from pipeline.stage import RejectSink, Report

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access refused")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    line = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    (tmp_path / "d.jsonl").write_text(json.dumps(line) + "\n")
    cfg = load_config(None, ['sources=[{"kind": "hf", "path": "d.jsonl"}]'])
    report = Report()
    with RejectSink(report) as sink:
        records = list(extract(cfg.sources, report, sink, root=tmp_path))
    assert len(records) == 1 and attempts == []
