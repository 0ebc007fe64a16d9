"""Property tests: for random multi-turn dialogs (unicode incl. CJK, empty system, newlines,
template-like and special-token text in content), every shipped template and the SmolLM2
tokenizer's own template hold invariants 1 and 2 (checked by the audit against apply_chat_template)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import RenderConfig
from pipeline.records import Dialog, Message
from pipeline.render import IGNORE, audit, load_chat_template, render_chat, render_dialogs
from pipeline.render.spans import merge_spans, prefix_spans
from pipeline.render.templates import template_variables
from pipeline.stage import RejectSink, Report

SNIPPETS = [
    "{{",
    "}}",
    "{%",
    "%}",
    "{# x #}",
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "</s>",
    "<s>",
    "[INST]",
    "[/INST]",
    "<|eot_id|>",
    "<end_of_turn>",
    "### Response:",
    "ASSISTANT:",
    "\n",
    "\n\n",
    " ",
    "  ",
    "\t",
    "中文",
    "你好，世界！",
    "（全角）",
    "「引号」",
    "😀",
    "é",
]
ALPHABET = st.characters(
    codec="utf-8",
    categories=["L", "N", "P", "S", "Zs"],
    include_characters="\n\u4e00\u4e2d\u6587\u3002\uff0c",
)
TEXT = st.lists(
    st.one_of(st.text(ALPHABET, max_size=12), st.sampled_from(SNIPPETS)), max_size=5
).map("".join)


@st.composite
def dialogs(draw) -> Dialog:
    messages = []
    if draw(st.booleans()):
        messages.append(Message(role="system", content=draw(st.one_of(st.just(""), TEXT))))
    for _ in range(draw(st.integers(1, 3))):
        messages.append(Message(role="user", content=draw(TEXT)))
        messages.append(Message(role="assistant", content=draw(TEXT)))
    return Dialog(id="h", source="hypothesis", messages=messages)


TEMPLATES = [
    "alpaca",
    "chatml",
    "gemma",
    "llama2",
    "llama3",
    "mistral",
    "phi3",
    "plain",
    "vicuna",
    "auto",
]


@pytest.mark.parametrize("template", TEMPLATES)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dialog=dialogs(), train_on=st.sampled_from(["all_assistant", "last_assistant", "everything"])
)
def test_audit_invariants_hold(template, dialog, train_on, smol_tokenizer):
    cfg = RenderConfig(template=template, max_length=100_000, train_on=train_on, audit_samples=-1)
    report = Report()
    rows = list(render_dialogs([dialog], cfg, smol_tokenizer, report, RejectSink(report)))
    report.check_conservation()
    assert len(rows) == 1, report.stage("render").examples
    result = audit([dialog], rows, cfg, smol_tokenizer)
    assert result["passed"] == 1, result["failures"]
    row = rows[0]
    trained = [i for i, lab in zip(row["input_ids"], row["labels"], strict=True) if lab != IGNORE]
    assert trained and len(trained) == row["n_supervised"]
    if train_on == "everything":
        assert row["labels"] == row["input_ids"]
    else:
        # every assistant content is in the trained text (as the template renders it: trimmed
        # by llama3/gemma/llama2), in order; with last_assistant only the last one
        text = smol_tokenizer.decode(trained)
        assistants = [m.content for m in dialog.messages if m.role == "assistant"]
        if train_on == "last_assistant":
            assistants = assistants[-1:]
        pos = 0
        for content in assistants:
            piece = content.strip() if template in ("llama3", "gemma", "llama2") else content
            found = text.find(piece, pos)
            assert found >= 0, (piece, text)
            pos = found + len(piece)


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t != "auto"])
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dialog=dialogs())
def test_generation_blocks_hold_exactly_content_and_end_marker(template, dialog, smol_tokenizer):
    """Shipped templates' generation blocks equal the turns found by rendering prefixes: what the
    assistant adds after its generation prompt, without trailing layout whitespace."""
    text_ = load_chat_template(template, smol_tokenizer)
    variables = template_variables(smol_tokenizer)
    messages = [{"role": m.role, "content": m.content} for m in dialog.messages]
    text, spans = render_chat(text_, messages, variables)

    def render(m, agp):
        return render_chat(text_, m, variables, agp)[0]

    assert merge_spans(spans) == prefix_spans(render, messages, text, smol_tokenizer)
