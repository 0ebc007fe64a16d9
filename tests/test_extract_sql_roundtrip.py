"""Round trip: random text with every character the dialects escape, written as each tool writes
it (the real sqlite3 CLI; mysqldump's and pg_dump's escaping rules), read through tiny buffers,
comes back exactly, row for row."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline.extract.sql.scanner as sqlmod
from pipeline.config import SqlSource
from pipeline.extract import extract
from pipeline.stage import RejectSink, Report

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from dump_formats import copy_field, mysql_literal  # noqa: E402

PIECES = ["'", "''", '"', "\\", "\\\\", "\\n", "\n", "\r\n", "\r", "\t", ";", "--", "/*", "*/",
          "$$", "%", "_", "(", ")", ",", "NULL", "\\N", "\\.", "E'", "中文", "，", "😀", "x", " ",
          "\x1a", "\x01"]  # fmt: skip


def random_rows(seed: int, n: int = 60) -> list[tuple[str, str]]:
    rng = random.Random(seed)

    def text() -> str:
        s = "".join(rng.choices(PIECES, k=rng.randint(1, 12)))
        return s if s.strip() else s + "x"  # blank cells are (correctly) rejected; not tested here

    return [(text(), text()) for _ in range(n)]


def write_dump(dialect: str, rows: list[tuple[str, str]], path: Path) -> None:
    if dialect == "sqlite":
        db = path.with_suffix(".db")
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, user TEXT, assistant TEXT)")
        conn.executemany("INSERT INTO t (user, assistant) VALUES (?, ?)", rows)
        conn.commit()
        conn.close()
        path.write_bytes(subprocess.run(["sqlite3", str(db), ".dump"], check=True,
                                        capture_output=True).stdout)  # fmt: skip
        return
    lines = []
    if dialect == "mysql":
        lines += [
            "-- MariaDB dump 10.19",
            "CREATE TABLE `t` (`id` int, `user` text, `assistant` text);",
        ]
        values = [f"({i},{mysql_literal(u)},{mysql_literal(a)})" for i, (u, a) in enumerate(rows)]
        lines += ["INSERT INTO `t` VALUES " + ",".join(values[:25]) + ";",
                  "INSERT INTO `t` VALUES " + ",".join(values[25:]) + ";"]  # fmt: skip
    elif dialect == "pg-copy":
        lines += ["-- PostgreSQL database dump", 'CREATE TABLE public.t (id integer, "user" text, '
                  "assistant text);", 'COPY public.t (id, "user", assistant) FROM stdin;']  # fmt: skip
        lines += [f"{i}\t{copy_field(u)}\t{copy_field(a)}" for i, (u, a) in enumerate(rows)]
        lines += ["\\."]
    else:  # pg-inserts, standard_conforming_strings on: only '' doubles
        lines += ["-- PostgreSQL database dump", "SET standard_conforming_strings = on;",
                  'CREATE TABLE public.t (id integer, "user" text, assistant text);']  # fmt: skip

        def lit(s: str) -> str:
            return "'" + s.replace("'", "''") + "'"

        lines += [f"INSERT INTO public.t VALUES ({i}, {lit(u)}, {lit(a)});"
                  for i, (u, a) in enumerate(rows)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "pg-copy", "pg-inserts"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_text_round_trips_through_every_dialect(tmp_path, monkeypatch, dialect, seed):
    if dialect == "sqlite" and not shutil.which("sqlite3"):
        pytest.skip("sqlite3 CLI not installed")
    rows = random_rows(seed)
    write_dump(dialect, rows, tmp_path / "dump.sql")
    monkeypatch.setattr(sqlmod, "CHUNK", random.Random(seed).choice([3, 17, 1 << 20]))
    src = SqlSource(kind="sql", path="dump.sql", table="t", layout="wide")
    report = Report()
    with RejectSink(report) as sink:
        records = list(extract([src], report, sink, tmp_path))
    report.check_conservation()
    got = [(r.messages[0].content, r.messages[1].content) for r in records]
    assert got == rows
