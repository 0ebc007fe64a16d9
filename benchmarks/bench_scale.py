"""How `prepare` scales: the speedup of 2 workers over 1, and peak memory from a 1x to a 10x corpus.

The corpus is real: ShareGPT dialogs written as long-layout CSV files, `sqlite3 .dump` files and
forum HTML pages (mixed_corpus.py), the full run (extract, clean with exact and near dedup, render
with the SmolLM2 tokenizer, split, pack, shards). Measured in one run, each `prepare` a separate
`rawtune prepare` process (timed wall clock; peak RSS from wait4 of that process, which with one
worker does everything itself):
- speed: the large corpus with `execution.workers=1` and `=2`; target speedup >= 1.7x;
- memory: one worker on the small corpus and on the large one (10x the dialogs); target
  large/small peak RSS <= 1.3x.
The shards of the 1- and 2-worker runs are compared byte for byte. Quick mode (BENCH_QUICK=1, as
`make bench` runs it unless BENCH_FULL=1): 2,000 dialogs, small corpus 200. Run under
`flock /tmp/rawtune-bench.lock` so benchmarks never overlap; the machine load (`uptime`) is recorded
next to the figures. Results: benchmarks/results/bench_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import QUICK, results_path  # noqa: E402
from mixed_corpus import build, sharegpt_dialogs  # noqa: E402

RAWTUNE = Path(sys.executable).with_name("rawtune")


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def run_prepare(sources: list[dict[str, Any]], work: Path, name: str, workers: int) -> dict:
    """One `rawtune prepare` process: wall time, peak RSS, and the shards' bytes digest."""
    import hashlib

    cfg = work / f"{name}.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "name": name,
                "sources": sources,
                "render": {"max_length": 512},
                "output": {"dir": str(work / "out")},
                "execution": {"backend": "local", "workers": workers},
            }
        )
    )
    before = load()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(RAWTUNE), "prepare", "--config", str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"prepare {name} failed: {err[-2000:]}")
    out = work / "out" / name
    manifest = json.loads((out / "manifest.json").read_text())
    digest = hashlib.sha256()
    for shard in sorted(out.glob("*.parquet")):
        digest.update(shard.read_bytes())
    result = {
        "workers": workers,
        "seconds": round(elapsed, 1),
        # CPU of the whole process tree (the pool's workers are waited for): on a shared machine
        # the wall-time ratio depends on the load, this shows the work added by sharding
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        "records_in": manifest["stages"]["clean"]["seen"],
        "rows": sum(s["count"] for s in manifest["token_stats"].values()),
        "shards_sha256": digest.hexdigest(),
        "load_before": before,
        "load_after": load(),
    }
    shutil.rmtree(out)
    print(json.dumps({name: result}), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dialogs", type=int, default=2_000 if QUICK else 20_000, help="the large corpus"
    )
    parser.add_argument("--out", type=Path, default=results_path("bench_scale"))
    args = parser.parse_args()

    dialogs = sharegpt_dialogs(args.dialogs)
    small_n = len(dialogs) // 10
    with tempfile.TemporaryDirectory(prefix="rawtune-scale-") as tmp:
        work = Path(tmp)
        small = build(dialogs[:small_n], work / "small", files_per_form=4)
        large = build(dialogs, work / "large", files_per_form=4)
        runs = {
            "small_w1": run_prepare(small, work, "small_w1", 1),
            "large_w1": run_prepare(large, work, "large_w1", 1),
            "large_w2": run_prepare(large, work, "large_w2", 2),
        }
    speedup = runs["large_w1"]["seconds"] / runs["large_w2"]["seconds"]
    growth = runs["large_w1"]["peak_rss_mb"] / runs["small_w1"]["peak_rss_mb"]
    result = {
        "quick": QUICK,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "corpus": {
            "large_dialogs": len(dialogs),
            "small_dialogs": small_n,
            "forms": "long-layout CSV (4 files), sqlite3 .dump (4 files), forum HTML (1 page each)",
        },
        "cpus": os.cpu_count(),
        "runs": runs,
        "speedup_2_vs_1": round(speedup, 2),
        "cpu_2_vs_1": round(runs["large_w2"]["cpu_seconds"] / runs["large_w1"]["cpu_seconds"], 2),
        "speedup_target": 1.7,
        "rss_growth_10x": round(growth, 2),
        "rss_growth_target": 1.3,
        "identical_shards_1_vs_2_workers": runs["large_w1"]["shards_sha256"]
        == runs["large_w2"]["shards_sha256"],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
