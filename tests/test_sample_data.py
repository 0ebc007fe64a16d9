"""Checks on the shipped sample inputs in data/raw/ themselves (not on the pipeline).

The dumps must be what the real tools wrote and must load back into the real databases; the
Chinese Excel CSV must really be GB18030 with CRLF; the committed files must be what
scripts/build_sample_data.py builds from scripts/sample_content/; the dialog count stays in range.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from pipeline.config import CsvSource, HtmlSource, SqlSource, load_config

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
sys.path.insert(0, str(ROOT / "scripts"))

from dbservers import ServerUnavailable, mariadb_server, postgres_server  # noqa: E402
from sample_content.chats import MYSQL_CHATS, PG_CHATS, SQLITE_CHATS  # noqa: E402

SLOP_EN = re.compile(
    r"As an AI language model|I hope this helps!|It's important to note|Feel free to ask"
)
SLOP_ZH = re.compile(
    r"作为一个 ?AI ?语言模型|希望这对你有帮助|如果你还有其他问题，请随时提问|值得注意的是"
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def n_turns(dialogs) -> int:
    return sum(len(d.turns) for d in dialogs)


def read_csv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def copy_rows(dump: str, table: str) -> list[list[str]]:
    """Rows of a pg_dump `COPY table (...) FROM stdin;` block, split on tabs (COPY text format)."""
    start = dump.index(f"COPY public.{table} ")
    block = dump[dump.index("\n", start) + 1 : dump.index("\n\\.\n", start)]
    return [line.split("\t") for line in block.split("\n")]


# ---------------------------------------------------------------- dumps


def test_sqlite_dump_is_sqlite3_shell_output_and_loads():
    text = (RAW / "sql" / "chats.sqlite.sql").read_text(encoding="utf-8")
    assert text.startswith("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
    assert text.rstrip().endswith("COMMIT;")
    con = sqlite3.connect(":memory:")
    con.executescript(text)
    assert con.execute("SELECT count(*) FROM messages").fetchone()[0] == n_turns(SQLITE_CHATS)
    convs = con.execute("SELECT count(DISTINCT conversation_id) FROM messages").fetchone()[0]
    assert convs == len(SQLITE_CHATS)
    assert con.execute("SELECT count(*) FROM conversations").fetchone()[0] == convs
    assert {r for (r,) in con.execute("SELECT DISTINCT role FROM messages")} == {
        "system",
        "customer",
        "agent",
    }
    zh = con.execute("SELECT count(*) FROM messages WHERE content LIKE '%空调%'").fetchone()[0]
    assert zh > 0, "Chinese dialogs are in the SQL sample"


def test_pg_dump_is_pg_dump_output_with_copy_block():
    text = (RAW / "sql" / "chats.pg.sql").read_text(encoding="utf-8")
    assert text.startswith("--\n-- PostgreSQL database dump\n--\n")
    assert "-- Dumped by pg_dump version" in text
    rows = copy_rows(text, "chat_messages")
    assert len(rows) == n_turns(PG_CHATS)
    assert all(len(r) == 7 for r in rows)
    assert len({r[1] for r in rows}) == len(PG_CHATS)
    assert any(CJK.search(r[4]) for r in rows)


def test_mysql_dump_is_mariadb_dump_output():
    text = (RAW / "sql" / "chats.mysql.sql").read_text(encoding="utf-8")
    assert "-- MariaDB dump" in text
    assert "INSERT INTO `helpdesk_messages` VALUES" in text
    tickets = set(re.findall(r"\(\d+,(\d+),\d+,'(?:employee|agent|system)',", text))
    assert len(tickets) == len(MYSQL_CHATS)


@pytest.mark.services
def test_pg_dump_restores_into_postgresql():
    try:
        with postgres_server() as pg:
            dump = (RAW / "sql" / "chats.pg.sql").read_text(encoding="utf-8")
            pg.run_sql(dump)
            out = pg.run_sql(
                "SELECT count(*), count(DISTINCT session_id) FROM chat_messages;", "-tA"
            )
    except ServerUnavailable as e:
        pytest.skip(str(e))
    assert out.strip() == f"{n_turns(PG_CHATS)}|{len(PG_CHATS)}"


@pytest.mark.services
def test_mysql_dump_restores_into_mariadb():
    try:
        with mariadb_server() as my:
            my.run_sql((RAW / "sql" / "chats.mysql.sql").read_text(encoding="utf-8"))
            out = my.run_sql(
                "SELECT count(*), count(DISTINCT ticket_id), "
                "sum(message LIKE '%打印机%') FROM helpdesk_messages;",
                "-N",
            )
    except ServerUnavailable as e:
        pytest.skip(str(e))
    count, tickets, zh = out.split()
    assert (int(count), int(tickets)) == (n_turns(MYSQL_CHATS), len(MYSQL_CHATS))
    assert int(zh) > 0, "Chinese text survived the round trip"


# ---------------------------------------------------------------- encodings


def test_zh_csv_is_gb18030_with_crlf_like_excel():
    data = (RAW / "csv" / "faq_zh.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    assert data.count(b"\r\n") == data.count(b"\n") > 10
    text = data.decode("gb18030")
    assert text.split("\r\n", 1)[0] == "编号,分类,问题,答案,更新日期"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) > 20 and all(len(r) == 5 for r in rows)


def test_gb2312_labelled_page_is_gbk_bytes():
    data = (RAW / "html" / "qa" / "zh-network-faq.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gbk")  # what WHATWG does with a gb2312 label
    assert '<meta charset="gb2312">' in text
    assert len(BeautifulSoup(text, "lxml").select("dl.faq dt")) >= 5
    gbk_article = (RAW / "html" / "articles" / "zh-linux-users.html").read_bytes()
    assert b"charset=gbk" in gbk_article and CJK.search(gbk_article.decode("gbk"))


def test_broken_html_inputs():
    assert (RAW / "html" / "forum" / "attachment-0042.html").read_bytes().startswith(b"\x89PNG")
    assert (RAW / "html" / "qa" / "faq-draft.html").stat().st_size == 0


# ---------------------------------------------------------------- shape and planted problems


def test_faq_csv_has_broken_rows_and_multiline_answers():
    rows = read_csv(RAW / "csv" / "faq.csv")
    header, body = rows[0], rows[1:]
    assert header == ["id", "category", "question", "answer", "updated"]
    widths = sorted(len(r) for r in body if len(r) != len(header))
    assert widths and min(widths) < len(header) < max(widths), "too few and too many fields"
    assert any(len(r) == 5 and not r[3] for r in body), "an empty answer"
    assert any("\n" in r[3] for r in body if len(r) == 5)
    answers = [r[3] for r in body if len(r) == 5 and r[3]]
    assert len(answers) > len(set(answers)), "exact duplicates"


def test_long_csv_conversations_interleave_and_use_raw_roles():
    rows = list(csv.DictReader((RAW / "csv" / "conversations.csv").open(encoding="utf-8")))
    ids = [r["conversation_id"] for r in rows]
    runs = [a for a, b in zip(ids, ids[1:] + [None], strict=True) if a != b]
    assert len(runs) > len(set(ids)), "rows of a conversation are not all adjacent"
    assert {r["role"] for r in rows} == {"human", "gpt", "system"}
    roles_by_conv: dict[str, set[str]] = {}
    for r in rows:
        roles_by_conv.setdefault(r["conversation_id"], set()).add(r["role"])
    assert any("gpt" not in roles for roles in roles_by_conv.values()), "no assistant turn"
    users = [r["content"] for r in rows if r["role"] == "human"]
    assert any(SLOP_EN.search(u) for u in users) and any(SLOP_ZH.search(u) for u in users)


def all_text() -> str:
    """Every text file in data/raw decoded (GB18030 files as such)."""
    parts = []
    for p in RAW.rglob("*"):
        if not p.is_file() or p.suffix not in {".csv", ".sql", ".html"}:
            continue
        data = p.read_bytes()
        if data.startswith(b"\x89PNG"):
            continue
        try:
            parts.append(data.decode("utf-8"))
        except UnicodeDecodeError:
            parts.append(data.decode("gb18030"))
    return "\n".join(parts)


def test_slop_is_planted_in_both_languages():
    text = all_text()
    for phrase in (
        "As an AI language model",
        "I hope this helps!",
        "It's important to note that",
        "Feel free to ask",
        "作为一个AI语言模型，我",
        "作为一个 AI 语言模型",
        "希望这对你有帮助！",
        "如果你还有其他问题，请随时提问。",
        "值得注意的是",
    ):
        assert text.count(phrase) >= 2, phrase


# ---------------------------------------------------------------- counts, config, reproducibility


def count_dialogs() -> dict[str, int]:
    """Dialog candidates per source file kind, counted from the files alone."""
    counts = {
        "faq.csv": len(read_csv(RAW / "csv" / "faq.csv")) - 1,
        "faq_zh.csv": len(read_csv(RAW / "csv" / "faq_zh.csv", "gb18030")) - 1,
        "conversations.csv": len({r[0] for r in read_csv(RAW / "csv" / "conversations.csv")[1:]}),
    }
    con = sqlite3.connect(":memory:")
    con.executescript((RAW / "sql" / "chats.sqlite.sql").read_text(encoding="utf-8"))
    counts["sqlite"] = con.execute(
        "SELECT count(DISTINCT conversation_id) FROM messages"
    ).fetchone()[0]
    pg = (RAW / "sql" / "chats.pg.sql").read_text(encoding="utf-8")
    counts["pg"] = len({r[1] for r in copy_rows(pg, "chat_messages")})
    my = (RAW / "sql" / "chats.mysql.sql").read_text(encoding="utf-8")
    counts["mysql"] = len(set(re.findall(r"\(\d+,(\d+),\d+,'", my)))
    for folder in ("qa", "forum"):
        n = 0
        for page in (RAW / "html" / folder).glob("*.html"):
            data = page.read_bytes()
            if not data or data.startswith(b"\x89PNG"):
                continue
            soup = BeautifulSoup(data, "lxml")
            n += len(soup.select("dl.faq > dt")) + len(soup.select('[itemtype$="/Question"]'))
            n += bool(soup.select("article.post"))
        counts[folder] = n
    return counts


def test_dialog_count_in_range():
    counts = count_dialogs()
    assert all(counts.values()), counts
    assert 100 <= sum(counts.values()) <= 300, counts


def test_default_config_validates_and_covers_the_sample_files():
    cfg = load_config(ROOT / "configs" / "default.yaml")
    assert cfg.name == "sample"
    kinds = {type(s) for s in cfg.sources}
    assert kinds == {CsvSource, SqlSource, HtmlSource}
    covered: set[Path] = set()
    for s in cfg.sources:
        path = ROOT / s.path
        assert path.exists(), s.path
        covered |= {path} if path.is_file() else {p for p in path.rglob("*") if p.is_file()}
    dialog_inputs = {
        p
        for p in RAW.rglob("*")
        if p.is_file() and p.name != "README.md" and p.parent.name not in ("articles", "json")
    }
    assert dialog_inputs <= covered, sorted(str(p) for p in dialog_inputs - covered)


def test_mixed_config_reads_every_json_sample_beside_csv_sql_and_html():
    cfg = load_config(ROOT / "configs" / "mixed.yaml")
    kinds = {s.kind for s in cfg.sources}
    assert kinds == {"csv", "sql", "html", "json"}
    json_paths = {ROOT / s.path for s in cfg.sources if s.kind == "json"}
    assert json_paths == set((RAW / "json").iterdir())
    assert set(cfg.mix.proportions) == {s.name for s in cfg.sources}


def test_committed_files_are_what_the_build_script_writes(tmp_path):
    """HTML, CSV and the sqlite dump rebuilt from scripts/sample_content match the committed bytes."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_sample_data.py"),
            "--out",
            str(tmp_path),
            "--no-servers",
        ],
        check=True,
        capture_output=True,
    )
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert built
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (RAW / rel).read_bytes(), rel
