"""Token-count lower bounds from text prefixes, for tokenizers where they are exact.

A byte-level BPE tokenizer (no normalizer, BPE on each pre-token alone) splits text into
pre-tokens with a regex whose letter runs (`\\p{L}+`) stop at the first non-letter, and no
pre-token starts with a letter that follows another one. A cut between a letter and a non-letter
is therefore a pre-token boundary in the text and its prefix alike, so the prefix's ids are the
first ids of the whole text's, and counting them bounds the whole count from below without
tokenizing the rest. Neither tokenizers nor transformers offers that bound; it is written here.
"""

from __future__ import annotations

import json
import re
from typing import Any

# the pre-token regexes known to end every letter run at a non-letter (GPT-2's is ByteLevel's
# own with use_regex; Llama 3's and Qwen2's come in a Split before a regex-free ByteLevel)
_SPLIT_PATTERNS = frozenset(
    {
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    }
)
# a cut point: a letter, then a non-letter, both drawn from characters whose category has been the
# same in every Unicode version (ASCII, CJK ideographs of Unicode 1.1, Hangul syllables, CJK
# punctuation), so Python and the tokenizer's regex engine agree on them whatever their versions
_CUT = re.compile(
    r"[A-Za-z\u4e00-\u9fa5\uac00-\ud7a3]"
    r"(?=[\x00-\x40\x5b-\x60\x7b-\x7f\u3001\u3002\uff0c\uff1a\uff1b\uff1f\uff01\uff08\uff09\u201c\u201d])"
)
SCAN_CHARS = 1000  # how far back from the wanted length a cut point is looked for


def _plain_byte_level(pre: dict[str, Any] | None) -> bool:
    """Whether a backend pre-tokenizer (as JSON) is one whose letter runs end at non-letters."""
    if pre is None:
        return False
    if pre.get("type") == "ByteLevel":
        return bool(pre.get("use_regex", True))
    if pre.get("type") != "Sequence":
        return False
    steps = pre.get("pretokenizers") or []
    if len(steps) != 2:
        return False
    split, level = steps
    return (
        split.get("type") == "Split"
        and split.get("behavior") == "Isolated"
        and not split.get("invert", False)
        and (split.get("pattern") or {}).get("Regex") in _SPLIT_PATTERNS
        and level.get("type") == "ByteLevel"
        and not level.get("use_regex", True)
    )


def plain_added(token: Any) -> bool:
    """Whether an added token (a tokenizers AddedToken) is matched in text exactly as written: no
    stripping around it, no word-boundary rule, no normalizing; text between two such tokens is
    encoded on its own."""
    return not (token.lstrip or token.rstrip or token.single_word or token.normalized)


def prefix_bounds_exact(tokenizer: Any) -> bool:
    """Whether ids of a prefix cut by `prefix_cut` are a prefix of the whole text's ids: a fast
    byte-level BPE tokenizer without normalizer or dropout whose added tokens are matched as they
    are (no stripping, no normalizing). Reads the backend's parts, not its whole JSON (vocab)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or backend.normalizer is not None or backend.pre_tokenizer is None:
        return False
    model = backend.model
    if type(model).__name__ != "BPE" or model.dropout:
        return False
    if not _plain_byte_level(json.loads(backend.pre_tokenizer.__getstate__())):
        return False
    return all(plain_added(t) for t in tokenizer.added_tokens_decoder.values())


def prefix_cut(text: str, limit: int, added: list[str]) -> int:
    """The largest cut point i <= limit (a letter, then a non-letter) outside every occurrence of
    the `added` token texts, looked for within SCAN_CHARS of limit; 0 if there is none."""
    start = max(0, limit - SCAN_CHARS)
    cuts = [m.end() for m in _CUT.finditer(text, start, limit)]
    for i in reversed(cuts):
        if not any(_straddles(text, i, a) for a in added):
            return i
    return 0


def _straddles(text: str, i: int, token: str) -> bool:
    """Whether an occurrence of `token` in text starts before i and ends after it."""
    return any(text.startswith(token, j) for j in range(max(0, i - len(token) + 1), i))
