"""SQL dump scanner: dialect literal rules, streaming across buffer boundaries, malformed statements,
CREATE TABLE columns, and conservation on every input."""

from __future__ import annotations

from pathlib import Path

import pytest

import pipeline.extract.sql.scanner as sqlmod
from pipeline.config import SqlSource
from pipeline.extract import extract
from pipeline.extract.sql.ddl import parse_create_table
from pipeline.stage import RejectSink, Report

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def run(tmp_path: Path, text: str | bytes, **kw):
    path = tmp_path / "dump.sql"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    src = SqlSource(kind="sql", path="dump.sql", **{"table": "t", "layout": "wide", **kw})
    report = Report()
    with RejectSink(report) as sink:
        records = list(extract([src], report, sink, tmp_path))
    report.check_conservation()
    return records, report.stage("extract")


def pairs(records):
    return [(r.messages[0].content, r.messages[1].content) for r in records]


def test_mysql_backslash_escapes_including_a_string_ending_in_a_backslash(tmp_path):
    dump = (
        "-- MySQL dump 10.13\n"
        "CREATE TABLE `t` (`user` text, `assistant` text);\n"
        "INSERT INTO `t` VALUES ('ends in \\\\','it\\'s'),('a\\nb\\tc','\\\"q\\\" \\0 \\Z'),"
        "('x''y','50\\% \\_');\n"
    )
    records, stats = run(tmp_path, dump)
    assert pairs(records) == [
        ("ends in \\", "it's"),
        ("a\nb\tc", '"q" \x00 \x1a'),
        ("x'y", "50\\% \\_"),
    ]
    assert stats.notes["files"]["dump.sql"]["dialect"] == "mysql"


def test_standard_strings_keep_backslashes_and_postgres_e_strings_escape(tmp_path):
    dump = (
        "-- PostgreSQL database dump\nSET standard_conforming_strings = on;\n"
        'CREATE TABLE public.t ("user" text, assistant text);\n'
        "INSERT INTO public.t VALUES ('C:\\path\\n', E'tab\\there\\nnew\\\\ \\x41\\u00e9 it''s');\n"
        "INSERT INTO public.t (assistant, \"user\") VALUES ('answer'::text, 'question');\n"
    )
    records, _ = run(tmp_path, dump)
    assert pairs(records) == [("C:\\path\\n", "tab\there\nnew\\ Aé it's"), ("question", "answer")]


def test_standard_conforming_strings_off_turns_backslash_escapes_on(tmp_path):
    dump = (
        "SET standard_conforming_strings = off;\n"
        "CREATE TABLE t (user text, assistant text);\n"
        "INSERT INTO t VALUES ('a\\nb', 'c\\\\d');\n"
    )
    records, _ = run(tmp_path, dump, dialect="postgresql")
    assert pairs(records) == [("a\nb", "c\\d")]


def test_sqlite_functions_replace_char_unistr(tmp_path):
    dump = (
        "CREATE TABLE t(user text, assistant text);\n"
        "INSERT INTO t VALUES(replace(replace('a\\r\\nb','\\r',char(13)),'\\n',char(10)),"
        "unistr('caf\\u00e9 \\\\ ok'));\n"
        "INSERT INTO t VALUES(replace('x\\012y','\\012',char(10)), char(20013, 25991));\n"
    )
    records, _ = run(tmp_path, dump)
    assert pairs(records) == [("a\r\nb", "café \\ ok"), ("x\ny", "中文")]


def test_copy_block_escapes_and_null(tmp_path):
    dump = (
        'COPY public.t ("user", assistant, note) FROM stdin;\n'
        "tab\\there\\nnew\t\\\\N is text\t\\N\n"
        "中文\tok\t\\N\n"
        "\\.\n"
    )
    records, _ = run(tmp_path, dump)
    assert pairs(records) == [("tab\there\nnew", "\\N is text"), ("中文", "ok")]


def test_malformed_statement_is_a_reject_and_the_dump_goes_on(tmp_path):
    dump = (FIXTURES / "broken.sql").read_text(encoding="utf-8")
    records, stats = run(tmp_path, dump)
    assert pairs(records) == [("q1", "a1"), ("q2", "a2"), ("q4", "a4"), ("q5", "a5")]
    assert stats.rejected == {
        "malformed_statement": 2,
        "column_count_mismatch": 1,
    }
    examples = stats.examples["malformed_statement"]
    assert examples[0]["source"].startswith("dump.sql:stmt ")
    assert "junk" in examples[0]["detail"]


def test_provenance_names_statement_and_row(tmp_path):
    dump = (
        "CREATE TABLE t (user text, assistant text);\nINSERT INTO t VALUES ('a','b'),('c','d');\n"
    )
    records, _ = run(tmp_path, dump)
    assert [r.source for r in records] == ["dump.sql:stmt 2 row 1", "dump.sql:stmt 2 row 2"]
    assert all(r.source_name == "dump.sql" for r in records)


def test_missing_table_is_one_reject(tmp_path):
    records, stats = run(
        tmp_path, "CREATE TABLE other (a text);\nINSERT INTO other VALUES ('x');\n"
    )
    assert records == [] and stats.rejected == {"table_not_found": 1}


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_buffer_boundaries_do_not_change_results(tmp_path, monkeypatch, chunk):
    """Every token can be cut by the 1 MB read buffer; a tiny buffer must give the same rows."""
    dump = (FIXTURES / "mixed.sql").read_text(encoding="utf-8")
    expected, expected_stats = run(tmp_path, dump)
    assert len(expected) == 5
    monkeypatch.setattr(sqlmod, "CHUNK", chunk)
    got, stats = run(tmp_path, dump)
    assert pairs(got) == pairs(expected)
    assert [r.source for r in got] == [r.source for r in expected]
    assert stats.rejected == expected_stats.rejected


def test_one_huge_insert_streams(tmp_path, monkeypatch):
    """Far past sqlparse's 10,000-token grouping limit, read through a small buffer."""
    n = 30_000
    rows = ",".join(f"('q{i} 中文','a{i}')" for i in range(n))
    dump = f"CREATE TABLE t (user text, assistant text);\nINSERT INTO t VALUES {rows};\n"
    monkeypatch.setattr(sqlmod, "CHUNK", 4096)
    records, stats = run(tmp_path, dump)
    assert len(records) == n and stats.kept == n
    assert pairs(records[-1:]) == [(f"q{n - 1} 中文", f"a{n - 1}")]


def test_parse_create_table_columns_and_binary_types():
    ddl = (
        "CREATE TABLE IF NOT EXISTS `db`.`conv` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
        "  \"content\" text DEFAULT 'a,b', price numeric(10,2), att longblob,\n"
        "  PRIMARY KEY (`id`), KEY idx (price, id), CONSTRAINT fk FOREIGN KEY (id) REFERENCES x(id)\n"
        ") ENGINE=InnoDB"
    )
    assert parse_create_table(ddl) == ("conv", ["id", "content", "price", "att"], {"att"})


def test_invalid_bytes_in_a_text_value_are_rejected_not_guessed(tmp_path):
    dump = b"CREATE TABLE t (user text, assistant text);\nINSERT INTO t VALUES ('ok','fine'),('bad \xff','x');\n"
    records, stats = run(tmp_path, dump)
    assert pairs(records) == [("ok", "fine")]
    assert stats.rejected == {"undecodable_value": 1}


RUN_DUMP = (
    "CREATE TABLE t(id integer, user text, assistant text, blob_col blob);\n"
    "CREATE TABLE other(a text);\n"
    "INSERT INTO t VALUES(1,'plain','it''s',NULL);\n"
    "INSERT INTO t VALUES(2,replace('l1\\nl2','\\n',char(10)),'中文 ''q''',X'00ff');\n"
    "INSERT INTO t VALUES(3,replace(replace('a\\r\\nb','\\r',char(13)),'\\n',char(10)),'x',NULL);\n"
    "INSERT INTO other VALUES('skipped');\n"
    "INSERT INTO t VALUES(4,'after other','y',NULL);\n"
    "-- a comment between rows\n"
    "INSERT INTO t VALUES(5,unistr('caf\\u00e9'),'slow path',NULL);\n"
    "INSERT INTO t VALUES(6,'back on the run',-1.5e3,true);\n"
    "INSERT INTO t VALUES(7,NULL,'no user',NULL);\n"
    "INSERT INTO t VALUES(8,'too few');\n"
    "INSERT INTO t VALUES(9,'last','z',NULL);\n"
)


@pytest.mark.parametrize("chunk", [3, 64, 1 << 20])
def test_one_row_statement_runs_match_the_general_path(tmp_path, monkeypatch, chunk):
    """sqlite3 .dump / pg_dump --inserts runs take a one-regex-per-statement path; it must give
    exactly what the statement loop gives, across buffer cuts, other tables and odd values."""
    monkeypatch.setattr(sqlmod, "CHUNK", chunk)
    fast, fast_stats = run(tmp_path, RUN_DUMP)
    monkeypatch.setattr(sqlmod.DumpScanner, "_run", lambda self, *args: iter(()))
    slow, slow_stats = run(tmp_path, RUN_DUMP)
    assert [r.model_dump() for r in fast] == [r.model_dump() for r in slow]
    assert fast_stats.rejected == slow_stats.rejected
    assert fast_stats.rejected == {"incomplete_pair": 1, "column_count_mismatch": 1}
    assert fast_stats.notes == slow_stats.notes
    assert [r.source for r in fast][:3] == [f"dump.sql:stmt {i} row 1" for i in (3, 4, 5)]
    assert pairs(fast)[:3] == [("plain", "it's"), ("l1\nl2", "中文 'q'"), ("a\r\nb", "x")]
    assert ("café", "slow path") in pairs(fast) and ("back on the run", "-1.5e3") in pairs(fast)


@pytest.mark.parametrize("chunk", [2, 5, 1 << 20])
def test_delimiter_blocks_are_code_not_rows(tmp_path, monkeypatch, chunk):
    """`DELIMITER //` ... `DELIMITER ;` (stored routines, triggers) is skipped whole: the INSERTs
    in a procedure body are not rows, and the rows around the block are all read."""
    dump = (
        "-- MySQL dump 10.19\n"
        "CREATE TABLE `t` (`user` text, `assistant` text);\n"
        "INSERT INTO `t` VALUES ('q1','a1');\n"
        "DELIMITER //\n"
        "CREATE PROCEDURE p() BEGIN\n"
        "  INSERT INTO t VALUES ('not','a row'); INSERT INTO t VALUES (NEW.x, 'nor this');\n"
        "END //\n"
        "  delimiter ;;\n"
        "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW INSERT INTO t VALUES ('x','y') ;;\n"
        "DELIMITER ;\n"
        "INSERT INTO `t` VALUES ('q2','a2');\n"
    )
    monkeypatch.setattr(sqlmod, "CHUNK", chunk)
    records, stats = run(tmp_path, dump)
    assert pairs(records) == [("q1", "a1"), ("q2", "a2")]
    assert stats.rejected == {}
    assert stats.notes["files"]["dump.sql"]["statements"]["delimiter_block"] == 2


def _random_texts(seed: int, common: list[str], odd: list[str]):
    """Short random texts from escape tokens: half of them of `common` tokens only (so the bulk
    decoder runs on them), half with `odd` ones mixed in (so it must hand over)."""
    import random

    rng = random.Random(seed)
    plain = ["n", "b", "'", "1", "a", "中", "\ue000", " ", "\\"]
    for i in range(20000):
        tokens = common + plain + (odd if i % 2 else [])
        yield "".join(rng.choices(tokens, k=rng.randint(0, 12)))


def test_mysql_unescape_bulk_path_matches_the_escape_by_escape_rules():
    """Random bodies over every escape mysqldump writes (and some it does not, and undecodable
    bytes): the bulk decoder gives exactly what the per-escape rules give."""
    from pipeline.extract.sql.literals import _BS_ESC, Dialect, _mysql_escape

    mysql = Dialect("mysql", backslash=True)
    common = ["\\\\", "\\n", "\\'", '\\"', "\\t", "\\r", "\\b"]
    odd = ["\\0", "\\Z", "\\%", "\\_", "\\x", "\\f", "\\v", "\\a", "\\1", "''", "\udcff"]
    for body in _random_texts(7, common, odd):
        if not mysql.string.fullmatch(f"'{body}'"):
            continue  # not a literal the scanner would hand over
        assert mysql.unescape(body) == _BS_ESC.sub(_mysql_escape, body), body


def test_copy_unescape_bulk_path_matches_the_escape_by_escape_rules():
    """Random COPY text fields (every escape pg_dump writes; octal, hex, other letters, a
    trailing lone backslash, undecodable bytes): the bulk decoder gives exactly what the
    per-escape regex gives."""
    from pipeline.extract.sql.literals import _COPY_ESC, _copy_escape, copy_field

    common = ["\\\\", "\\n", "\\r", "\\t", "\\b", "\\f", "\\v"]
    odd = ["\\N", "\\101", "\\0", "\\7", "\\x4", "\\x41", "\\xg", "\\q", "\\'", "\\", "\udcff"]
    for field in _random_texts(11, common, odd):
        want = None if field == "\\N" else _COPY_ESC.sub(_copy_escape, field)
        assert copy_field(field) == want, field


MULTI_ROW_DUMPS = {
    "mysql": (
        "-- MariaDB dump 10.19\n"
        "CREATE TABLE `t` (`id` int, `user` text, `assistant` text, `b` blob);\n"
        "INSERT INTO `t` VALUES (1,'a\\nb','it\\'s \\\\',NULL),(2,'中文','\\\"q\\\" \\% \\Z',"
        "_binary 'x\\0'),(3,'too few'),(4, 'spaced' , -2.5e1 , 0x00ff ),(5,'after','ok',NULL);\n"
        "INSERT INTO `t` VALUES (6,'last',NULL,NULL);\n"
    ),
    "postgresql": (
        "-- PostgreSQL database dump\nSET standard_conforming_strings = on;\n"
        'CREATE TABLE public.t (id integer, "user" text, assistant text, b bytea);\n'
        "INSERT INTO public.t VALUES (1, 'x''y', 'C:\\path', NULL), (2, E'e\\tsc', 'ok', NULL),"
        " (3, 'cast', 'v'::text, '\\x00'), (4, 'plain', 'true', NULL);\n"
    ),
}


@pytest.mark.parametrize("dialect", list(MULTI_ROW_DUMPS))
@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_multi_row_grouped_regex_matches_the_general_path(tmp_path, monkeypatch, dialect, chunk):
    """Rows after the first of a multi-row INSERT are matched with one regex giving each value as
    a group; it must give what the row-then-values path gives, odd values and buffer cuts too."""
    import re

    monkeypatch.setattr(sqlmod, "CHUNK", chunk)
    dump = MULTI_ROW_DUMPS[dialect]
    fast, fast_stats = run(tmp_path, dump)
    monkeypatch.setattr(sqlmod.DumpScanner, "_grouped_row", lambda self, n: re.compile("(?!)()"))
    slow, slow_stats = run(tmp_path, dump)
    assert [r.model_dump() for r in fast] == [r.model_dump() for r in slow]
    assert fast_stats.rejected == slow_stats.rejected and fast_stats.notes == slow_stats.notes
    assert len(fast) >= 3


def test_insert_without_into_as_mysql_allows(tmp_path):
    dump = (
        "-- MySQL dump 10.13\nCREATE TABLE `t` (`user` text, `assistant` text);\n"
        "INSERT `t` VALUES ('q1','a1');\nINSERT IGNORE t (assistant, user) VALUES ('a2','q2');\n"
        "INSERT INTO t SELECT * FROM other;\n"
    )
    records, stats = run(tmp_path, dump)
    assert pairs(records) == [("q1", "a1"), ("q2", "a2")]
    assert stats.rejected == {"malformed_statement": 1}  # INSERT ... SELECT has no rows to read
    assert "no VALUES list" in stats.examples["malformed_statement"][0]["detail"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 20])
def test_a_missing_semicolon_does_not_swallow_the_next_statement(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(sqlmod, "CHUNK", chunk)
    dump = (
        "CREATE TABLE t (user text, assistant text);\n"
        "INSERT INTO t VALUES ('q1','a1')\n"
        "INSERT INTO t VALUES ('q2','a2'),('q3','a3')\n\n"
        "INSERT INTO t VALUES ('q4','a4') ON DUPLICATE KEY UPDATE user = 'x';\n"
        "INSERT INTO t VALUES ('q5','a5');\n"
    )
    records, stats = run(tmp_path, dump)
    assert pairs(records) == [(f"q{i}", f"a{i}") for i in range(1, 6)]
    assert stats.notes["files"]["dump.sql"]["statements"]["without_semicolon"] == 2


def test_sql_server_script_is_one_clear_reject(tmp_path):
    """SSMS 'Generate Scripts' output (UTF-16, GO batches, N'' strings) is not a dump we read; it
    must say so instead of running one statement to the end of the file."""
    script = (
        "USE [db]\r\nGO\r\nSET ANSI_NULLS ON\r\nGO\r\nCREATE TABLE [dbo].[t](\r\n"
        "\t[user] [nvarchar](max) NULL,\r\n\t[assistant] [nvarchar](max) NULL\r\n) ON [PRIMARY]\r\n"
        "GO\r\nINSERT [dbo].[t] ([user], [assistant]) VALUES (N'你好', N'世界')\r\nGO\r\n"
    )
    records, stats = run(tmp_path, script.encode("utf-16"))
    assert records == [] and stats.rejected == {"unsupported_dump": 1}
    assert "SQL Server" in stats.examples["unsupported_dump"][0]["detail"]


def test_insert_column_lists_in_another_order_or_a_subset_map_by_name(tmp_path):
    """Rows reach the layout in the table's column order whatever an INSERT's column list says;
    a column the list leaves out is NULL."""
    dump = (
        "CREATE TABLE t (conversation_id TEXT, turn INTEGER, role TEXT, content TEXT);\n"
        "INSERT INTO t VALUES('c1',0,'user','hi');\n"
        "INSERT INTO t (content, role, turn, conversation_id) VALUES('hello','assistant',1,'c1');\n"
        "INSERT INTO t (role, conversation_id, content) VALUES('user','c2','no turn'),"
        "('assistant','c2','ok');\n"
        "INSERT INTO t (conversation_id, content) VALUES('c3','no role');\n"
    )
    records, stats = run(tmp_path, dump, layout="long")
    assert [[(m.role, m.content) for m in r.messages] for r in records] == [
        [("user", "hi"), ("assistant", "hello")],
        [("user", "no turn"), ("assistant", "ok")],
    ]
    assert stats.rejected == {"unknown_role": 1}
    (example,) = stats.examples["unknown_role"]
    assert (example["source"], example["detail"]) == ("dump.sql:stmt 5 row 1", "role None")
