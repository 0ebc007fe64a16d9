"""Reasoning content: an assistant turn's `<think>` block as the separate field reasoning models' templates take.

Qwen3, DeepSeek-R1, GLM-4 and Nemotron templates read `message.reasoning_content` and decide
themselves which turns show it (Qwen3 keeps it only after the last user query, DeepSeek-R1 never
in history). `think_tags` moves a `<think>...</think>` opening a content into that field, split
exactly as Qwen3's template splits it, so the rendering is the same either way; `reasoning_turns`
says which turns pass it on; `train_reasoning: false` leaves the rendered think block untrained.
"""

from __future__ import annotations

import re

from pipeline.config import RenderConfig
from pipeline.records import Message
from pipeline.render.templates import Span

THINK = re.compile(r"\s*<think>(.*?)</think>(.*)", re.DOTALL)
# where a turn's reasoning ends and its answer starts: a think block, or gpt-oss's final channel
ANSWER_STARTS = ("</think>", "<|channel|>final<|message|>")


THINKING = re.compile(r"message\.thinking|message\[.thinking.\]")


def reasoning_key(template: str) -> str | None:
    """The message field the template reads reasoning from (gpt-oss calls it `thinking`), or None."""
    if "reasoning_content" in template:
        return "reasoning_content"
    return "thinking" if THINKING.search(template) else None


def split_think(content: str) -> tuple[str | None, str]:
    """(reasoning, answer) of a content opening with a think block, as Qwen3's template splits it."""
    m = THINK.fullmatch(content)
    if m is None:
        return None, content
    return m.group(1).strip("\n"), m.group(2).lstrip("\n")


def message_dicts(
    messages: list[Message], cfg: RenderConfig, template: str
) -> list[dict[str, str]]:
    """The dicts handed to the template: role, content, and the reasoning where a turn has one."""
    key = reasoning_key(template)
    extract = cfg.think_tags == "extract" or (cfg.think_tags == "auto" and key is not None)
    last = max((i for i, m in enumerate(messages) if m.role == "assistant"), default=-1)
    out = []
    for i, m in enumerate(messages):
        content, reasoning = m.content, m.reasoning_content
        if m.role == "assistant" and reasoning is None and extract:
            reasoning, content = split_think(content)
        d = {"role": m.role, "content": content}
        keep = cfg.reasoning_turns == "template" or (cfg.reasoning_turns == "last" and i == last)
        if m.role == "assistant" and reasoning is not None and keep:
            d[key or "reasoning_content"] = reasoning
        out.append(d)
    return out


def answer_spans(text: str, spans: list[Span]) -> list[Span]:
    """Each span without its rendered reasoning: from after its last `</think>` (or gpt-oss's
    final-channel header) and the layout whitespace after it (spans without one are unchanged)."""
    out = []
    for a, b in spans:
        ends = [(text.rfind(t, a, b), t) for t in ANSWER_STARTS]
        k, tag = max(ends)
        if k >= 0:
            a = k + len(tag)
            while a < b and text[a].isspace():
                a += 1
        if b > a:
            out.append((a, b))
    return out
