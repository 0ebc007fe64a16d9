"""The built-in audit: rendered rows checked against transformers' own `apply_chat_template`.

For each audited row (the first `audit_samples`, all if -1):
1. text: our rendering equals `apply_chat_template(messages, tokenize=False, chat_template=T)`;
2. input_ids: equal `apply_chat_template(..., tokenize=True)` (with `sanitize_control_tokens`
   under the default `escape` policy), for the dialog as rendered: the configured system prompt
   added, and, if `drop_turns` cut it, its first k turns dropped (k is searched, not trusted);
3. labels: the tokens overlapping the expected spans, and tokens come from the tokenizer's own
   offsets. The spans are derived through transformers, not our renderer: its own
   `{% generation %}` tracker when the template has markers, otherwise by rendering prefixes
   with `apply_chat_template`, or one marked rendering for templates that rewrite history (see
   spans.py); a template rendered through a shipped equivalent is checked against itself;
4. decode: every trained run decodes to its span text (assistant content + end marker), plus at
   most the partial template token at its edges (counted in `edge_chars`).
"""

from __future__ import annotations

import inspect
from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from pipeline.config import RenderConfig
from pipeline.errors import UserError
from pipeline.records import Dialog
from pipeline.render.control import ControlTokens
from pipeline.render.dialogs import trained_spans, with_system_prompt
from pipeline.render.masking import labels_for_offsets, token_ranges_from_offsets
from pipeline.render.reasoning import message_dicts
from pipeline.render.spans import SpanError, SpanFinder, merge_spans
from pipeline.render.templates import (
    has_generation_markers,
    load_chat_template,
    render_chat,
    template_literals,
    template_variables,
)
from pipeline.render.truncation import cut_messages
from pipeline.rows import IGNORE

Offsets = list[tuple[int, int]]


def _control_patterns(tokenizer: Any, template: str) -> tuple[Any, Any] | None:
    """transformers' control-token and marker regexes for `sanitize_control_tokens` (private
    helpers: None if this transformers has other ones, and every dialog is then sanitized)."""
    try:
        from transformers.utils.chat_template_utils import _get_control_token_patterns

        return _get_control_token_patterns(tokenizer._get_control_tokens(template))
    except (ImportError, AttributeError, TypeError):
        return None


class _Reference:
    """transformers' own rendering and tokenization of a dialog, with one template."""

    def __init__(self, tokenizer: Any, template: str, escape: bool) -> None:
        self.tok = tokenizer
        self.template = template
        params = inspect.signature(tokenizer.apply_chat_template).parameters
        self.sanitize = escape and "sanitize_control_tokens" in params
        self.control = ControlTokens(tokenizer, template)
        self.marked = has_generation_markers(template)
        self.patterns = _control_patterns(tokenizer, template) if self.sanitize else None
        self.finder = SpanFinder(
            self.text, tokenizer, template_literals(template), dict(tokenizer.special_tokens_map)
        )

    def text(self, messages: list[dict[str, str]], add_generation_prompt: bool = False) -> str:
        if not messages:  # apply_chat_template refuses an empty list; render it the same way
            return self.generation(messages, add_generation_prompt)[0]
        return self.tok.apply_chat_template(
            messages,
            chat_template=self.template,
            tokenize=False,
            add_generation_prompt=add_generation_prompt,
        )

    def generation(
        self, messages: list[dict[str, str]], add_generation_prompt: bool = False
    ) -> tuple[str, list[tuple[int, int]]]:
        """Text and `{% generation %}` spans as transformers' own tracker records them."""
        from transformers.utils.chat_template_utils import render_jinja_template

        rendered, indices = render_jinja_template(
            [messages],
            chat_template=self.template,
            return_assistant_tokens_mask=self.marked,
            add_generation_prompt=add_generation_prompt,
            **self.tok.special_tokens_map,
        )
        return rendered[0], merge_spans(indices[0]) if indices else []

    def spans(self, messages: list[dict[str, str]], text: str) -> list[tuple[int, int]]:
        """Generation blocks as transformers tracks them; without markers, by rendering prefixes with
        apply_chat_template, or for templates that rewrite history by one marked rendering."""
        if self.marked:
            return self.generation(messages)[1]
        return self.finder.spans(messages, text)

    def _sanitizing_changes(self, messages: list[dict[str, str]], text: str) -> bool:
        """Whether `sanitize_control_tokens` changes this dialog's encoding, by transformers' own
        marking: not when marking leaves every message as it is and the rendering holds no marker
        (the sanitized encoding is then one plain encode of the text). True if unsure."""
        if self.patterns is None:
            return True
        from transformers.utils.chat_template_utils import mark_control_tokens

        control_re, markers_re = self.patterns
        return mark_control_tokens(messages, control_re) != messages or bool(
            markers_re.search(text)
        )

    def tokens(self, messages: list[dict[str, str]], text: str) -> tuple[list[int], Offsets | None]:
        """input_ids as `apply_chat_template(tokenize=True)` gives them (`text` is its rendering),
        with that same tokenizer call's char offsets unless sanitizing changes the encoding
        (transformers then encodes by pieces, without offsets)."""
        if self.sanitize and self._sanitizing_changes(messages, text):
            out = self.tok.apply_chat_template(
                messages,
                chat_template=self.template,
                tokenize=True,
                return_dict=True,
                sanitize_control_tokens=True,
            )
            return list(out["input_ids"]), None
        out = self.tok.apply_chat_template(
            messages,
            chat_template=self.template,
            tokenize=True,
            return_dict=True,
            tokenizer_kwargs={"return_offsets_mapping": True},
        )
        return list(out["input_ids"]), [tuple(o) for o in out["offset_mapping"]]

    def encoding(
        self,
        messages: list[dict[str, str]],
        cfg: RenderConfig,
        text: str,
        tokens: tuple[list[int], Offsets | None],
    ) -> tuple[str, list[int], Offsets, list[tuple[int, int]]]:
        """Reference text, ids, char offsets and trained spans, all derived through transformers.

        `text` and `tokens` are apply_chat_template's rendering and tokenization of `messages`.
        Spans come from rendering prefixes with `apply_chat_template`; dialogs holding control-token
        text under `escape` are rendered marked (as `sanitize_control_tokens` does) and mapped back.
        """
        if self.sanitize and self.control.first_in(messages) is not None:
            marked = self.text(self.control.mark(messages))
            text, ids, offsets, removed = self.control.encode_marked(marked)
            spans = self.spans(self.control.mark(messages), marked)
            spans = [(a - bisect_left(removed, a), b - bisect_left(removed, b)) for a, b in spans]
        else:
            ids, offsets = tokens
            if offsets is None:
                enc = self.tok(
                    text,
                    add_special_tokens=False,
                    return_offsets_mapping=True,
                    return_attention_mask=False,
                )
                ids, offsets = list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]
            spans = self.spans(messages, text)
        return text, ids, offsets, trained_spans(text, spans, cfg)


def _first_diff(a: Sequence[int], b: Sequence[int]) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _matching_cut(
    base: list[dict[str, str]], row_ids: list[int], ref: _Reference
) -> tuple[list[dict[str, str]], str, tuple[list[int], Offsets | None]] | None:
    """The dialog as rendered (its first k turns dropped, k searched, not trusted) whose
    apply_chat_template ids equal the row's, with its reference text and tokens; None if none.

    The cut whose reference text equals the row's decoded ids is tokenized first, so a dialog
    shortened by drop_turns costs one tokenization, not one per dropped turn (long dialogs are
    the costly ones); if decoding is not exact for this tokenizer, every cut is tried in turn."""
    decoded = ref.tok.decode(row_ids)
    cuts: list[tuple[list[dict[str, str]], str]] = []
    for k in range(len(base) + 1):
        candidate = base if k == 0 else cut_messages(base, k)
        if candidate is None:
            break
        text = ref.text(candidate)
        if text == decoded:
            tokens = ref.tokens(candidate, text)
            if tokens[0] == row_ids:
                return candidate, text, tokens
        cuts.append((candidate, text))
    for candidate, text in cuts:  # the row decodes to none of them: compare ids, cut by cut
        tokens = ref.tokens(candidate, text)
        if tokens[0] == row_ids:
            return candidate, text, tokens
        if len(tokens[0]) < len(row_ids):
            break
    return None


def _runs(labels: Sequence[int]) -> list[tuple[int, int]]:
    """[start, end) of each run of trained positions."""
    runs, start = [], None
    for i, lab in enumerate(labels):
        if lab != IGNORE and start is None:
            start = i
        elif lab == IGNORE and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(labels)))
    return runs


def check_row(
    dialog: Dialog, row: dict[str, Any], cfg: RenderConfig, ref: _Reference, variables: dict
) -> tuple[str, str, int]:
    """(check, detail, edge_chars): check is "" when every check passes; edge_chars counts the
    template characters trained only because a token straddles a span edge."""
    base = with_system_prompt(message_dicts(dialog.messages, cfg, ref.template), cfg.system_prompt)
    row_ids = list(row["input_ids"])
    found = _matching_cut(base, row_ids, ref)
    if found is None:
        first_ids = ref.tokens(base, ref.text(base))[0] if base else []
        pos = _first_diff(first_ids, row_ids)
        return ("input_ids", f"differ from apply_chat_template at token {pos}", 0)
    msgs, ref_text, tokens = found
    our_text, _ = render_chat(ref.template, msgs, variables)
    if our_text != ref_text:
        pos = _first_diff([ord(c) for c in our_text], [ord(c) for c in ref_text])
        return ("text", f"rendering differs from apply_chat_template at char {pos}", 0)
    try:
        ref_text, ids, offsets, spans = ref.encoding(msgs, cfg, ref_text, tokens)
    except SpanError as e:
        return ("labels", f"no reference spans: {e}", 0)
    if ids != tokens[0]:
        return ("input_ids", "reference offsets encoding differs from apply_chat_template", 0)
    expected = labels_for_offsets(ids, offsets, spans)
    labels = list(row["labels"])
    if labels != expected:
        pos = _first_diff(labels, expected)
        return ("labels", f"trained-token mask differs at token {pos}", 0)
    # each run of trained tokens decodes to its text, holding every span whose tokens it covers
    # (two spans whose tokens touch, e.g. an empty answer's end marker and the next one's, make
    # one run)
    edge = 0
    span_tokens = [token_ranges_from_offsets(offsets, [span]) for span in spans]
    for s, e in _runs(labels):
        inside = [
            spans[k] for k, r in enumerate(span_tokens) if r and s <= r[0][0] and r[0][1] <= e
        ]
        if not inside:
            return ("decode", f"trained tokens {s}..{e} hold no assistant span", 0)
        decoded = ref.tok.decode(ids[s:e])
        pieces = [ref_text[a:b] for a, b in inside]
        covered = ref_text[offsets[s][0] : offsets[e - 1][1]]
        if any(p not in decoded for p in pieces) or decoded != covered:
            # a tokenizer may drop characters it has no token for (SmolLM2's drops C0 controls
            # such as \x16): then compare with what the tokenizer itself makes of the same text
            pieces = [_round_trip(ref.tok, p) for p in pieces]
            covered = _round_trip(ref.tok, covered)
        if any(p not in decoded for p in pieces) or decoded != covered:
            return (
                "decode",
                f"trained tokens {s}..{e} decode to {decoded[:60]!r}, expected {pieces[0][:60]!r}",
                0,
            )
        edge += len(decoded) - sum(map(len, pieces))
    return ("", "", edge)


def _round_trip(tok: Any, text: str) -> str:
    """The text as the tokenizer gives it back: decode(encode(text))."""
    return tok.decode(tok.encode(text, add_special_tokens=False))


def audit(
    dialogs: Sequence[Dialog],
    rows: Sequence[dict[str, Any]],
    cfg: RenderConfig,
    tokenizer: Any,
    template: str | None = None,
) -> dict[str, Any]:
    """Check the first `cfg.audit_samples` rows (all if -1); returns counts and the failures."""
    template = template or load_chat_template(cfg.template, tokenizer)
    n = len(rows) if cfg.audit_samples < 0 else min(cfg.audit_samples, len(rows))
    by_id: dict[str, Dialog] = {}
    for d in dialogs:
        by_id.setdefault(d.id, d)
    ref = _Reference(tokenizer, template, cfg.special_tokens_in_content == "escape")
    variables = template_variables(tokenizer)
    failures: list[dict[str, Any]] = []
    edge_chars = 0
    for row in rows[:n]:
        dialog = by_id.get(row["id"])
        if dialog is None:
            failures.append(
                {
                    "id": row["id"],
                    "source": row.get("source", ""),
                    "check": "dialog",
                    "detail": "no dialog with this id",
                }
            )
            continue
        try:
            check, detail, edge = check_row(dialog, row, cfg, ref, variables)
        except Exception as e:  # the reference itself failed on this dialog
            check, detail, edge = "reference", f"apply_chat_template failed: {e}", 0
        if check:
            failures.append(
                {"id": row["id"], "source": dialog.source, "check": check, "detail": detail}
            )
        edge_chars += edge
    return {
        "checked": n,
        "passed": n - len(failures),
        "template": cfg.template,
        "train_on": cfg.train_on,
        "special_tokens_in_content": cfg.special_tokens_in_content,
        "edge_chars": edge_chars,
        "failures": failures[:20],
    }


def audit_or_raise(
    dialogs: Sequence[Dialog],
    rows: Sequence[dict[str, Any]],
    cfg: RenderConfig,
    tokenizer: Any,
    template: str | None = None,
) -> dict[str, Any]:
    """`audit`, raising a one-line UserError naming the first failing sample."""
    result = audit(dialogs, rows, cfg, tokenizer, template)
    if result["failures"]:
        f = result["failures"][0]
        raise UserError(
            f"render audit: sample {f['id']} ({f['source']}): {f['check']}: {f['detail']} "
            f"[{result['passed']}/{result['checked']} passed, template {cfg.template}]"
        )
    return result
