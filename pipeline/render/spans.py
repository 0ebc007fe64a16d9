"""Which characters of a rendered dialog are trained: one span per assistant turn.

A span is the assistant turn as the rendering shows it after its role header (content, and a think
block where the template writes one) plus its end-of-turn marker (`<|im_end|>`, `<|eot_id|>`,
`</s>`, `<end_of_turn>`, ...). Three ways to find it:
- the template marks it with `{% generation %}` (all shipped templates): the tracked block spans;
- otherwise (e.g. a tokenizer's own template via `auto`), by rendering prefixes: turn i starts
  where `render(messages[:i], add_generation_prompt=True)` ends (after the cue's role header)
  and ends where `render(messages[:i+1])` stops agreeing with the full rendering, minus trailing
  whitespace (the newline after `<|im_end|>` is template layout, never generated);
- for templates that render a turn differently once it is no longer last (Qwen3, DeepSeek-R1,
  gpt-oss, Nemotron 3), by one marked rendering (see `located_spans`).
Shipped templates put exactly that text in their generation blocks, so the ways agree; the audit
derives spans the second or third way through `apply_chat_template` and compares.
"""

from __future__ import annotations

import re
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
    cue: str = "",
) -> list[Span]:
    """One span per assistant message, by rendering prefixes (see module docstring). With the
    template's generation `cue`, a turn starts after the cue's role header (its first line)."""
    header = role_header(cue)
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
        if header != cue and start_text.endswith(cue):  # Qwen3.5's `<think>\n` is trained
            start += len(header) - len(cue)
        if full.startswith(end_text):
            end = len(end_text)
        else:  # only layout may follow where the two renderings part (Phi-3's final EOS)
            end = common_prefix_end(end_text, full, tokenizer)
            if not full[end - 1 : end].isspace():
                raise SpanError(f"turn {i}: its end marker renders differently when it is last")
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


# ---------------------------------------------------------------- locating turns in one rendering
#
# Templates that rewrite history (Qwen3 and DeepSeek-R1 drop earlier turns' reasoning, gpt-oss
# closes the last turn with <|return|> and earlier ones with <|end|>) render a turn differently
# when it is last, so prefixes cannot find it. Instead the dialog is rendered once more with
# private-use marker characters around each message's content (inside its edge whitespace, so
# strip/trim keep them); where the markers land, minus the markers, is the full rendering, and each
# assistant span runs from the end of the generation cue before it to the end marker after it.

A_OPEN, A_CLOSE, R_OPEN, R_CLOSE, U_CLOSE = (chr(0xF0010 + i) for i in range(5))
MARKERS = re.compile(f"[{A_OPEN}{A_CLOSE}{R_OPEN}{R_CLOSE}{U_CLOSE}]")


def _wrap(text: str, open_: str, close: str) -> str:
    """Markers around the text between its leading and trailing whitespace."""
    core = text.strip()
    if not core:
        return text + open_ + close
    lead = len(text) - len(text.lstrip())
    return text[:lead] + open_ + core + close + text[lead + len(core) :]


def mark_contents(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Assistant contents (and reasoning) wrapped in markers; other contents get an end marker."""
    out = []
    for m in messages:
        m = {k: MARKERS.sub("", v) if isinstance(v, str) else v for k, v in m.items()}
        if m["role"] == "assistant":
            m["content"] = _wrap(m["content"], A_OPEN, A_CLOSE)
            for key in ("reasoning_content", "thinking"):
                if isinstance(m.get(key), str):
                    m[key] = _wrap(m[key], R_OPEN, R_CLOSE)
        else:
            m["content"] = _wrap(m["content"], "", U_CLOSE)
        out.append(m)
    return out


def generation_cue(render: Callable[[list[dict[str, str]], bool], str]) -> str:
    """What `add_generation_prompt` appends after a user turn (`<|im_start|>assistant\\n`), or ""."""
    probe = [{"role": "user", "content": "x"}]
    try:
        plain, prompted = render(probe, False), render(probe, True)
    except Exception:  # a template refusing the probe (e.g. it requires a system turn): no cue
        return ""
    return prompted[len(plain) :] if prompted.startswith(plain) else ""


def end_markers(literals: list[str], variables: dict[str, Any]) -> tuple[str, ...]:
    """Candidate end-of-turn markers, longest first: the first word of each template literal and
    the special tokens (`<|im_end|>`, `<|eot_id|>`, `<|end|>`, `<|return|>`, `</s>`, ...)."""
    words = {lit.split()[0] for lit in literals if lit.strip() and not lit[0].isspace()}
    words |= {v for v in variables.values() if isinstance(v, str) and v.strip()}
    return tuple(sorted(words, key=len, reverse=True))


def role_header(cue: str) -> str:
    """The generation cue's first line with its newlines (`<|im_start|>assistant\n`)."""
    return re.match(r"[^\n]*\n+|.*", cue, re.DOTALL).group()


def _cue_end(full: str, cue: str, lo: int, hi: int) -> int:
    """Where the turn's role header ends: the cue's first line (`<|im_start|>assistant\n`; what
    follows it, like Qwen3.5's `<think>\n`, is trained as TRL's training variants do), else its
    longest prefix ending a tag (DeepSeek-R1's `<｜Assistant｜>`), found last in full[lo:hi]."""
    line = role_header(cue)
    tags = [n for n in range(len(line) - 1, 0, -1) if line[n - 1] in ">]"]
    for n in (len(line), *tags):
        p = full.rfind(line[:n], lo, hi) if line[:n].strip() else -1
        if p >= 0:
            return p + n
    return hi


def located_spans(
    render: Callable[[list[dict[str, str]], bool], str],
    messages: list[dict[str, str]],
    full: str,
    cue: str,
    markers: tuple[str, ...],
) -> list[Span]:
    """One span per assistant message, from one marked rendering (see the comment above)."""
    try:
        marked = render(mark_contents(messages), False)
    except Exception as e:
        raise SpanError(f"cannot render the marked dialog: {e}") from None
    if MARKERS.sub("", marked) != full:
        raise SpanError("marking the contents changes the rendering")
    trails = [
        m["content"][len(m["content"].rstrip()) :] if m["content"].strip() else ""
        for m in messages
        if m["role"] == "assistant"
    ]
    spans: list[Span] = []
    lo, first = 0, None
    for n, hit in enumerate(MARKERS.finditer(marked)):
        kind, pos = hit.group(), hit.start() - n
        if kind == U_CLOSE:
            lo = max(lo, pos) if first is None else lo
        elif kind != A_CLOSE:
            first = pos if first is None else first
        else:
            if len(spans) == len(trails):
                raise SpanError("an assistant content renders more than once")
            trail = trails[len(spans)]
            while trail and not full.startswith(trail, pos):
                trail = trail[:-1]  # the template trimmed (part of) the trailing whitespace
            end = pos + len(trail)
            end += next((len(m) for m in markers if full.startswith(m, end)), 0)
            start = _cue_end(full, cue, lo, pos if first is None else first)
            spans.append((start, end))
            lo, first = end, None
    if len(spans) != len(trails):
        raise SpanError(f"{len(trails) - len(spans)} assistant turn(s) not rendered")
    return spans


class SpanFinder:
    """Assistant spans of a rendering by one template without generation blocks: by prefixes where
    the template is prefix-stable (the reference way), else located in one marked rendering."""

    def __init__(
        self,
        render: Callable[[list[dict[str, str]], bool], str],
        tokenizer: Any,
        literals: list[str],
        variables: dict[str, Any],
    ) -> None:
        self.render = render
        self.tokenizer = tokenizer
        self.markers = end_markers(literals, variables)
        self._cue: str | None = None

    def spans(self, messages: list[dict[str, str]], full: str) -> list[Span]:
        if self._cue is None:
            self._cue = generation_cue(self.render)
        try:
            return prefix_spans(self.render, messages, full, self.tokenizer, self._cue)
        except SpanError:
            return located_spans(self.render, messages, full, self._cue, self.markers)
