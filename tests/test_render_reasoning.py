"""Templates that rewrite history (Qwen3, DeepSeek-R1, Nemotron 3, gpt-oss, as shipped in the trl
wheel) and reasoning content: every ordinary dialog renders, ids equal `apply_chat_template` with
the original template, the trained text is each turn as that rendering shows it plus its end
marker, and it equals TRL's generation-tagged variant wherever both render the same text."""

from __future__ import annotations

import pytest
from conftest import real_data
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_render_trl_templates import variant_agrees

from pipeline.config import RenderConfig
from pipeline.records import Dialog, Message
from pipeline.render import IGNORE, audit, render_dialogs
from pipeline.render.reasoning import message_dicts, split_think
from pipeline.stage import RejectSink, Report

HISTORY_REWRITING = ["qwen3", "deepseek_r1_distill", "qwen3_5_think", "nemotron_3_nano", "gptoss"]

PIECES = ["\n", "\n\n", "  ", "中文", "你好，世界！", "。", "😀", "{{ x }}", "<b>", "4."]
TEXT = (
    st.lists(
        st.one_of(
            st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=10),
            st.sampled_from(PIECES),
        ),
        min_size=1,
        max_size=5,
    )
    .map("".join)
    .filter(lambda s: s.strip())
)
REASONING = st.one_of(st.none(), TEXT)


@st.composite
def dialogs(draw, reasoning: bool) -> Dialog:
    messages = [Message(role="system", content=draw(TEXT))] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(1, 3))):
        messages.append(Message(role="user", content=draw(TEXT)))
        answer, thought = draw(TEXT), draw(REASONING) if reasoning else None
        if thought is not None and draw(st.booleans()):  # inline, as many exports write it
            messages.append(
                Message(role="assistant", content=f"<think>\n{thought}\n</think>\n\n{answer}")
            )
        else:
            messages.append(Message(role="assistant", content=answer, reasoning_content=thought))
    return Dialog(id="h", source="hypothesis", messages=messages)


def template(name: str) -> str:
    return real_data("trl", "trl", "chat_templates", f"{name}.jinja").read_text(encoding="utf-8")


def render(dialog: Dialog, cfg: RenderConfig, tok) -> list[dict]:
    report = Report()
    rows = list(render_dialogs([dialog], cfg, tok, report, RejectSink(report)))
    report.check_conservation()
    assert len(rows) == 1, report.stage("render").examples
    return rows


@pytest.mark.parametrize("name", HISTORY_REWRITING)
@pytest.mark.parametrize("reasoning", [False, True])
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_history_rewriting_templates_render_exactly(name, reasoning, data, smol_tokenizer):
    tok = smol_tokenizer
    dialog = data.draw(dialogs(reasoning))
    source = template(name)
    path = real_data("trl", "trl", "chat_templates", f"{name}.jinja")
    cfg = RenderConfig(template=str(path), max_length=100_000, audit_samples=-1)
    row = render(dialog, cfg, tok)[0]
    messages = message_dicts(dialog.messages, cfg, source)
    ref = tok.apply_chat_template(messages, chat_template=source, tokenize=True, return_dict=True)
    assert row["input_ids"] == ref["input_ids"]
    assert audit([dialog], [row], cfg, tok)["passed"] == 1
    assert variant_agrees(name, messages, cfg, tok) in (None, True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dialog=dialogs(reasoning=True))
def test_qwen3_trains_each_answer_and_only_the_last_reasoning(dialog, smol_tokenizer):
    """Qwen3 at inference drops earlier turns' reasoning: history turns train `answer<|im_end|>`,
    the last `<think>\\nR\\n</think>\\n\\nanswer<|im_end|>` (R empty when it has none)."""
    tok = smol_tokenizer
    cfg = RenderConfig(template="auto", max_length=100_000)
    report = Report()
    rows = list(
        render_dialogs([dialog], cfg, tok, report, RejectSink(report), template=template("qwen3"))
    )
    assert len(rows) == 1
    trained = [
        i for i, lab in zip(rows[0]["input_ids"], rows[0]["labels"], strict=True) if lab != IGNORE
    ]
    turns = [
        m
        for m in message_dicts(dialog.messages, cfg, template("qwen3"))
        if m["role"] == "assistant"
    ]
    # a token joining the header's newline to an answer's leading whitespace is trained too
    # (masking.py), so the exact comparison is for answers that start with text
    assume(not any(m["content"][:1].isspace() for m in turns))
    expected = [m["content"] + "<|im_end|>" for m in turns[:-1]]
    last = turns[-1]
    think = (last.get("reasoning_content") or "").strip("\n")
    expected.append(f"<think>\n{think}\n</think>\n\n{last['content'].lstrip(chr(10))}<|im_end|>")
    assert tok.decode(trained) == "".join(expected)


def test_split_think_renders_as_qwen3_splits_it(smol_tokenizer):
    content = "<think>\nweigh it\n</think>\n\nYes."
    assert split_think(content) == ("weigh it", "Yes.")
    assert split_think("no think") == (None, "no think")
    inline = [{"role": "user", "content": "q"}, {"role": "assistant", "content": content}]
    apart = [inline[0], {"role": "assistant", "content": "Yes.", "reasoning_content": "weigh it"}]
    a = smol_tokenizer.apply_chat_template(inline, chat_template=template("qwen3"), tokenize=False)
    b = smol_tokenizer.apply_chat_template(apart, chat_template=template("qwen3"), tokenize=False)
    assert a == b


def test_think_tags_stay_text_for_templates_without_reasoning():
    m = [Message(role="user", content="q"), Message(role="assistant", content="<think>x</think>y")]
    cfg = RenderConfig()
    assert message_dicts(m, cfg, "{{ messages }}")[1] == {
        "role": "assistant",
        "content": "<think>x</think>y",
    }
    extract = RenderConfig(think_tags="extract")
    assert message_dicts(m, extract, "{{ messages }}")[1]["reasoning_content"] == "x"
    assert (
        "reasoning_content"
        not in message_dicts(m, RenderConfig(think_tags="keep"), "reasoning_content")[1]
    )


def test_reasoning_turns_and_train_reasoning(smol_tokenizer):
    """`reasoning_turns: none` drops every turn's reasoning; `train_reasoning: false` leaves the
    rendered think block of the last turn untrained while its answer and end marker are trained."""
    dialog = Dialog(
        id="r",
        source="t",
        messages=[
            Message(role="user", content="2+2?"),
            Message(role="assistant", content="4", reasoning_content="add them"),
        ],
    )
    src = template("qwen3")
    for extra, trained_text in [
        ({}, "<think>\nadd them\n</think>\n\n4<|im_end|>"),
        ({"reasoning_turns": "none"}, "<think>\n\n</think>\n\n4<|im_end|>"),
        ({"train_reasoning": False}, "4<|im_end|>"),
    ]:
        cfg = RenderConfig(max_length=100_000, audit_samples=-1, **extra)
        report = Report()
        rows = list(
            render_dialogs([dialog], cfg, smol_tokenizer, report, RejectSink(report), template=src)
        )
        ids = [
            i
            for i, lab in zip(rows[0]["input_ids"], rows[0]["labels"], strict=True)
            if lab != IGNORE
        ]
        assert smol_tokenizer.decode(ids) == trained_text, extra
        assert audit([dialog], rows, cfg, smol_tokenizer, src)["passed"] == 1


def test_gptoss_trains_the_end_marker_of_every_turn(smol_tokenizer):
    dialog = Dialog(
        id="g",
        source="t",
        messages=[
            Message(role="user", content="Hi"),
            Message(role="assistant", content="Hello"),
            Message(role="user", content="Bye"),
            Message(role="assistant", content="Ciao"),
        ],
    )
    cfg = RenderConfig(max_length=100_000, audit_samples=-1)
    report = Report()
    rows = list(
        render_dialogs(
            [dialog], cfg, smol_tokenizer, report, RejectSink(report), template=template("gptoss")
        )
    )
    ids = [
        i for i, lab in zip(rows[0]["input_ids"], rows[0]["labels"], strict=True) if lab != IGNORE
    ]
    # SmolLM2 has no gpt-oss tokens: its `><` token straddles `<|end|>` and the next `<|start|>`
    assert smol_tokenizer.decode(ids) == (
        "<|channel|>final<|message|>Hello<|end|><<|channel|>final<|message|>Ciao<|return|>"
    )


def test_message_json_is_unchanged_without_reasoning():
    m = Message(role="assistant", content="a")
    assert m.model_dump_json() == '{"role":"assistant","content":"a"}'
    r = Message(role="assistant", content="a", reasoning_content="b")
    assert Message.model_validate_json(r.model_dump_json()) == r


def test_gptoss_without_reasoning_trains_only_the_final_channel(smol_tokenizer):
    dialog = Dialog(
        id="g",
        source="t",
        messages=[
            Message(role="user", content="2+2?"),
            Message(role="assistant", content="4", reasoning_content="add"),
        ],
    )
    cfg = RenderConfig(max_length=100_000, audit_samples=-1, train_reasoning=False)
    report = Report()
    src = template("gptoss")
    rows = list(
        render_dialogs([dialog], cfg, smol_tokenizer, report, RejectSink(report), template=src)
    )
    ids = [
        i for i, lab in zip(rows[0]["input_ids"], rows[0]["labels"], strict=True) if lab != IGNORE
    ]
    assert smol_tokenizer.decode(ids) == "4<|return|>"
    assert "<|channel|>analysis<|message|>add" in smol_tokenizer.decode(rows[0]["input_ids"])
    assert audit([dialog], rows, cfg, smol_tokenizer, src)["passed"] == 1


@pytest.mark.parametrize("name", HISTORY_REWRITING)
def test_control_token_text_in_content_and_reasoning_is_escaped(name, smol_tokenizer):
    """`<|im_end|>` typed in a content or a reasoning is plain text, as with
    `apply_chat_template(..., sanitize_control_tokens=True)`, which marks every string field."""
    dialog = Dialog(
        id="x",
        source="t",
        messages=[
            Message(role="user", content="type <|im_end|> here"),
            Message(role="assistant", content="ok <|im_start|> 好"),
            Message(role="user", content="2+2?"),
            Message(role="assistant", content="4 <|im_end|>", reasoning_content="add <|im_end|>"),
        ],
    )
    path = real_data("trl", "trl", "chat_templates", f"{name}.jinja")
    cfg = RenderConfig(template=str(path), max_length=100_000, audit_samples=-1)
    rows = render(dialog, cfg, smol_tokenizer)
    assert audit([dialog], rows, cfg, smol_tokenizer)["passed"] == 1
    trained = [
        i for i, lab in zip(rows[0]["input_ids"], rows[0]["labels"], strict=True) if lab != -100
    ]
    assert "4 <|im_end|>" in smol_tokenizer.decode(trained)


def test_clean_keeps_a_turns_reasoning_when_it_rewrites_the_content():
    """Normalizing or stripping a content must not drop the reasoning kept beside it."""
    from pipeline.clean import clean
    from pipeline.config import CleanConfig

    dialog = Dialog(
        id="c",
        source="t",
        messages=[
            Message(role="user", content="Cafe\u0301?"),
            Message(role="assistant", content="Cafe\u0301!", reasoning_content="accent"),
        ],
    )
    report = Report()
    with RejectSink(report) as sink:
        out = list(clean([dialog], CleanConfig(), report, sink))
    assert out[0].messages[1].content == "Café!"  # NFC applied to the content
    assert out[0].messages[1].reasoning_content == "accent"


@pytest.mark.parametrize("name", ["qwen3", "qwen3_5_think", "gptoss"])
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dialog=dialogs(reasoning=True), max_length=st.sampled_from([48, 80, 140]))
def test_dropped_turns_keep_exact_spans(name, dialog, max_length, smol_tokenizer):
    """`truncation: drop_turns` on templates that rewrite history: a kept row is the dialog
    without its first turns, rendered and masked exactly as the audit derives it."""
    path = real_data("trl", "trl", "chat_templates", f"{name}.jinja")
    cfg = RenderConfig(template=str(path), max_length=max_length, audit_samples=-1)
    report = Report()
    rows = list(render_dialogs([dialog], cfg, smol_tokenizer, report, RejectSink(report)))
    report.check_conservation()
    assert set(report.stage("render").rejected) <= {"too_long"}
    assert all(len(r["input_ids"]) <= max_length for r in rows)
    assert audit([dialog], rows, cfg, smol_tokenizer)["passed"] == len(rows)


def test_reasoning_a_template_does_not_read_is_counted(smol_tokenizer):
    dialog = Dialog(
        id="n",
        source="t",
        messages=[
            Message(role="user", content="2+2?"),
            Message(role="assistant", content="4", reasoning_content="add"),
        ],
    )
    report = Report()
    cfg = RenderConfig(template="chatml", max_length=1000)
    list(render_dialogs([dialog], cfg, smol_tokenizer, report, RejectSink(report)))
    assert report.stage("render").notes["reasoning_not_read_by_template"] == 1
