"""Compressed inputs (`.gz`, `.bz2`, `.xz`) extract exactly like the plain files: Debian ships big
HTML pages gzipped and SQL dumps usually come through gzip. A corrupt archive is a reject."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pytest
from conftest import real_data

from pipeline.config import CsvSource, HtmlSource, SqlSource
from pipeline.extract import extract
from pipeline.stage import RejectSink, Report

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
PACK = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


def run(root: Path, src):
    report = Report()
    with RejectSink(report) as sink:
        records = list(extract([src], report, sink, root))
    report.check_conservation()
    return [r.model_dump(exclude={"id", "source"}) for r in records], report.stage("extract")


@pytest.mark.parametrize("ext", list(PACK))
def test_compressed_sql_csv_html_match_the_plain_files(tmp_path, ext):
    csv_text = "问题,回答\n你好，今天天气怎么样？,很好，我们去公园吧。\n请问这个多少钱？,一百元。\n"
    plain = {
        "dump.sql": (FIXTURES / "mixed.sql").read_bytes(),
        "faq.csv": csv_text.encode("gb18030"),  # undeclared GBK: detection runs on the stream
        "page.html": (FIXTURES / "chat.html").read_bytes(),
    }
    for name, data in plain.items():
        (tmp_path / "plain").mkdir(exist_ok=True)
        (tmp_path / "packed").mkdir(exist_ok=True)
        (tmp_path / "plain" / name).write_bytes(data)
        (tmp_path / "packed" / (name + ext)).write_bytes(PACK[ext](data))
    for folder_src in (
        lambda d: SqlSource(kind="sql", path=d, table="t", layout="wide", name="x"),
        lambda d: CsvSource(kind="csv", path=d, layout="wide", name="x"),
        lambda d: HtmlSource(kind="html", path=d, mode="document", name="x"),
    ):
        want, want_stats = run(tmp_path, folder_src("plain"))
        got, got_stats = run(tmp_path, folder_src("packed"))
        assert want and got == want
        assert got_stats.rejected == want_stats.rejected


def test_corrupt_archive_is_a_reject_not_a_traceback(tmp_path):
    good = gzip.compress(b"CREATE TABLE t (user text, assistant text);\n" * 2000)
    (tmp_path / "cut.sql.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "junk.html.gz").write_bytes(b"\x1f\x8b not really gzip")
    _, stats = run(tmp_path, SqlSource(kind="sql", path="cut.sql.gz", table="t", layout="wide"))
    assert stats.rejected == {"unreadable": 1}
    _, stats = run(tmp_path, HtmlSource(kind="html", path="junk.html.gz", mode="document"))
    assert stats.rejected == {"unreadable": 1}


def test_debians_gzipped_changelog_page_is_read():
    page = real_data("python-doc", "usr/share/doc/python3.11/html/whatsnew/changelog.html.gz")
    records, stats = run(page.parent, HtmlSource(kind="html", path=page.name, mode="document"))
    assert stats.kept == 1 and "Python" in records[0]["text"]
