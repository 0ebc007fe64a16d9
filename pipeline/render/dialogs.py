"""Dialogs -> token rows: render each dialog once, know its trainable char spans, tokenize the batch
once (fast tokenizer, no special tokens added: the template writes BOS itself, as
`apply_chat_template` assumes), and label by span overlap (see masking.py)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import jinja2

from pipeline.config import RenderConfig
from pipeline.records import Dialog
from pipeline.render.bounds import plain_added, prefix_bounds_exact, prefix_cut
from pipeline.render.bytebpe import encoder_for
from pipeline.render.control import ControlTokens, UnescapableTokenError
from pipeline.render.masking import (
    labels_from_ranges,
    token_ranges_from_encoding,
    token_ranges_from_offsets,
)
from pipeline.render.reasoning import answer_spans, message_dicts, reasoning_key
from pipeline.render.spans import SpanError, SpanFinder, merge_spans, select_spans
from pipeline.render.templates import (
    has_generation_markers,
    load_chat_template,
    render_chat,
    shipped_equivalent,
    template_literals,
    template_variables,
)
from pipeline.render.truncation import (
    cut_messages,
    max_cut,
    next_cut,
    over_budget,
    over_budget_detail,
    splice_point,
    split_system,
    turn_starts,
)
from pipeline.stage import RejectSink, Report

STAGE = "render"
# drop_turns on a dialog whose rendering has more than this many characters per token of budget
# drops its earliest turns before tokenizing, keeping a tail of at least that many characters,
# still over budget unless its tokens average more characters than this (4-5 for English, fewer
# for code and CJK; a tail that fits is cut again with twice the characters): with ShareGPT at
# max_length 512, most characters of long dialogs were tokenized only to be cut away
PRECUT_CHARS_PER_TOKEN = 5
# drop_turns on a dialog whose shortest cut (system prompt and last turn) has more than
# PROBE_MIN_CHARS_PER_TOKEN characters per token of budget first tokenizes at most
# PROBE_CHARS_PER_TOKEN x the budget of it (cut where the count is a lower bound, bounds.py): a
# count over budget rejects the dialog without tokenizing the rest
PROBE_MIN_CHARS_PER_TOKEN = 4
PROBE_CHARS_PER_TOKEN = 6


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
    encoding: Any = None  # the batch tokenizer's Encoding of `text` (kept for drop_turns cuts)
    precut: bool = False  # turns dropped before the first tokenization (see `_precut`)
    probe: int | None = None  # the turns its shortest cut drops, while that is tokenized (`_probe`)
    probed: bool = False  # the shortest cut was considered for a probe, or tokenized as one
    probe_text: str = ""  # the text tokenized for the probe
    probe_tokens: int = 0  # its tokens (a lower bound of the shortest cut's)
    precut_chars: int = 0  # the tail a precut keeps, once a shorter one fitted (0: the default)
    error: tuple[str, str] | None = None  # (reject reason, detail)
    ready: bool = False  # rendered ahead (text and char_spans set, or error) by `start_batch`

    @property
    def n_trained(self) -> int:
        return sum(e - s for s, e in self.trained_ranges)


def trained_spans(
    text: str, spans: list[tuple[int, int]], cfg: RenderConfig
) -> list[tuple[int, int]]:
    """The char spans trained under `train_on`, without think blocks if `train_reasoning` is off."""
    if not cfg.train_reasoning:
        spans = answer_spans(text, spans)
    return select_spans(spans, cfg.train_on, len(text))


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
        fast_tokenizer: bool = True,
    ) -> None:
        self.cfg = cfg
        self.tokenizer = tokenizer
        # texts -> Encodings: tiktoken where it provably encodes as the tokenizer does (bytebpe.py)
        self.encode = encoder_for(tokenizer, fast_tokenizer)
        self.template = template or load_chat_template(cfg.template, tokenizer)
        self.max_length = max_length or cfg.max_length
        self.variables = template_variables(tokenizer)
        # a template without generation blocks that renders as a shipped tagged one (on probe
        # dialogs) takes its spans from that one's blocks, once both render a dialog alike
        self.equivalent = shipped_equivalent(self.template, self.variables)
        self.tagged = load_chat_template(self.equivalent, None) if self.equivalent else None
        self.marked = has_generation_markers(self.template)
        self.control = ControlTokens(tokenizer, self.template)
        # added tokens matched as they are (no strip, no normalizing): the text between two of
        # them encodes on its own, so a drop_turns cut at them can splice the full encoding
        self.plain_added_ids = sorted(
            i for i, t in tokenizer.added_tokens_decoder.items() if plain_added(t)
        )
        self.added_texts = sorted(
            (t.content for t in tokenizer.added_tokens_decoder.values()), key=len, reverse=True
        )
        # probes need prefix bounds, and added tokens found in text as the tokenizer finds them
        self.bounded = prefix_bounds_exact(tokenizer) and bool(self.added_texts)
        self.added_pattern = re.compile("|".join(map(re.escape, self.added_texts)))
        self.finder = SpanFinder(
            lambda m, agp: self._render(m, agp)[0],
            tokenizer,
            template_literals(self.template),
            self.variables,
        )

    # ---------------------------------------------------------------- per dialog

    def messages_for(self, dialog: Dialog) -> list[dict[str, str]]:
        """The messages as rendered before any truncation (system prompt injected if configured)."""
        msgs = message_dicts(dialog.messages, self.cfg, self.template)
        return with_system_prompt(msgs, self.cfg.system_prompt)

    def _render(self, messages: list[dict[str, str]], add_generation_prompt: bool = False):
        return render_chat(self.template, messages, self.variables, add_generation_prompt)

    def _text_and_spans(self, messages: list[dict[str, str]]) -> tuple[str, list[tuple[int, int]]]:
        """Rendered text and one char span per assistant turn."""
        text, spans = self._render(messages)
        if self.marked:
            return text, merge_spans(spans)
        if self.tagged is not None:
            tagged, blocks = render_chat(self.tagged, messages, self.variables)
            if tagged == text:
                return text, merge_spans(blocks)
        return text, self.finder.spans(messages, text)

    def _start(self, sample: Sample) -> str | None:
        """Render one sample; returns its text for the batch tokenizer, or None if handled here."""
        try:
            if sample.escape:
                self._render_escaped(sample)
                return None
            sample.text, spans = self._text_and_spans(sample.messages)
        except SpanError as e:
            sample.error = ("assistant_spans_not_found", str(e))
            return None
        except UnescapableTokenError as e:
            sample.error = ("special_token_text", str(e))
            return None
        except (jinja2.TemplateError, TypeError, ValueError) as e:
            sample.error = ("template_error", str(e) or type(e).__name__)
            return None
        probe = self._probe(sample)
        if probe is not None:
            return probe
        sample.char_spans = self._precut(sample, spans)
        return sample.text

    def _probe(self, sample: Sample) -> str | None:
        """Under drop_turns, the text that bounds a long dialog's shortest cut from below (all of
        it, or a prefix cut as bounds.py allows), to be tokenized before anything else; None if
        there is no probe. Its count over budget proves every cut over budget: the shortest cut
        renders as the dialog with its earlier turns cut out between added tokens, so each longer
        cut holds its tokens and more. Where rendering the shortest cut fails, no probe is made:
        drop_turns rejects such a dialog for that failure once it reaches that cut."""
        if (
            not self.bounded
            or self.cfg.truncation != "drop_turns"
            or sample.cut
            or sample.probed
            or len(sample.text) <= PROBE_MIN_CHARS_PER_TOKEN * self.max_length
        ):
            return None
        sample.probed = True
        last = max_cut(sample.messages)
        text = sample.text
        if last:
            shortest = cut_messages(sample.messages, last)
            try:
                text, _ = self._text_and_spans(shortest)
            except (SpanError, UnescapableTokenError, jinja2.TemplateError, TypeError, ValueError):
                return None
            starts_at = [m.start() for m in self.added_pattern.finditer(sample.text)]
            if splice_point(sample.text, text, starts_at) is None:
                return None
        if len(text) <= PROBE_MIN_CHARS_PER_TOKEN * self.max_length:
            return None
        limit = PROBE_CHARS_PER_TOKEN * self.max_length
        if len(text) > limit:
            text = text[: prefix_cut(text, limit, self.added_texts)]
            if not text:
                return None
        elif not last:  # the probe would be the whole dialog: tokenize it as usual instead
            return None
        sample.probe, sample.probe_text = last, text
        return text

    def _precut(self, sample: Sample, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Under drop_turns, cut a long dialog (not yet tokenized, nothing dropped) at the latest
        turn whose tail still has PRECUT_CHARS_PER_TOKEN x the budget in characters, so only that
        tail is tokenized; its spans. The turns still to drop are then found as for any dialog over
        budget; a tail that fits at once may have dropped too many turns, so the dialog is cut
        again keeping twice the characters (`precut_chars`), until a tail breaks the budget or
        the dialog is tokenized whole."""
        limit = sample.precut_chars or PRECUT_CHARS_PER_TOKEN * self.max_length
        if self.cfg.truncation != "drop_turns" or sample.cut or len(sample.text) <= limit:
            return spans
        _, rest = split_system(sample.messages)
        roles = [m["role"] for m in rest]
        if len(spans) != roles.count("assistant"):
            return spans
        k = answered = 0  # answered: assistant turns before the tail (it starts after the last)
        starts = turn_starts(rest)
        for prev, j in zip(starts, starts[1:], strict=False):
            answered += roles[prev:j].count("assistant")
            if answered and len(sample.text) - spans[answered - 1][1] < limit:
                break
            k += 1
        shorter = cut_messages(sample.messages, k) if k else None
        if shorter is None:
            return spans
        try:
            text, cut_spans = self._text_and_spans(shorter)
        except (SpanError, UnescapableTokenError, jinja2.TemplateError, TypeError, ValueError):
            return spans  # the whole dialog is rendered and judged as before
        sample.messages, sample.text, sample.cut, sample.precut = shorter, text, k, True
        return cut_spans

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
        trained = trained_spans(text, char_spans, self.cfg)
        sample.trained_ranges = merge_spans(token_ranges_from_offsets(offsets, trained))

    def _finish(self, sample: Sample, enc: Any) -> None:
        """Token ranges from the batch encoding of the sample's text."""
        char_spans = sample.char_spans
        sample.input_ids = enc.ids
        sample.encoding = enc
        sample.assistant_ranges = token_ranges_from_encoding(enc, char_spans)
        trained = trained_spans(sample.text, char_spans, self.cfg)
        ranges = sample.assistant_ranges if trained == char_spans else None  # the usual case
        sample.trained_ranges = merge_spans(ranges or token_ranges_from_encoding(enc, trained))

    def _added_token_starts(self, s: Sample) -> dict[int, int]:
        """{char position: token index} of the plain added tokens in the sample's encoding."""
        import numpy as np

        ids = np.asarray(s.input_ids)
        hits = np.flatnonzero(np.isin(ids, self.plain_added_ids))
        enc = s.encoding
        return {enc.token_to_chars(int(t))[0]: int(t) for t in hits}

    @staticmethod
    def _spliced_ranges(
        enc: Any, p: int, removed: int, cut_tokens: tuple[int, int], spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]] | None:
        """Token ranges of the shortened text's char `spans`, read off the full encoding: chars from
        `p` on sit `removed` later there, tokens from the cut's end `cut_tokens[1]` sit that many
        minus its start later. None if a span or its tokens cross the cut."""
        i, j = cut_tokens
        if any(a < p < b for a, b in spans):
            return None
        full_spans = [(a, b) if b <= p else (a + removed, b + removed) for a, b in spans]
        out = []
        for a, b in token_ranges_from_encoding(enc, full_spans):
            if b <= i:
                out.append((a, b))
            elif a >= j:
                out.append((a - (j - i), b - (j - i)))
            else:
                return None
        return out

    def _cut_spliced(self, s: Sample, reason: str) -> bool:
        """Apply drop_turns to a sample over budget without tokenizing again: each candidate cut is
        rendered (Jinja only) and its ids cut out of the full encoding (`splice_point`). Returns
        False, leaving the sample as it was, where that does not hold (a template that rewrites
        earlier turns, a cut not at added tokens, no encoding); the caller then re-tokenizes."""
        if s.encoding is None:
            return False
        starts = self._added_token_starts(s)
        boundaries = sorted(starts)
        full = self.messages_for(s.dialog)
        ids, messages, cut = s.input_ids, s.messages, s.cut
        n_tokens, assistant, trained = len(ids), s.assistant_ranges, s.trained_ranges
        while True:
            k = next_cut(messages, n_tokens, assistant, trained, self.cfg, self.max_length)
            shorter = cut_messages(full, cut + k)
            if shorter is None:
                s.error = (reason, over_budget_detail(full))
                return True
            try:
                text, spans = self._text_and_spans(shorter)
            except (SpanError, UnescapableTokenError, jinja2.TemplateError, TypeError, ValueError):
                return False  # the general path renders it again and rejects with the reason
            p = splice_point(s.text, text, boundaries)
            if p is None:
                return False
            removed = len(s.text) - len(text)
            cut_tokens = (starts[p], starts[p + removed])
            want = trained_spans(text, spans, self.cfg)
            assistant = self._spliced_ranges(s.encoding, p, removed, cut_tokens, spans)
            trained = (
                assistant
                if want == spans
                else self._spliced_ranges(s.encoding, p, removed, cut_tokens, want)
            )
            if assistant is None or trained is None:
                return False
            trained = merge_spans(trained)
            messages, cut = shorter, cut + k
            n_tokens = len(ids) - (cut_tokens[1] - cut_tokens[0])
            reason = over_budget(
                n_tokens, sum(e - b for b, e in trained), self.cfg, self.max_length
            )
            if reason is None:
                s.messages, s.cut, s.text, s.char_spans = messages, cut, text, spans
                s.input_ids = ids[: cut_tokens[0]] + ids[cut_tokens[1] :]
                s.assistant_ranges, s.trained_ranges, s.encoding = assistant, trained, None
                if s.n_trained == 0:
                    s.error = ("no_trained_token", f"train_on={self.cfg.train_on}")
                return True

    def render_samples(self, samples: list[Sample]) -> None:
        """Render and tokenize a batch in place: one tokenizer call for all ordinary dialogs."""
        texts: list[str] = []
        todo: list[Sample] = []
        for s in samples:
            if not s.ready:
                text = self._start(s)
            elif s.error is not None:
                text = None
            else:
                text = s.probe_text if s.probe is not None else s.text
            s.ready = False  # a retry renders its shortened messages afresh
            if text is not None:
                texts.append(text)
                todo.append(s)
        if texts:
            for s, enc in zip(todo, self.encode(texts), strict=True):
                if s.probe is None:
                    self._finish(s, enc)
                else:
                    s.probe_tokens = len(enc)

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

    def start_batch(self, dialogs: list[Dialog]) -> list[Sample]:
        """A batch's samples, the ordinary ones rendered when spans come from generation blocks
        (Jinja only, no tokenizer call: this runs in a thread while the previous batch is
        tokenized); dialogs needing the tokenizer (escaping, prefix spans) wait for finish_batch."""
        samples = [self.new_sample(d) for d in dialogs]
        if self.marked or self.tagged is not None:
            for s in samples:
                if s.error is None and not s.escape:
                    self._start(s)
                    s.ready = True
        return samples

    def finish_batch(self, samples: list[Sample], sink: RejectSink) -> list[dict[str, Any]]:
        """Rows for a batch's samples (rendered ahead or not) in input order; rejects to the sink."""
        pending = [s for s in samples if s.error is None]
        while pending:
            self.render_samples(pending)
            retry = []
            for s in pending:
                if s.error is not None:
                    continue
                if s.probe is not None:  # over budget: so is every cut; else render it as usual
                    if s.probe_tokens > self.max_length:
                        s.error = ("too_long", over_budget_detail(s.messages))
                    else:
                        retry.append(s)
                    s.probe, s.probe_text = None, ""
                    continue
                reason = over_budget(len(s.input_ids), s.n_trained, self.cfg, self.max_length)
                if s.precut:  # first tokenized after a precut
                    s.precut = False
                    if reason is None:  # fewer dropped turns might fit: a longer tail
                        s.messages, s.cut, s.encoding = self.messages_for(s.dialog), 0, None
                        s.precut_chars = 2 * (
                            s.precut_chars or PRECUT_CHARS_PER_TOKEN * self.max_length
                        )
                        retry.append(s)
                        continue
                if reason is None:
                    if s.n_trained == 0:
                        s.error = ("no_trained_token", f"train_on={self.cfg.train_on}")
                    continue
                if self.cfg.truncation == "drop":
                    s.error = (reason, f"{len(s.input_ids)} tokens, {s.n_trained} trained")
                    continue
                if self._cut_spliced(s, reason):
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
                    s.error = (reason, over_budget_detail(full))
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
            if s.cut:  # kept, but shortened by drop_turns: counted so the report shows it
                sink.report.stage(STAGE).count_change("truncation.dialogs_shortened")
                sink.report.stage(STAGE).count_change("truncation.turns_dropped", s.cut)
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


def _rendered_ahead(
    renderer: DialogRenderer, batches: Iterator[list[Dialog]]
) -> Iterator[tuple[list[Dialog], list[Sample]]]:
    """(batch, its samples rendered), the next batch rendering in a thread meanwhile: the Jinja
    rendering (Python) runs while the batched tokenizer call (Rust, without the GIL) works."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="render") as pool:
        current = next(batches, None)
        ahead = pool.submit(renderer.start_batch, current) if current is not None else None
        while current is not None and ahead is not None:
            samples = ahead.result()
            following = next(batches, None)
            ahead = pool.submit(renderer.start_batch, following) if following is not None else None
            yield current, samples
            current = following


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
    if renderer.equivalent:
        stats.notes["rendered_with"] = (
            f"{renderer.equivalent} (renders as the given template; compared on every dialog)"
        )
    reads_reasoning = reasoning_key(renderer.template) is not None
    for batch, samples in _rendered_ahead(renderer, _batches(dialogs, cfg.batch_size)):
        stats.seen += len(batch)
        if not reads_reasoning:  # say so when a template drops the reasoning records carry
            unread = sum(m.reasoning_content is not None for d in batch for m in d.messages)
            if unread:
                stats.notes["reasoning_not_read_by_template"] = (
                    stats.notes.get("reasoning_not_read_by_template", 0) + unread
                )
        rows = renderer.finish_batch(samples, sink)
        stats.kept += len(rows)
        yield from rows
