"""Mutation fuzz of the extractors: broken SQL, CSV and HTML (and broken gzip around them) never
raise out of extract, conservation holds, and pandas never warns of cutting a row."""

from __future__ import annotations

import gzip
import random
import warnings
from pathlib import Path

from pipeline.config import CsvSource, HtmlSource, SqlSource
from pipeline.extract import extract
from pipeline.stage import RejectSink, Report

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
SEEDS = {
    "sql": [
        (FIXTURES / "mixed.sql").read_bytes(),
        (FIXTURES / "broken.sql").read_bytes(),
        b"-- MySQL dump\nCREATE TABLE `t` (`user` text, `assistant` text);\n"
        b"INSERT INTO `t` VALUES ('a\\nb','c\\'d'),('e','f');\nDELIMITER ;;\n"
        b"CREATE PROCEDURE p() BEGIN SELECT 1; END ;;\nDELIMITER ;\n",
        b'COPY public.t ("user", assistant) FROM stdin;\na\\tb\tc\n\\N\td\n\\.\n',
        b"CREATE TABLE t(user text, assistant text);\n"
        b"INSERT INTO t VALUES(replace('a\\nb','\\n',char(10)),'x');\n"
        b"INSERT INTO t VALUES('y',unistr('\\u00e9'));\n",
    ],
    "csv": [
        (FIXTURES / "bad_lines.csv").read_bytes(),
        'user,assistant\n你好,世界\n"a\nb",c\n'.encode("gb18030"),
    ],
    "html": [(FIXTURES / "chat.html").read_bytes(), (FIXTURES / "faq.html").read_bytes()],
}
TOKENS = [b"'", b'"', b"\\", b";", b",", b"(", b")", b"\n", b"\r\n", b"\t", b"\x00", b"\xff\xfe",
          b"\xe4\xb8", b"--", b"/*", b"*/", b"$$", b"<", b">", b"</p>", b"<!--", b"NULL",
          b"DELIMITER ;;\n", b"\\.", b"E'", b"X'", b"0x", b"COPY t FROM stdin;\n",
          b"INSERT INTO t VALUES ", b"\x1f\x8b"]  # fmt: skip


def mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op, pos = rng.random(), rng.randint(0, len(out))
        if op < 0.3:
            del out[pos : pos + rng.randint(1, 20)]
        elif op < 0.7:
            out[pos:pos] = rng.choice(TOKENS)
        elif op < 0.85:
            out[pos:pos] = bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 6)))
        else:
            del out[pos:]
    return bytes(out)


def source(kind: str, name: str, rng: random.Random):
    if kind == "sql":
        return SqlSource(kind="sql", path=name, table="t", layout="wide")
    if kind == "csv":
        return CsvSource(kind="csv", path=name, layout="wide", chunksize=rng.choice([1, 2, 100]))
    return HtmlSource(kind="html", path=name, mode=rng.choice(["dialog", "document"]))


def test_mutated_inputs_never_raise_and_always_conserve(tmp_path):
    rng = random.Random(20261201)
    for i in range(800):
        kind = rng.choice(list(SEEDS))
        data = mutate(rng, rng.choice(SEEDS[kind]))
        name = f"{i}.{kind}"
        if rng.random() < 0.1:
            name += ".gz"
            data = gzip.compress(data) if rng.random() < 0.7 else data
        (tmp_path / name).write_bytes(data)
        report = Report()
        with warnings.catch_warnings(record=True) as caught, RejectSink(report) as sink:
            warnings.simplefilter("always")
            list(extract([source(kind, name, rng)], report, sink, tmp_path))
        report.check_conservation()
        assert not [w for w in caught if "Length of header" in str(w.message)], data
