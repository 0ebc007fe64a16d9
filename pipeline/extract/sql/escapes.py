"""Backslash escapes undone in one C pass (mysqldump strings, COPY text fields).

Why: re.sub makes a Python call per escape, and dumped chat text holds an escaped newline every
few dozen characters; chained str.replace passes cost a scan each. CPython's own escape decoder
(`codecs.escape_decode`, the one pickle uses) reads `\\\\ \\' \\" \\b \\f \\n \\r \\t \\v` exactly as
MySQL and COPY do. It is used only when every backslash in the text is followed by one of the
dialect's agreeing letters (`safe`), which holds for whichever backslashes start escapes; any other
text (octal, hex, `\\0`, `\\Z`, `\\%`, a lone trailing backslash, undecodable bytes) goes to the
dialect's per-escape regex (`slow`), which stays the reference.
"""

from __future__ import annotations

import re
from codecs import escape_decode  # type: ignore[attr-defined]
from collections.abc import Callable


def unsafe_escape(safe: str) -> re.Pattern[str]:
    """A backslash not followed by one of the `safe` letters (where the dialect and Python's
    escape decoder might disagree). It also finds the second backslash of an escaped one (a quick
    test with a literal prefix); `unescape_bulk` looks again without those before giving up."""
    return re.compile(rf"\\(?![{re.escape(safe)}])")


def unescape_bulk(text: str, unsafe: re.Pattern[str], slow: Callable[[str], str]) -> str:
    """`text` with its backslash escapes undone; `slow(text)` unless every escape is safe."""
    if unsafe.search(text) and ("\\\\" not in text or unsafe.search(text.replace("\\\\", ""))):
        return slow(text)  # (the second look skips escaped backslashes: `\\d` is safe)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes kept as surrogates: the exact way
        return slow(text)
    return escape_decode(data)[0].decode("utf-8")
