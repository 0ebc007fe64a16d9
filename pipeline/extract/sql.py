"""SQL dumps (sqlite3 .dump, pg_dump COPY/--inserts, mysqldump) -> rows -> records, as a stream.

Why a hand-written scanner: sqlparse reads a real 12 MB dump at about 1.6 MB/s and its grouping
raises past 10,000 tokens (one mysqldump extended INSERT holds far more), while the sqlite3 CLI
loads dumps at ~40 MB/s. The bulk of a dump is INSERT/COPY data, so that part is scanned here with
compiled regular expressions over a sliding 1 MB text buffer: a statement's first row is matched
whole and split into values by a second regex; after it, one regex per row returns every value as
a group (`Dialect.row_pattern`), and a run of one-row statements with the same header, as
sqlite3 .dump and pg_dump --inserts write them, is matched a whole statement per regex
(`run_pattern`). Python only touches each value. sqlparse's lexer does what it is good at, the
column definitions of CREATE TABLE. Rows that these regexes do not recognise (functions
other than sqlite's newline `replace(...,char(10))` form, such as `unistr()` or `char()`; casts;
`E''` strings) go through a small recursive value parser. The dump is parsed, never executed,
and never read whole: memory is the buffer plus the largest single row.

Literal rules per dialect: standard strings double quotes (`'it''s'`); MySQL strings also take
backslash escapes (`\\n`, `\\'`, `\\\\`, so `'ends in \\\\'` closes after the escaped backslash);
PostgreSQL `E'...'` strings take C escapes, and `SET standard_conforming_strings = off` turns
backslash escapes on for plain strings; COPY data uses `\\t \\n \\\\` escapes and `\\N` for NULL.
NULL becomes None; numbers and booleans keep their literal text; binary values (X'..', 0x..,
_binary '..', and any value of a bytea/blob column) are skipped (None) and counted in the notes.

Units: each row of the chosen table, each malformed statement that could hold its rows (a Reject
with the statement number and a snippet; the scan resyncs at the next statement), and the file
itself when the table is not in it. Provenance: `dump.sql:stmt 42 row 7`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TextIO

from pipeline.config import SqlSource
from pipeline.extract.encoding import Decoding, bom_or_forced, whatwg_codec
from pipeline.extract.files import open_bytes, source_files
from pipeline.extract.rows import Row, rows_to_records
from pipeline.extract.units import Tally, guarded, snippet
from pipeline.records import Dialog, Document

CHUNK = 1 << 20
LOOKAHEAD = 4096
GLOB = "**/*.sql"
BINARY_TYPES = {"bytea", "blob", "tinyblob", "mediumblob", "longblob", "binary", "varbinary"}


class _Binary:
    """A binary value (skipped): distinct from NULL so it can be counted."""

    def __repr__(self) -> str:
        return "BINARY"


BINARY = _Binary()

# ---------------------------------------------------------------- token patterns

STD_STR = r"'[^']*(?:''[^']*)*'"
BS_STR = r"'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'"
NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
HEX = r"[xX]'[0-9a-fA-F]*'|0x[0-9a-fA-F]+|_binary\s*" + BS_STR
IDENT = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
QNAME = rf"{IDENT}(?:\s*\.\s*{IDENT})*"

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
_CREATE = re.compile(
    rf"CREATE\s+(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED)\s+)*TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?({QNAME})",
    re.IGNORECASE,
)
_SCS = re.compile(r"SET\s+standard_conforming_strings\s*=\s*'?(on|off)", re.IGNORECASE)
_SKIP = re.compile(r"(?:\s+|;|--[^\n]*(?:\n|\Z)|/\*.*?(?:\*/|\Z)|#[^\n]*(?:\n|\Z))*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_]+")
_RESYNC = re.compile(
    r";[ \t\r]*\n(?=(?:INSERT|REPLACE|CREATE|COPY|ALTER|DROP|SET|BEGIN|COMMIT|LOCK|UNLOCK|SELECT"
    r"|START|PRAGMA|--|/\*|\\|\s*\Z))",
    re.IGNORECASE,
)
_DELIMITER_LINE = re.compile(r"DELIMITER[ \t]+(\S+)[^\n]*(?:\n|\Z)", re.IGNORECASE)
_DELIMITER_AGAIN = re.compile(r"^[ \t]*(?=DELIMITER[ \t]+\S)", re.IGNORECASE | re.MULTILINE)
_MSSQL = re.compile(r"SET ANSI_NULLS|SET QUOTED_IDENTIFIER|\[dbo\]\.", re.IGNORECASE)
_GO_LINE = re.compile(r"^[ \t]*GO[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_STATEMENT_START = re.compile(
    r"(?:INSERT|REPLACE|CREATE|COPY|ALTER|DROP|SET|BEGIN|COMMIT|LOCK|UNLOCK|SELECT|START|PRAGMA"
    r"|DELIMITER|UPDATE|DELETE)\b",
    re.IGNORECASE,
)
_COPY_ESC = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_COPY_CHARS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_MYSQL_CHARS = {"0": "\x00", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_BS_ESC = re.compile(r"\\(.)|''", re.DOTALL)
_C_ESC = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))|''",
    re.DOTALL,
)
_UNISTR = re.compile(
    r"\\(?:([0-9a-fA-F]{4})|u([0-9a-fA-F]{4})|\+([0-9a-fA-F]{6})|U([0-9a-fA-F]{8})|(\\))"
)


def _generic_token(string: str) -> str:
    """One token of any statement: a run of plain text or a whole quoted/commented part."""
    return (
        rf"[^;'\"`$/#-]+|{string}|\"(?:[^\"]|\"\")*\"|`[^`]*`|--[^\n]*(?:\n|\Z)|"
        rf"/\*.*?(?:\*/|\Z)|\$(\w*)\$.*?(?:\$\1\$|\Z)|#[^\n]*(?:\n|\Z)|[/$#-]"
    )


def _value_pattern(string: str, capture: bool) -> str:
    """One value of a row: a string literal (`string`), number, NULL, binary, boolean, or
    sqlite3 .dump's newline form replace('..', marker, char(n)), once or twice nested (for \\n
    and \\r); with `capture`, each form and the parts of the replace() forms are groups.

    No re.IGNORECASE: it makes every `[^']*` over long text several times slower. The markers
    are short, which keeps a failed try (on the next column's string) from rescanning it."""

    def g(x: str) -> str:
        return f"({x})" if capture else f"(?:{x})"

    marker, code = g("[^']{1,16}"), g(r"\d+")
    arg = rf"\s*,\s*'{marker}'\s*,\s*(?i:char)\({code}\)\s*\)"
    rep2 = rf"(?i:replace)\(\s*(?i:replace)\(\s*{g(STD_STR)}{arg}{arg}"
    rep1 = rf"(?i:replace)\(\s*{g(STD_STR)}{arg}"
    forms = [g(string), g(NUM), g("(?i:NULL)") + r"\b", g(HEX), g("(?i:true|false)") + r"\b"]
    return rf"\s*(?:{'|'.join(forms)}|{rep2}|{rep1})\s*"


@dataclass
class Dialect:
    """Literal rules in force: whether plain strings take backslash escapes."""

    name: str
    backslash: bool

    def __post_init__(self) -> None:
        s = BS_STR if self.backslash else STD_STR
        e_str = r"[eE]" + BS_STR
        self.grouped_value = _value_pattern(s, capture=True)  # GROUPS groups, see decode_groups
        self.item = re.compile(rf"{self.grouped_value}[,)]")
        plain = _value_pattern(s, capture=False)
        # `(v(,v)*)`, not `((v,)*v)`: the latter fails its `,` after the last value and then
        # backtracks through that value's whole string one character at a time
        self.plain_row = rf"\({plain}(?:,{plain})*\)"
        self.row = re.compile(rf"\s*({self.plain_row})\s*([,;])")
        self.string = re.compile(s)
        self.e_string = re.compile(e_str)
        self.generic = re.compile(_generic_token(s), re.DOTALL)

    def row_pattern(self, ncols: int) -> re.Pattern[str]:
        """One row of `ncols` values and the `,` or `;` after it; the last group is that separator
        (a multi-row INSERT, as mysqldump and pg_dump --rows-per-insert write)."""
        values = ",".join([self.grouped_value] * ncols)
        return re.compile(rf"\s*\({values}\)\s*([,;])")

    def run_pattern(self, header: str, ncols: int | None) -> re.Pattern[str]:
        """A whole one-row statement `header (v, ...);` as one regex, with `GROUPS` groups per
        value when `ncols` is given (rows to decode) and none otherwise (rows to skip)."""
        row = r"\(" + ",".join([self.grouped_value] * ncols) + r"\)" if ncols else self.plain_row
        return re.compile(r"\s*" + re.escape(header) + row + r"\s*;")

    def decode_groups(self, g: tuple) -> list:
        """Values of one row from the groups of `grouped_value`s, in column order. A group that
        took part is never empty (a string keeps its quotes), so truth tests serve both
        `match.groups()` (None) and `findall` ("") for the forms that did not."""
        out: list = []
        unescape = self.unescape
        for i in range(0, len(g), GROUPS):
            if v := g[i]:
                out.append(unescape(v[1:-1]))
            elif v := g[i + 1]:
                out.append(v)
            elif g[i + 2]:
                out.append(None)
            elif g[i + 3]:
                out.append(BINARY)
            elif v := g[i + 4]:
                out.append(v.lower())
            elif v := g[i + 5]:  # replace(replace('..', m1, char(c1)), m2, char(c2))
                text = _sqlite_unmark(v, g[i + 6], g[i + 7])
                out.append(_sqlite_unmark_text(text, g[i + 8], g[i + 9]))
            else:  # replace('..', m, char(c))
                out.append(_sqlite_unmark(g[i + 10], g[i + 11], g[i + 12]))
        return out

    def unescape(self, body: str) -> str:
        """The text of a plain string literal's body (without its quotes)."""
        if self.backslash:
            if "\\" not in body and "''" not in body:
                return body
            if "''" in body:
                return _BS_ESC.sub(_mysql_escape, body)
            return _split_unescape(body)
        return body.replace("''", "'") if "''" in body else body


# mysqldump escapes every newline and quote, so chat text holds many escapes, and a Python call
# per escape from re.sub was most of the cost of a MySQL dump. Splitting at the backslashes does
# the same in one C call plus a light loop (2.4x faster on ShareGPT text); a body with `''` in it
# goes the re.sub way, since `''` and `\'` may then touch.
_ESCAPED = {**_MYSQL_CHARS, "%": "\\%", "_": "\\_"}


def _split_unescape(body: str) -> str:
    parts = body.split("\\")
    out = [parts[0]]
    rest = iter(parts)
    next(rest)
    for part in rest:
        if part:  # the part starts with the escaped character
            out.append(_ESCAPED.get(part[0], part[0]))
            out.append(part[1:])
        else:  # `\\`: an escaped backslash; the next part is plain text
            out.append("\\")
            out.append(next(rest, ""))
    return "".join(out)


GROUPS = 13  # groups per value in Dialect.grouped_value


def _sqlite_unmark(literal: str, marker: str, code: str) -> str:
    """`replace('..', marker, char(code))` on a standard string literal (with its quotes)."""
    return _sqlite_unmark_text(literal[1:-1].replace("''", "'"), marker, code)


def _sqlite_unmark_text(text: str, marker: str, code: str) -> str:
    return text.replace(marker.replace("''", "'"), chr(int(code)))


def _mysql_escape(m: re.Match[str]) -> str:
    ch = m.group(1)
    if ch is None:
        return "'"
    return _MYSQL_CHARS.get(ch, ch if ch not in "%_" else "\\" + ch)


def _c_escape(m: re.Match[str]) -> str:
    octal, hx, u4, u8, ch = m.groups()
    if octal:
        return chr(int(octal, 8))
    if hx:
        return chr(int(hx, 16))
    if u4 or u8:
        return chr(int(u4 or u8, 16))
    if ch is None:
        return "'"
    return _COPY_CHARS.get(ch, ch)


def _copy_escape(m: re.Match[str]) -> str:
    octal, hx, ch = m.groups()
    if octal:
        return chr(int(octal, 8))
    if hx:
        return chr(int(hx, 16))
    return _COPY_CHARS.get(ch, ch)


def _unistr(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(5):
            return "\\"
        return chr(int(next(g for g in m.groups()[:4] if g), 16))

    return _UNISTR.sub(one, body)


def detect_dialect(head: str, forced: str = "auto") -> Dialect:
    """From the config, or the dump's own header (tool banner, MySQL /*!...*/ comments, COPY)."""
    name = forced
    if name == "auto":
        if re.search(r"MySQL dump|MariaDB dump|/\*!\d{5}|ENGINE=", head):
            name = "mysql"
        elif re.search(r"PostgreSQL database dump|standard_conforming_strings|\bCOPY\s", head):
            name = "postgresql"
        elif _MSSQL.search(head) and _GO_LINE.search(head):
            name = "mssql"  # recognised only to be refused clearly (see dump_file)
        else:
            name = "sqlite"
    backslash = name == "mysql"
    if name == "postgresql" and (m := _SCS.search(head)):
        backslash = m.group(1).lower() == "off"
    return Dialect(name, backslash)


def norm_name(qname: str) -> str:
    """`"public"."Conv"` / `` `conv` `` / `[conv]` -> `conv` (last part, unquoted, lower case)."""
    parts = re.findall(IDENT, qname)
    last = parts[-1] if parts else qname
    if last[:1] in '"`[':
        last = last[1:-1]
    return last.lower()


def _columns(col_list: str) -> list[str]:
    return [norm_col(c) for c in col_list.split(",") if c.strip()]


def norm_col(name: str) -> str:
    name = name.strip()
    return name[1:-1] if name[:1] in '"`[' and len(name) > 1 else name


def parse_create_table(text: str) -> tuple[str, list[str], set[str]] | None:
    """(table, column names, binary columns) from a CREATE TABLE statement, via sqlparse's lexer.

    Flat lexer tokens only (no grouping), split at top-level commas of the column list; table
    constraints (PRIMARY KEY, UNIQUE, CONSTRAINT, KEY, INDEX, FOREIGN, CHECK, ...) are skipped."""
    from sqlparse import lexer
    from sqlparse import tokens as T

    m = _CREATE.match(text)
    if m is None:
        return None
    depth, defs, current = 0, [], []
    for ttype, value in lexer.tokenize(text[m.end() :]):
        if ttype in T.Punctuation and value == "(":
            depth += 1
            if depth == 1:
                continue
        elif ttype in T.Punctuation and value == ")":
            depth -= 1
            if depth == 0:
                defs.append(current)
                break
        if depth == 1 and ttype in T.Punctuation and value == ",":
            defs.append(current)
            current = []
        elif depth >= 1 and ttype not in T.Whitespace and ttype not in T.Comment:
            current.append((ttype, value))
    constraint = {"PRIMARY", "UNIQUE", "CONSTRAINT", "KEY", "INDEX", "FOREIGN", "CHECK",
                  "FULLTEXT", "SPATIAL", "EXCLUDE", "LIKE", "PERIOD", "UNIQUE KEY"}  # fmt: skip
    cols, binary = [], set()
    for d in defs:
        if not d or d[0][1].upper() in constraint or d[0][1].upper().startswith("PRIMARY"):
            continue
        name = norm_col(d[0][1])
        cols.append(name)
        if len(d) > 1 and d[1][1].lower() in BINARY_TYPES:
            binary.add(name)
    return norm_name(m.group(1)), cols, binary


# ---------------------------------------------------------------- the scanner


class _Incomplete(Exception):
    """The buffer ends inside the current token: read more and try again."""


class _Malformed(Exception):
    """The statement cannot be parsed; the message says where and why."""


@dataclass
class Event:
    """What the scanner found: a row of a wanted table, a table definition, or a bad statement."""

    kind: str  # row | create | bad
    stmt: int
    table: str = ""
    row: int = 0
    columns: list[str] | None = None
    values: list = field(default_factory=list)
    detail: str = ""


class DumpScanner:
    """Streams a dump's statements; yields rows only for tables `want(name)` accepts."""

    def __init__(self, fh: TextIO, want: Callable[[str], bool], dialect: str = "auto") -> None:
        self.fh = fh
        self.want = want
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.stmt = 0
        self.statements: dict[str, int] = {}
        self.tables: dict[str, tuple[list[str], set[str]]] = {}
        self._plans: dict[tuple[str, str | None], tuple] = {}
        self._runs: dict[tuple, re.Pattern[str]] = {}
        while len(self.buf) < (1 << 16) and self._fill():
            pass  # the dialect is read from the dump's head (banner, SET lines)
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
        grouped = None  # after the first row: one regex giving each value as a group
        while True:
            if grouped is not None and (gm := grouped.match(self.buf, self.pos)) is not None:
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
            if wanted and grouped is None:
                grouped = self._grouped_row(len(values))
            if wanted:
                if bin_idx:
                    for i in bin_idx:
                        if i < len(values) and values[i] is not None:
                            values[i] = BINARY
                yield Event("row", self.stmt, table, row_no, cols, values)
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
        while (m := rx.match(self.buf, self.pos)) is not None:
            self.pos = m.end()
            self.stmt += 1
            self._count("insert")
            if not wanted:
                continue
            values = decode(m.groups())
            for i in bin_idx:
                if i < len(values) and values[i] is not None:
                    values[i] = BINARY
            yield Event("row", self.stmt, table, 1, cols, values)

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
            nl = self.buf.find("\n", self.pos)
            if nl < 0:
                if self._fill():
                    continue
                yield from self._bad(table, "COPY data without its closing \\. line")
                self.pos = len(self.buf)
                return
            line = self.buf[self.pos : nl]
            self.pos = nl + 1
            if line.endswith("\r"):  # data CRs are escaped (\\r), so this is a CRLF file
                line = line[:-1]
            if line == "\\.":
                return
            row_no += 1
            if not wanted:
                continue
            if "\\" in line:
                values = [
                    None if f == "\\N" else _COPY_ESC.sub(_copy_escape, f) for f in line.split("\t")
                ]
            else:
                values = line.split("\t")
            for i in bin_idx:
                if i < len(values) and values[i] is not None:
                    values[i] = BINARY
            yield Event("row", self.stmt, table, row_no, cols, values)

    def _fast_values(self, start: int, end: int) -> list:
        """Values of the row tuple between `start` and `end` (already matched by `Dialect.row`)."""
        found = self.dialect.item.findall(self.buf, start, end)
        return self.dialect.decode_groups(tuple(chain.from_iterable(found)))

    # -- slow path: one row, any value form we know

    def _slow_row(self, p: int) -> tuple[list, str, int]:
        """One row tuple at `p` by hand: (values, separator after it, end position)."""
        buf = self.buf
        p = self._ws(p)
        if buf[p] != "(":
            raise _Malformed("expected `(`")
        p += 1
        values: list = []
        while True:
            value, p = self._value(self._ws(p))
            p = self._ws(p)
            if buf.startswith("::", p):  # PostgreSQL cast
                cm = re.compile(r"::\s*[A-Za-z_][\w .]*(?:\([\d, ]*\))?(?:\[\])?").match(buf, p)
                if cm is None or cm.end() == len(buf):
                    raise _Incomplete
                p = self._ws(cm.end())
            values.append(value)
            if buf[p] == ",":
                p += 1
                continue
            if buf[p] == ")":
                p = self._ws(p + 1)
                return values, buf[p], p + 1 if buf[p] in ",;" else p
            raise _Malformed(f"unexpected {buf[p]!r} after a value")

    def _ws(self, p: int) -> int:
        """Skip whitespace; there must be something after it (more text is read if needed)."""
        buf = self.buf
        while p < len(buf) and buf[p].isspace():
            p += 1
        if p >= len(buf):
            if not self.eof:
                raise _Incomplete
            raise _Malformed("statement cut off at the end of the file")
        return p

    def _match(self, rx: re.Pattern[str], p: int) -> re.Match[str] | None:
        m = rx.match(self.buf, p)
        if m is not None and m.end() == len(self.buf) and not self.eof:
            raise _Incomplete
        return m

    def _value(self, p: int):
        buf, d = self.buf, self.dialect
        if p >= len(buf):
            raise _Incomplete
        c = buf[p]
        if c == "'":
            m = self._match(d.string, p)
            if m is not None and buf.startswith("'", m.end()):
                m = None  # `'it'` of a cut `'it''s'`: the regex backtracked off the buffer end
            if m is None:
                if not self.eof:
                    raise _Incomplete
                raise _Malformed("unterminated string")
            return d.unescape(m.group()[1:-1]), m.end()
        if c in "eE" and buf.startswith("'", p + 1):
            m = self._match(d.e_string, p)
            if m is not None and buf.startswith("'", m.end()):
                m = None  # backtracked off the buffer end, as for plain strings
            if m is None:
                raise _Incomplete if not self.eof else _Malformed("unterminated E'' string")
            return _C_ESC.sub(_c_escape, m.group()[2:-1]), m.end()
        m = self._match(_NUM_RX, p)
        if m is not None:
            return m.group(), m.end()
        m = self._match(_HEX_RX, p)
        if m is not None:
            return BINARY, m.end()
        m = self._match(_WORD_CALL, p)
        if m is None:
            raise _Malformed(f"unexpected {c!r}")
        word = m.group(1).lower()
        if not m.group(2):
            if word == "null":
                return None, m.end()
            if word in ("true", "false"):
                return word, m.end()
            raise _Malformed(f"unknown bare word {m.group(1)!r}")
        args: list = []
        q = self._ws(m.end())
        if buf[q] == ")":
            q += 1
        else:
            while True:
                arg, q = self._value(self._ws(q))
                args.append(arg)
                q = self._ws(q)
                if buf[q] == ",":
                    q += 1
                elif buf[q] == ")":
                    q += 1
                    break
                else:
                    raise _Malformed(f"bad argument list for {word}()")
        return _call(word, args), q


_NUM_RX = re.compile(NUM)
_HEX_RX = re.compile(HEX)
_WORD_CALL = re.compile(r"([A-Za-z_]\w*)\s*(\()?")


def _call(word: str, args: list):
    """Evaluate the few functions dump tools emit inside VALUES."""
    try:
        if word == "replace" and len(args) == 3:
            return None if args[0] is None else args[0].replace(args[1], args[2])
        if word == "char":
            return "".join(chr(int(a)) for a in args)
        if word == "unistr" and len(args) == 1:
            return _unistr(args[0])
    except (TypeError, ValueError, AttributeError) as e:
        raise _Malformed(f"{word}() with arguments {args!r}: {e}") from None
    raise _Malformed(f"unsupported function {word}()")


# ---------------------------------------------------------------- extraction

_RAW_BYTE = re.compile("[\udc80-\udcff]")
_DECLARED = re.compile(
    rb"SET\s+NAMES\s+'?(\w+)|SET\s+client_encoding\s*=\s*'(\w+)'|character_set_client\s*=\s*(\w+)",
    re.IGNORECASE,
)
_DB_CHARSETS = {"utf8mb4": "utf-8", "utf8mb3": "utf-8", "utf8": "utf-8", "sql_ascii": "utf-8",
                "latin1": "cp1252", "gbk": "gb18030", "gb2312": "gb18030"}  # fmt: skip


class DecodedReader:
    """`read(n)` of text from a binary file: an incremental decoder, no newline translation.

    Cheaper than TextIOWrapper for big reads; undecodable bytes become surrogates
    (surrogateescape) so a raw BLOB cannot stop the scan."""

    def __init__(self, raw, encoding: str) -> None:
        import codecs

        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.dirty = False  # set once any undecodable byte has been read

    def read(self, n: int) -> str:
        while True:
            data = self.raw.read(n)
            try:
                text = self.decoder.decode(data, final=not data)
            except UnicodeDecodeError:  # the decoder keeps its state when it raises
                self.dirty = True
                self.decoder.errors = "surrogateescape"
                text = self.decoder.decode(data, final=not data)
            if text or not data:
                return text


# statements end at GO lines, not `;`: reading one as a dump would run a statement to the end
# of the file, so it is one reject that says what works instead
MSSQL_HINT = (
    "a SQL Server script (GO batches), which is not a supported dump format: read the database "
    "live (`url: mssql+pymssql://...` with pymssql installed, and a `query:`) or export it as CSV"
)
# binary files a user may point a dump source at, and what to do instead
NOT_A_DUMP = {
    b"PGDMP": "a pg_dump custom-format archive (-Fc): write SQL with `pg_restore -f dump.sql FILE`"
    " or dump with `pg_dump -Fp`",
    b"SQLite format 3\x00": "an SQLite database file, not a dump: give it as `url: sqlite:///FILE`"
    " with a `query`, or dump it with `sqlite3 FILE .dump`",
}


def dump_encoding(head: bytes, forced: str | None = None) -> Decoding:
    """A dump's text encoding from its first bytes: BOM, the source's `encoding:`, then what the
    dump declares (`SET NAMES`, `client_encoding`), else UTF-8. Bytes that do not decode are kept
    as surrogates (a raw BLOB in a mysqldump is not text and is skipped anyway); a text value
    holding them is rejected, never guessed."""
    fixed = bom_or_forced(head, forced)
    if fixed:
        return fixed
    m = _DECLARED.search(head)
    if m:
        label = next(g for g in m.groups() if g).decode("ascii").lower()
        codec = _DB_CHARSETS.get(label) or whatwg_codec(label)
        if codec:
            return Decoding(codec, "declared", 1.0, declared=label)
    return Decoding("utf-8", "utf-8", 1.0)


def dump_file(
    path: Path, display: str, src: SqlSource, tally: Tally, name: str
) -> Iterator[Dialog | Document]:
    """Records from the chosen table of one dump file."""
    want = norm_name(src.table or "")
    with open_bytes(path) as raw:
        head = raw.read(1 << 16)
        for prefix, what in NOT_A_DUMP.items():
            if head.startswith(prefix):
                tally.reject("not_a_text_dump", display, detail=what)
                return
        decoding = dump_encoding(head, src.encoding)
        raw.seek(0)  # gzip/bz2/xz streams rewind too
        fh = DecodedReader(raw, decoding.encoding)
        scanner = DumpScanner(fh, lambda t: t == want, src.dialect)
        if scanner.dialect.name == "mssql":
            tally.reject("unsupported_dump", display, detail=MSSQL_HINT)
            return
        created: list[list[str]] = []
        binary = 0

        def rows() -> Iterator[Row]:
            nonlocal binary
            for ev in scanner.events():
                if ev.kind == "create":
                    created.append(ev.columns or [])
                    continue
                if ev.kind == "bad":
                    tally.reject(
                        "malformed_statement", f"{display}:stmt {ev.stmt}", detail=ev.detail
                    )
                    continue
                loc = f"{display}:stmt {ev.stmt} row {ev.row}"
                if ev.columns is None:
                    tally.reject("unknown_columns", loc,
                                 detail="no CREATE TABLE or column list before this row")  # fmt: skip
                    continue
                if len(ev.columns) != len(ev.values):
                    tally.reject("column_count_mismatch", loc,
                                 detail=f"{len(ev.columns)} columns, {len(ev.values)} values")  # fmt: skip
                    continue
                values = ev.values
                if BINARY in values:
                    binary += sum(1 for v in values if v is BINARY)
                    values = [None if v is BINARY else v for v in values]
                if fh.dirty and any(isinstance(v, str) and _RAW_BYTE.search(v) for v in values):
                    tally.reject("undecodable_value", loc,
                                 detail=f"bytes that are not {decoding.encoding} in a text column "
                                        "(an undeclared legacy dump needs `encoding:`)")  # fmt: skip
                    continue
                yield dict(zip(ev.columns, values, strict=True)), loc

        gen = rows()
        first = next(gen, None)
        if first is not None:
            header = created[0] if created else list(first[0])
            yield from rows_to_records(header, chain([first], gen), src, tally, name, display)
        elif want not in scanner.tables:
            tally.reject("table_not_found", display,
                         detail=f"no rows or CREATE TABLE for {src.table!r}")  # fmt: skip
    tally.note_file(display, {
        **decoding.note(),
        "invalid_bytes": fh.dirty,
        "dialect": scanner.dialect.name,
        "statements": scanner.statements,
        "binary_values_skipped": binary,
    })  # fmt: skip


def extract_sql_dump(
    src: SqlSource, tally: Tally, root: Path = Path("."), name: str | None = None
) -> Iterator[Dialog | Document]:
    """Every dump of a source (a .sql file, or a folder searched for *.sql)."""
    name = name or src.name or src.path or ""
    for path, display in source_files(src.path or "", root, GLOB):
        yield from guarded(dump_file(path, display, src, tally, name), tally, display)
