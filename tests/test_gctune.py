"""Every rawtune process (the command, pool workers) runs with the tuned collector thresholds."""

from __future__ import annotations

import gc

from pipeline.cli import main
from pipeline.execute.local import LocalBackend
from pipeline.gctune import THRESHOLDS


def _thresholds(_: object) -> tuple[int, int, int]:
    return gc.get_threshold()


def test_the_command_sets_the_thresholds(tmp_path):
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        missing = str(tmp_path / "missing.jsonl")
        args = ["clean", missing, "-o", str(tmp_path / "o"), "--rejects", str(tmp_path / "r")]
        assert main(args) == 2  # the missing file is reported after the setup
        assert gc.get_threshold() == THRESHOLDS
    finally:
        gc.set_threshold(*before)


def test_pool_workers_set_the_thresholds():
    with LocalBackend(workers=2) as backend:
        assert list(backend.map(_thresholds, [0, 1])) == [THRESHOLDS, THRESHOLDS]
