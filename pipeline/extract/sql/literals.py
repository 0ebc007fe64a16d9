"""SQL literals per dialect: token patterns, value regexes, unescaping, dialect detection."""

from __future__ import annotations

import re
from codecs import escape_decode  # type: ignore[attr-defined]
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.sql.escapes import unescape_bulk, unsafe_escape


class _Binary:
    """A binary value (skipped): distinct from NULL so it can be counted."""

    def __repr__(self) -> str:
        return "BINARY"


BINARY = _Binary()


# ---------------------------------------------------------------- token patterns

# atomic and possessive: a literal has one reading, so the engine keeps no backtracking points
# through its text (about 1.5x faster over long strings) and never retries a cut one shorter
STD_STR = r"'(?>[^']*+(?:''[^']*+)*+)'"
BS_STR = r"'(?>[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+)'"
NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
HEX = r"[xX]'[0-9a-fA-F]*'|0x[0-9a-fA-F]+|_binary\s*" + BS_STR
IDENT = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
QNAME = rf"{IDENT}(?:\s*\.\s*{IDENT})*"
_SCS = re.compile(r"SET\s+standard_conforming_strings\s*=\s*'?(on|off)", re.IGNORECASE)
_MSSQL = re.compile(r"SET ANSI_NULLS|SET QUOTED_IDENTIFIER|\[dbo\]\.", re.IGNORECASE)
_GO_LINE = re.compile(r"^[ \t]*GO[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_COPY_ESC = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_COPY_CHARS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_MYSQL_CHARS = {"0": "\x00", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_BS_ESC = re.compile(r"\\(.)|''", re.DOTALL)
_C_ESC = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))|''",
    re.DOTALL,
)
_NUM = re.compile(NUM)
_ROW_END = re.compile(r"\s*([,;])")
_ASCII_SPACE = " \t\r\n"
_UNISTR = re.compile(
    r"\\(?:([0-9a-fA-F]{4})|u([0-9a-fA-F]{4})|\+([0-9a-fA-F]{6})|U([0-9a-fA-F]{8})|(\\))"
)


def _generic_token(string: str) -> str:
    """One token of any statement: a run of plain text or a whole quoted/commented part."""
    return (
        rf"[^;'\"`$/#-]+|{string}|\"(?:[^\"]|\"\")*\"|`[^`]*`|--[^\n]*(?:\n|\Z)|"
        rf"/\*.*?(?:\*/|\Z)|\$(\w*)\$.*?(?:\$\1\$|\Z)|#[^\n]*(?:\n|\Z)|[/$#-]"
    )


def _value_pattern(string: str, capture: bool, replace_forms: bool) -> str:
    """One value of a row: a string literal (`string`), number, NULL, binary, boolean, and with
    `replace_forms` sqlite3 .dump's newline form replace('..', marker, char(n)), once or twice
    nested (for \\n and \\r); with `capture`, each form and the parts of the replace() forms are
    groups (`SQLITE_GROUPS` per value with the replace forms, `GROUPS` without).

    No re.IGNORECASE: it makes every `[^']*` over long text several times slower. The markers
    are short, which keeps a failed try (on the next column's string) from rescanning it."""

    def g(x: str) -> str:
        return f"({x})" if capture else f"(?:{x})"

    marker, code = g("[^']{1,16}"), g(r"\d+")
    arg = rf"\s*,\s*'{marker}'\s*,\s*(?i:char)\({code}\)\s*\)"
    rep2 = rf"(?i:replace)\(\s*(?i:replace)\(\s*{g(STD_STR)}{arg}{arg}"
    rep1 = rf"(?i:replace)\(\s*{g(STD_STR)}{arg}"
    forms = [g(string), g(NUM), g("(?i:NULL)") + r"\b", g(HEX), g("(?i:true|false)") + r"\b"]
    if replace_forms:
        forms += [rep2, rep1]
    return rf"\s*(?:{'|'.join(forms)})\s*"


@dataclass
class Dialect:
    """Literal rules in force: whether plain strings take backslash escapes."""

    name: str
    backslash: bool

    def __post_init__(self) -> None:
        s = BS_STR if self.backslash else STD_STR
        e_str = r"[eE]" + BS_STR
        # only sqlite3 .dump writes replace(..., char(10)); in other dialects such a value is read
        # by the slow path, and the fast regexes carry 5 groups per value instead of 13
        forms = self.name == "sqlite"
        self.groups = SQLITE_GROUPS if forms else GROUPS
        self.grouped_value = _value_pattern(s, capture=True, replace_forms=forms)
        self.item = re.compile(rf"{self.grouped_value}[,)]")
        plain = _value_pattern(s, capture=False, replace_forms=forms)
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
        """A whole one-row statement `header (v, ...);` as one regex, with `self.groups` groups per
        value when `ncols` is given (rows to decode) and none otherwise (rows to skip)."""
        row = r"\(" + ",".join([self.grouped_value] * ncols) + r"\)" if ncols else self.plain_row
        return re.compile(r"\s*" + re.escape(header) + row + r"\s*;")

    def quick_rows(self, buf: str, pos: int, ncols: int, out: list[list]) -> tuple[str, int]:
        """Rows from `pos` on as `row_pattern(ncols)` reads them, each appended to `out`, while
        they are rows of plain strings, numbers and NULLs with nothing between them (as mysqldump
        and pg_dump write rows) and end in `,`. Returns the `,` or `;` after the last row read
        and the position after it, or "" and the start of the first row it leaves to the regex
        (any other row, or one cut by the buffer end).

        Why by hand: the regex tests a character class at every character of a string, and
        backslash strings (mysqldump's) take a turn of its escape loop at every escaped newline
        and quote, which made the row regex about 40% of extracting a mysqldump. Here a string's
        end is found with str.find; only where that quote is doubled or follows a backslash are the
        string's quotes looked at one by one (`_string_close`). Rows are read in one loop, not a
        call each: a mysqldump INSERT holds about a thousand of them."""
        backslash, find, append = self.backslash, buf.find, out.append
        last, size, sep = ncols - 1, len(buf), ""
        while True:
            start, values = pos, []
            try:
                while buf[pos] in _ASCII_SPACE:
                    pos += 1
                if buf[pos] != "(":
                    return sep, start
                p = pos + 1
                for i in range(ncols):
                    c = buf[p]
                    if c == "'":
                        j = find("'", p + 1)  # the usual close: a quote not doubled nor escaped
                        if j < 0 or j + 1 == size:
                            return sep, start
                        # else the body holds no quote, so no `''` to look for
                        quoted = buf[j + 1] == "'" or (backslash and buf[j - 1] == "\\")
                        if quoted:
                            j = self._string_close(buf, p + 1)
                            if j < 0:
                                return sep, start
                        body = buf[p + 1 : j]
                        p = j + 1
                        if backslash and "\\" in body:
                            body = self._backslash_body(body, quoted)
                            if body is None:
                                return sep, start
                        elif quoted:
                            body = undouble(body)
                        values.append(body)
                    elif c == "N" and buf.startswith("NULL", p):
                        values.append(None)
                        p += 4
                    else:
                        m = _NUM.match(buf, p)
                        if m is None:
                            return sep, start
                        values.append(m.group())
                        p = m.end()
                    if buf[p] != ("," if i < last else ")"):
                        return sep, start
                    p += 1
                c = buf[p]  # the separator, most often right after the row
                if c == "," or c == ";":
                    pos = p + 1
                else:
                    m = _ROW_END.match(buf, p)
                    if m is None:
                        return sep, start
                    c, pos = m.group(1), m.end()
            except IndexError:  # cut by the buffer end
                return sep, start
            append(values)
            sep = c
            if c == ";":
                return sep, pos

    def _backslash_body(self, body: str, quoted: bool) -> str | None:
        """`unescape(body)` for a backslash-dialect body holding a backslash (`quoted`: it may hold
        a quote), or None where a backslash precedes a raw newline (`\\.` takes none: the row
        regex decides). Where every escape is one Python's decoder reads alike (the usual
        mysqldump text) one regex search proves it and the decoder runs at once: the separate
        tests for `\\` + newline and `''` were each a scan of the body, a fifth of the time."""
        if _MYSQL_UNSAFE.search(body) is None and not (quoted and "''" in body):
            try:  # (no unsafe escape also means no backslash before a newline)
                return escape_decode(body.encode("utf-8"))[0].decode("utf-8")
            except UnicodeEncodeError:  # undecodable bytes kept as surrogates: the exact way
                pass
        if "\\\n" in body:
            return None
        return self.unescape(body)

    def _string_close(self, buf: str, start: int) -> int:
        """Index of the quote closing the string whose body starts at `start` (not escaped, not
        doubled); -1 if it is not in `buf`, or a quote at its very end could be the first of two.
        Each find is a C scan; Python looks only at the quotes (searching for a quote before `,`
        or `)` and checking the body by counts was slower: five passes over long bodies)."""
        find, backslash, j = buf.find, self.backslash, start
        while True:  # the closing quote: not escaped, not doubled
            j = find("'", j)
            if j < 0 or j + 1 == len(buf):
                return -1
            if backslash and buf[j - 1] == "\\":
                k = j - 1  # escaped by an odd run of backslashes (`\\\\` is an escaped one)
                while buf[k - 1] == "\\" and k > start:
                    k -= 1
                if (j - k) & 1:
                    j += 1
                    continue
            if buf[j + 1] != "'":
                return j
            j += 2

    def decode_groups(self, g: tuple) -> list:
        """Values of one row from the groups of `grouped_value`s, in column order. A group that
        took part is never empty (a string keeps its quotes), so truth tests serve both
        `match.groups()` (None) and `findall` ("") for the forms that did not. One of the first
        `GROUPS` always took part unless the value is a replace() form (sqlite only)."""
        out: list = []
        unescape = self.unescape
        for i in range(0, len(g), self.groups):
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
            if "\\" not in body:
                return undouble(body)
            if "''" in body:  # `''` and `\'` may touch: escape by escape
                return _BS_ESC.sub(_mysql_escape, body)
            return unescape_bulk(body, _MYSQL_UNSAFE, _mysql_slow)
        return undouble(body)


# mysqldump escapes every newline and quote, and COPY every newline, so chat text holds many
# escapes: undone in bulk where Python's escape decoder reads them the same way (escapes.py)
_MYSQL_UNSAFE = unsafe_escape("\\'\"bnrt")
_COPY_UNSAFE = unsafe_escape("\\bfnrtv")


def _mysql_slow(text: str) -> str:
    return _BS_ESC.sub(_mysql_escape, text)


def _copy_slow(text: str) -> str:
    return _COPY_ESC.sub(_copy_escape, text)


def copy_field(field: str) -> str | None:
    """One field of a COPY text-format row: `\\N` is NULL, else its backslash escapes undone."""
    if "\\" not in field:
        return field
    if field == "\\N":
        return None
    return unescape_bulk(field, _COPY_UNSAFE, _copy_slow)


GROUPS = 5  # groups per value in Dialect.grouped_value: string, number, NULL, binary, boolean
SQLITE_GROUPS = 13  # and the replace() forms' 8: two nested (literal, 2 markers, 2 codes), one


def _sqlite_unmark(literal: str, marker: str, code: str) -> str:
    """`replace('..', marker, char(code))` on a standard string literal (with its quotes)."""
    return _sqlite_unmark_text(undouble(literal[1:-1]), marker, code)


def _sqlite_unmark_text(text: str, marker: str, code: str) -> str:
    rx, char = _unmark_rule(marker, code)
    return rx.sub(char, text)


@lru_cache(maxsize=64)  # sqlite3 writes a few (`\n` and `\r` as char(10) and char(13))
def _unmark_rule(marker: str, code: str) -> tuple[re.Pattern[str], str]:
    """The marker's regex and its character as a re.sub template."""
    return re.compile(re.escape(undouble(marker))), chr(int(code)).replace("\\", "\\\\")


# Why regexes and not str.replace for two-character needles: CPython's replace() searches again
# from scratch for every occurrence, and chat text holds an escaped quote or newline every few
# dozen characters; re.sub finds them in one pass (1.7x faster on ShareGPT turns)
_DOUBLED = re.compile("''")


def undouble(text: str) -> str:
    """`''` -> `'` (a standard SQL string literal's doubled quotes)."""
    return _DOUBLED.sub("'", text)


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
