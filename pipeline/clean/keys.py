"""Matching keys: folded text for comparing, never for writing out.

NFKC, case, width and quote folding happen only here (exact-dedup keys, slop matching); the text a
record keeps is only NFC-normalized. CJK text has no word boundaries, so units and shingles are
characters inside CJK runs and words elsewhere.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from pipeline.records import Dialog, Document

# Apostrophes and quotes that users and models type interchangeably.
_QUOTES = str.maketrans(
    {"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"'}
)
_QUOTE_PAIRS = [(chr(k), v) for k, v in _QUOTES.items()]
# Han (incl. extensions), kana, hangul: characters that are words of their own.
CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_CJK_CHAR = re.compile(f"[{CJK}]")
_UNITS = re.compile(f"[{CJK}]|[^\\W{CJK}]+(?:'[^\\W{CJK}]+)*")
_WORDS = re.compile(r"\w+(?:'\w+)*")
_WORD_RUN = re.compile(r"\w+")
# ASCII \w bytes kept, every other byte a space (bytes.split's whitespace)
_ASCII_WORD_BYTES = bytes(c if re.match(rb"\w", bytes([c])) else 32 for c in range(256))


def is_cjk(ch: str) -> bool:
    """True for Han, kana and hangul characters (the ones that are words of their own)."""
    return bool(_CJK_CHAR.match(ch))


def fold_char(ch: str) -> str:
    """NFKC + casefold + quote folding of one character (may expand, e.g. 'ß' -> 'ss')."""
    return unicodedata.normalize("NFKC", ch).casefold().translate(_QUOTES)


def fold(text: str) -> str:
    """The folded form used for matching (never written out)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # str.translate with a dict looks up every character (the largest cost of matching keys);
    # a str.replace per quote present is a C scan each, and ASCII text can only hold the backtick
    if folded.isascii():
        return folded.replace("`", "'")
    for quote, plain in _QUOTE_PAIRS:
        if quote in folded:
            folded = folded.replace(quote, plain)
    return folded


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """Folded text plus, for each folded character, the index of the original character it came
    from, so a match in the folded text maps back to a span of the original."""
    if text.isascii():  # the common case: folding is lowercasing, one character for one
        return text.lower().translate(_QUOTES), list(range(len(text)))
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        f = fold_char(ch)
        out.append(f)
        index.extend([i] * len(f))
    return "".join(out), index


_SPACE_BY_CJK = re.compile(f"(?<=[{CJK}]) | (?=[{CJK}])")


def match_key(text: str) -> str:
    """Folded text with whitespace runs as one space and no space next to a CJK character, so a
    phrase is a plain substring whether or not a writer spaced "AI" inside Chinese."""
    key = " ".join(fold(text).split())  # str.split's whitespace is exactly `\s`, in one C call
    return key if key.isascii() else _SPACE_BY_CJK.sub("", key)  # lookarounds at every space


def join_keys(keys: list[str]) -> tuple[str, list[int]]:
    """`match_key("\\n".join(texts))` from the texts' own keys (whitespace between them is one
    space, none next to CJK), and where each key starts in it."""
    out: list[str] = []
    starts: list[int] = []
    size = 0
    for key in keys:
        if key and size and not (is_cjk(out[-1][-1]) or is_cjk(key[0])):
            out.append(" ")
            size += 1
        starts.append(size)
        if key:
            out.append(key)
            size += len(key)
    return "".join(out), starts


_ASCII_SPACE = np.array([chr(c).isspace() for c in range(128)])


def match_key_with_map(text: str) -> tuple[str, list[int]]:
    """`match_key` plus, per key character, the index of the original character it came from."""
    if text.isascii():  # no CJK, one character per character: the kept positions, in numpy
        space = _ASCII_SPACE[np.frombuffer(text.encode(), np.uint8)]
        first_of_run = space & ~np.concatenate(([True], space[:-1]))  # after a non-space
        words = np.flatnonzero(~space)
        keep = ~space
        if len(words):
            first_of_run[words[-1] :] = False  # no space after the last word
            keep |= first_of_run
        return " ".join(text.lower().translate(_QUOTES).split()), np.flatnonzero(keep).tolist()
    folded, index = fold_with_map(text)
    out: list[str] = []
    where: list[int] = []
    i, n = 0, len(folded)
    while i < n:
        if folded[i].isspace():
            j = i
            while j < n and folded[j].isspace():
                j += 1
            if out and j < n and not is_cjk(out[-1]) and not is_cjk(folded[j]):
                out.append(" ")
                where.append(index[i])
            i = j
            continue
        out.append(folded[i])
        where.append(index[i])
        i += 1
    return "".join(out), where


def is_word_char(ch: str) -> bool:
    """A letter/digit of a space-delimited script: what a Latin word boundary looks at."""
    return (ch.isalnum() or ch == "_") and (ch.isascii() or not is_cjk(ch))


def units(text: str) -> list[str]:
    """Words for space-delimited scripts and single characters for CJK runs (in order)."""
    folded = fold(text)
    return _WORDS.findall(folded) if folded.isascii() else _UNITS.findall(folded)


def exact_key(text: str) -> str:
    """Folded, punctuation stripped, whitespace collapsed: the exact-duplicate key."""
    # punctuation -> space, then whitespace collapsed, leaves exactly the \w runs joined by spaces;
    # ASCII text (most) by bytes.translate and split, twice as fast as the regex
    folded = fold(text)
    if folded.isascii():
        return b" ".join(folded.encode().translate(_ASCII_WORD_BYTES).split()).decode()
    return " ".join(_WORD_RUN.findall(folded))


def shingles(text: str, word_n: int, char_n: int) -> set[str]:
    """Word n-grams over runs of space-delimited words and character n-grams over CJK runs; mixed
    text gets both. Text shorter than n gives one shingle of what it has."""
    folded = fold(text)
    if not _CJK_CHAR.search(folded):  # the common case: one run of words, no per-unit loop
        found = _WORDS.findall(folded)  # = _UNITS without CJK, and 1.4x faster
        return set(_ngrams(found, word_n, " ")) if found else set()
    found = _UNITS.findall(folded)
    out: set[str] = set()
    words: list[str] = []
    cjk: list[str] = []

    def flush_words() -> None:
        if words:
            out.update(_ngrams(words, word_n, " "))
            words.clear()

    def flush_cjk() -> None:
        if cjk:
            out.update(_ngrams(cjk, char_n, ""))
            cjk.clear()

    for unit in found:
        if len(unit) == 1 and is_cjk(unit):
            flush_words()
            cjk.append(unit)
        else:
            flush_cjk()
            words.append(unit)
    flush_words()
    flush_cjk()
    return out


def _ngrams(seq: list[str], n: int, sep: str) -> list[str]:
    if len(seq) <= n:
        return [sep.join(seq)]
    return list(map(sep.join, zip(*(seq[i:] for i in range(n)), strict=False)))


def record_text(record: Dialog | Document, key: str = "dialog") -> str:
    """The text a record is compared by: all turns with their roles, the first user turn, or a
    document's text."""
    if isinstance(record, Document):
        return record.text
    if key == "first_user":
        return next((m.content for m in record.messages if m.role == "user"), "")
    return "\n".join(f"{m.role}: {m.content}" for m in record.messages)
