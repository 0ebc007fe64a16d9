"""Length budgets and the `drop_turns` policy: drop whole earliest turns (never the system prompt).

A turn starts at a user message (after the leading system messages); cutting at turn k keeps the
system messages plus everything from that turn on. The cut is estimated from the token ranges of
the assistant turns already rendered, then checked: by cutting the tokens out of the full
dialog's encoding when the shortened rendering is the full one with a piece removed between two
added tokens (`splice_point`), else by rendering and tokenizing again (in batched rounds).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from pipeline.config import RenderConfig


def over_budget(n_tokens: int, n_trained: int, cfg: RenderConfig, max_length: int) -> str | None:
    """The reject reason if a sample breaks a budget, else None."""
    if n_tokens > max_length:
        return "too_long"
    if cfg.max_input_length is not None and n_tokens - n_trained > cfg.max_input_length:
        return "input_too_long"
    if cfg.max_output_length is not None and n_trained > cfg.max_output_length:
        return "output_too_long"
    return None


def split_system(
    messages: list[dict[str, str]],
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Leading system messages (always kept) and the rest."""
    k = 0
    while k < len(messages) and messages[k]["role"] == "system":
        k += 1
    return messages[:k], messages[k:]


def turn_starts(rest: list[dict[str, str]]) -> list[int]:
    """Indices in `rest` where a turn starts: 0, then every user message that follows a non-user one."""
    return [0] + [
        j
        for j in range(1, len(rest))
        if rest[j]["role"] == "user" and rest[j - 1]["role"] != "user"
    ]


def cut_messages(messages: list[dict[str, str]], k: int) -> list[dict[str, str]] | None:
    """The dialog without its first k turns (system kept), or None if no assistant turn would remain."""
    system, rest = split_system(messages)
    starts = turn_starts(rest)
    if k >= len(starts):
        return None
    kept = rest[starts[k] :]
    if not any(m["role"] == "assistant" for m in kept):
        return None
    return system + kept


def max_cut(messages: list[dict[str, str]]) -> int:
    """The most turns `cut_messages` can drop while an assistant message remains (0 if none can)."""
    _, rest = split_system(messages)
    starts = turn_starts(rest)
    for k in range(len(starts) - 1, 0, -1):
        if any(m["role"] == "assistant" for m in rest[starts[k] :]):
            return k
    return 0


def over_budget_detail(messages: list[dict[str, str]]) -> str:
    """The detail of a drop_turns reject: every cut up to the last that keeps an answer broke
    the budget (whichever cuts were tokenized to learn it)."""
    return f"still over budget after dropping {max_cut(messages)} turns"


def next_cut(
    messages: list[dict[str, str]],
    n_tokens: int,
    assistant_ranges: Sequence[tuple[int, int]],
    trained_ranges: Sequence[tuple[int, int]],
    cfg: RenderConfig,
    max_length: int,
) -> int:
    """How many more turns to drop from `messages`, whose rendering broke a budget.

    Estimate: dropping turns up to cut j removes the tokens before the end of the last assistant
    turn preceding j (the kept system prompt is ignored, so the estimate is optimistic and the
    next round corrects it). Without one token range per assistant message, step by one turn.
    """
    _, rest = split_system(messages)
    starts = turn_starts(rest)
    roles = [m["role"] for m in rest]
    if len(assistant_ranges) != roles.count("assistant"):
        return 1
    for j in range(1, len(starts)):
        n_assistant_before = roles[: starts[j]].count("assistant")
        cut_tok = assistant_ranges[n_assistant_before - 1][1] if n_assistant_before else 0
        trained_after = sum(max(0, e - max(s, cut_tok)) for s, e in trained_ranges)
        if over_budget(n_tokens - cut_tok, trained_after, cfg, max_length) is None:
            return j
    return max(len(starts) - 1, 1)


def common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix (binary search over C-level slice compares)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def splice_point(full: str, short: str, boundaries: Sequence[int]) -> int | None:
    """The char position p with `short == full[:p] + full[p + removed:]`, where p and p + removed
    are both in `boundaries` (sorted positions where an added token starts in the full text's
    encoding), or None if there is no such position.

    A fast tokenizer splits added tokens out before its normalizer and pre-tokenizer run, so the
    text between two added tokens encodes on its own: the shortened text's ids are then the full
    ids with the tokens of the removed piece cut out, and no second tokenizer call is needed.
    """
    removed = len(full) - len(short)
    if removed <= 0:
        return None
    at = set(boundaries)
    limit = common_prefix(full, short)
    i = bisect_right(boundaries, limit)
    while i > 0:
        i -= 1
        p = boundaries[i]
        if p + removed in at:
            return p if full[p + removed :] == short[p:] else None
    return None
