"""The benchmark table keeps full-size figures: a quick run (as `make bench` does for bench_train and
bench_scale) writes its own results file and the table prefers a full-size one."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402  (after the path insert)
import report  # noqa: E402


def test_quick_runs_write_their_own_file(monkeypatch):
    monkeypatch.setattr(harness, "QUICK", True)
    assert harness.results_path("bench_train").name == "bench_train.quick.json"
    monkeypatch.setattr(harness, "QUICK", False)
    assert harness.results_path("bench_train").name == "bench_train.json"


def test_table_prefers_the_full_size_run(tmp_path, monkeypatch):
    for name in ("bench_train.json", "bench_train.quick.json", "bench_scale.quick.json"):
        (tmp_path / name).write_text("{}")
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    assert {k: p.name for k, p in report.results_files().items()} == {
        "bench_train": "bench_train.json",
        "bench_scale": "bench_scale.quick.json",
    }


def test_results_record_the_versions_they_were_measured_with(tmp_path, monkeypatch):
    """A peer's new release can move a ratio by itself, so each results file names the versions."""
    import json

    monkeypatch.setattr(harness, "RESULTS", tmp_path)
    saved = json.loads(harness.save("bench_x", {"ratio": 1.0}).read_text())
    assert saved["versions"]["python"] == sys.version.split()[0]
    assert saved["versions"]["pydantic"]  # installed with rawtune itself
    assert saved["ratio"] == 1.0
