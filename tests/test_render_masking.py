"""Labels: the straddling-token rule, end markers trained even when pad == eos, no doubled BOS,
train_on modes, system prompt injection, special-token text in content, truncation, rejects."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from pipeline.config import RenderConfig
from pipeline.errors import UserError
from pipeline.records import Dialog, Document, Message
from pipeline.render import (
    IGNORE,
    audit,
    audit_or_raise,
    render_dialogs,
    render_file,
    render_settings,
    tokenize_documents,
)
from pipeline.render.masking import labels_for_encoding, labels_for_offsets
from pipeline.stage import RejectSink, Report


def dialog(*turns: tuple[str, str], id: str = "d1") -> Dialog:
    return Dialog(
        id=id, source=f"test:{id}", messages=[Message(role=r, content=c) for r, c in turns]
    )


def render(dialogs, tokenizer, **cfg):
    cfg = RenderConfig(**{"max_length": 4096, "audit_samples": -1, **cfg})
    report = Report()
    sink = RejectSink(report)
    rows = list(render_dialogs(dialogs, cfg, tokenizer, report, sink))
    report.check_conservation()
    return rows, report.stage("render"), cfg


def trained_text(tokenizer, row) -> str:
    return tokenizer.decode(
        [i for i, lab in zip(row["input_ids"], row["labels"], strict=True) if lab != IGNORE]
    )


TWO_TURNS = dialog(
    ("user", "Hi"), ("assistant", "Hello!"), ("user", "Bye"), ("assistant", "See you.")
)


# ---------------------------------------------------------------- the straddle rule


def test_a_token_straddling_a_span_edge_is_trained():
    # chars: 'ab' 'c|d' 'ef' with the span starting at 'd' (char 3): token 1 straddles it
    offsets = [(0, 2), (2, 4), (4, 6)]
    assert labels_for_offsets([10, 11, 12], offsets, [(3, 6)]) == [IGNORE, 11, 12]
    assert labels_for_offsets([10, 11, 12], offsets, [(0, 3)]) == [10, 11, IGNORE]
    assert labels_for_offsets([10, 11, 12], offsets, [(2, 4)]) == [IGNORE, 11, IGNORE]


def test_every_byte_token_of_a_split_character_is_trained():
    # one CJK character encoded as two byte tokens sharing offsets (1, 2)
    offsets = [(0, 1), (1, 2), (1, 2), (2, 3)]
    assert labels_for_offsets([1, 2, 3, 4], offsets, [(1, 2)]) == [IGNORE, 2, 3, IGNORE]
    assert labels_for_offsets([1, 2, 3, 4], offsets, [(2, 3)]) == [IGNORE, IGNORE, IGNORE, 4]


def test_rust_encoding_path_applies_the_same_rule(smol_tokenizer):
    text = "x 中文字符 y<|im_end|>z"
    enc = smol_tokenizer([text], add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = enc["input_ids"][0], enc["offset_mapping"][0]
    for a in range(len(text)):
        for b in range(a + 1, len(text) + 1):
            assert labels_for_encoding(enc.encodings[0], [(a, b)]) == labels_for_offsets(
                ids, offsets, [(a, b)]
            ), (a, b)


def test_straddling_end_marker_token_with_real_tokenizer(smol_tokenizer):
    """llama3's <|eot_id|> is plain text to SmolLM2: '|><|' straddles the end of the span and is
    trained; the audit accepts it and counts the extra template characters."""
    rows, _, cfg = render([TWO_TURNS], smol_tokenizer, template="llama3")
    text = trained_text(smol_tokenizer, rows[0])
    assert "Hello!<|eot_id|>" in text and "See you.<|eot_id|>" in text
    assert "Hi" not in text and "Bye" not in text
    result = audit([TWO_TURNS], rows, cfg, smol_tokenizer)
    assert result["passed"] == 1 and result["edge_chars"] > 0


# ---------------------------------------------------------------- markers, BOS, train_on


def test_end_marker_is_trained_although_pad_equals_eos(smol_tokenizer):
    assert smol_tokenizer.pad_token_id == smol_tokenizer.eos_token_id
    rows, _, _ = render([TWO_TURNS], smol_tokenizer, template="chatml")
    row = rows[0]
    eos = smol_tokenizer.eos_token_id
    trained_eos = [i for i, lab in zip(row["input_ids"], row["labels"], strict=True) if lab == eos]
    assert len(trained_eos) == 2  # one per assistant turn; user/system ends stay masked
    assert trained_text(smol_tokenizer, row) == "Hello!<|im_end|>See you.<|im_end|>"


@pytest.mark.parametrize("template", ["llama3", "gemma", "mistral"])
def test_bos_written_by_the_template_is_not_doubled(template, smol_tokenizer):
    rows, _, _ = render([TWO_TURNS], smol_tokenizer, template=template)
    ids = rows[0]["input_ids"]
    assert ids[0] == smol_tokenizer.bos_token_id
    assert ids[1] != smol_tokenizer.bos_token_id


def test_train_on_modes(smol_tokenizer):
    rows, _, _ = render([TWO_TURNS], smol_tokenizer, template="chatml", train_on="last_assistant")
    assert trained_text(smol_tokenizer, rows[0]) == "See you.<|im_end|>"
    rows, _, _ = render([TWO_TURNS], smol_tokenizer, template="chatml", train_on="everything")
    assert rows[0]["labels"] == rows[0]["input_ids"]
    assert rows[0]["n_supervised"] == rows[0]["n_tokens"]


def test_system_prompt_is_injected_only_when_missing(smol_tokenizer):
    own = dialog(("system", "Own prompt."), ("user", "Hi"), ("assistant", "Yo"), id="own")
    rows, _, cfg = render(
        [TWO_TURNS, own], smol_tokenizer, template="chatml", system_prompt="Be brief."
    )
    texts = [smol_tokenizer.decode(r["input_ids"]) for r in rows]
    assert texts[0].startswith("<|im_start|>system\nBe brief.<|im_end|>")
    assert "Be brief." not in texts[1] and "Own prompt." in texts[1]
    assert audit([TWO_TURNS, own], rows, cfg, smol_tokenizer)["passed"] == 2


# ---------------------------------------------------------------- special-token text


TYPED = dialog(("user", "what does <|im_end|> mean?"), ("assistant", "It ends a turn: <|im_end|>."))


def test_special_token_text_is_escaped_by_default(smol_tokenizer):
    rows, _, cfg = render([TYPED], smol_tokenizer, template="chatml")
    ids = rows[0]["input_ids"]
    eos = smol_tokenizer.eos_token_id
    assert ids.count(eos) == 2  # only the two the template wrote
    assert smol_tokenizer.decode(ids).count("<|im_end|>") == 4
    assert trained_text(smol_tokenizer, rows[0]) == "It ends a turn: <|im_end|>.<|im_end|>"
    expected = smol_tokenizer.apply_chat_template(
        [{"role": m.role, "content": m.content} for m in TYPED.messages],
        chat_template=cfg_template(cfg, smol_tokenizer),
        sanitize_control_tokens=True,
        return_dict=True,
    )["input_ids"]
    assert ids == list(expected)
    assert audit([TYPED], rows, cfg, smol_tokenizer)["passed"] == 1


def cfg_template(cfg, tokenizer):
    from pipeline.render import load_chat_template

    return load_chat_template(cfg.template, tokenizer)


def test_special_token_text_reject_and_allow(smol_tokenizer):
    rows, stats, _ = render(
        [TYPED], smol_tokenizer, template="chatml", special_tokens_in_content="reject"
    )
    assert rows == [] and stats.rejected == {"special_token_text": 1}
    rows, _, cfg = render(
        [TYPED], smol_tokenizer, template="chatml", special_tokens_in_content="allow"
    )
    assert rows[0]["input_ids"].count(smol_tokenizer.eos_token_id) == 4
    assert audit([TYPED], rows, cfg, smol_tokenizer)["passed"] == 1


def test_forged_markers_in_content_are_dropped_like_transformers_does(smol_tokenizer):
    forged = dialog(("user", "a\U000f0000<|im_end|>\U000f0001b"), ("assistant", "ok"))
    rows, _, cfg = render([forged], smol_tokenizer, template="chatml")
    assert audit([forged], rows, cfg, smol_tokenizer)["passed"] == 1


@pytest.mark.parametrize(
    "content", ["plain text", "what does <|im_end|> mean?", "a\U000f0000<|im_end|>\U000f0001b"]
)
def test_audit_reference_tokens_are_apply_chat_templates_sanitized_ids(content, smol_tokenizer):
    """The audit skips sanitizing only where it changes nothing: its reference ids are always
    those of apply_chat_template(sanitize_control_tokens=True), offsets only from that same call."""
    from pipeline.render import load_chat_template
    from pipeline.render.audit import _Reference

    template = load_chat_template("chatml", None)
    ref = _Reference(smol_tokenizer, template, escape=True)
    messages = [{"role": "user", "content": content}, {"role": "assistant", "content": "ok"}]
    ids, offsets = ref.tokens(messages, ref.text(messages))
    expected = smol_tokenizer.apply_chat_template(
        messages, chat_template=template, tokenize=True, sanitize_control_tokens=True
    )["input_ids"]
    assert ids == list(expected)
    assert (offsets is None) == (content != "plain text")


# ---------------------------------------------------------------- budgets and rejects


def long_dialog(n_turns: int) -> Dialog:
    turns = [("system", "Keep me.")]
    for i in range(n_turns):
        turns += [
            ("user", f"question {i} " + "word " * 40),
            ("assistant", f"answer {i} " + "text " * 40),
        ]
    return dialog(*turns, id="long")


def test_drop_policy_rejects_too_long(smol_tokenizer):
    rows, stats, _ = render(
        [long_dialog(6)], smol_tokenizer, template="chatml", max_length=200, truncation="drop"
    )
    assert rows == [] and stats.rejected == {"too_long": 1}


def test_drop_turns_keeps_the_system_prompt_and_the_latest_turns(smol_tokenizer):
    d = long_dialog(6)
    rows, stats, cfg = render([d], smol_tokenizer, template="chatml", max_length=250)
    assert stats.kept == 1
    row = rows[0]
    assert row["n_tokens"] <= 250
    text = smol_tokenizer.decode(row["input_ids"])
    assert text.startswith("<|im_start|>system\nKeep me.<|im_end|>")
    assert "question 0 " not in text and "answer 5 " in text
    assert audit([d], rows, cfg, smol_tokenizer)["passed"] == 1


def test_drop_turns_rejects_when_the_last_turn_alone_is_too_long(smol_tokenizer):
    rows, stats, _ = render([long_dialog(3)], smol_tokenizer, template="chatml", max_length=40)
    assert rows == [] and stats.rejected == {"too_long": 1}


def _mixed_long_dialogs() -> list[Dialog]:
    """Dialogs of 1-7 turns, English and Chinese, with and without a system prompt."""
    out = []
    for n in range(1, 8):
        turns = [("system", "简短回答。")] if n % 2 else []
        for i in range(n):
            body = ("问题 " * (5 + 7 * i)) if i % 2 else ("question " * (9 + 5 * i))
            turns += [("user", f"{i}: {body}"), ("assistant", f"答 {i}: " + "text 文字 " * (6 + i))]
        out.append(dialog(*turns, id=f"m{n}"))
    return out


@pytest.mark.parametrize(
    ("template", "max_length", "splices"),
    [("chatml", 160, True), ("auto", 160, True), ("qwen3", 160, True), ("gemma", 160, False),
     ("llama3", 400, False)],
)  # fmt: skip
def test_drop_turns_splices_the_full_encoding_exactly(
    smol_tokenizer, template, max_length, splices, monkeypatch
):
    """Cutting the dropped turns' tokens out of the full encoding, and dropping turns of a very
    long dialog before tokenizing it (precut), give the rows that rendering and tokenizing each
    shortened dialog again gives, and both pass the audit. Gemma's and Llama 3's turn markers
    are no added tokens of SmolLM2's vocabulary, so most of their cuts re-tokenize."""
    from pipeline.render import dialogs as D

    dialogs = _mixed_long_dialogs() + [long_dialog(30)]
    spliced, precut = [], []
    real_cut, real_pre = D.DialogRenderer._cut_spliced, D.DialogRenderer._precut

    def spy_cut(self, s, reason):
        spliced.append(real_cut(self, s, reason))
        return spliced[-1]

    def spy_pre(self, s, spans):
        out = real_pre(self, s, spans)
        precut.append(s)
        return out

    monkeypatch.setattr(D.DialogRenderer, "_cut_spliced", spy_cut)
    monkeypatch.setattr(D.DialogRenderer, "_precut", spy_pre)
    fast, stats, cfg = render(dialogs, smol_tokenizer, template=template, max_length=max_length)
    monkeypatch.setattr(D.DialogRenderer, "_cut_spliced", lambda self, s, reason: False)
    monkeypatch.setattr(D.DialogRenderer, "_precut", lambda self, s, spans: spans)
    slow, slow_stats, _ = render(dialogs, smol_tokenizer, template=template, max_length=max_length)
    assert fast == slow and stats.rejected == slow_stats.rejected
    assert stats.changed == slow_stats.changed
    assert stats.changed["truncation.dialogs_shortened"] >= 3
    assert audit(dialogs, fast, cfg, smol_tokenizer, None)["passed"] == len(fast)
    if splices:
        assert any(spliced)
    assert any(s.cut for s in precut)
    # a precut tail over budget is never cut again with a longer tail, however its cut is found
    assert not any(s.precut_chars for s in precut)


def test_a_precut_that_fits_at_once_is_cut_again_with_a_longer_tail(smol_tokenizer, monkeypatch):
    """A precut tail that already fits may have dropped more turns than needed: the dialog is then
    cut again keeping twice the characters, until a tail breaks the budget or the dialog is
    tokenized whole, so the row keeps every turn that fits."""
    from pipeline.render import dialogs as D

    monkeypatch.setattr(D, "PRECUT_CHARS_PER_TOKEN", 1)  # a precut that surely over-cuts
    tails, real = [], D.DialogRenderer._precut

    def spy(self, s, spans):
        tails.append(s.precut_chars)
        return real(self, s, spans)

    monkeypatch.setattr(D.DialogRenderer, "_precut", spy)
    d = long_dialog(6)
    rows, stats, cfg = render([d], smol_tokenizer, template="chatml", max_length=250)
    assert tails[:3] == [0, 500, 1000]  # the tail kept doubles after each fit
    monkeypatch.setattr(D.DialogRenderer, "_precut", lambda self, s, spans: spans)
    want, _, _ = render([d], smol_tokenizer, template="chatml", max_length=250)
    assert rows == want and stats.kept == 1
    assert audit([d], rows, cfg, smol_tokenizer)["passed"] == 1


def test_separate_input_and_output_budgets(smol_tokenizer):
    d = long_dialog(4)
    rows, _, _ = render([d], smol_tokenizer, template="chatml", max_output_length=100)
    assert rows[0]["n_supervised"] <= 100
    rows, stats, _ = render(
        [d], smol_tokenizer, template="chatml", max_input_length=10, truncation="drop"
    )
    assert stats.rejected == {"input_too_long": 1}


def test_no_trained_token_and_template_errors_are_rejects(smol_tokenizer):
    no_answer = dialog(("user", "Hello?"), id="q")
    two_users = dialog(("user", "a"), ("user", "b"), ("assistant", "c"), id="u")
    empty = Dialog(id="e", source="test:e", messages=[])
    rows, stats, _ = render(
        [no_answer, two_users, empty, TWO_TURNS], smol_tokenizer, template="gemma"
    )
    assert [r["id"] for r in rows] == ["d1"]
    assert stats.rejected == {"no_trained_token": 1, "template_error": 1, "empty_dialog": 1}
    assert stats.seen == 4 and stats.kept == 1


def test_rows_carry_the_contract_fields(smol_tokenizer):
    d = TWO_TURNS.model_copy(update={"source_name": "faq"})
    rows, _, _ = render([d], smol_tokenizer, template="chatml")
    assert set(rows[0]) == {
        "id",
        "source",
        "source_name",
        "input_ids",
        "labels",
        "n_tokens",
        "n_supervised",
    }
    assert rows[0]["source_name"] == "faq"
    assert rows[0]["n_tokens"] == len(rows[0]["input_ids"]) == len(rows[0]["labels"])


# ---------------------------------------------------------------- audit, documents, file


def test_audit_or_raise_names_the_failing_sample(smol_tokenizer):
    rows, _, cfg = render([TWO_TURNS], smol_tokenizer, template="chatml")
    bad = dict(rows[0], labels=list(rows[0]["input_ids"]))  # everything trained: wrong
    with pytest.raises(UserError, match=r"sample d1 \(test:d1\): labels"):
        audit_or_raise([TWO_TURNS], [bad], cfg, smol_tokenizer)
    wrong_ids = dict(rows[0], input_ids=rows[0]["input_ids"][:-1] + [0])
    assert (
        audit([TWO_TURNS], [wrong_ids], cfg, smol_tokenizer)["failures"][0]["check"] == "input_ids"
    )


@pytest.mark.parametrize("template", ["chatml", "auto"])
def test_audit_accepts_characters_the_tokenizer_drops(template, smol_tokenizer):
    """SmolLM2's tokenizer has no token for C0 controls such as \x16 (real exports carry them):
    the row is right, and the audit must say so instead of stopping the run."""
    d = dialog(("user", "Hi\x16 there"), ("assistant", "Hel\x16lo \x01!"))
    rows, stats, cfg = render([d], smol_tokenizer, template=template)
    assert stats.kept == 1
    assert audit([d], rows, cfg, smol_tokenizer)["failures"] == []
    assert trained_text(smol_tokenizer, rows[0]).startswith("Hello \x01!")  # \x16 dropped
    bad = dict(rows[0], labels=list(rows[0]["input_ids"]))
    assert audit([d], [bad], cfg, smol_tokenizer)["failures"][0]["check"] == "labels"


def test_documents_are_text_plus_eos(smol_tokenizer):
    docs = [
        Document(id="a", source="s:a", text="Plain <|endoftext|> text", source_name="web"),
        Document(id="b", source="s:b", text="  "),
    ]
    report = Report()
    rows = list(tokenize_documents(docs, smol_tokenizer, report, RejectSink(report)))
    report.check_conservation()
    assert len(rows) == 1 and rows[0]["source_name"] == "web"
    ids = rows[0]["input_ids"]
    assert ids[-1] == smol_tokenizer.eos_token_id
    assert smol_tokenizer.decode(ids[:-1]) == "Plain <|endoftext|> text"
    assert smol_tokenizer.convert_tokens_to_ids("<|endoftext|>") not in ids
    assert report.stage("render").rejected == {"empty_document": 1}


def test_render_file_writes_parquet_and_rejects(tmp_path):
    inp = tmp_path / "records.jsonl"
    lines = [
        TWO_TURNS.model_dump_json(),
        dialog(("user", "no answer"), id="q").model_dump_json(),
        json.dumps({"id": "doc", "text": "a document", "source": "s"}),
        json.dumps({"id": "bad", "messages": [{"role": "robot", "content": "x"}], "source": "s"}),
    ]
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "tokens.parquet"
    cfg, tok, max_length = render_settings(None, "chatml", "smollm2-135m-instruct")
    report = render_file(inp, out, cfg, tok, max_length)
    table = pq.read_table(out).to_pylist()
    assert [r["id"] for r in table] == ["d1"]
    assert {"id", "source", "input_ids", "labels"} <= set(table[0])
    stats = report.stage("render")
    assert stats.seen == 4 and stats.kept == 1
    assert stats.rejected == {"no_trained_token": 1, "not_a_dialog": 1, "invalid_record": 1}
    rejects = (tmp_path / "tokens.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rejects) == 3
    assert stats.notes["audit"]["passed"] == 1


def test_audit_pairs_each_trained_run_with_the_spans_it_holds(smol_tokenizer):
    """Found by hypothesis: under `plain`, an empty answer's end marker and the next answer's
    (" " + end marker) are trained by touching tokens, so two spans make one run of trained
    tokens; the audit's decode check must not pair runs with spans by position."""
    turns = [("user", ""), ("assistant", ""), ("user", ""), ("assistant", " ")]
    d = dialog(*turns, ("user", ""), ("assistant", ""), id="h")
    rows, _, cfg = render([d], smol_tokenizer, template="plain")
    assert audit([d], rows, cfg, smol_tokenizer)["failures"] == []
