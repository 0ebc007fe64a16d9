"""The same conversations table dumped by the real sqlite3, pg_dump (COPY, --inserts,
--rows-per-insert) and mysqldump (MariaDB) extracts to identical dialogs; the live databases too.

The dumps are built at test time with the real tools against throwaway servers
(scripts/dbservers.py); a test skips only when a server truly cannot start.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import SqlSource
from pipeline.extract import extract
from pipeline.stage import RejectSink, Report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from dbservers import ServerUnavailable, mariadb_server, postgres_server  # noqa: E402

pytestmark = pytest.mark.services

# (id, conversation_id, turn, role, content, note, attachment); rows of a conversation are not
# adjacent and not in turn order, and every literal trap of the three dialects is in there.
ROWS = [
    (1, "c1", 1, "gpt", "你好！我是助手。有什么可以帮你？（全角：，；）", None, None),
    (2, "c2", 0, "human", "It's a \"quoted\" string with 'single' quotes", "n", b"\x00\xff'\\"),
    (3, "c1", 0, "human", "你好，世界！今天天气怎么样？", "", None),
    (4, "c2", 1, "gpt", "ends in a backslash\\", None, None),
    (5, "c3", 0, "human", "line1\nline2\r\nline3\ttab\\n literal backslash-n", None, None),
    (6, "c3", 1, "gpt", "\\N is not NULL here; ''doubled'' and \\\\ two", None, b"x"),
    (
        7,
        "c2",
        2,
        "human",
        "semicolon; -- not a comment /* nor this */ $$dollar$$ `tick`",
        None,
        None,
    ),
    (8, "c3", 2, "gpt", "emoji 😀 and 中文\ttab\nnew line", None, None),
    (9, "c1", 2, "human", None, "NULL content is a reject", None),
    (10, "c4", 0, "human", "", "empty content is a reject", None),
]
N_KEPT, N_REJECTED = 8, 2
COLUMNS = {
    "conversation_id": "conversation_id",
    "turn": "turn",
    "role": "role",
    "content": "content",
}
ROLES = {"human": "user", "gpt": "assistant"}


def expected() -> dict[str, list[tuple[str, str]]]:
    convs: dict[str, list[tuple[int, str, str]]] = {}
    for _, cid, turn, role, content, _, _ in ROWS:
        if content:
            convs.setdefault(cid, []).append((turn, ROLES[role], content))
    return {cid: [(r, c) for _, r, c in sorted(t)] for cid, t in convs.items()}


def run_extract(src: SqlSource, root: Path) -> tuple[dict[str, list[tuple[str, str]]], Report]:
    report = Report()
    with RejectSink(report) as sink:
        records = list(extract([src], report, sink, root))
    report.check_conservation()
    got = {r.meta["conversation_id"]: [(m.role, m.content) for m in r.messages] for r in records}
    return got, report


def dump_source(path: Path) -> SqlSource:
    return SqlSource(kind="sql", path=path.name, table="conversations", layout="long",
                     columns=COLUMNS, roles=ROLES)  # fmt: skip


def assert_same(path: Path) -> None:
    """Identical dialogs and counts, also when every token is cut by a tiny read buffer, and when
    the conversations spill to disk from the first row."""
    import pipeline.extract.spill as spill
    import pipeline.extract.sql.scanner as sqlmod

    for chunk, spill_chars in ((sqlmod.CHUNK, spill.SPILL_CHARS), (61, spill.SPILL_CHARS),
                               (sqlmod.CHUNK, 0)):  # fmt: skip
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(sqlmod, "CHUNK", chunk)
            mp.setattr(spill, "SPILL_CHARS", spill_chars)
            got, report = run_extract(dump_source(path), path.parent)
        assert got == expected(), (path.name, chunk, spill_chars)
        stats = report.stage("extract")
        assert (stats.kept, stats.rejected_total) == (N_KEPT, N_REJECTED), stats
        assert stats.notes["files"][path.name]["binary_values_skipped"] == 2


# ---------------------------------------------------------------- sqlite3


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sqlite") / "chat.db"
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE conversations (id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, "
        "turn INTEGER, role TEXT, content TEXT, note TEXT, attachment BLOB)"
    )
    conn.executemany("INSERT INTO conversations VALUES (?,?,?,?,?,?,?)", ROWS)
    conn.commit()
    conn.close()
    return db


def test_sqlite3_dump(sqlite_db, tmp_path):
    if not shutil.which("sqlite3"):
        pytest.skip("sqlite3 CLI not installed")
    dump = tmp_path / "sqlite.sql"
    dump.write_bytes(subprocess.run(["sqlite3", str(sqlite_db), ".dump"], check=True,
                                    capture_output=True).stdout)  # fmt: skip
    assert b"char(10)" in dump.read_bytes()  # sqlite's replace(...) form for newlines
    assert_same(dump)


def test_sqlite_live_database(sqlite_db):
    src = SqlSource(kind="sql", url=f"sqlite:///{sqlite_db.name}", layout="long", columns=COLUMNS,
                    roles=ROLES, batch_size=3,
                    query="SELECT conversation_id, turn, role, content FROM conversations")  # fmt: skip
    got, report = run_extract(src, sqlite_db.parent)
    assert got == expected()
    assert report.stage("extract").kept == N_KEPT


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def pg():
    try:
        with postgres_server() as server:
            server.run_sql(
                "CREATE TABLE conversations (id integer PRIMARY KEY, conversation_id text NOT NULL,"
                " turn integer, role text, content text, note text, attachment bytea);"
            )
            import psycopg

            with psycopg.connect(host=server.host, port=server.port, user=server.user,
                                 password=server.password, dbname=server.dbname) as conn:  # fmt: skip
                conn.cursor().executemany(
                    "INSERT INTO conversations VALUES (%s,%s,%s,%s,%s,%s,%s)", ROWS
                )
            yield server
    except ServerUnavailable as e:
        pytest.skip(f"PostgreSQL server unavailable: {e}")


@pytest.mark.parametrize(
    "mode", [(), ("--inserts",), ("--rows-per-insert=3",), ("--column-inserts",)],
    ids=["copy", "inserts", "rows-per-insert", "column-inserts"],
)  # fmt: skip
def test_pg_dump(pg, tmp_path, mode):
    dump = tmp_path / "pg.sql"
    out = subprocess.run(pg.dump_args("--table=conversations", *mode), env=pg.env(),
                         capture_output=True, check=True).stdout  # fmt: skip
    dump.write_bytes(out)
    assert (b"COPY public.conversations" in out) == (mode == ())
    assert_same(dump)


def test_binary_archives_given_as_dumps_are_one_clear_reject(pg, sqlite_db, tmp_path):
    archive = tmp_path / "pg.dump"
    archive.write_bytes(subprocess.run(pg.dump_args("--table=conversations", "-Fc"), env=pg.env(),
                                       capture_output=True, check=True).stdout)  # fmt: skip
    for path, hint in ((archive, "pg_restore -f dump.sql"), (sqlite_db, "sqlite:///")):
        src = SqlSource(kind="sql", path=str(path), table="conversations", layout="long",
                        columns=COLUMNS, roles=ROLES)  # fmt: skip
        got, report = run_extract(src, ROOT)
        stats = report.stage("extract")
        assert got == {} and stats.rejected == {"not_a_text_dump": 1}
        assert hint in stats.examples["not_a_text_dump"][0]["detail"]


@pytest.mark.parametrize("mode", [(), ("--inserts",)], ids=["copy", "inserts"])
def test_pg_dump_with_gb18030_client_encoding(pg, tmp_path, mode):
    """pg_dump -E GB18030 (GBK has no emoji) writes GB18030 bytes and says so; that is honoured."""
    argv = pg.dump_args("--table=conversations", "--encoding=GB18030", *mode)
    data = subprocess.run(argv, env=pg.env(), capture_output=True, check=True).stdout
    assert b"client_encoding = 'GB18030'" in data and "你好".encode("gb18030") in data
    dump = tmp_path / "pg_gbk.sql"
    dump.write_bytes(data)
    assert_same(dump)


def test_postgres_live_database(pg):
    src = SqlSource(kind="sql", url=pg.url, layout="long", columns=COLUMNS, roles=ROLES,
                    batch_size=2, query="SELECT * FROM conversations ORDER BY id")  # fmt: skip
    got, report = run_extract(src, ROOT)
    assert got == expected()
    assert report.stage("extract").kept == N_KEPT
    assert report.stage("extract").notes["files"]
    assert pg.password not in str(report.to_dict())


# ---------------------------------------------------------------- MariaDB


@pytest.fixture(scope="module")
def maria():
    try:
        with mariadb_server() as server:
            import pymysql

            conn = pymysql.connect(host=server.host, port=server.port, user=server.user,
                                   password=server.password, database=server.dbname,
                                   charset="utf8mb4")  # fmt: skip
            with conn.cursor() as cur:
                cur.execute(
                    "CREATE TABLE conversations (id int PRIMARY KEY, conversation_id varchar(20)"
                    " NOT NULL, turn int, role varchar(20), content text, note text,"
                    " attachment blob) CHARACTER SET utf8mb4"
                )
                cur.executemany("INSERT INTO conversations VALUES (%s,%s,%s,%s,%s,%s,%s)", ROWS)
                # code that mysqldump --routines/--triggers writes between `DELIMITER ;;` lines:
                # the INSERTs in these bodies are not rows and must not be read as such
                cur.execute("CREATE TABLE audit (id int, what text)")
                cur.execute(
                    "CREATE TRIGGER conv_ai AFTER INSERT ON conversations FOR EACH ROW BEGIN"
                    " INSERT INTO audit VALUES (NEW.id, 'a;b'); INSERT INTO conversations_log"
                    " VALUES (NEW.id); END"
                )
                cur.execute(
                    "CREATE PROCEDURE add_turn() BEGIN DELETE FROM audit;"
                    " INSERT INTO conversations VALUES (99,'c9',0,'human','from a procedure',"
                    "NULL,NULL); INSERT INTO conversations VALUES (100,'c9',1,'gpt',NEW_VALUE,"
                    "NULL,NULL); END"
                )
            conn.commit()
            conn.close()
            yield server
    except ServerUnavailable as e:
        pytest.skip(f"MariaDB server unavailable: {e}")


@pytest.mark.parametrize("mode", [(), ("--skip-extended-insert",), ("--hex-blob",),
                                  ("--routines", "--triggers")],
                         ids=["extended", "one-row-inserts", "hex-blob", "routines"])  # fmt: skip
def test_mysqldump(maria, tmp_path, mode):
    dump = tmp_path / "maria.sql"
    argv = [*maria.dump_args(*mode), "conversations"]  # database, then the table
    dump.write_bytes(subprocess.run(argv, env=maria.env(), capture_output=True, check=True).stdout)
    assert_same(dump)


def test_mysqldump_in_gbk(maria, tmp_path):
    """A legacy GBK table dumped in its own charset: the dump's `SET NAMES gbk` is honoured."""
    rows = [(1, "你好，请问今天天气怎么样？", "晴天，适合去公园散步。"), (2, "谢谢！", "不客气。")]
    import pymysql

    conn = pymysql.connect(host=maria.host, port=maria.port, user=maria.user,
                           password=maria.password, database=maria.dbname, charset="utf8mb4")  # fmt: skip
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE legacy (id int, user text, assistant text) CHARACTER SET gbk")
        cur.executemany("INSERT INTO legacy VALUES (%s,%s,%s)", rows)
    conn.commit()
    conn.close()
    argv = [*maria.dump_args("--default-character-set=gbk"), "legacy"]
    data = subprocess.run(argv, env=maria.env(), capture_output=True, check=True).stdout
    assert "你好".encode("gbk") in data and "你好".encode() not in data
    (tmp_path / "legacy.sql").write_bytes(data)
    src = SqlSource(kind="sql", path="legacy.sql", table="legacy", layout="wide")
    report = Report()
    with RejectSink(report) as sink:
        records = list(extract([src], report, sink, tmp_path))
    report.check_conservation()
    assert [(r.messages[0].content, r.messages[1].content) for r in records] == [
        (u, a) for _, u, a in rows
    ]
    assert report.stage("extract").notes["files"]["legacy.sql"]["encoding"] == "gb18030"


def test_mariadb_live_database(maria):
    src = SqlSource(kind="sql", url=maria.url, layout="long", columns=COLUMNS, roles=ROLES,
                    batch_size=4, query="SELECT * FROM conversations")  # fmt: skip
    got, report = run_extract(src, ROOT)
    assert got == expected()
    assert report.stage("extract").kept == N_KEPT
