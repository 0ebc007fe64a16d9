"""Rows grouped by conversation with bounded memory, for the long table layout.

A long table's rows of one conversation may be anywhere in it, so nothing can be yielded before
the table ends. Turns are held in a dict until SPILL_CHARS of text, then everything moves to a
temporary SQLite database on disk (deleted when closed) and is read back in order: memory then
holds one id per conversation, not the text. Why SQLite: it is in the standard library, keeps a
table clustered by its key on disk as rows arrive, and cleans up after itself; sorted runs
merged by hand would be more code for the same thing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from operator import itemgetter

# Text kept in memory before spilling: ~50-100 MB of Python strings for mostly-ASCII chat text.
SPILL_CHARS = 48 << 20
BATCH = 2000

TurnKey = tuple[int, float | str, int]  # (kind, turn number or text, row order); see rows._turn_key
Turn = tuple[TurnKey, str, str, str]  # key, role, content, location
_NO_KEY: TurnKey = (0, 0.0, 0)  # turns read back from disk are already in order


def _stored(text: str) -> str | bytes:
    """TEXT when it encodes; surrogate-escaped bytes from a dump or CSV (which sqlite3 refuses as
    TEXT) as a BLOB, read back by `_read`."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")
    return text


def _read(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("utf-8", "surrogatepass")


class Conversations:
    """`add` turns in any order; iterate for (conversation id, turns sorted by key), conversations
    in the order they first appeared."""

    def __init__(self, spill_chars: int | None = None) -> None:
        self.spill_chars = SPILL_CHARS if spill_chars is None else spill_chars
        self.groups: dict[str, list[Turn]] = {}
        self.chars = 0
        self.db: sqlite3.Connection | None = None
        self.order: dict[str, int] = {}  # after the spill: conversation id -> first appearance
        self.batch: list[tuple] = []
        self.in_order = True  # every spilled row so far came after the one before in sort order
        self.last: tuple = ()
        self.stored = 0  # rows written, so the last rowid (rowids count up from 1)

    def add(self, cid: str, key: TurnKey, role: str, content: str, loc: str) -> None:
        if self.db is not None:
            self._row(cid, key, role, content, loc)
            return
        turns = self.groups.get(cid)
        if turns is None:
            turns = self.groups[cid] = []
        turns.append((key, role, content, loc))
        self.chars += len(content)
        if self.chars > self.spill_chars:
            self._spill()

    def _row(self, cid: str, key: TurnKey, role: str, content: str, loc: str) -> None:
        order = self.order.get(cid)
        if order is None:
            order = self.order[cid] = len(self.order)
        if self.in_order and (order, key) < self.last:
            self.in_order = False  # read back through an index instead of in insertion order
        self.last = (order, key)
        kind, value, seq = key
        number, text = (value, "") if kind == 0 else (0.0, value)
        self.batch.append((order, kind, number, text, seq, role, content, loc))
        if len(self.batch) >= BATCH:
            self._flush()

    def _spill(self) -> None:
        self.db = sqlite3.connect("")  # "": a private temporary database on disk
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE turn (conv INTEGER, kind INTEGER, num REAL, txt, seq INTEGER, role TEXT,"
            " content, loc)"
        )
        groups, self.groups = self.groups, {}
        for cid, turns in groups.items():
            turns.sort(key=itemgetter(0))
            for key, role, content, loc in turns:
                self._row(cid, key, role, content, loc)
        self._flush()

    def _flush(self) -> None:
        assert self.db is not None
        insert = "INSERT INTO turn VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        try:
            self.db.executemany(insert, self.batch)
        except UnicodeEncodeError:  # rare: undecodable bytes kept as surrogates somewhere
            # rows before the bad one went in (no journal to roll back): drop them, insert again
            self.db.execute("DELETE FROM turn WHERE rowid > ?", (self.stored,))
            self.db.executemany(insert, [(*r[:3], _stored(r[3]), r[4], *map(_stored, r[5:]))
                                         for r in self.batch])  # fmt: skip
        self.stored += len(self.batch)
        self.batch.clear()

    def __iter__(self) -> Iterator[tuple[str, list[Turn]]]:
        if self.db is None:
            for cid, turns in self.groups.items():
                turns.sort(key=itemgetter(0))
                yield cid, turns
            return
        self._flush()
        cids = list(self.order)
        if self.in_order:  # the usual dump: each conversation's rows together, in turn order
            query = "SELECT conv, role, content, loc FROM turn ORDER BY rowid"
        else:  # an index sorts the small keys, not the text
            self.db.execute("CREATE INDEX turn_order ON turn (conv, kind, num, txt, seq)")
            query = "SELECT conv, role, content, loc FROM turn ORDER BY conv, kind, num, txt, seq"
        rows = self.db.execute(query)
        current, turns = -1, []
        try:
            for conv, role, content, loc in rows:
                if conv != current:
                    if turns:
                        yield cids[current], turns
                    current, turns = conv, []
                turns.append((_NO_KEY, role, _read(content), _read(loc)))
            if turns:
                yield cids[current], turns
        finally:
            self.db.close()
