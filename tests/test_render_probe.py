"""Prefix bounds and the drop_turns probe: the ids of a prefix cut by `prefix_cut` are the first
ids of the whole text's, and probing the shortest cut (and cutting long dialogs before
tokenizing them) keeps and rejects exactly the dialogs, with exactly the reasons and details,
that tokenizing each whole dialog and trying cut after cut does."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from pipeline.config import RenderConfig
from pipeline.records import Dialog, Message
from pipeline.render import audit, render_dialogs
from pipeline.render import dialogs as D
from pipeline.render.bounds import _SPLIT_PATTERNS, prefix_bounds_exact, prefix_cut
from pipeline.render.truncation import max_cut
from pipeline.stage import RejectSink, Report

# pieces a text is drawn from: words, contractions, digits, every kind of space, punctuation,
# CJK with its punctuation, accents and marks, emoji, and the tokenizer's own added tokens
PIECES = [
    "word", " word", "Word", "'s", "'ll", "don't", " 42", "2024", "  ", "\n", "\n\n", "\t", " \n",
    ".", ", ", "!?", "(", ")", "--", "中文", "你好，", "世界。", "数据", "“引号”", "：", "한국어",
    "café", "naïve", "e\u0301", "ß", "🙂", "</s>", "<|im_start|>", "<|im_end|>", "x" * 30,
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=60).map("".join)


def _variant(tokenizer, pattern: str) -> Tokenizer:
    """SmolLM2's vocabulary and merges behind a Split(pattern) + regex-free ByteLevel, the way
    Llama 3 and Qwen2 pre-tokenize."""
    spec = json.loads(tokenizer.backend_tokenizer.to_str())
    spec["pre_tokenizer"] = {
        "type": "Sequence",
        "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated",
             "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
             "use_regex": False},
        ],
    }  # fmt: skip
    return Tokenizer.from_str(json.dumps(spec))


def _check_prefixes(encode, text: str, added: list[str]) -> int:
    """Asserts the prefix property at every cut prefix_cut gives for text; the number checked."""
    whole = encode(text)
    checked = 0
    for limit in range(1, len(text) + 1):
        i = prefix_cut(text, limit, added)
        assert i <= limit
        if i:
            part = encode(text[:i])
            assert part == whole[: len(part)], (text, i)
            checked += 1
    return checked


@settings(max_examples=150, deadline=None)
@given(texts)
def test_a_prefix_cut_gives_the_first_ids_of_the_whole_text(smol_tokenizer, text):
    added = [t.content for t in smol_tokenizer.added_tokens_decoder.values()]
    _check_prefixes(lambda t: smol_tokenizer.encode(t, add_special_tokens=False), text, added)


@pytest.mark.parametrize("pattern", sorted(_SPLIT_PATTERNS))
def test_prefix_cuts_hold_for_split_regex_pre_tokenizers(smol_tokenizer, pattern):
    """The Llama 3 and Qwen2 pre-token regexes end letter runs as GPT-2's does."""
    variant = _variant(smol_tokenizer, pattern)
    added = [t.content for t in smol_tokenizer.added_tokens_decoder.values()]

    @settings(max_examples=60, deadline=None)
    @given(texts)
    def check(text):
        _check_prefixes(lambda t: variant.encode(t, add_special_tokens=False).ids, text, added)

    check()


def test_prefix_cuts_avoid_added_tokens_and_need_a_letter_before_a_non_letter():
    added = ["<|im_start|>"]
    text = "ab<|im_start|>cd"
    assert prefix_cut(text, 8, added) == 2  # not inside "<|im_start|>" after "im" or "start"
    assert prefix_cut("hello world", 7, []) == 5
    assert prefix_cut("42 17", 5, []) == 0  # digits and spaces only: no cut point
    assert prefix_cut("数据很好，真的", 7, []) == 4  # CJK letters, then a CJK comma
    assert prefix_cut("x" * 2000 + " tail", 2000, []) == 0  # none within reach of the limit


def test_which_tokenizers_allow_prefix_bounds(smol_tokenizer):
    from transformers import PreTrainedTokenizerFast

    assert prefix_bounds_exact(smol_tokenizer)
    spec = json.loads(smol_tokenizer.backend_tokenizer.to_str())
    spec["normalizer"] = {"type": "NFC"}  # composes across a cut: no bound
    normalized = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(json.dumps(spec)))
    assert not prefix_bounds_exact(normalized)
    split = PreTrainedTokenizerFast(
        tokenizer_object=_variant(smol_tokenizer, sorted(_SPLIT_PATTERNS)[0])
    )
    assert prefix_bounds_exact(split)
    other = PreTrainedTokenizerFast(tokenizer_object=_variant(smol_tokenizer, r"\w+|\W+"))
    assert not prefix_bounds_exact(other)  # an unknown regex


# ---------------------------------------------------------------- the drop_turns probe


def _dialog(i: int, turns: list[tuple[str, str]], system: bool) -> Dialog:
    msgs = [Message(role="system", content="简短回答。")] if system else []
    return Dialog(
        id=f"p{i}", source="test:p", messages=msgs + [Message(role=r, content=c) for r, c in turns]
    )


def _probe_dialogs() -> list[Dialog]:
    """Dialogs whose last answer alone breaks a 160-token budget or not, English and Chinese,
    1-6 turns, one ending in a question."""
    out = []
    for n in range(1, 7):
        for size in (20, 150, 400):
            turns = []
            for k in range(n):
                body = "数据清洗很重要，" if (n + k) % 2 else "tokens matter here. "
                turns += [("user", f"Q{k}: " + body * 6), ("assistant", f"A{k}: " + body * size)]
            out.append(_dialog(len(out), turns, system=n % 2 == 1))
    out.append(
        _dialog(len(out), [("user", "q " * 400), ("assistant", "a " * 900), ("user", "?")], True)
    )
    return out


def _render(dialogs, tokenizer, **cfg):
    cfg = RenderConfig(**{"audit_samples": -1, **cfg})
    report = Report()
    got: list[tuple[str, str, str]] = []

    class Sink(RejectSink):
        def reject(self, record, stage, reason, detail=""):
            got.append((record.id, reason, detail))
            super().reject(record, stage, reason, detail)

    rows = list(render_dialogs(dialogs, cfg, tokenizer, report, Sink(report)))
    report.check_conservation()
    return rows, got, report.stage("render").changed, cfg


@pytest.mark.parametrize(
    ("template", "max_length"),
    [("auto", 160), ("chatml", 160), ("qwen3", 300), ("llama3", 400), ("auto", 2048)],
)
def test_probes_and_precuts_change_no_row_and_no_reject(
    smol_tokenizer, template, max_length, monkeypatch
):
    dialogs = _probe_dialogs()
    probes: list[int | None] = []
    real = D.DialogRenderer._probe

    def spy(self, sample):
        text = real(self, sample)
        probes.append(None if text is None else sample.probe)
        return text

    monkeypatch.setattr(D.DialogRenderer, "_probe", spy)
    rows, rejects, changed, cfg = _render(
        dialogs, smol_tokenizer, template=template, max_length=max_length
    )
    monkeypatch.setattr(D.DialogRenderer, "_probe", lambda self, sample: None)
    monkeypatch.setattr(D.DialogRenderer, "_precut", lambda self, sample, spans: spans)
    want_rows, want_rejects, want_changed, _ = _render(
        dialogs, smol_tokenizer, template=template, max_length=max_length
    )
    assert rows == want_rows and rejects == want_rejects and changed == want_changed
    assert audit(dialogs, rows, cfg, smol_tokenizer, None)["passed"] == len(rows)
    if max_length < 2048:
        assert any(p is not None for p in probes)
        assert any(r[1] == "too_long" for r in rejects)


def test_the_reject_detail_names_the_last_cut_that_keeps_an_answer():
    def msgs(*roles):
        return [{"role": r, "content": "x"} for r in roles]

    assert max_cut(msgs("system", "user", "assistant", "user", "assistant")) == 1
    assert max_cut(msgs("user", "assistant", "user")) == 0  # the last turn holds no answer
    assert max_cut(msgs("assistant", "user", "user", "assistant", "user", "assistant", "user")) == 2
