"""Byte-range units of large SQL dumps: the ranges read one after another give exactly the records,
rejects and counts of the whole dump, in order, and a sharded `prepare` over them writes the same
bytes as one worker reading the dump whole.

Dumps hold real ShareGPT turn pairs (English and Chinese, newlines, quotes) written by the real
sqlite3 CLI, and as mysqldump and pg_dump --inserts write them (scripts/dump_formats.py, checked
against the real tools in test_extract_dumps.py), plus what makes a statement start hard to find:
`;` + newline + `INSERT` inside strings, other tables, a malformed statement, a mid-dump switch of
PostgreSQL's string rules.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import extracted, prepared_files

from pipeline.config import SqlSource
from pipeline.extract.inputs import input_units
from pipeline.extract.sql.ranges import dump_ranges

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))

from dump_formats import mysql_literal  # noqa: E402
from mixed_corpus import SHAREGPT, sharegpt_dialogs  # noqa: E402

TRAPS = [
    "ends here;\nINSERT INTO qa VALUES(1,'fake','row');\nand goes on",
    "-- not a comment; /* nor this */ 'quoted' \\'",
    "中文；\nCREATE TABLE qa (x text);\n结束",
]


@pytest.fixture(scope="module")
def pairs() -> list[tuple[str, str]]:
    if not SHAREGPT.exists():
        pytest.skip(f"{SHAREGPT} missing: run scripts/fetch_real_data.sh")
    out = [(turns[0][1], turns[1][1]) for turns in sharegpt_dialogs(260)]
    return [(u + (TRAPS[i % 3] if i % 11 == 3 else ""), a) for i, (u, a) in enumerate(out)]


def sqlite_dump(pairs: list[tuple[str, str]], path: Path) -> Path:
    """The real `sqlite3 .dump` of qa(id, user, assistant) and a second table interleaved."""
    db = path.with_suffix(".db")
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE qa (id INTEGER PRIMARY KEY, user TEXT, assistant TEXT)")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    for u, a in pairs:
        conn.execute("INSERT INTO qa (user, assistant) VALUES (?, ?)", (u, a))
        conn.execute("INSERT INTO notes (body) VALUES (?)", (a[:200],))
    conn.commit()
    conn.close()
    dump = subprocess.run(["sqlite3", str(db), ".dump"], check=True, capture_output=True).stdout
    path.write_bytes(dump)
    return path


def mysql_dump(pairs: list[tuple[str, str]], path: Path) -> Path:
    """mysqldump's form: extended INSERTs of 9 rows, backslash escapes, a malformed statement."""
    lines = ["-- MariaDB dump 10.19", "/*!40101 SET NAMES utf8mb4 */;",
             "CREATE TABLE `qa` (`id` int, `user` text, `assistant` text);"]  # fmt: skip
    rows = [f"({i},{mysql_literal(u)},{mysql_literal(a)})" for i, (u, a) in enumerate(pairs)]
    for k in range(0, len(rows), 9):
        lines.append("INSERT INTO `qa` VALUES " + ",".join(rows[k : k + 9]) + ";")
        if k == 90:
            lines.append("INSERT INTO `qa` VALUES (1,'unterminated;")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pg_insert_dump(pairs: list[tuple[str, str]], path: Path) -> Path:
    """pg_dump --inserts' form, with standard_conforming_strings switched off halfway."""
    lines = ["-- PostgreSQL database dump", "SET standard_conforming_strings = on;",
             'CREATE TABLE public.qa (id integer, "user" text, assistant text);']  # fmt: skip
    for i, (u, a) in enumerate(pairs):
        if i == len(pairs) // 2:
            lines.append("SET standard_conforming_strings = off;")
        off = i >= len(pairs) // 2
        q = (lambda s: mysql_literal(s)) if off else (lambda s: "'" + s.replace("'", "''") + "'")
        lines.append(f"INSERT INTO public.qa VALUES ({i}, {q(u)}, {q(a)});")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


WRITERS = {"sqlite": sqlite_dump, "mysql": mysql_dump, "pg_insert": pg_insert_dump}


def source(path: Path, **kw) -> SqlSource:
    return SqlSource(kind="sql", path=path.name, table="qa", layout="wide",
                     columns={"user": "user", "assistant": "assistant"}, **kw)  # fmt: skip


@pytest.mark.parametrize("dialect", sorted(WRITERS))
@pytest.mark.parametrize("size", [3_000, 40_000])
def test_ranges_give_the_whole_dumps_records_in_order(pairs, tmp_path, monkeypatch, dialect, size):
    """(With an 8 KB scanner buffer: a run of one-row INSERTs is matched a buffer at a time, and
    cuts land only between runs; the boundaries between buffers are exercised too.)"""
    import pipeline.extract.sql.scanner as scanner

    monkeypatch.setattr(scanner, "CHUNK", 8192)
    path = WRITERS[dialect](pairs, tmp_path / f"{dialect}.sql")
    src = source(path)
    spans = dump_ranges(path, src, size)
    assert spans is not None and len(spans) > 3
    assert spans[0].start == 0 and spans[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(spans, spans[1:], strict=False))
    data = path.read_bytes()
    for s in spans[1:]:  # every cut is a statement start, after a line break
        assert data[s.start - 1 : s.start] == b"\n"
        assert data[s.start :].startswith((b"INSERT", b"SET", b"CREATE", b"COMMIT")), data[
            s.start :
        ][:40]

    whole = extracted(input_units([src], tmp_path), src, tmp_path)
    cut_units = input_units([src], tmp_path, range_bytes=size, cut_dumps=True)
    assert len(cut_units) == len(spans)
    cut = extracted(cut_units, src, tmp_path)
    assert cut[0] == whole[0]  # records, ids and provenance (`x.sql:stmt N row M`) alike
    assert cut[1] == whole[1]  # rejects, in order
    assert cut[2] == whole[2]  # counts and the file's notes (statements added up over ranges)
    assert whole[2]["kept"] >= len(pairs) - 10
    if dialect == "mysql":
        assert any("malformed_statement" in r for r in whole[1])


def test_dumps_that_cannot_be_cut_exactly_stay_whole(pairs, tmp_path):
    path = sqlite_dump(pairs[:80], tmp_path / "d.sql")
    assert dump_ranges(path, source(path), 1_000) is not None
    assert dump_ranges(path, source(path), 10**9) is None  # small
    long = SqlSource(kind="sql", path="d.sql", table="qa", layout="long")
    assert dump_ranges(path, long, 1_000) is None  # conversations span the whole table
    missing = source(path).model_copy(update={"columns": {"user": "nope", "assistant": "x"}})
    assert dump_ranges(path, missing, 1_000) is None  # one table-level Reject, read whole
    gz = tmp_path / "d.sql.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert dump_ranges(gz, source(gz), 1_000) is None
    bom = tmp_path / "bom.sql"
    bom.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert dump_ranges(bom, source(bom), 1_000) is None
    latin = tmp_path / "latin.sql"
    latin.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    assert dump_ranges(latin, source(latin, encoding="gb18030"), 1_000) is None
    copy = tmp_path / "copy.sql"  # one COPY holds every row: a single statement
    body = "".join(f"{i}\tq{i}\ta{i}\n" for i in range(3_000))
    copy.write_text("-- PostgreSQL database dump\nCREATE TABLE qa (id int, \"user\" text, "
                    f"assistant text);\nCOPY qa (id, \"user\", assistant) FROM stdin;\n{body}\\.\n")  # fmt: skip
    assert dump_ranges(copy, source(copy), 1_000) is None
    bare = tmp_path / "bare.sql"  # rows with no CREATE TABLE before them
    bare.write_text("".join(f"INSERT INTO qa VALUES({i},'q','a');\n" for i in range(3_000)))
    assert dump_ranges(bare, source(bare), 1_000) is None


def test_one_worker_reads_dumps_whole(pairs, tmp_path):
    path = sqlite_dump(pairs[:80], tmp_path / "d.sql")
    assert len(input_units([source(path)], tmp_path, range_bytes=1_000)) == 1
    assert len(input_units([source(path)], tmp_path, range_bytes=1_000, cut_dumps=True)) > 1


@pytest.mark.parametrize("backend", ["local", pytest.param("ray", marks=pytest.mark.slow)])
def test_prepare_over_dump_ranges_matches_one_worker(pairs, tmp_path, monkeypatch, backend):
    """Two workers over statement ranges of a sqlite3 dump and a mysqldump give the bytes one
    worker gives reading both whole (on Ray too: the ranges travel to its workers)."""
    import pipeline.extract.ranges as ranges
    import pipeline.extract.sql.scanner as scanner

    if backend == "ray":
        pytest.importorskip("ray.data")
    sqlite_dump(pairs[:130], tmp_path / "a.sql")
    mysql_dump(pairs[130:], tmp_path / "b.sql")
    cfg_path = tmp_path / "run.yaml"
    srcs = "".join(
        f"  - {{kind: sql, path: {tmp_path / f}, table: qa, layout: wide, name: {n},"
        " columns: {user: user, assistant: assistant}}\n"
        for f, n in (("a.sql", "lite"), ("b.sql", "maria"))
    )
    cfg_path.write_text(
        f"name: dumps\nsources:\n{srcs}"
        "render: {max_length: 256, audit_samples: 10, batch_size: 8}\n"
        "output: {max_rows_per_shard: 16}\n"
    )
    one = prepared_files(cfg_path, tmp_path / "w1")
    monkeypatch.setattr(ranges, "RANGE_BYTES", 30_000)
    monkeypatch.setattr(scanner, "CHUNK", 8192)  # cuts inside sqlite's run of one-row INSERTs
    cfg_src = source(tmp_path / "a.sql")
    assert len(input_units([cfg_src], tmp_path, cut_dumps=True)) > 4
    two = prepared_files(
        cfg_path, tmp_path / "w2", "execution.workers=2", f"execution.backend={backend}"
    )
    assert two.keys() == one.keys()
    for name in one:
        assert two[name] == one[name], name
    stages = json.loads(one["stages"])
    assert stages["extract"]["kept"] >= 240 and stages["extract"]["rejected"]
