"""Character classes of whole texts at once: a text as an array of code points, and lookup tables
saying which are `\\w`, whitespace or CJK, filled from the regexes themselves.

The clean rules are defined by regex classes (`\\w`, `\\s`, CJK below); counting or splitting a long
text by them in the regex engine costs tens of nanoseconds a character, a table lookup in numpy a
few. The tables are filled one 4,096-code-point block at a time, the first time a text holds one
(all at once would cost ~0.3 s per process), by running the same regex over the block, so they
cannot drift from their definitions.
"""

from __future__ import annotations

import re

import numpy as np

# Han (incl. extensions), kana, hangul: characters that are words of their own (a regex class body)
CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_BLOCK = 4096
WORD = np.zeros(0x110000, bool)  # `\w` as Python's str regexes see it
SPACE = np.zeros(0x110000, bool)  # `\s` (= str.isspace)
CJK_CHAR = np.zeros(0x110000, bool)  # one of CJK
_READY = np.zeros(0x110000 // _BLOCK, bool)
_CLASSES = [
    (WORD, re.compile(r"\w")),
    (SPACE, re.compile(r"\s")),
    (CJK_CHAR, re.compile(f"[{CJK}]")),
]


def class_table(pattern: str) -> np.ndarray:
    """A lookup table for one more one-character regex class, filled like the ones above: which
    code points `pattern` matches."""
    table = np.zeros(0x110000, bool)
    _CLASSES.append((table, re.compile(pattern)))
    _fill_one(table, _CLASSES[-1][1], np.flatnonzero(_READY).tolist())  # blocks already filled
    return table


def code_points(text: str) -> np.ndarray:
    """The text's code points (uint8 for ASCII text, else uint32), tables ready for them."""
    if text.isascii():
        cp = np.frombuffer(text.encode("ascii"), np.uint8)
        if not _READY[0]:
            _fill([0])
        return cp
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    block_of = cp >> 12
    if not _READY[block_of].all():
        _fill(np.unique(block_of[~_READY[block_of]]).tolist())
    return cp


def _fill(blocks: list[int]) -> None:
    for table, pattern in _CLASSES:
        _fill_one(table, pattern, blocks)
    _READY[blocks] = True


def _fill_one(table: np.ndarray, pattern: re.Pattern[str], blocks: list[int]) -> None:
    for block in blocks:
        first = block * _BLOCK
        chars = "".join(map(chr, range(first, first + _BLOCK)))
        table[[first + m.start() for m in pattern.finditer(chars)]] = True
