"""Shipped templates for the families users ask for (Qwen2.5, Qwen3, DeepSeek-R1 distills, Gemma 3,
SmolLM2 against its tokenizer's own;
Llama 3, Phi-3, Mistral and ChatML are in test_render_templates.py), each against its original in
the trl wheel (Llama 3.1 and 3.2/3.3 too): the same text as `apply_chat_template` with the original for random dialogs (with
and without reasoning, with and without a generation prompt), and generation blocks equal to the
spans found in the original's own rendering through transformers (two independent derivations)."""

from __future__ import annotations

import pytest
from conftest import real_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_render_reasoning import dialogs

from pipeline.config import RenderConfig
from pipeline.render import load_chat_template, render_chat
from pipeline.render.audit import _Reference
from pipeline.render.reasoning import message_dicts
from pipeline.render.spans import merge_spans
from pipeline.render.templates import has_generation_markers, template_variables

FAMILIES = {
    "qwen2_5": "qwen2_5",
    "qwen3": "qwen3",
    "deepseek_r1": "deepseek_r1_distill",
    "gemma3": "gemma3",
    "llama3_1": "llama3_1",
    "llama3_2": "llama3_2",
}


def original(name: str) -> str:
    path = real_data("trl", "trl", "chat_templates", f"{FAMILIES[name]}.jinja")
    return path.read_text(encoding="utf-8")


def _renders_as(ours: str, theirs: str, dialog, agp: bool, tok) -> None:
    """Our tagged template renders `dialog` as the original does, and (without a generation
    prompt) its generation blocks equal the spans found by rendering prefixes of the original."""
    messages = message_dicts(dialog.messages, RenderConfig(), ours)
    if agp:
        messages = messages[:-1]
    text, blocks = render_chat(ours, messages, template_variables(tok), agp)
    assert text == tok.apply_chat_template(
        messages, chat_template=theirs, tokenize=False, add_generation_prompt=agp
    )
    if not agp:
        assert merge_spans(blocks) == _Reference(tok, theirs, False).spans(messages, text)


@pytest.mark.parametrize("name", sorted(FAMILIES))
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dialog=dialogs(reasoning=True), agp=st.booleans())
def test_shipped_family_renders_as_its_original(name, dialog, agp, smol_tokenizer):
    ours = load_chat_template(name, None)
    assert has_generation_markers(ours)
    _renders_as(ours, original(name), dialog, agp, smol_tokenizer)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dialog=dialogs(reasoning=False), agp=st.booleans())
def test_shipped_smollm2_renders_as_the_tokenizers_own_template(dialog, agp, smol_tokenizer):
    """templates/smollm2.jinja against SmolLM2's own template (from its tokenizer): the same text,
    and generation blocks equal to the spans found by rendering prefixes of the original."""
    ours, theirs = load_chat_template("smollm2", None), load_chat_template("auto", smol_tokenizer)
    assert has_generation_markers(ours) and not has_generation_markers(theirs)
    _renders_as(ours, theirs, dialog, agp, smol_tokenizer)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_a_tokenizers_template_is_recognised_by_its_output(name, smol_tokenizer):
    """Given the original (no generation blocks), the renderer renders through the shipped tagged
    template, found by rendering probe dialogs; the audit still checks against the original."""
    from pipeline.records import Dialog, Message
    from pipeline.render import audit, render_dialogs
    from pipeline.render.dialogs import DialogRenderer
    from pipeline.stage import RejectSink, Report

    theirs = original(name) + "\n"  # another checkpoint's copy need not be byte-identical
    cfg = RenderConfig(max_length=100_000, audit_samples=-1)
    assert DialogRenderer(cfg, smol_tokenizer, theirs).equivalent == name
    # SmolLM2's own (a default system prompt): its shipped copy, not ChatML
    assert DialogRenderer(cfg, smol_tokenizer).equivalent == "smollm2"
    dialog = Dialog(
        id="q",
        source="t",
        messages=[
            Message(role="user", content="你好"),
            Message(role="assistant", content="<think>\n想\n</think>\n\n你好！"),
            Message(role="user", content="2+2?"),
            Message(role="assistant", content="4", reasoning_content="add"),
        ],
    )
    report = Report()
    rows = list(
        render_dialogs([dialog], cfg, smol_tokenizer, report, RejectSink(report), template=theirs)
    )
    assert report.stage("render").notes["rendered_with"].startswith(name)
    assert audit([dialog], rows, cfg, smol_tokenizer, theirs)["passed"] == 1
