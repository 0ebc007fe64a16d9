"""SQL dump extraction speed and memory: rawtune's streaming scanner vs the real sqlite3 CLI, for the
wide layout (one row per turn pair) and the long one (one row per message), as whole processes.

Tables, from real ShareGPT data (synthetic mixed Chinese/English text if it is not fetched):
- wide: `qa(id, user, assistant)` filled with user/assistant turn pairs, cycled to each size;
- long: `messages(conversation_id, turn, role, content)` with every turn of every conversation,
  repeated under new conversation ids to reach each size.
Each table is dumped with the real `sqlite3 .dump`, and the same rows are also written as
mysqldump writes them (extended INSERTs, backslash escapes), as pg_dump writes them (COPY) and
as pg_dump --inserts writes them (one INSERT per row). For each dump, a separate process (so
peak RSS is its own), repeated: the sqlite3 CLI loading the sqlite dump (`sqlite3 new.db <
dump.sql`: parse + execute + write), rawtune's scanner alone (events), and rawtune's extraction
to Dialog records. Reported per side: MB/s min/median/max whole process and in-process, peak RSS,
and the rawtune/sqlite3 ratio (target >= 0.5x, RSS <= 300 MB and flat from the small dump to the
big one: long-layout conversations spill to disk).

    .venv/bin/python benchmarks/bench_sql_extract.py [--sizes 10 120] [--layouts wide long]
        [--repeat 3] [--quick]

Results go to benchmarks/results/bench_sql_extract.json. On a loaded machine run it under
`taskset -c 0`: both sides then share one CPU (recorded as `cpu_affinity`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from dump_formats import copy_field, mysql_literal  # noqa: E402
from harness import QUICK, SHAREGPT, load, repeat, run_process, save, spread  # noqa: E402

from pipeline.sharegpt import iter_objects  # noqa: E402  (after the path insert)

TABLES = {
    "wide": ("qa", ["id", "user", "assistant"], "id INTEGER PRIMARY KEY, user TEXT, assistant TEXT"),
    "long": ("messages", ["conversation_id", "turn", "role", "content"],
             "conversation_id TEXT, turn INTEGER, role TEXT, content TEXT"),
}  # fmt: skip
ROLES = {"human": "user", "gpt": "assistant", "system": "system"}
DIALECTS = ("sqlite", "mysql", "pg_copy", "pg_insert")


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


def sharegpt_messages() -> Iterator[tuple[str, int, str, str]]:
    """(conversation id, turn, role, content) of every turn with a known role and some text."""
    for obj in iter_objects(SHAREGPT):
        for turn, t in enumerate(obj.get("conversations") or []):
            if t.get("from") in ROLES and t.get("value"):
                yield str(obj.get("id")), turn, t["from"], t["value"]


def table_rows(layout: str, target_mb: int) -> Iterator[tuple]:
    """Rows of about target_mb of text: real data cycled (under new ids for the long layout)."""
    real = SHAREGPT.exists()
    if layout == "wide":
        pairs = list(_take(sharegpt_pairs() if real else synthetic_pairs(), 40_000))
    else:
        pairs = list(sharegpt_messages()) if real else [
            (f"c{i // 4}", i % 4, ("human", "gpt")[i % 2], text)
            for i, (text, _) in enumerate(_take(synthetic_pairs(), 40_000))]  # fmt: skip
    size, i, target = 0, 0, target_mb * 1_000_000
    while size < target:
        row = pairs[i % len(pairs)]
        if layout == "wide":
            yield (i + 1, *row)
        else:
            cycle = i // len(pairs)
            yield (f"{row[0]}#{cycle}" if cycle else row[0], *row[1:])
        size += sum(len(str(v).encode()) for v in row) + 40
        i += 1


def make_dumps(layout: str, target_mb: int, workdir: Path) -> dict[str, Path]:
    """The table dumped by the real sqlite3 CLI, and the same rows in the other three forms."""
    table, cols, ddl = TABLES[layout]
    db = workdir / f"{layout}_{target_mb}.db"
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE {table} ({ddl})")
    marks = ",".join("?" * len(cols))
    batch: list[tuple] = []
    for row in table_rows(layout, target_mb):
        batch.append(row)
        if len(batch) == 5000:
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
            batch.clear()
    conn.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)
    conn.commit()
    conn.close()
    stem = workdir / f"{layout}_{target_mb}"
    dumps = {d: stem.with_suffix(f".{d}.sql") for d in DIALECTS}
    with dumps["sqlite"].open("wb") as fh:
        subprocess.run(["sqlite3", str(db), ".dump"], stdout=fh, check=True)
    write_other_dumps(db, table, cols, dumps)
    db.unlink()
    return dumps


def _sql_value(v) -> str:
    return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"


def write_other_dumps(db: Path, table: str, cols: list[str], dumps: dict[str, Path]) -> None:
    """The same rows as mysqldump writes them (extended INSERTs of about 1 MB, backslash escapes),
    as pg_dump writes them (a COPY block) and as pg_dump --inserts (an INSERT per row), so every
    dialect's path is timed on equal content. Written here because the bench has no database
    servers; tests/test_extract_dumps.py checks the real tools' output extracts identically."""
    conn = sqlite3.connect(db)
    types = {"id": "int", "turn": "int"}
    my_cols = ", ".join(f"`{c}` {types.get(c, 'text')}" for c in cols)
    pg_cols = ", ".join(f'"{c}" {types.get(c, "text")}' for c in cols)
    col_list = ", ".join(f'"{c}"' for c in cols)
    with (dumps["mysql"].open("w", encoding="utf-8") as my,
          dumps["pg_copy"].open("w", encoding="utf-8") as pg,
          dumps["pg_insert"].open("w", encoding="utf-8") as pgi):  # fmt: skip
        my.write(f"-- MariaDB dump 10.19\nCREATE TABLE `{table}` ({my_cols}) "
                 "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n")  # fmt: skip
        head = ("-- PostgreSQL database dump\nSET standard_conforming_strings = on;\n"
                f"CREATE TABLE public.{table} ({pg_cols});\n")  # fmt: skip
        pg.write(head + f"COPY public.{table} ({col_list}) FROM stdin;\n")
        pgi.write(head)
        rows, size = [], 0
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            my_row = ",".join(str(v) if isinstance(v, int) else mysql_literal(v) for v in row)
            rows.append(f"({my_row})")
            size += len(rows[-1])
            if size > 1_000_000:
                my.write(f"INSERT INTO `{table}` VALUES " + ",".join(rows) + ";\n")
                rows, size = [], 0
            pg.write("\t".join(str(v) if isinstance(v, int) else copy_field(v) for v in row))
            pg.write("\n")
            pgi.write(f"INSERT INTO public.{table} VALUES ({', '.join(map(_sql_value, row))});\n")
        if rows:
            my.write(f"INSERT INTO `{table}` VALUES " + ",".join(rows) + ";\n")
        pg.write("\\.\n")
    conn.close()


def _take(it: Iterator, n: int) -> Iterator:
    for i, x in enumerate(it):
        if i >= n:
            return
        yield x


def worker(mode: str, dump: str, layout: str) -> None:
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
            table = TABLES[layout][0]
            events = DumpScanner(DecodedReader(raw, "utf-8"), lambda t: t == table).events()
            n = sum(len(ev.rows) for ev in events if ev.kind in ("rows", "run"))
    else:
        report = Report()
        roles = {"human": "user", "gpt": "assistant"}
        src = SqlSource(kind="sql", path=dump, table=TABLES[layout][0], layout=layout, roles=roles)
        with RejectSink(report) as sink:
            tally = Tally(report.stage("extract"), sink)
            n = sum(1 for _ in extract_sql_dump(src, tally, Path("/")))
        report.check_conservation()
    print(json.dumps({"rows": n, "in_process_seconds": time.perf_counter() - t0}))


def summary(results: list[dict], mb: float) -> dict:
    """min/median/max MB/s (whole process and in-process) and peak RSS of repeated runs."""
    out = {
        "mb_per_s": spread([mb / r["seconds"] for r in results], 1),
        "rss_mb": spread([r["rss_mb"] for r in results], 0),
        "load_at_start": [r["load_at_start"] for r in results],
    }
    if "in_process_seconds" in results[0]:
        out["mb_per_s_in_process"] = spread([mb / r["in_process_seconds"] for r in results], 1)
        out["rows"] = results[0]["rows"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5, 30] if QUICK else [10, 120],
                    help="dump sizes in MB")  # fmt: skip
    ap.add_argument("--layouts", nargs="+", default=["wide", "long"])
    ap.add_argument("--repeat", type=int, default=1 if QUICK else 3)
    ap.add_argument("--quick", action="store_true", help="small dumps, one run")
    ap.add_argument("--worker", nargs=3, metavar=("MODE", "DUMP", "LAYOUT"))
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return

    here, runs = str(Path(__file__).resolve()), []
    with tempfile.TemporaryDirectory(prefix="rawtune-bench-sql-") as tmp:
        work = Path(tmp)
        for layout in args.layouts:
            for target in args.sizes:
                dumps = make_dumps(layout, target, work)
                mb = {d: p.stat().st_size / 1e6 for d, p in dumps.items()}
                newdb = work / "load.db"

                def sqlite_cli(dump=dumps["sqlite"], newdb=newdb) -> dict:
                    newdb.unlink(missing_ok=True)
                    return run_process(["sqlite3", str(newdb)], stdin=dump)

                sides = {"sqlite3_cli": sqlite_cli}
                sides["rawtune_scan_sqlite"] = lambda d=dumps["sqlite"], lay=layout: run_process(
                    [sys.executable, here, "--worker", "scan", str(d), lay]
                )
                for dialect, path in dumps.items():
                    sides[f"rawtune_extract_{dialect}"] = lambda p=path, lay=layout: run_process(
                        [sys.executable, here, "--worker", "extract", str(p), lay]
                    )
                results = repeat(args.repeat, sides)
                run = {"layout": layout, "target_mb": target,
                       "dump_mb": {d: round(v, 1) for d, v in mb.items()},
                       "content": "sharegpt" if SHAREGPT.exists() else "synthetic"}  # fmt: skip
                for side, res in results.items():
                    dialect = (
                        side.removeprefix("rawtune_extract_") if "extract" in side else "sqlite"
                    )
                    run[side] = summary(res, mb[dialect])
                counts = {run[s]["rows"] for s in run if s.startswith("rawtune_extract")}
                assert len(counts) == 1, f"the dialects extracted different counts: {counts}"
                theirs = run["sqlite3_cli"]["mb_per_s"]["median"]
                run["ratio_vs_sqlite3"] = {
                    s[len("rawtune_"):]: {
                        "whole_process": round(run[s]["mb_per_s"]["median"] / theirs, 2),
                        "in_process": round(run[s]["mb_per_s_in_process"]["median"] / theirs, 2),
                    }
                    for s in run if s.startswith("rawtune_")
                }  # fmt: skip
                runs.append(run)
                print(f"{layout} {mb['sqlite']:.0f} MB: sqlite3 {theirs} MB/s; " + ", ".join(
                    f"{k} x{v['whole_process']} (in-process x{v['in_process']}), "
                    f"{run['rawtune_' + k]['rss_mb']['max']} MB"
                    for k, v in run["ratio_vs_sqlite3"].items()), flush=True)  # fmt: skip
                for p in dumps.values():
                    p.unlink()
    growth = {}
    for layout in args.layouts:
        mine = [r for r in runs if r["layout"] == layout]
        if len(mine) >= 2:
            growth[layout] = {
                s: round(mine[-1][s]["rss_mb"]["max"] / mine[0][s]["rss_mb"]["max"], 2)
                for s in mine[0]
                if s.startswith("rawtune_extract") or s == "sqlite3_cli"
            }
    # `taskset -c 0 ... bench_sql_extract.py` on a loaded machine: every side (the sqlite3 CLI too)
    # inherits the one CPU, so the ratio compares like with like; the report says so
    cpus = sorted(os.sched_getaffinity(0))
    result = {"runs": runs, "rss_growth_small_to_big": growth, "repeats": args.repeat,
              "targets": {"ratio_vs_sqlite3": 0.5, "rss_mb_max": 300}, "load": load(),
              "cpu_affinity": cpus if len(cpus) < (os.cpu_count() or 1) else "all"}  # fmt: skip
    print(f"results -> {save('bench_sql_extract', result)}")


if __name__ == "__main__":
    main()
