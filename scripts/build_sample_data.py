"""Build the sample inputs in data/raw/ from the hand-written content in scripts/sample_content/.

    .venv/bin/python scripts/build_sample_data.py          # rewrite data/raw (deterministic)
    .venv/bin/python scripts/build_sample_data.py --no-servers  # keep the committed pg/MariaDB dumps

Writes HTML pages (Q&A, forum, articles, one GB18030 page labelled gb2312, a binary file and an
empty page), CSVs (wide FAQ with broken rows, long-format conversations, a GB18030/CRLF Excel-style
Chinese FAQ) and SQL dumps written by the real tools: `sqlite3 .dump`, `pg_dump` (throwaway server
from scripts/dbservers.py) and `mysqldump` (throwaway MariaDB). The same content gives the same
bytes on every run; data/raw/README.md describes what is planted where.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dbservers import ServerUnavailable, mariadb_server, postgres_server  # noqa: E402
from sample_content import Dialog  # noqa: E402
from sample_content.articles import ARTICLES  # noqa: E402
from sample_content.chats import LONG_CSV, MYSQL_CHATS, PG_CHATS, SQLITE_CHATS  # noqa: E402
from sample_content.en_qa import FAQ_CSV, GARDEN_FAQ_PAGE, LINUX_FAQ_PAGE, TRAVEL_FAQ_PAGE  # noqa: E402
from sample_content.forum import EN_THREADS, MIXED_THREADS, ZH_THREADS  # noqa: E402
from sample_content.general import (  # noqa: E402
    ALPACA,
    GENERAL_CHAT,
    REASONING,
    SHAREGPT_CUT_IN,
    SHAREGPT_EXPORT,
)
from sample_content.zh_qa import FAQ_ZH_CSV, ZH_COOKING_PAGE, ZH_FAQ_PAGE_GB  # noqa: E402

RAW = HERE.parent / "data" / "raw"  # default output
EPOCH = datetime(2024, 3, 4, 9, 0, 0)
PG_RESTRICT_KEY = (
    "rawtuneSampleDump"  # pg_dump >= 15.14 writes a random \restrict key unless given one
)

# ---------------------------------------------------------------- text -> HTML


def _inline(text: str) -> str:
    """Escape text and turn `code` spans into <code>, “quoted” CJK terms into <strong> (inline tags)."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"(“[^”]{1,12}”)", r"<strong>\1</strong>", out)


def to_html(text: str) -> str:
    """Paragraphs for blank-line separated text; 4-space indented blocks become <pre><code>."""
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = chunk.split("\n")
        if all(line.startswith("    ") or not line.strip() for line in lines):
            code = "\n".join(line[4:] for line in lines)
            blocks.append(f"<pre><code>{html.escape(code, quote=False)}</code></pre>")
        else:
            blocks.append("<p>" + "<br>\n".join(_inline(line) for line in lines) + "</p>")
    return "\n".join(blocks)


STYLE = """<style>
body{font-family:system-ui,sans-serif;margin:0;color:#222}
.site-header{background:#1d3557;color:#fff;padding:.5em 1em}
.cookie-banner{position:fixed;bottom:0;background:#eee}
.post{border-bottom:1px solid #ddd;padding:1em}.post.op{background:#f7f9fc}
</style>"""


def page(
    title: str,
    body: str,
    *,
    lang: str = "en",
    site: str = "Example",
    charset_tag: str | None = None,
) -> str:
    """A whole page around `body`, with the noise real pages carry (nav, aside, footer, scripts)."""
    zh = lang.startswith("zh")
    charset_tag = charset_tag or '<meta charset="utf-8">'
    nav = (
        '<a href="/">首页</a> <a href="/faq">常见问题</a> <a href="/forum">论坛</a> <a href="/login">登录</a>'
        if zh
        else '<a href="/">Home</a> <a href="/faq">FAQ</a> <a href="/forum">Forum</a> <a href="/login">Sign in</a>'
    )
    related = "相关文章" if zh else "Related"
    cookie = (
        "本网站使用 Cookie 来改善您的体验。" if zh else "We use cookies to improve your experience."
    )
    footer = (
        f"&copy; 2024 {site} 版权所有 | 京ICP备00000000号 | 联系我们"
        if zh
        else f"&copy; 2024 {site}. All rights reserved. | Privacy | Terms | Contact"
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
{charset_tag}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} - {html.escape(site)}</title>
{STYLE}
<script async src="https://analytics.example.com/tag.js"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}gtag('js',new Date());gtag('config','G-SAMPLE0');</script>
</head>
<body>
<header class="site-header"><div class="logo">{html.escape(site)}</div>
<nav class="main-nav">{nav}</nav>
<form class="search" action="/search"><input name="q" placeholder="Search"></form>
</header>
<div class="cookie-banner" style="display:none">{cookie} <button>OK</button></div>
<main>
{body}
</main>
<aside class="sidebar"><h4>{related}</h4><ul><li><a href="/a/1">{"上一篇" if zh else "Previous post"}</a></li><li><a href="/a/2">{"下一篇" if zh else "Next post"}</a></li></ul>
<div class="ad" hidden>Advertisement</div></aside>
<footer class="site-footer">{footer}</footer>
<script>document.querySelectorAll('.cookie-banner button').forEach(b=>b.onclick=()=>b.parentNode.remove());</script>
</body>
</html>
"""


def dl_faq(dialogs: list[Dialog]) -> str:
    """The classic FAQ shape: one <dl> with a <dt> question and <dd> answer per entry."""
    items = "\n".join(
        f'<dt id="q{i}">{_inline(d.question)}</dt>\n<dd>{to_html(d.answer)}</dd>'
        for i, d in enumerate(dialogs, 1)
    )
    return f'<dl class="faq">\n{items}\n</dl>'


def block_faq(dialogs: list[Dialog]) -> str:
    """FAQ blocks marked with classes and schema.org FAQPage microdata, as CMS plugins emit them."""
    items = "\n".join(
        f"""<div class="faq-item" itemscope itemprop="mainEntity" itemtype="https://schema.org/Question">
<h3 class="question" itemprop="name">{_inline(d.question)}</h3>
<div class="answer" itemprop="acceptedAnswer" itemscope itemtype="https://schema.org/Answer">
<div itemprop="text">{to_html(d.answer)}</div>
</div>
</div>"""
        for d in dialogs
    )
    return f'<section itemscope itemtype="https://schema.org/FAQPage">\n{items}\n</section>'


def forum_thread(d: Dialog, title: str, *, op: str, helpers: list[str], zh: bool) -> str:
    """A thread: posts by the original poster carry class `op`, everyone else's `reply`."""
    posts, t, h = [], EPOCH, 0
    for n, (role, content) in enumerate(d.turns, 1):
        author = op if role == "user" else helpers[h % len(helpers)]
        h += role == "assistant"
        t += timedelta(minutes=37 * n)
        kind = "op" if role == "user" else "reply"
        badge = ' <span class="badge">楼主</span>' if zh and kind == "op" else ""
        badge = badge or (' <span class="badge">OP</span>' if kind == "op" else "")
        actions = "回复 | 引用 | 举报" if zh else "Reply | Quote | Report"
        posts.append(
            f"""<article class="post {kind}" id="post-{n}" data-author="{author}">
<header class="post-meta"><span class="author">{author}</span>{badge} <time datetime="{t.isoformat()}">{t:%Y-%m-%d %H:%M}</time> <a class="permalink" href="#post-{n}">#{n}</a></header>
<div class="post-body">
{to_html(content)}
</div>
<footer class="post-actions">{actions} <span class="likes">{(n * 7) % 23}</span></footer>
<div class="signature">{"-- 生命不息，折腾不止" if zh else "-- Sent from my toaster"}</div>
</article>"""
        )
    crumbs = "论坛 › 技术交流" if zh else "Forum › Help"
    return (
        f'<div class="breadcrumbs">{crumbs}</div>\n<h1 class="thread-title">{html.escape(title)}</h1>\n<div class="thread">\n'
        + "\n".join(posts)
        + "\n</div>"
    )


# ---------------------------------------------------------------- HTML files

FORUM_META = {  # dialog id -> (file stem, title, op, helpers)
    "thread-nginx-502": (
        "nginx-502-after-php-upgrade",
        "502 Bad Gateway after PHP 8.2 upgrade",
        "dave_k",
        ["sysadmin_mo"],
    ),
    "thread-sourdough": (
        "sourdough-starter-not-rising",
        "Sourdough starter not doubling after 9 days",
        "breadhead",
        ["flourpower", "m.lindqvist"],
    ),
    "thread-git-undo-commit": (
        "committed-to-wrong-branch",
        "Committed to main by mistake",
        "jen_codes",
        ["gitgud"],
    ),
    "thread-balcony-chili": (
        "chili-flowers-dropping",
        "Chili flowers dropping on a shady balcony",
        "pepperpatch",
        ["old_gardener", "ana.v"],
    ),
    "thread-mortgage-overpay": (
        "overpay-mortgage-or-invest",
        "Overpay mortgage or invest?",
        "tom_and_liz",
        ["fi_nerd"],
    ),
    "thread-python-asyncio": (
        "asyncio-not-faster",
        "asyncio not faster than requests?",
        "newbie_py",
        ["loop_master"],
    ),
    "thread-zh-docker-disk": (
        "zh-docker-disk-full",
        "Docker 占满磁盘怎么清理",
        "运维小王",
        ["老张"],
    ),
    "thread-zh-baby-food": (
        "zh-baby-first-food",
        "六个月宝宝第一口辅食吃什么",
        "豆豆妈",
        ["营养师李", "小鱼"],
    ),
    "thread-zh-sourdough": ("zh-sourdough-sticky", "酸面包切开里面黏黏的", "面包控", ["烘焙老手"]),
    "thread-mixed-pandas": (
        "mixed-pandas-groupby-max",
        "pandas groupby 后取每组最大值的整行",
        "data_xiaoli",
        ["pandas达人"],
    ),
}


def build_html(out: Path) -> None:
    qa, forum, articles = out / "html" / "qa", out / "html" / "forum", out / "html" / "articles"
    for d in (qa, forum, articles):
        d.mkdir(parents=True)

    (qa / "linux-faq.html").write_text(
        page(
            "Linux administration FAQ",
            "<h1>Linux administration FAQ</h1>\n" + dl_faq(LINUX_FAQ_PAGE),
            site="ServerNotes",
        ),
        encoding="utf-8",
    )
    (qa / "garden-faq.html").write_text(
        page(
            "Gardening questions",
            "<h1>Your gardening questions answered</h1>\n" + block_faq(GARDEN_FAQ_PAGE),
            site="Green Thumb Club",
        ),
        encoding="utf-8",
    )
    (qa / "travel-faq.html").write_text(
        page(
            "Travel FAQ",
            "<h1>Frequently asked travel questions</h1>\n" + dl_faq(TRAVEL_FAQ_PAGE),
            site="Wander Less Worry",
        ),
        encoding="utf-8",
    )
    # An old Chinese site: saved as GB18030 (GBK range only) and labelled gb2312, as such pages are.
    gb_text = page(
        "宽带网络常见问题",
        "<h1>宽带与家庭网络常见问题</h1>\n" + dl_faq(ZH_FAQ_PAGE_GB),
        lang="zh-CN",
        site="家庭网络小站",
        charset_tag='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n<meta charset="gb2312">',
    )
    gb_text.encode(
        "gbk"
    )  # raises if a character is outside GBK: a gb2312-labelled page must decode as GBK
    (qa / "zh-network-faq.html").write_bytes(gb_text.encode("gb18030"))
    (qa / "zh-cooking-faq.html").write_text(
        page(
            "家常菜问答",
            "<h1>家常菜常见问题</h1>\n" + block_faq(ZH_COOKING_PAGE),
            lang="zh-CN",
            site="下厨笔记",
        ),
        encoding="utf-8",
    )
    # A crawler-saved 404 page (no Q&A at all) and a zero-byte file.
    (qa / "faq-2019.html").write_text(
        page(
            "Page not found",
            '<h1>404</h1>\n<p>Sorry, the page you were looking for has moved.</p>\n<p><a href="/">Back to the home page</a></p>',
            site="ServerNotes",
        ),
        encoding="utf-8",
    )
    (qa / "faq-draft.html").write_bytes(b"")

    for thread in EN_THREADS + ZH_THREADS + MIXED_THREADS:
        stem, title, op, helpers = FORUM_META[thread.id]
        zh = thread in ZH_THREADS or thread in MIXED_THREADS
        body = forum_thread(thread, title, op=op, helpers=helpers, zh=zh)
        site = "技术宅社区" if zh else "Community Forums"
        (forum / f"{stem}.html").write_text(
            page(title, body, lang="zh-CN" if zh else "en", site=site), encoding="utf-8"
        )
    # An attachment the crawler saved with an .html name: really a PNG.
    rng = random.Random(42)
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x00\xc0\x08\x02\x00\x00\x00"
        + rng.randbytes(3000)
    )
    (forum / "attachment-0042.html").write_bytes(png)

    for stem, title, lang, body in ARTICLES:
        text = page(
            title,
            f"<article>{body}</article>",
            lang="zh-CN" if lang == "zh" else "en",
            site="技术博客" if lang == "zh" else "Field Notes",
        )
        if stem == "zh-linux-users":  # declared only by http-equiv, saved as GBK
            text = text.replace(
                '<meta charset="utf-8">',
                '<meta http-equiv="Content-Type" content="text/html; charset=gbk">',
            )
            (articles / f"{stem}.html").write_bytes(text.encode("gbk"))
        else:
            (articles / f"{stem}.html").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- CSV files


def near(d: Dialog, new_id: str, *edits: tuple[str, str]) -> Dialog:
    """A near duplicate of `d`: each (old, new) edit replaced once, somewhere in the dialog."""
    turns = [list(t) for t in d.turns]
    for old, new in edits:
        for t in turns:
            if old in t[1]:
                t[1] = t[1].replace(old, new, 1)
                break
        else:
            raise ValueError(f"{d.id}: {old!r} not found")
    return Dialog(new_id, tuple((r, c) for r, c in turns))


CATEGORY = {
    "linux": "linux", "py": "python", "cook": "cooking", "travel": "travel", "fin": "finance",
    "garden": "gardening", "hist": "history", "bike": "cycling", "photo": "photography",
    "home": "home", "fit": "fitness",
}  # fmt: skip


def _date(i: int) -> str:
    return (EPOCH + timedelta(days=3 * i, hours=i % 7)).strftime("%Y-%m-%d")


def build_faq_csv(out: Path) -> None:
    """Wide Q&A export: id,category,question,answer,updated; duplicates and broken rows planted."""
    by_id = {d.id: d for d in FAQ_CSV}
    rows: list[Dialog] = list(FAQ_CSV)
    rows.insert(12, by_id["linux-cron-not-running"])  # exact duplicate (exported twice)
    rows.insert(25, by_id["cook-cast-iron"])  # exact duplicate
    rows.append(
        near(
            by_id["py-venv"],
            "py-venv-near",
            ("saves you a lot of grief", "saves you lots of grief"),
        )
    )
    rows.append(
        near(
            by_id["fin-emergency-fund"],
            "fin-emergency-fund-near",
            ("How big should", "How large should"),
        )
    )
    rows.append(
        near(
            by_id["cook-bread-dense"],
            "cook-bread-dense-near",
            ("Any tips?", "Any advice?"),
            ("two hours", "2 hours"),
        )
    )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "category", "question", "answer", "updated"])
    for i, d in enumerate(rows, 1):
        w.writerow([i, CATEGORY[d.id.split("-")[0]], d.question, d.answer, _date(i)])
    n = len(rows)
    # Broken rows as hand-edited exports have them (written raw: the csv module would quote them).
    broken = [
        f"{n + 1},cooking,How long should I boil an egg?,Soft: 6 minutes, medium: 8, hard: 10 or more,{_date(n + 1)}",  # too many fields
        f"{n + 2},travel,Do I need a visa for Thailand?",  # too few fields (export cut off)
        f"{n + 3},finance,What is a Roth IRA?,,{_date(n + 3)}",  # empty answer
        f'{n + 4},linux,"How do I see which kernel version I am running?","",{_date(n + 4)}',  # empty answer, quoted
    ]
    text = buf.getvalue()
    # Put the broken rows mid-file, after a complete record, so a reader must recover and go on.
    cut = text.index(f"\n{20},") + 1
    text = text[:cut] + "\n".join(broken[:2]) + "\n" + text[cut:] + "\n".join(broken[2:]) + "\n"
    (out / "csv").mkdir(parents=True, exist_ok=True)
    (out / "csv" / "faq.csv").write_text(text, encoding="utf-8", newline="")


def build_faq_zh_csv(out: Path) -> None:
    """A Chinese FAQ as Excel on Chinese Windows saves it: GB18030, CRLF, Chinese headers, no BOM."""
    by_id = {d.id: d for d in FAQ_ZH_CSV}
    rows = list(FAQ_ZH_CSV)
    rows.insert(9, by_id["zh-tomato-egg"])  # exact duplicate
    rows.append(
        near(
            by_id["zh-tomato-egg"],
            "zh-tomato-egg-near",
            ("一小勺糖", "一点点糖"),
            ("就关火", "就出锅"),
        )
    )
    rows.append(
        near(by_id["zh-garden-pothos"], "zh-garden-pothos-near", ("最常见的是", "最常见的原因是"))
    )
    category = {"rice": "烹饪", "tomato": "烹饪", "dumplings": "烹饪", "linux": "电脑", "python": "编程",
                "fund": "理财", "emergency": "理财", "credit": "理财", "travel": "旅行", "garden": "园艺",
                "history": "历史", "health": "健康", "excel": "办公", "phone": "数码", "cat": "宠物",
                "kids": "育儿"}  # fmt: skip
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["编号", "分类", "问题", "答案", "更新日期"])
    for i, d in enumerate(rows, 1):
        w.writerow(
            [i, category[d.id.split("-")[1]], d.question, d.answer, _date(i).replace("-", "/")]
        )
    n = len(rows)
    w.writerow(
        [n + 1, "理财", "个人养老金账户值得开吗？", "", _date(n + 1).replace("-", "/")]
    )  # empty answer
    w.writerow(["", "", "", "", ""])  # Excel writes formatted-but-empty rows as bare commas
    (out / "csv" / "faq_zh.csv").write_bytes(buf.getvalue().encode("gb18030"))


ROLE_NAMES = {"user": "human", "assistant": "gpt", "system": "system"}


def _message_rows(dialogs: Iterable[Dialog], roles: dict[str, str], seed: int) -> list[dict]:
    """Messages of all dialogs with timestamps; sorted by time, so conversations interleave."""
    rng = random.Random(seed)
    rows = []
    for c, d in enumerate(dialogs):
        t = EPOCH + timedelta(minutes=rng.randrange(0, 120))
        for turn, (role, content) in enumerate(d.turns, 1):
            t += timedelta(seconds=rng.randrange(30, 900))
            rows.append(
                {
                    "conv": c,
                    "dialog": d.id,
                    "turn": turn,
                    "role": roles[role],
                    "content": content,
                    "at": t,
                }
            )
    rows.sort(key=lambda r: (r["at"], r["conv"], r["turn"]))
    return rows


def build_conversations_csv(out: Path) -> None:
    """Long layout, one message per row in time order: conversations are not contiguous."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["conversation_id", "turn", "role", "content", "created_at"])
    for r in _message_rows(LONG_CSV, ROLE_NAMES, seed=7):
        w.writerow(
            [f"c{1001 + r['conv']}", r["turn"], r["role"], r["content"], r["at"].isoformat(sep=" ")]
        )
    (out / "csv" / "conversations.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")


# ---------------------------------------------------------------- SQL dumps (real tools)

SQLITE_ROLES = {"system": "system", "user": "customer", "assistant": "agent"}
PG_ROLES = {"system": "system", "user": "human", "assistant": "ai"}
MYSQL_ROLES = {"system": "system", "user": "employee", "assistant": "agent"}


def build_sqlite_dump(out: Path) -> None:
    """A support-bot database (conversations + messages) dumped with the sqlite3 shell's `.dump`."""
    if not shutil.which("sqlite3"):
        raise SystemExit("sqlite3 not found: apt-get install sqlite3")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "support.db"
        con = sqlite3.connect(db)
        con.executescript(
            """
            CREATE TABLE conversations (
                id INTEGER PRIMARY KEY,
                channel TEXT NOT NULL,
                started_at TEXT NOT NULL
            );
            CREATE TABLE messages (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                conversation_id INTEGER NOT NULL REFERENCES conversations(id),
                turn_idx INTEGER NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('system', 'customer', 'agent')),
                content TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE INDEX idx_messages_conv ON messages(conversation_id, turn_idx);
            """
        )
        rows = _message_rows(SQLITE_CHATS, SQLITE_ROLES, seed=11)
        first = {}
        for r in rows:
            first.setdefault(r["conv"], r["at"])
        for c in sorted(first):
            con.execute("INSERT INTO conversations VALUES (?, ?, ?)",
                        (501 + c, "web" if c % 3 else "app", first[c].isoformat(sep=" ")))  # fmt: skip
        for r in rows:
            con.execute(
                "INSERT INTO messages (conversation_id, turn_idx, role, content, created_at) VALUES (?, ?, ?, ?, ?)",
                (
                    501 + r["conv"],
                    r["turn"] - 1,
                    r["role"],
                    r["content"],
                    r["at"].isoformat(sep=" "),
                ),
            )
        con.commit()
        con.close()
        dump = subprocess.run(["sqlite3", str(db), ".dump"], capture_output=True, check=True).stdout
    (out / "sql").mkdir(parents=True, exist_ok=True)
    (out / "sql" / "chats.sqlite.sql").write_bytes(dump)


def _sql_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def _pg_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def build_pg_dump(out: Path) -> None:
    """A language-learning app's chat table, loaded into a throwaway PostgreSQL and pg_dump'ed."""
    rows = _message_rows(PG_CHATS, PG_ROLES, seed=13)
    sessions = {
        r["conv"]: str(uuid.uuid5(uuid.NAMESPACE_URL, f"rawtune-sample/{r['dialog']}"))
        for r in rows
    }
    lang = {
        r["conv"]: "zh" if re.search(r"[\u4e00-\u9fff]", r["content"]) else "en"
        for r in rows
        if r["turn"] == 1
    }
    values = ",\n".join(
        f"({_pg_str(sessions[r['conv']])}, {r['turn']}, {_pg_str(r['role'])}, {_pg_str(r['content'])}, "
        f"{_pg_str(lang[r['conv']])}, {_pg_str(r['at'].isoformat(sep=' '))})"
        for r in rows
    )
    sql = f"""
CREATE TABLE chat_messages (
    id bigserial PRIMARY KEY,
    session_id uuid NOT NULL,
    seq integer NOT NULL,
    speaker text NOT NULL,
    body text NOT NULL,
    lang varchar(8),
    created_at timestamp without time zone NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_session_idx ON chat_messages (session_id, seq);
COMMENT ON TABLE chat_messages IS 'one row per chat message';
INSERT INTO chat_messages (session_id, seq, speaker, body, lang, created_at) VALUES
{values};
"""
    with postgres_server() as pg:
        pg.run_sql(sql)
        dump = subprocess.run(
            pg.dump_args("--no-owner", "--no-privileges", f"--restrict-key={PG_RESTRICT_KEY}"),
            env=pg.env(), capture_output=True, check=True,
        ).stdout  # fmt: skip
    (out / "sql" / "chats.pg.sql").write_bytes(dump)


def build_mysql_dump(out: Path) -> None:
    """An IT helpdesk table, loaded into a throwaway MariaDB and dumped with mysqldump."""
    rows = _message_rows(MYSQL_CHATS, MYSQL_ROLES, seed=17)
    values = ",\n".join(
        f"({7001 + r['conv']}, {r['turn']}, {_sql_str(r['role'])}, {_sql_str(r['content'])}, {_sql_str(r['at'].isoformat(sep=' '))})"
        for r in rows
    )
    sql = f"""
CREATE TABLE helpdesk_messages (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id INT NOT NULL,
    position SMALLINT NOT NULL,
    sender ENUM('employee', 'agent', 'system') NOT NULL,
    message TEXT NOT NULL,
    sent_at DATETIME NOT NULL,
    KEY idx_ticket (ticket_id, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO helpdesk_messages (ticket_id, position, sender, message, sent_at) VALUES
{values};
"""
    with mariadb_server() as my:
        my.run_sql(sql)
        dump = subprocess.run(
            my.dump_args("--skip-dump-date", "--single-transaction"),
            env=my.env(), capture_output=True, check=True,
        ).stdout  # fmt: skip
    (out / "sql" / "chats.mysql.sql").write_bytes(dump)


# ---------------------------------------------------------------- JSON: messages, ShareGPT, Alpaca

SHAREGPT_ROLES = {"system": "system", "user": "human", "assistant": "gpt"}
# Lines a real JSONL accumulates (a log line, a stray array, a wrong type); each must be one reject.
BAD_JSONL_LINES = [
    "INFO exported 9 conversations",
    '["user", "hello"]',
    '{"messages": [{"role": "user", "content": 42}, {"role": "assistant", "content": "?"}]}',
]


def _json_line(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def build_json(out: Path) -> None:
    """general-chat.jsonl (OpenAI messages, a reasoning turn, planted bad lines), a ShareGPT export
    cut off mid-array, and an Alpaca file with `input` and `history`."""
    d = out / "json"
    d.mkdir(parents=True, exist_ok=True)
    lines = []
    for dialog in GENERAL_CHAT:
        messages = [{"role": r, "content": c} for r, c in dialog.turns]
        if dialog.id in REASONING:
            messages[-1]["reasoning_content"] = REASONING[dialog.id]
        lines.append(_json_line({"id": dialog.id, "messages": messages}))
    for i, bad in enumerate(BAD_JSONL_LINES):
        lines.insert(2 + 3 * i, bad)
    (d / "general-chat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    convs = [
        {"id": dialog.id, "conversations": [{"from": SHAREGPT_ROLES[r], "value": c}
                                            for r, c in dialog.turns]}
        for dialog in SHAREGPT_EXPORT
    ]  # fmt: skip
    text = json.dumps(convs, ensure_ascii=False, indent=2)
    cut = text.index(f'"id": "{SHAREGPT_CUT_IN}"')
    cut = text.index('"value"', cut)  # inside the conversation's first turn
    (d / "sharegpt-export.json").write_text(text[:cut], encoding="utf-8")

    records = []
    for dialog in ALPACA:
        turns = [c for _, c in dialog.turns]
        pairs = [turns[i : i + 2] for i in range(0, len(turns) - 2, 2)]
        instruction, _, extra = turns[-2].partition("\n---\n")
        record = {"instruction": instruction, "input": extra, "output": turns[-1]}
        if pairs:
            record["history"] = pairs
        records.append(record)
    (d / "alpaca.json").write_text(
        json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


# ---------------------------------------------------------------- main

SERVER_DUMPS = {"chats.pg.sql": build_pg_dump, "chats.mysql.sql": build_mysql_dump}


def build(out: Path, servers: bool = True) -> None:
    """Write every generated file under `out`; with servers=False the pg/MariaDB dumps are left alone."""
    for sub in ("html", "csv", "json"):
        shutil.rmtree(out / sub, ignore_errors=True)
    for name in ("chats.sqlite.sql", *(SERVER_DUMPS if servers else ())):
        (out / "sql" / name).unlink(missing_ok=True)
    build_html(out)
    build_faq_csv(out)
    build_faq_zh_csv(out)
    build_conversations_csv(out)
    build_json(out)
    build_sqlite_dump(out)
    if servers:
        for name, builder in SERVER_DUMPS.items():
            try:
                builder(out)
            except ServerUnavailable as e:
                raise SystemExit(
                    f"{name}: {e} (use --no-servers to keep the committed dumps)"
                ) from None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=RAW, help="output folder (default: data/raw)")
    ap.add_argument(
        "--no-servers",
        action="store_true",
        help="skip the pg_dump and mysqldump files (need servers)",
    )
    args = ap.parse_args()
    build(args.out, servers=not args.no_servers)
    for path in sorted(p for p in args.out.rglob("*") if p.is_file()):
        print(f"{path.stat().st_size:>8}  {path.relative_to(args.out)}")


if __name__ == "__main__":
    main()
