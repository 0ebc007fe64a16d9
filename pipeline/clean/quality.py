"""Quality rules: each a datatrove-style `filter(record) -> bool | (bool, reason)`.

Lengths count characters (a CJK character is one, as any other); the symbol rule counts CJK
characters as letters and CJK punctuation as punctuation; the document minimum counts words, with
every CJK character a word (Chinese has no spaces).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from pipeline.clean.codepoints import SPACE, WORD, code_points
from pipeline.clean.fences import prose
from pipeline.clean.keys import units
from pipeline.clean.minhash import count_units
from pipeline.config import QualityConfig
from pipeline.records import Dialog, Document, Message
from pipeline.stage import RejectSink, StageStats
from pipeline.steps import Filter

STAGE = "clean"


def merge_same_role(dialog: Dialog) -> Dialog:
    """Join consecutive turns of the same role (blank line between), e.g. a user writing twice."""
    merged: list[Message] = []
    for m in dialog.messages:
        if merged and merged[-1].role == m.role and m.role != "system":
            prev = merged[-1]
            thoughts = [t for t in (prev.reasoning_content, m.reasoning_content) if t]
            merged[-1] = Message(
                role=m.role,
                content=f"{prev.content}\n\n{m.content}",
                reasoning_content="\n\n".join(thoughts) if thoughts else None,
            )
        else:
            merged.append(m)
    return dialog.model_copy(update={"messages": merged})


def trim_leading_assistant(dialog: Dialog) -> Dialog:
    """Drop assistant turns before the first user turn (a system prompt stays): 37% of the real
    ShareGPT export starts with the model, its first user message lost in the scrape."""
    first_user = next((i for i, m in enumerate(dialog.messages) if m.role == "user"), None)
    if first_user is None:
        return dialog
    head = [m for m in dialog.messages[:first_user] if m.role != "assistant"]
    if len(head) == first_user:
        return dialog
    return dialog.model_copy(update={"messages": head + dialog.messages[first_user:]})


def alternates(dialog: Dialog) -> bool:
    roles = [m.role for m in dialog.messages if m.role != "tool"]
    if roles and roles[0] == "system":
        roles = roles[1:]
    return all(a != b for a, b in zip(roles, roles[1:], strict=False)) and "system" not in roles


class EmptyTurn(Filter):
    name = "quality.empty_turn"

    def filter(self, record: Dialog | Document) -> bool:
        if isinstance(record, Document):
            return bool(record.text.strip())
        return bool(record.messages) and all(m.content.strip() for m in record.messages)


class Roles(Filter):
    """Roles must alternate user/assistant after an optional system prompt (merging first, by config)."""

    name = "quality.roles"

    def __init__(self, cfg: QualityConfig) -> None:
        self.cfg = cfg

    def filter(self, record: Dialog | Document) -> bool | tuple[bool, str]:
        if isinstance(record, Document):
            return True
        if not any(m.role == "assistant" for m in record.messages):
            return False, "quality.no_assistant"
        first = next(m.role for m in record.messages if m.role != "system")
        if first == "assistant":
            return False, "quality.starts_with_assistant"
        return alternates(record) or (False, "quality.roles_not_alternating")


class Length(Filter):
    name = "quality.length"

    def __init__(self, cfg: QualityConfig) -> None:
        self.cfg = cfg

    def filter(self, record: Dialog | Document) -> bool | tuple[bool, str]:
        text = (
            record.text
            if isinstance(record, Document)
            else "".join(m.content for m in record.messages)
        )
        n = len(text)
        if n < self.cfg.min_chars:
            return False, "quality.too_short"
        if n > self.cfg.max_chars:
            return False, "quality.too_long"
        if isinstance(record, Document) and count_units(text) < self.cfg.doc_min_words:
            return False, "quality.too_few_words"
        return True


# Python's whitespace (str.isspace) among ASCII
_ASCII_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_SYMBOL_RUN = re.compile(r"(?:[^\w\s]|_)+")
_ASCII_SPACE_BYTES = _ASCII_SPACES.encode()
_ASCII_SYMBOL_BYTES = bytes(c for c in range(128) if _SYMBOL_RUN.match(chr(c)))


def symbol_ratio(text: str) -> float:
    """Share of non-space characters that are neither letters nor digits (CJK characters are letters,
    CJK punctuation such as ，。 is punctuation)."""
    # Counted in C, never per character in Python: a symbol is `[^\w\s]|_`, which is exactly
    # "not L*, not N*, not a space" (checked over every code point in test_clean_fast_paths.py).
    if text.isascii():  # most turns: two bytes.translate deletions, each one C pass
        data = text.encode()
        visible = len(data.translate(None, _ASCII_SPACE_BYTES))
        symbols = len(data) - len(data.translate(None, _ASCII_SYMBOL_BYTES))
        return symbols / visible if visible else 0.0
    cp = code_points(text)  # other text: the same classes by table lookup (codepoints.py)
    space = SPACE[cp]
    visible = len(cp) - int(np.count_nonzero(space))
    if not visible:
        return 0.0
    symbols = visible - int(np.count_nonzero(WORD[cp])) + int(np.count_nonzero(cp == 95))
    return symbols / visible


class Symbols(Filter):
    name = "quality.symbols"

    def __init__(self, cfg: QualityConfig) -> None:
        self.cfg = cfg

    def filter(self, record: Dialog | Document) -> bool:
        text = (
            record.text
            if isinstance(record, Document)
            else "\n".join(m.content for m in record.messages)
        )
        return symbol_ratio(text) <= self.cfg.max_symbol_ratio


MIN_LINE_UNITS = 3  # shorter lines ("}", "end", "| --- |", "1 1 1") repeat legitimately


def repeated_line_ratio(text: str) -> float:
    """Share of prose lines that repeat an earlier line. Fenced code is left out (code repeats
    braces and calls by nature), and so are lines of fewer than MIN_LINE_UNITS words/CJK chars."""
    # a unit is at least one character: shorter lines cannot count, and when no longer line
    # repeats (most turns) the units per line need not be counted at all
    candidates = [s for s in map(str.strip, prose(text).split("\n")) if len(s) >= MIN_LINE_UNITS]
    if len(candidates) < 4:
        return 0.0
    counts = Counter(candidates)
    if len(counts) == len(candidates):
        return 0.0
    # units counted once per distinct line, and only for the repeated ones until one counts
    if not any(c > 1 and len(units(ln)) >= MIN_LINE_UNITS for ln, c in counts.items()):
        return 0.0
    kept = [c for ln, c in counts.items() if len(units(ln)) >= MIN_LINE_UNITS]
    n = sum(kept)
    return sum(c - 1 for c in kept) / n if n >= 4 else 0.0


class RepeatedLines(Filter):
    name = "quality.repeated_lines"

    def __init__(self, cfg: QualityConfig) -> None:
        self.cfg = cfg

    def filter(self, record: Dialog | Document) -> bool:
        texts = (
            [record.text] if isinstance(record, Document) else [m.content for m in record.messages]
        )
        return all(repeated_line_ratio(t) <= self.cfg.max_repeated_line_ratio for t in texts)


def quality(
    records: Iterable[Dialog | Document], cfg: QualityConfig, sink: RejectSink, stats: StageStats
) -> Iterator[Dialog | Document]:
    """The quality rules in order (cheap structural ones first)."""
    if not cfg.enabled:
        yield from records
        return
    records = EmptyTurn().run(records, sink)
    if cfg.leading_assistant == "trim":
        records = _changed(
            records, trim_leading_assistant, "quality.leading_assistant_trimmed", stats
        )
    if cfg.non_alternating == "merge":
        records = _changed(records, merge_same_role, "quality.turns_merged", stats)
    for rule in (Roles(cfg), Length(cfg), Symbols(cfg), RepeatedLines(cfg)):
        records = rule.run(records, sink)
    yield from records


def _changed(
    records: Iterable[Dialog | Document],
    change: Callable[[Dialog], Dialog],
    counter: str,
    stats: StageStats,
) -> Iterator[Dialog | Document]:
    """Apply a turn-level change to every dialog, counting the dialogs it changed."""
    for record in records:
        if isinstance(record, Dialog):
            changed = change(record)
            if len(changed.messages) != len(record.messages):
                stats.count_change(counter)
                record = changed
        yield record
