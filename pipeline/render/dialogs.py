"""Dialogs -> token rows: render each dialog once, know its trainable char spans, tokenize the batch
once (fast tokenizer, no special tokens added: the template writes BOS itself, as
`apply_chat_template` assumes), and label by span overlap (see masking.py)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import jinja2

from pipeline.config import RenderConfig
from pipeline.records import Dialog
from pipeline.render.control import ControlTokens, UnescapableTokenError
from pipeline.render.masking import (
    labels_from_ranges,
    token_ranges_from_encoding,
    token_ranges_from_offsets,
)
from pipeline.render.spans import SpanError, merge_spans, prefix_spans, select_spans
from pipeline.render.templates import (
    has_generation_markers,
    load_chat_template,
    render_chat,
    template_variables,
)
from pipeline.render.truncation import cut_messages, next_cut, over_budget
from pipeline.stage import RejectSink, Report

STAGE = "render"


@dataclass
class Sample:
    """One dialog on its way through the renderer (messages as rendered, after any dropped turns)."""

    dialog: Dialog
    messages: list[dict[str, str]]
    cut: int = 0
    escape: bool = False
    text: str = ""
    char_spans: list[tuple[int, int]] = field(default_factory=list)  # one per assistant turn
    input_ids: list[int] = field(default_factory=list)
    assistant_ranges: list[tuple[int, int]] = field(default_factory=list)
    trained_ranges: list[tuple[int, int]] = field(default_factory=list)
    error: tuple[str, str] | None = None  # (reject reason, detail)

    @property
    def n_trained(self) -> int:
        return sum(e - s for s, e in self.trained_ranges)


def with_system_prompt(
    messages: list[dict[str, str]], system_prompt: str | None
) -> list[dict[str, str]]:
    """Prepend the configured system prompt when the dialog has none."""
    if system_prompt is None or (messages and messages[0]["role"] == "system"):
        return messages
    return [{"role": "system", "content": system_prompt}, *messages]


class DialogRenderer:
    """Renders dialogs with one template and tokenizer under one RenderConfig."""

    def __init__(
        self,
        cfg: RenderConfig,
        tokenizer: Any,
        template: str | None = None,
        max_length: int | None = None,
    ) -> None:
        self.cfg = cfg
        self.tokenizer = tokenizer
        self.template = template or load_chat_template(cfg.template, tokenizer)
        self.max_length = max_length or cfg.max_length
        self.variables = template_variables(tokenizer)
        self.marked = has_generation_markers(self.template)
        self.control = ControlTokens(tokenizer, self.template)

    # ---------------------------------------------------------------- per dialog

    def messages_for(self, dialog: Dialog) -> list[dict[str, str]]:
        """The messages as rendered before any truncation (system prompt injected if configured)."""
        msgs = [{"role": m.role, "content": m.content} for m in dialog.messages]
        return with_system_prompt(msgs, self.cfg.system_prompt)

    def _render(self, messages: list[dict[str, str]], add_generation_prompt: bool = False):
        return render_chat(self.template, messages, self.variables, add_generation_prompt)

    def _text_and_spans(self, messages: list[dict[str, str]]) -> tuple[str, list[tuple[int, int]]]:
        """Rendered text and one char span per assistant turn."""
        text, spans = self._render(messages)
        if self.marked:
            return text, merge_spans(spans)
        return text, prefix_spans(
            lambda m, agp: self._render(m, agp)[0], messages, text, self.tokenizer
        )

    def _start(self, sample: Sample) -> str | None:
        """Render one sample; returns its text for the batch tokenizer, or None if handled here."""
        try:
            if sample.escape:
                self._render_escaped(sample)
                return None
            sample.text, spans = self._text_and_spans(sample.messages)
        except SpanError as e:
            sample.error = ("template_not_prefix_stable", str(e))
            return None
        except UnescapableTokenError as e:
            sample.error = ("special_token_text", str(e))
            return None
        except (jinja2.TemplateError, TypeError, ValueError) as e:
            sample.error = ("template_error", str(e) or type(e).__name__)
            return None
        sample.char_spans = spans
        return sample.text

    def _render_escaped(self, sample: Sample) -> None:
        """The careful path for dialogs holding control-token text: render marked, encode by pieces."""
        marked_msgs = self.control.mark(sample.messages)
        marked_text, spans = self._text_and_spans(marked_msgs)
        text, ids, offsets, removed = self.control.encode_marked(marked_text)

        def unmark(p: int) -> int:
            return p - bisect_left(removed, p)

        char_spans = [(unmark(a), unmark(b)) for a, b in spans]
        sample.text, sample.input_ids = text, ids
        sample.assistant_ranges = token_ranges_from_offsets(offsets, char_spans)
        trained = select_spans(char_spans, self.cfg.train_on, len(text))
        sample.trained_ranges = merge_spans(token_ranges_from_offsets(offsets, trained))

    def _finish(self, sample: Sample, enc: Any) -> None:
        """Token ranges from the batch encoding of the sample's text."""
        char_spans = sample.char_spans
        sample.input_ids = enc.ids
        sample.assistant_ranges = token_ranges_from_encoding(enc, char_spans)
        trained = select_spans(char_spans, self.cfg.train_on, len(sample.text))
        sample.trained_ranges = merge_spans(token_ranges_from_encoding(enc, trained))

    def render_samples(self, samples: list[Sample]) -> None:
        """Render and tokenize a batch in place: one tokenizer call for all ordinary dialogs."""
        texts: list[str] = []
        todo: list[Sample] = []
        for s in samples:
            text = self._start(s)
            if text is not None:
                texts.append(text)
                todo.append(s)
        if texts:
            batch = self.tokenizer(texts, add_special_tokens=False, return_attention_mask=False)
            for s, enc in zip(todo, batch.encodings, strict=True):
                self._finish(s, enc)

    # ---------------------------------------------------------------- batches

    def new_sample(self, dialog: Dialog) -> Sample:
        """A sample for a dialog, or one already carrying its reject reason."""
        messages = self.messages_for(dialog)
        sample = Sample(dialog=dialog, messages=messages)
        if not dialog.messages:
            sample.error = ("empty_dialog", "no messages")
            return sample
        policy = self.cfg.special_tokens_in_content
        if policy != "allow":
            found = self.control.first_in(messages)
            if found is not None:
                if policy == "reject":
                    sample.error = ("special_token_text", f"content contains {found!r}")
                else:
                    sample.escape = True
        return sample

    def run_batch(self, dialogs: list[Dialog], sink: RejectSink) -> list[dict[str, Any]]:
        """Rows for one batch in input order; rejects go to the sink."""
        samples = [self.new_sample(d) for d in dialogs]
        pending = [s for s in samples if s.error is None]
        while pending:
            self.render_samples(pending)
            retry = []
            for s in pending:
                if s.error is not None:
                    continue
                reason = over_budget(len(s.input_ids), s.n_trained, self.cfg, self.max_length)
                if reason is None:
                    if s.n_trained == 0:
                        s.error = ("no_trained_token", f"train_on={self.cfg.train_on}")
                    continue
                if self.cfg.truncation == "drop":
                    s.error = (reason, f"{len(s.input_ids)} tokens, {s.n_trained} trained")
                    continue
                full = self.messages_for(s.dialog)
                k = next_cut(
                    s.messages,
                    len(s.input_ids),
                    s.assistant_ranges,
                    s.trained_ranges,
                    self.cfg,
                    self.max_length,
                )
                cut = cut_messages(full, s.cut + k)
                if cut is None:
                    s.error = (reason, f"still over budget after dropping {s.cut} turns")
                    continue
                s.cut += k
                s.messages = cut
                retry.append(s)
            pending = retry
        rows = []
        for s in samples:
            if s.error is not None:
                sink.reject(s.dialog, STAGE, s.error[0], s.error[1])
                continue
            rows.append(
                {
                    "id": s.dialog.id,
                    "source": s.dialog.source,
                    "source_name": s.dialog.source_name,
                    "input_ids": s.input_ids,
                    "labels": labels_from_ranges(s.input_ids, s.trained_ranges),
                    "n_tokens": len(s.input_ids),
                    "n_supervised": s.n_trained,
                }
            )
        return rows


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def render_dialogs(
    dialogs: Iterable[Dialog],
    cfg: RenderConfig,
    tokenizer: Any,
    report: Report,
    sink: RejectSink,
    template: str | None = None,
    max_length: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one token row per kept dialog: id, source, source_name, input_ids, labels, n_tokens,
    n_supervised. Rejects (too_long, no_trained_token, special_token_text, template_error, ...)
    go to `sink`; counts to `report` under stage "render"."""
    renderer = DialogRenderer(cfg, tokenizer, template, max_length)
    stats = report.stage(STAGE)
    for batch in _batches(dialogs, cfg.batch_size):
        stats.seen += len(batch)
        rows = renderer.run_batch(batch, sink)
        stats.kept += len(rows)
        yield from rows
