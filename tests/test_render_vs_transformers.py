"""An independent check of the masks: transformers' own `return_assistant_tokens_mask`.

For every shipped (generation-tagged) template, on random dialogs, rawtune's trained-token mask
must equal the mask `apply_chat_template(..., return_assistant_tokens_mask=True)` computes, wherever
transformers' char_to_token rule is defined (a span whose first or last character no token covers
makes it skip the turn; `test_span_starting_on_a_dropped_character` shows rawtune's behaviour there).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transformers.utils.chat_template_utils import render_jinja_template

from pipeline.config import RenderConfig
from pipeline.records import Dialog, Message
from pipeline.render import load_chat_template, render_dialogs, shipped_templates
from pipeline.stage import RejectSink, Report

PIECES = ["{{ x }}", "{% if %}", "[INST]", "\n", "\n\n", "  ", "中文", "。", "，", "😀", "é"]
text = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(PIECES)), max_size=6).map("".join)
# No control-token text, and not U+F0000/U+F0001: those are transformers' own escape markers, which
# the `escape` policy drops from content exactly as apply_chat_template(sanitize_control_tokens=True)
# does, while the reference call here is the unsanitized one.
plain_text = text.filter(
    lambda s: not any(t in s for t in ("<|", "</s>", "<end_of_turn>", "\U000f0000", "\U000f0001"))
)


@st.composite
def dialogs(draw) -> Dialog:
    messages = [Message(role="system", content=draw(plain_text))] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(1, 3))):
        messages += [
            Message(role="user", content=draw(plain_text)),
            Message(role="assistant", content=draw(plain_text)),
        ]
    return Dialog(id="d", source="hypothesis", messages=messages)


def rawtune_rows(dialog: Dialog, template: str, tok) -> list[dict]:
    report = Report()
    with RejectSink(report) as sink:
        return list(
            render_dialogs(
                [dialog], RenderConfig(template=template, max_length=100_000), tok, report, sink
            )
        )


@pytest.mark.parametrize("template", shipped_templates())
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dialog=dialogs())
def test_mask_equals_transformers_assistant_mask(template, dialog, smol_tokenizer):
    tok = smol_tokenizer
    rows = rawtune_rows(dialog, template, tok)
    if not rows:
        return
    source = load_chat_template(template, tok)
    messages = [m.model_dump() for m in dialog.messages]
    rendered, spans = render_jinja_template(
        conversations=[messages],
        chat_template=source,
        return_assistant_tokens_mask=True,
        **tok.special_tokens_map,
    )
    enc = tok(rendered[0], add_special_tokens=False)
    if any(enc.char_to_token(s) is None or enc.char_to_token(e - 1) is None for s, e in spans[0]):
        return  # transformers' rule is undefined for this dialog
    ref = tok.apply_chat_template(
        messages,
        chat_template=source,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    assert rows[0]["input_ids"] == ref["input_ids"]
    assert [label != -100 for label in rows[0]["labels"]] == [
        bool(m) for m in ref["assistant_masks"]
    ]


def test_span_starting_on_a_dropped_character(smol_tokenizer):
    """The tokenizer drops U+0016, so no token starts the answer's span: transformers' mask then skips
    the whole turn, while rawtune still trains the answer's tokens and its end marker."""
    dialog = Dialog(
        id="c",
        source="t",
        messages=[
            Message(role="user", content="q"),
            Message(role="assistant", content="\x16answer"),
        ],
    )
    rows = rawtune_rows(dialog, "chatml", smol_tokenizer)
    trained = [label for label in rows[0]["labels"] if label != -100]
    assert smol_tokenizer.decode(trained) == "answer<|im_end|>"


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(dialogs(), min_size=2, max_size=12), size=st.integers(1, 4))
def test_batches_rendered_ahead_in_a_thread_equal_dialogs_rendered_alone(
    batch, size, smol_tokenizer
):
    """Batches after the first are rendered in a thread while the one before is tokenized: the
    rows are those of each dialog rendered alone, for a template with generation blocks (chatml),
    and one recognised as a tagged one (SmolLM2's own)."""
    batch = [d.model_copy(update={"id": f"d{i}"}) for i, d in enumerate(batch)]
    for template in ("chatml", "auto"):
        cfg = RenderConfig(template=template, max_length=100_000, batch_size=size)
        report = Report()
        with RejectSink(report) as sink:
            rows = list(render_dialogs(batch, cfg, smol_tokenizer, report, sink))
        alone = [row for d in batch for row in rawtune_rows(d, template, smol_tokenizer)]
        assert rows == alone
