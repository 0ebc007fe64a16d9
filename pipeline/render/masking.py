"""Char spans -> labels. The one rule, for every path (fast Rust encodings or explicit offsets):

A token is trained iff its characters overlap a trainable span. So a token straddling a span
boundary (e.g. '\n\n' covering the template's newline after `assistant` and the first newline
of the content) is trained: the whole content and end marker are always trained, and the only
extra text a trained token can carry is the partial token of template text at a span edge.
This is the rule `apply_chat_template(return_assistant_tokens_mask=True)` applies (the tokens
from the one holding the span's first char to the one holding its last), made exact for a
character split over several byte tokens (all of them are trained).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from pipeline.render.templates import Span
from pipeline.rows import IGNORE


def token_ranges_from_encoding(enc: Any, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """Token index ranges [first, last+1) overlapping each span, via the Rust encoding (no offset lists)."""
    n = len(enc)  # not len(enc.ids), which copies every id into a new list
    out = []
    for a, b in spans:
        c = a
        first = enc.char_to_token(c)
        while first is None and c + 1 < b:  # chars a normalizer dropped map to no token
            c += 1
            first = enc.char_to_token(c)
        c = b - 1
        last = enc.char_to_token(c)
        while last is None and c > a:
            c -= 1
            last = enc.char_to_token(c)
        if first is None or last is None:
            continue
        while last + 1 < n and enc.token_to_chars(last + 1)[0] < b:
            last += 1  # the other byte tokens of a multi-token character
        while first > 0 and enc.token_to_chars(first - 1)[1] > a:
            first -= 1
        out.append((first, last + 1))
    return out


def token_ranges_from_offsets(
    offsets: Sequence[tuple[int, int]], spans: Sequence[Span]
) -> list[tuple[int, int]]:
    """Same rule over an explicit offsets list (pieces encoded separately)."""
    ends = [e for _, e in offsets]
    starts = [s for s, _ in offsets]
    out = []
    for a, b in spans:
        first = bisect_right(ends, a)  # first token ending after a
        last = first
        while last < len(offsets) and starts[last] < b:
            last += 1
        if last > first:
            out.append((first, last))
    return out


def labels_from_ranges(input_ids: list[int], ranges: Sequence[tuple[int, int]]) -> list[int]:
    """input_ids inside the token ranges, IGNORE elsewhere (list slicing, no per-token Python loop)."""
    labels = [IGNORE] * len(input_ids)
    for s, e in ranges:
        labels[s:e] = input_ids[s:e]
    return labels


def labels_for_encoding(enc: Any, spans: Sequence[Span]) -> list[int]:
    return labels_from_ranges(enc.ids, token_ranges_from_encoding(enc, spans))


def labels_for_offsets(
    input_ids: list[int], offsets: Sequence[tuple[int, int]], spans: Sequence[Span]
) -> list[int]:
    return labels_from_ranges(input_ids, token_ranges_from_offsets(offsets, spans))
