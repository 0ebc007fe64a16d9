"""Which characters of a rendered dialog are trained: one span per assistant turn.

A span is the assistant content plus its end-of-turn marker (`<|im_end|>`, `<|eot_id|>`, `</s>`,
`<end_of_turn>`, ...), exactly as the template renders them. Two ways to find it:
- the template marks it with `{% generation %}` (all shipped templates): the tracked block spans;
- otherwise (e.g. a tokenizer's own template via `auto`), by rendering prefixes: turn i starts
  where `render(messages[:i], add_generation_prompt=True)` ends and ends where
  `render(messages[:i+1])` stops agreeing with the full rendering, minus trailing whitespace
  (the newline after `<|im_end|>` is template layout, never generated).
Shipped templates put exactly that text in their generation blocks, so both ways agree; the
audit derives spans the second way through `apply_chat_template` and compares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.render.templates import Span


class SpanError(ValueError):
    """The template does not render assistant turns as a stable prefix, so no span can be found."""


def merge_spans(spans: list[Span]) -> list[Span]:
    """Sorted, non-empty, with touching blocks joined (a template may emit one turn in two blocks)."""
    out: list[Span] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def common_prefix_end(partial: str, full: str, tokenizer: Any) -> int:
    """Where `partial` (a dialog rendered up to a turn) stops agreeing with `full`, at a token boundary.

    Used when a template closes the conversation differently from a turn (Phi-3 appends EOS at the
    very end): the turn is the part both renderings tokenize identically.
    """
    a = tokenizer(partial, add_special_tokens=False, return_attention_mask=False)["input_ids"]
    enc = tokenizer(
        full, add_special_tokens=False, return_offsets_mapping=True, return_attention_mask=False
    )
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    k = 0
    while k < min(len(a), len(ids)) and a[k] == ids[k]:
        k += 1
    return offsets[k - 1][1] if k else 0


def prefix_spans(
    render: Callable[[list[dict[str, str]], bool], str],
    messages: list[dict[str, str]],
    full: str,
    tokenizer: Any,
) -> list[Span]:
    """One span per assistant message, by rendering prefixes (see module docstring)."""
    spans: list[Span] = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        try:
            start_text = render(messages[:i], True)
            end_text = render(messages[: i + 1], False)
        except Exception as e:  # a template may refuse a partial dialog (roles must alternate ...)
            raise SpanError(f"cannot render the dialog up to turn {i}: {e}") from None
        if not full.startswith(start_text):
            raise SpanError(f"turn {i}: the generation prompt is not a prefix of the dialog")
        start = len(start_text)
        end = (
            len(end_text)
            if full.startswith(end_text)
            else common_prefix_end(end_text, full, tokenizer)
        )
        while end > start and full[end - 1].isspace():
            end -= 1
        if end <= start:
            raise SpanError(f"turn {i}: the assistant turn renders as nothing")
        spans.append((start, end))
    return spans


def select_spans(assistant_spans: list[Span], train_on: str, text_length: int) -> list[Span]:
    """The spans trained under `train_on`: all assistant turns, the last one, or the whole text."""
    if train_on == "everything":
        return [(0, text_length)] if text_length else []
    if train_on == "last_assistant":
        return assistant_spans[-1:]
    return assistant_spans
