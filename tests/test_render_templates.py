"""Templates: lookup (shipped name | auto | path), and shipped templates render as the originals do."""

from __future__ import annotations

import pytest
from conftest import real_data

from pipeline.errors import UserError
from pipeline.render import load_chat_template, render_chat, shipped_templates
from pipeline.render.templates import has_generation_markers, template_variables

SHIPPED = [
    "alpaca",
    "chatml",
    "deepseek_r1",
    "gemma",
    "gemma3",
    "llama2",
    "llama3",
    "llama3_1",
    "llama3_2",
    "mistral",
    "phi3",
    "plain",
    "qwen2_5",
    "qwen3",
    "smollm2",
    "vicuna",
]

DIALOG = [
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "4."},
    {"role": "user", "content": "  And 3+3?\n"},
    {"role": "assistant", "content": "6, of course. "},
]


def test_every_promised_template_ships_with_generation_blocks():
    assert set(SHIPPED) <= set(shipped_templates())
    for name in SHIPPED:
        assert has_generation_markers(load_chat_template(name, None)), name


def test_auto_uses_the_tokenizers_own_template(smol_tokenizer):
    assert load_chat_template("auto", smol_tokenizer) == smol_tokenizer.chat_template


def test_template_from_a_path(tmp_path, smol_tokenizer):
    path = tmp_path / "mine.jinja"
    path.write_text("{% for m in messages %}{{ m['content'] }}{% endfor %}", encoding="utf-8")
    assert load_chat_template(str(path), smol_tokenizer) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "spec, message",
    [("nosuch", "not a shipped template"), ("missing.jinja", "template file not found")],
)
def test_bad_template_specs_are_one_line_errors(spec, message, smol_tokenizer):
    with pytest.raises(UserError, match=message):
        load_chat_template(spec, smol_tokenizer)


def test_template_syntax_error_names_the_line(tmp_path, smol_tokenizer):
    path = tmp_path / "bad.jinja"
    path.write_text("{% for m in messages %}\n{{ m['content'] }\n", encoding="utf-8")
    with pytest.raises(UserError, match="line 2"):
        load_chat_template(str(path), smol_tokenizer)


def test_auto_without_a_tokenizer_template_is_an_error(smol_tokenizer):
    class NoTemplate:
        chat_template = None

    with pytest.raises(UserError, match="no chat_template"):
        load_chat_template("auto", NoTemplate())


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("add_generation_prompt", [False, True])
def test_rendering_equals_apply_chat_template(name, add_generation_prompt, smol_tokenizer):
    template = load_chat_template(name, smol_tokenizer)
    messages = DIALOG[:3] if add_generation_prompt else DIALOG
    ours, spans = render_chat(
        template, messages, template_variables(smol_tokenizer), add_generation_prompt
    )
    theirs = smol_tokenizer.apply_chat_template(
        messages,
        chat_template=template,
        tokenize=False,
        add_generation_prompt=add_generation_prompt,
    )
    assert ours == theirs
    assert len(spans) == sum(m["role"] == "assistant" for m in messages)


@pytest.mark.parametrize(
    "ours, original, messages",
    [
        ("llama3", "llama3.jinja", [{"role": "system", "content": " Be brief. "}, *DIALOG]),
        ("gemma", "gemma.jinja", DIALOG),
        ("phi3", "phi3.jinja", [{"role": "system", "content": "Be brief."}, *DIALOG]),
        ("phi3", "phi3.jinja", DIALOG[:3]),
    ],
)
def test_shipped_templates_render_like_the_real_originals(ours, original, messages, smol_tokenizer):
    """The generation blocks change nothing in the output: same text as the model's own template."""
    path = real_data("trl", "trl", "chat_templates", original)
    real = path.read_text(encoding="utf-8")
    for agp in (False, True):
        a = smol_tokenizer.apply_chat_template(
            messages,
            chat_template=load_chat_template(ours, None),
            tokenize=False,
            add_generation_prompt=agp,
        )
        b = smol_tokenizer.apply_chat_template(
            messages, chat_template=real, tokenize=False, add_generation_prompt=agp
        )
        assert a == b


def test_chatml_renders_like_smollm2_when_a_system_prompt_is_given(smol_tokenizer):
    messages = [{"role": "system", "content": "You are terse."}, *DIALOG]
    ours = smol_tokenizer.apply_chat_template(
        messages, chat_template=load_chat_template("chatml", None), tokenize=False
    )
    assert ours == smol_tokenizer.apply_chat_template(messages, tokenize=False)


def test_sandbox_blocks_attribute_escapes(smol_tokenizer):
    import jinja2

    evil = "{{ messages.__class__.__mro__ }}"
    with pytest.raises(jinja2.exceptions.SecurityError):
        render_chat(evil, DIALOG, template_variables(smol_tokenizer))
