"""The dump scanner: statements over a sliding text buffer; rows of wanted tables as events."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import TextIO

from pipeline.extract.sql.ddl import _CREATE, _columns, norm_name, parse_create_table
from pipeline.extract.sql.literals import (
    _SCS,
    BINARY,
    QNAME,
    Dialect,
    copy_field,
    detect_dialect,
)
from pipeline.extract.sql.slowpath import SlowPath, _Incomplete, _Malformed
from pipeline.extract.units import snippet

CHUNK = 1 << 20
LOOKAHEAD = 4096

_INSERT = re.compile(
    rf"(?:INSERT|REPLACE)\s+(?:(?:OR\s+\w+|IGNORE|LOW_PRIORITY|DELAYED|HIGH_PRIORITY)\s+)*"
    rf"(?:INTO\s+)?({QNAME})\s*(?:\(([^)]*)\)\s*)?(?:OVERRIDING\s+\w+\s+VALUE\s+)?VALUES\s*",
    re.IGNORECASE,
)
_INSERT_NAME = re.compile(
    rf"(?:INSERT|REPLACE)\s+(?:(?:OR\s+\w+|IGNORE|LOW_PRIORITY|DELAYED|HIGH_PRIORITY)\s+)*"
    rf"(?:INTO\s+)?({QNAME})",
    re.IGNORECASE,
)
_COPY = re.compile(
    rf"COPY\s+({QNAME})\s*(?:\(([^)]*)\))?\s+FROM\s+stdin\b[^;\n]*;[ \t\r]*\n", re.IGNORECASE
)
_SKIP = re.compile(r"(?:\s+|;|--[^\n]*(?:\n|\Z)|/\*.*?(?:\*/|\Z)|#[^\n]*(?:\n|\Z))*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_]+")
_RESYNC = re.compile(
    r";[ \t\r]*\n(?=(?:INSERT|REPLACE|CREATE|COPY|ALTER|DROP|SET|BEGIN|COMMIT|LOCK|UNLOCK|SELECT"
    r"|START|PRAGMA|--|/\*|\\|\s*\Z))",
    re.IGNORECASE,
)
_DELIMITER_LINE = re.compile(r"DELIMITER[ \t]+(\S+)[^\n]*(?:\n|\Z)", re.IGNORECASE)
_DELIMITER_AGAIN = re.compile(r"^[ \t]*(?=DELIMITER[ \t]+\S)", re.IGNORECASE | re.MULTILINE)
_STATEMENT_START = re.compile(
    r"(?:INSERT|REPLACE|CREATE|COPY|ALTER|DROP|SET|BEGIN|COMMIT|LOCK|UNLOCK|SELECT|START|PRAGMA"
    r"|DELIMITER|UPDATE|DELETE)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Resume:
    """What a scan from the top of a dump knows at a statement start: statements before it, the
    literal rules in force, and each table's columns and binary columns so far."""

    stmt: int
    dialect: str
    backslash: bool
    tables: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]


@dataclass
class Event:
    """What the scanner found: rows of a wanted table, a table definition, or a bad statement.
    Rows come in batches, as many as one pass over the buffer read (an event per row cost a
    tenth of extracting a mysqldump, whose INSERTs hold about a thousand rows each): `rows`
    holds statement `stmt`'s rows numbered from `row` on, `run` one row of each statement from
    `stmt` on; a row is a list of values."""

    kind: str  # rows | run | create | bad
    stmt: int
    table: str = ""
    row: int = 0
    columns: list[str] | None = None
    rows: list[list] = field(default_factory=list)
    detail: str = ""


class DumpScanner(SlowPath):
    """Streams a dump's statements; yields rows only for tables `want(name)` accepts."""

    def __init__(
        self,
        fh: TextIO,
        want: Callable[[str], bool],
        dialect: str = "auto",
        resume: Resume | None = None,
    ) -> None:
        """`resume`: `fh` starts at a statement in the middle of a dump (a byte range of it, see
        sql/ranges.py), and this is what a scan from the top knew there."""
        self.fh = fh
        self.want = want
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.stmt = resume.stmt if resume else 0
        self.statements: dict[str, int] = {}
        self.tables: dict[str, tuple[list[str], set[str]]] = (
            {t: (list(cols), set(binary)) for t, cols, binary in resume.tables} if resume else {}
        )
        self._plans: dict[tuple[str, str | None], tuple] = {}
        self._runs: dict[tuple, re.Pattern[str]] = {}
        while len(self.buf) < (1 << 16) and self._fill():
            pass  # the dialect is read from the dump's head (banner, SET lines)
        if resume:
            self.dialect = Dialect(resume.dialect, resume.backslash)
        else:
            self.dialect = detect_dialect(self.buf[: 1 << 16], dialect)

    # -- buffer

    def _fill(self) -> bool:
        """Append the next chunk (dropping consumed text); False at end of file."""
        if self.eof:
            return False
        chunk = self.fh.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def _at_statement(self) -> None:
        """Called at each statement start the main loop reaches (`pos` is on it, `stmt` counts
        the statements before it); sql/ranges.py takes its checkpoints here."""

    def resume_state(self) -> Resume:
        """What a scanner starting at the current statement needs to read on from there."""
        tables = tuple((t, tuple(c), tuple(sorted(b))) for t, (c, b) in self.tables.items())
        return Resume(self.stmt, self.dialect.name, self.dialect.backslash, tables)

    def _count(self, kind: str) -> None:
        self.statements[kind] = self.statements.get(kind, 0) + 1

    # -- main loop

    def events(self) -> Iterator[Event]:
        while True:
            m = _SKIP.match(self.buf, self.pos)
            if m.end() == len(self.buf) and self._fill():
                continue
            self.pos = m.end()
            if self.pos >= len(self.buf):
                return
            self._at_statement()
            if self.buf[self.pos] == "\\":  # psql meta-command (\connect, \restrict): one line
                if self._line_end() is None:
                    return
                continue
            while len(self.buf) - self.pos < LOOKAHEAD and self._fill():
                pass  # a statement's keyword and header must not be cut by the buffer end
            self.stmt += 1
            word = _WORD.match(self.buf, self.pos)
            key = word.group().upper() if word else ""
            if key in ("INSERT", "REPLACE"):
                yield from self._insert()
            elif key == "DELIMITER":
                self._delimiter()
            elif key == "COPY":
                yield from self._copy()
            else:
                yield from self._other(key)

    def _delimiter(self) -> None:
        """The mysql client's `DELIMITER ;;` ... `DELIMITER ;`, which mysqldump --routines and
        --triggers put around stored procedures, functions, triggers and events. That is code, not
        data (an INSERT in a procedure body is not a row), so the block is skipped whole, reading
        DELIMITER lines the way the client does: a line of its own, no `;` needed."""
        while True:
            while self.buf.find("\n", self.pos) < 0 and self._fill():
                pass  # the whole DELIMITER line: `;` cut from `;;` would end the block
            m = _DELIMITER_LINE.match(self.buf, self.pos)
            if m is None:  # `delimiter` as some other word: an ordinary statement
                try:
                    self._statement_text()
                except _Malformed:
                    self._resync()
                return
            self.pos = m.end()
            if m.group(1) == ";":
                return
            self._count("delimiter_block")
            while (m := _DELIMITER_AGAIN.search(self.buf, self.pos)) is None:
                last_line = self.buf.rfind("\n", self.pos) + 1
                self.pos = max(self.pos, last_line)  # the end line may be cut by the buffer
                if not self._fill():
                    self.pos = len(self.buf)  # the block runs to the end of the dump
                    return
            self.pos = m.end()

    def _line_end(self) -> int | None:
        """Skip to just after the next newline; None at end of file."""
        while (nl := self.buf.find("\n", self.pos)) < 0:
            if not self._fill():
                self.pos = len(self.buf)
                return None
        self.pos = nl + 1
        return self.pos

    def _statement_text(self) -> str:
        """From `pos` (a statement start) to its `;`, quote/comment/dollar-quote aware; consumed."""
        rx = self.dialect.generic
        start = p = self.pos
        while True:
            buf = self.buf
            cut = False
            while p < len(buf):
                if buf[p] == ";":
                    self.pos = p + 1
                    return buf[start:p]
                m = rx.match(buf, p)
                if m is None or (m.end() == len(buf) and not self.eof):
                    cut = True
                    break
                p = m.end()
            if self.eof:
                self.pos = len(buf)
                raise _Malformed("unterminated quote" if cut else "no `;` before the end of file")
            offset = p - start
            self.pos = start
            self._fill()  # keeps buf[start:], which now begins at 0
            start, p = 0, offset

    def _resync(self) -> None:
        """After a malformed statement: skip to the next line that starts a statement."""
        while True:
            m = _RESYNC.search(self.buf, self.pos)
            if m is not None and (m.end() < len(self.buf) or self.eof):
                self.pos = m.end()
                return
            if not self._fill():
                self.pos = len(self.buf)
                return

    def _bad(self, table: str | None, detail: str) -> Iterator[Event]:
        self._count("malformed")
        if table is None or self.want(table):
            yield Event("bad", self.stmt, table or "", detail=detail)

    # -- statements

    def _other(self, key: str) -> Iterator[Event]:
        try:
            text = self._statement_text()
        except _Malformed as e:
            yield from self._bad(None, str(e))
            self._resync()
            return
        self._count(key.lower() or "other")
        if key == "CREATE" and _CREATE.match(text):
            try:
                parsed = parse_create_table(text)
            except Exception as e:  # sqlparse on odd DDL: report, never crash
                yield from self._bad(None, f"CREATE TABLE not understood: {e}")
                return
            if parsed:
                table, cols, binary = parsed
                self.tables[table] = (cols, binary)
                self._plans.clear()
                if self.want(table):
                    yield Event("create", self.stmt, table, columns=cols)
        elif key == "SET" and (m := _SCS.match(text)):
            self.dialect = Dialect(self.dialect.name, m.group(1).lower() == "off")

    def _header(self, rx: re.Pattern[str]) -> re.Match[str] | None:
        while True:
            m = rx.match(self.buf, self.pos)
            if m is not None and m.end() < len(self.buf):
                return m
            if len(self.buf) - self.pos > (1 << 16) or not self._fill():
                return m

    def _insert(self) -> Iterator[Event]:
        m = self._header(_INSERT)
        if m is None:
            name = _INSERT_NAME.match(self.buf, self.pos)
            table = norm_name(name.group(1)) if name else None
            try:
                self._statement_text()
            except _Malformed:
                self._resync()
            yield from self._bad(table, "unsupported INSERT form (no VALUES list)")
            return
        self._count("insert")
        key = (m.group(1), m.group(2))
        plan = self._plans.get(key)
        if plan is None:  # sqlite dumps repeat the same header for every row: resolve it once
            table = norm_name(m.group(1))
            cols = _columns(m.group(2)) if m.group(2) else None
            known = self.tables.get(table)
            if cols is None and known:
                cols = known[0]
            binary = known[1] if known else set()
            bin_idx = {i for i, c in enumerate(cols or []) if c in binary}
            plan = self._plans[key] = (table, self.want(table), cols, bin_idx)
        table, wanted, cols, bin_idx = plan
        self.pos = m.end()
        row_no = 0
        d = self.dialect
        ncols = 0  # values per row, from the first wanted row: later rows are read by quick_rows,
        # or else by one regex giving each value as a group
        while True:
            if ncols:
                batch: list[list] = []
                sep, self.pos = d.quick_rows(self.buf, self.pos, ncols, batch)
                if batch:
                    if bin_idx:
                        for values in batch:
                            _mark_binary(values, bin_idx)
                    yield Event("rows", self.stmt, table, row_no + 1, cols, batch)
                    row_no += len(batch)
                    if sep == ";":
                        return
                    continue  # the row after the batch is left to the regex
            if ncols and (gm := self._grouped_row(ncols).match(self.buf, self.pos)) is not None:
                g = gm.groups()
                values, sep = d.decode_groups(g[:-1]), g[-1]
                self.pos = gm.end()
            elif (rm := d.row.match(self.buf, self.pos)) is not None:
                sep = rm.group(2)
                values = None
                if wanted:
                    values = self._fast_values(rm.start(1) + 1, rm.end(1))
                self.pos = rm.end()
            else:
                try:
                    values, sep, end = self._slow_row(self.pos)
                except _Incomplete:
                    if self._fill():
                        continue
                    yield from self._bad(table, "statement cut off at the end of the file")
                    return
                except _Malformed as e:
                    yield from self._bad(
                        table, f"row {row_no + 1}: {e}: {snippet(self.buf[self.pos :], 80)!r}"
                    )
                    self._resync()
                    return
                self.pos = end
            row_no += 1
            if wanted and not ncols:
                ncols = len(values)
            if wanted:
                _mark_binary(values, bin_idx)
                yield Event("rows", self.stmt, table, row_no, cols, [values])
            if sep == ";":
                if row_no == 1:
                    n = len(values) if wanted else None
                    yield from self._run(m.group(), table, wanted, cols, bin_idx, n)
                return
            if sep != ",":  # e.g. ON DUPLICATE KEY UPDATE ...: rows are done, skip the tail
                if self._next_statement_begins():  # no `;`: reading to the next one would
                    self._count("without_semicolon")  # swallow that whole statement
                    return
                try:
                    self._statement_text()
                except _Malformed:
                    self._resync()
                return

    def _next_statement_begins(self) -> bool:
        """After a row with no `,`/`;`: does a new line start a statement at `pos`?"""
        nl = self.buf.rfind("\n", 0, self.pos)
        if nl < self.buf.rfind(")", 0, self.pos) or self.buf[nl + 1 : self.pos].strip():
            return False
        while len(self.buf) - self.pos < 16 and self._fill():
            pass  # the keyword must not be cut by the buffer end
        return _STATEMENT_START.match(self.buf, self.pos) is not None

    def _grouped_row(self, ncols: int) -> re.Pattern[str]:
        """`(v, ...)` of `ncols` values then `,` or `;`, values as groups (see `run_pattern`)."""
        key = ("row", ncols, self.dialect.backslash)
        rx = self._runs.get(key)
        if rx is None:
            rx = self._runs[key] = self.dialect.row_pattern(ncols)
        return rx

    def _run(self, header: str, table: str, wanted: bool, cols, bin_idx, ncols) -> Iterator[Event]:
        """The one-row INSERTs that follow with the same header (sqlite3 .dump, pg_dump --inserts
        write a statement per row), one regex match each instead of the statement loop. It stops
        at the first statement that does not match (another header, a comment, a value form only
        the slow path reads, the buffer end) and leaves that to the general loop."""
        key = (header, ncols, self.dialect.backslash)
        rx = self._runs.get(key)
        if rx is None:
            rx = self._runs[key] = self.dialect.run_pattern(header, ncols)
        decode = self.dialect.decode_groups
        buf, pos, stmt = self.buf, self.pos, self.stmt  # no refill inside a run: kept local
        batch: list[list] = []
        while (m := rx.match(buf, pos)) is not None:
            pos = m.end()
            stmt += 1
            if wanted:
                values = decode(m.groups())
                _mark_binary(values, bin_idx)
                batch.append(values)
        self.statements["insert"] = self.statements.get("insert", 0) + stmt - self.stmt
        first, self.pos, self.stmt = self.stmt + 1, pos, stmt
        if batch:
            yield Event("run", first, table, 1, cols, batch)

    def _copy(self) -> Iterator[Event]:
        m = self._header(_COPY)
        if m is None:  # COPY ... TO, or a form we do not read: an ordinary statement
            yield from self._other("COPY")
            return
        self._count("copy")
        table = norm_name(m.group(1))
        wanted = self.want(table)
        known = self.tables.get(table)
        cols = _columns(m.group(2)) if m.group(2) else (known[0] if known else None)
        bin_idx = {i for i, c in enumerate(cols or []) if known and c in known[1]}
        self.pos = m.end()
        row_no = 0
        while True:
            buf, pos = self.buf, self.pos
            end = buf.rfind("\n", pos)  # every whole line in the buffer, read in one go
            if end < 0:
                if self._fill():
                    continue
                yield from self._bad(table, "COPY data without its closing \\. line")
                self.pos = len(buf)
                return
            batch: list[list] = []
            done = False
            for line in buf[pos:end].split("\n"):
                pos += len(line) + 1
                if line.endswith("\r"):  # data CRs are escaped (\\r), so this is a CRLF file
                    line = line[:-1]
                if line == "\\.":
                    done = True
                    break
                row_no += 1
                if wanted:
                    fields = line.split("\t")
                    values = [copy_field(f) for f in fields] if "\\" in line else fields
                    _mark_binary(values, bin_idx)
                    batch.append(values)
            self.pos = pos
            if batch:
                yield Event("rows", self.stmt, table, row_no - len(batch) + 1, cols, batch)
            if done:
                return

    def _fast_values(self, start: int, end: int) -> list:
        """Values of the row tuple between `start` and `end` (already matched by `Dialect.row`)."""
        found = self.dialect.item.findall(self.buf, start, end)
        return self.dialect.decode_groups(tuple(chain.from_iterable(found)))


def _mark_binary(values: list, bin_idx: set[int]) -> None:
    """Binary columns' values (from CREATE TABLE) become BINARY, to be skipped and counted."""
    for i in bin_idx:
        if i < len(values) and values[i] is not None:
            values[i] = BINARY
