"""Matching keys: folded text for comparing, never for writing out.

NFKC, case, width and quote folding happen only here (exact-dedup keys, slop matching); the text a
record keeps is only NFC-normalized. CJK text has no word boundaries, so units and shingles are
characters inside CJK runs and words elsewhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np

from pipeline.clean.codepoints import CJK, CJK_CHAR, SPACE, WORD, code_points
from pipeline.records import Dialog, Document

# Apostrophes and quotes that users and models type interchangeably.
_QUOTES = str.maketrans(
    {"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"'}
)
_QUOTE_PAIRS = [(chr(k), v) for k, v in _QUOTES.items()]
_CJK_CHAR = re.compile(f"[{CJK}]")
_UNITS = re.compile(f"[{CJK}]|[^\\W{CJK}]+(?:'[^\\W{CJK}]+)*")
_WORDS = re.compile(r"\w+(?:'\w+)*")
_WORD_RUN = re.compile(r"\w+")
# ASCII \w bytes kept, every other byte a space (bytes.split's whitespace)
_ASCII_WORD_BYTES = bytes(c if re.match(rb"\w", bytes([c])) else 32 for c in range(256))


def is_cjk(ch: str) -> bool:
    """True for Han, kana and hangul characters (the ones that are words of their own)."""
    return bool(_CJK_CHAR.match(ch))


@functools.lru_cache(maxsize=1 << 16)
def fold_char(ch: str) -> str:
    """NFKC + casefold + quote folding of one character (may expand, e.g. 'ß' -> 'ss'); cached, as
    a Chinese text repeats the same few thousand characters."""
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


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold_with_map(text: str) -> tuple[str, np.ndarray]:
    """Folded text plus, for each folded character, the index of the original character it came
    from, so a match in the folded text maps back to a span of the original. ASCII folds one
    character for one (lowercase, backtick to apostrophe), so only the other characters are
    folded one by one."""
    if text.isascii():  # the common case
        return text.lower().replace("`", "'"), np.arange(len(text))
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _NON_ASCII.finditer(text):
        i = m.start()
        if i > pos:
            out.append(text[pos:i].lower().replace("`", "'"))
            index.extend(range(pos, i))
        f = fold_char(m.group())
        out.append(f)
        index.extend([i] * len(f))
        pos = i + 1
    out.append(text[pos:].lower().replace("`", "'"))
    index.extend(range(pos, len(text)))
    return "".join(out), np.array(index)


_SPACE_BY_CJK = re.compile(f"(?<=[{CJK}]) | (?=[{CJK}])")


def match_key(text: str) -> str:
    """Folded text with whitespace runs as one space and no space next to a CJK character, so a
    phrase is a plain substring whether or not a writer spaced "AI" inside Chinese."""
    key = " ".join(fold(text).split())  # str.split's whitespace is exactly `\s`, in one C call
    return key if key.isascii() else _SPACE_BY_CJK.sub("", key)  # lookarounds at every space


# ASCII whitespace (str.isspace, what str.split splits on) made a space; every other byte kept
_ASCII_BLANKS = bytes(32 if chr(c).isspace() else c for c in range(128)) + bytes(range(128, 256))


class JoinedKey:
    """`match_key("\\n".join(texts))` built in numpy passes instead of a split into words (an
    object per word was most of the slop rules' cost), and on request where each text's own key
    lies in it: the keys in order, one space between two unless one side is CJK. Each text is
    folded alone, so ASCII turns keep the fast path (folding is per character, so the joined fold
    is the same)."""

    def __init__(self, texts: list[str]) -> None:
        self.folded = [fold(t) for t in texts]
        joined = "\n".join(self.folded)
        if joined.isascii():
            cp = np.frombuffer(joined.encode("ascii").translate(_ASCII_BLANKS), np.uint8)
            self.keep = _run_mask(cp != 32)
            self.text = cp[self.keep].tobytes().decode("ascii")
        else:
            cp = code_points(joined)
            self.keep, space = _key_mask(cp)
            self.text = _key_text(cp, space, self.keep)

    def spans(self) -> tuple[list[int], list[int]]:
        """(start, end) of each text's key in `text`; an empty key sits where the keys before it
        end. Counted over the kept characters between the texts' first and last non-spaces."""
        starts: list[int] = []
        ends: list[int] = []
        size = at = begin = 0  # key length so far, characters of the join counted, text start
        for f in self.folded:
            lead = len(f) - len(f.lstrip())  # lstrip/rstrip strip str.isspace, as `\s` is
            if lead < len(f):
                first, last = begin + lead, begin + len(f.rstrip())
                start = size + int(np.count_nonzero(self.keep[at:first]))
                size = start + int(np.count_nonzero(self.keep[first:last]))
                at = last
            else:
                start = size
            starts.append(start)
            ends.append(size)
            begin += len(f) + 1
        return starts, ends


def match_key_with_map(text: str) -> tuple[str, list[int]]:
    """`match_key` plus, per key character, the index of the original character it came from,
    found in numpy (a loop per character was most of the filler cut's cost)."""
    folded, index = fold_with_map(text)
    cp = code_points(folded)
    keep, space = _key_mask(cp)
    return _key_text(cp, space, keep), index[keep].tolist()


def _key_mask(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which code points of a folded text are in its match key, which are whitespace): the
    non-space characters, and the first space of each run between two of them that are not CJK."""
    space = SPACE[cp]
    keep = ~space
    words = np.flatnonzero(keep)
    if len(words):
        first = space.copy()
        first[1:] &= keep[:-1]  # a space right after a non-space: where a run starts
        first[: words[0]] = first[words[-1] :] = False  # none before the first or after the last
        if cp.dtype != np.uint8:  # only non-ASCII text can hold CJK
            at = np.flatnonzero(first)
            after = words[np.searchsorted(words, at)]  # the non-space that ends each run
            first[at[CJK_CHAR[cp[at - 1]] | CJK_CHAR[cp[after]]]] = False
        keep |= first
    return keep, space


def _key_text(cp: np.ndarray, space: np.ndarray, keep: np.ndarray) -> str:
    """The kept code points as a string, each kept whitespace character a plain space."""
    chars = np.where(space, cp.dtype.type(32), cp)[keep].tobytes()
    if cp.dtype == np.uint8:
        return chars.decode("ascii")
    return chars.decode("utf-32-le", "surrogatepass")


def is_word_char(ch: str) -> bool:
    """A letter/digit of a space-delimited script: what a Latin word boundary looks at."""
    return (ch.isalnum() or ch == "_") and (ch.isascii() or not is_cjk(ch))


def units(text: str) -> list[str]:
    """Words for space-delimited scripts and single characters for CJK runs (in order)."""
    folded = fold(text)
    return _WORDS.findall(folded) if folded.isascii() else _UNITS.findall(folded)


def exact_key(text: str) -> str:
    """Folded, punctuation stripped, whitespace collapsed: the exact-duplicate key."""
    return exact_key_bytes(text).decode("utf-8", "surrogatepass")


def exact_key_bytes(text: str) -> bytes:
    """`exact_key` as UTF-8, the form dedup hashes, built in numpy: every non-`\\w` character a
    space, then each space kept only right after a word character and before the last one. The
    regex findall (or bytes.split) made one object per word, 2.5x the cost over real dialogs."""
    return folded_exact_key_bytes(fold(text))


def folded_exact_key_bytes(folded: str) -> bytes:
    """`exact_key_bytes` of a text already folded (`fold`)."""
    if folded.isascii():
        chars = np.frombuffer(folded.encode().translate(_ASCII_WORD_BYTES), np.uint8)
        return _word_runs(chars).tobytes()
    cp = code_points(folded)
    chars = np.where(WORD[cp], cp, np.uint32(32))
    return (
        _word_runs(chars)
        .tobytes()
        .decode("utf-32-le", "surrogatepass")
        .encode("utf-8", "surrogatepass")
    )


def _word_runs(chars: np.ndarray) -> np.ndarray:
    """The runs of non-space characters joined by one space (chars: code points, 32 = space)."""
    return chars[_run_mask(chars != 32)]


def _run_mask(word: np.ndarray) -> np.ndarray:
    """Which characters the runs of `word` characters joined by one space keep: every word
    character, and the first non-word character after each run but the last."""
    keep = word.copy()
    if not keep.any():
        return keep
    keep[1:] |= word[:-1]  # the first space after each word character
    keep[len(word) - int(np.argmax(word[::-1])) :] = False  # nothing after the last word
    return keep


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
