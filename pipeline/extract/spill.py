"""Rows grouped by conversation with bounded memory, for the long table layout.

A long table's rows of one conversation may be anywhere in it, so nothing can be yielded before
the table ends. Turns are held in a dict until SPILL_CHARS of text, then every turn goes to a
temporary file on disk (deleted when closed) in marshal'd batches, and memory holds one id per
conversation, not the text. The usual table (each conversation's rows together, in turn order)
is read back in the order written. Only when rows came out of that order are the batches loaded
into a temporary SQLite database, which sorts them by key through an index on the small keys.
Why marshal: the standard library's fastest serializer for tuples of str/float/int, and it keeps
surrogate-escaped text; a sequential file written and read in batches cost about a third of
SQLite's inserts and reads for the same turns. Why SQLite for the unordered case: it is in the
standard library and sorts on disk; sorted runs merged by hand would be more code.
"""

from __future__ import annotations

import marshal
import sqlite3
import tempfile
from collections.abc import Iterator
from operator import itemgetter
from typing import IO

# Text kept in memory before spilling: ~16-35 MB of Python strings for mostly-ASCII chat text.
# Spilling costs little (a 120 MB sqlite dump's long table took the same CPU time spilled from
# 16M or from 48M characters), so a small figure keeps peak RSS flat from a small dump up.
SPILL_CHARS = 16 << 20
BATCH = 2000

TurnKey = tuple[int, float | str, int]  # (kind, turn number or text, row order); see rows._turn_key
Turn = tuple[TurnKey, str, str, str]  # key, role, content, location
Spilled = tuple[int, TurnKey, str, str, str]  # conversation's first appearance, then a Turn


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
        self.file: IO[bytes] | None = None
        self.order: dict[str, int] = {}  # after the spill: conversation id -> first appearance
        self.batch: list[Spilled] = []
        self.in_order = True  # every spilled row so far came after the one before in sort order
        self.last: tuple = (-1, ())  # the last spilled row's (conversation order, key)

    def add(self, cid: str, key: TurnKey, role: str, content: str, loc: str) -> None:
        if self.file is None:
            turns = self.groups.get(cid)
            if turns is None:
                turns = self.groups[cid] = []
            turns.append((key, role, content, loc))
            self.chars += len(content)
            if self.chars > self.spill_chars:
                self._spill()
            return
        order = self.order.get(cid)
        if order is None:
            order = self.order[cid] = len(self.order)
        if self.in_order:
            last_order, last_key = self.last
            if order < last_order or (order == last_order and key < last_key):
                self.in_order = False  # read back through SQLite's sort instead of as written
            self.last = (order, key)
        self.batch.append((order, key, role, content, loc))
        if len(self.batch) >= BATCH:
            self._flush()

    def _spill(self) -> None:
        # closed by __iter__ when read back (the file is unlinked already: nothing to clean up)
        self.file = tempfile.TemporaryFile(prefix="rawtune-spill-")  # noqa: SIM115
        groups, self.groups = self.groups, {}
        for cid, turns in groups.items():
            turns.sort(key=itemgetter(0))
            for key, role, content, loc in turns:
                self.add(cid, key, role, content, loc)
        self._flush()

    def _flush(self) -> None:
        assert self.file is not None
        if self.batch:  # length-prefixed: marshal.load from a file reads object by object
            data = marshal.dumps(self.batch)
            self.file.write(len(data).to_bytes(8, "little"))
            self.file.write(data)
            self.batch.clear()

    def _batches(self) -> Iterator[list[Spilled]]:
        """The spilled batches, as written."""
        assert self.file is not None
        self.file.seek(0)
        while size := self.file.read(8):
            yield marshal.loads(self.file.read(int.from_bytes(size, "little")))

    def _sorted(self) -> Iterator[list[Spilled]]:
        """Every spilled turn by (conversation, key), through an on-disk SQLite index, in
        batches."""
        db = sqlite3.connect("")  # "": a private temporary database on disk
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE turn (conv INTEGER, kind INTEGER, num REAL, txt, seq INTEGER,"
                   " role TEXT, content, loc)")  # fmt: skip
        stored = 0  # rows inserted so far (rowids count up from 1)
        try:
            for batch in self._batches():
                rows = [(order, kind, value if kind == 0 else 0.0, "" if kind == 0 else value,
                         seq, role, content, loc)
                        for order, (kind, value, seq), role, content, loc in batch]  # fmt: skip
                try:
                    db.executemany("INSERT INTO turn VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                except UnicodeEncodeError:  # rare: undecodable bytes kept as surrogates
                    # rows before the bad one went in (no journal to roll back): insert again
                    db.execute("DELETE FROM turn WHERE rowid > ?", (stored,))
                    db.executemany("INSERT INTO turn VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   [(*r[:3], _stored(r[3]), r[4], *map(_stored, r[5:]))
                                    for r in rows])  # fmt: skip
                stored += len(rows)
            db.execute("CREATE INDEX turn_order ON turn (conv, kind, num, txt, seq)")
            cursor = db.execute("SELECT * FROM turn ORDER BY conv, kind, num, txt, seq")
            while rows := cursor.fetchmany(BATCH):
                yield [(conv, (kind, num if kind == 0 else _read(txt), seq), role, _read(content),
                        _read(loc)) for conv, kind, num, txt, seq, role, content, loc in rows]  # fmt: skip
        finally:
            db.close()

    def __iter__(self) -> Iterator[tuple[str, list[Turn]]]:
        if self.file is None:
            for cid, turns in self.groups.items():
                turns.sort(key=itemgetter(0))
                yield cid, turns
            return
        self._flush()
        cids = list(self.order)
        # the usual dump has each conversation's rows together, in turn order: read as written
        batches = self._batches() if self.in_order else self._sorted()
        current, turns = -1, []
        try:
            for batch in batches:
                for conv, key, role, content, loc in batch:
                    if conv != current:
                        if turns:
                            yield cids[current], turns
                        current, turns = conv, []
                    turns.append((key, role, content, loc))
            if turns:
                yield cids[current], turns
        finally:
            self.file.close()
