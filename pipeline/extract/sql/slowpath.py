"""The slow path: one row read by a small recursive parser, for value forms the regexes skip."""

from __future__ import annotations

import re

from pipeline.extract.sql.literals import _C_ESC, BINARY, HEX, NUM, Dialect, _c_escape, _unistr


class _Incomplete(Exception):
    """The buffer ends inside the current token: read more and try again."""


class _Malformed(Exception):
    """The statement cannot be parsed; the message says where and why."""


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


class SlowPath:
    """Row parsing by hand over the scanner's buffer (`buf`, `eof`, `dialect`)."""

    buf: str
    eof: bool
    dialect: Dialect

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
