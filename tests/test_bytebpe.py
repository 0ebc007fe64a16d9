"""The tiktoken path (pipeline/render/bytebpe.py) gives the tokenizers library's ids and offsets,
and is refused wherever the two could differ."""

from __future__ import annotations

import json

import pytest
from conftest import real_data
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.render import bytebpe


@pytest.fixture(scope="module")
def fast(smol_tokenizer):
    encoder = bytebpe.fast_encoder(smol_tokenizer)
    assert encoder is not None, bytebpe.unsupported(smol_tokenizer) or bytebpe.merge_check(
        smol_tokenizer
    )
    return encoder


def same_as_tokenizer(tokenizer, encoder, texts: list[str]) -> None:
    """Ids, length and every offset equal the tokenizers library's, as the renderer reads them."""
    for text, want, got in zip(
        texts, bytebpe.hf_encode(tokenizer, texts), encoder(texts), strict=True
    ):
        assert got.ids == want.ids, text
        assert len(got) == len(want)
        assert [got.token_to_chars(i) for i in range(len(got))] == [
            tuple(o) for o in want.offsets
        ], text
        for c in range(len(text)):
            assert got.char_to_token(c) == want.char_to_token(c), (text, c)


def test_smollm2_qualifies(smol_tokenizer):
    assert bytebpe.unsupported(smol_tokenizer) is None
    assert bytebpe.merge_check(smol_tokenizer) is None


# the pieces where the two could part: contractions, letters and digits of many scripts, marks,
# every kind of space, CJK, emoji (4-byte), the template's added tokens, bytes the vocab lacks
# (\x04, \x1d: routed), planes beyond the probed ones (routed), mixed runs
PIECES = st.sampled_from(
    [
        "'s",
        "'t",
        "'re",
        "'ve",
        "'m",
        "'ll",
        "'d",
        "'S",
        "don't",
        "a",
        "Z",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\n\n",
        "\u00a0",
        "\u3000",
        "\u2028",
        "\u200b",
        "\u0085",
        "\x1c",
        "\x0b",
        "1",
        "42",
        "\u0661\u0662",
        "\u2167",
        "\u00bd",
        "\u00b2",
        "\u4e2d\u6587",
        "\uff0c",
        "\u3002",
        "\u201c",
        "\u00e9",
        "e\u0301",
        "\u0915\u094d\u0937",
        "\U0001f600",
        "\U0001f469\u200d\U0001f4bb",
        "\U00020000",
        "\U00031350",
        "\ue000",
        "\U000f0000",
        "\x04",
        "\x1d",
        "<|im_start|>",
        "<|im_end|>",
        "<|endoftext|>",
        "<|im_start",
        "|>",
        "!",
        "?!",
        "...",
        "#",
        "\u00ad",
        "\ufeff",
        "\u00a8",
        "\u0130",
        "\u00df",
        "\U0001d400",
    ]  # fmt: skip
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=14).map("".join))
def test_same_ids_and_offsets_as_tokenizers(smol_tokenizer, fast, text):
    same_as_tokenizer(smol_tokenizer, fast, [text])


def test_routing(fast):
    """Texts holding a byte without a token, a surrogate or an unprobed plane go to tokenizers."""
    assert fast.route.search("a\x04b") and fast.route.search("\U000f0000")
    assert fast.route.search("\ud800") and fast.route.search("\U00040000")
    assert not fast.route.search("plain ascii, \u4e2d\u6587, \U0001f600, \U00020000, \ue000")


def test_real_texts(smol_tokenizer, fast):
    """Chinese Debian reference pages, raw HTML, as they are."""
    pages = sorted(real_data("debian-ref-zh").rglob("*.html"))[:40]
    same_as_tokenizer(smol_tokenizer, fast, [p.read_text(errors="replace") for p in pages])


def tiny_bpe(vocab: dict[str, int], merges: list[tuple[str, str]]):
    """A fast tokenizer over a hand-made byte-level BPE, to show what the checks refuse."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = bytebpe.byte_chars()
    full = {c: i for i, c in enumerate(chars)}
    full.update({k: 256 + v for k, v in vocab.items()})
    tok = Tokenizer(models.BPE(full, merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tok)


def test_refuses_a_token_its_bytes_do_not_rebuild(tmp_path, monkeypatch):
    """b+c merges first, so BPE of "abc" stops at [a, bc]; tiktoken would join a+bc into "abc"
    (its bytes are a token). The check finds it and the tokenizer keeps its own encoder."""
    monkeypatch.setenv("RAWTUNE_CACHE", str(tmp_path))
    tok = tiny_bpe({"bc": 0, "ab": 1, "abc": 2}, [("b", "c"), ("a", "b"), ("ab", "c")])
    assert tok("abc", add_special_tokens=False).input_ids == [ord("a"), 256]
    assert bytebpe.unsupported(tok) is None
    assert "'abc' is not rebuilt" in bytebpe.merge_check(tok)
    assert bytebpe.fast_encoder(tok) is None
    assert not isinstance(bytebpe.encoder_for(tok), bytebpe.FastEncoder)


def test_refuses_merges_out_of_id_order(tmp_path, monkeypatch):
    monkeypatch.setenv("RAWTUNE_CACHE", str(tmp_path))
    tok = tiny_bpe({"ab": 1, "cd": 0}, [("a", "b"), ("c", "d")])
    assert "below an earlier merge" in bytebpe.merge_check(tok)
    assert bytebpe.fast_encoder(tok) is None


def test_accepts_a_consistent_bpe(tmp_path, monkeypatch):
    monkeypatch.setenv("RAWTUNE_CACHE", str(tmp_path))
    tok = tiny_bpe({"ab": 0, "abc": 1, "Ġa": 2}, [("a", "b"), ("ab", "c"), ("Ġ", "a")])
    encoder = bytebpe.fast_encoder(tok)
    assert isinstance(encoder, bytebpe.FastEncoder)
    same_as_tokenizer(tok, encoder, ["abc abcab ab a\u00e9", "\u4e2d abc\n"])
    assert len(list(tmp_path.glob("merge-check-*.json"))) == 1  # kept for the next run


def test_refuses_other_configurations(smol_tokenizer):
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    def variant(change):
        backend = Tokenizer.from_str(smol_tokenizer.backend_tokenizer.to_str())
        change(backend)
        return bytebpe.unsupported(PreTrainedTokenizerFast(tokenizer_object=backend))

    assert variant(lambda b: setattr(b, "normalizer", normalizers.NFC())) == "has a normalizer"
    spaced = pre_tokenizers.ByteLevel(add_prefix_space=True)
    assert "ByteLevel" in variant(lambda b: setattr(b, "pre_tokenizer", spaced))
    assert bytebpe.unsupported(smol_tokenizer) is None


def test_unreadable_cache_is_computed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("RAWTUNE_CACHE", str(tmp_path))
    (tmp_path / "x.json").write_text("{not json")
    assert bytebpe._cached("x", lambda: {"v": 1}) == {"v": 1}
    assert json.loads((tmp_path / "x.json").read_text()) == {"v": 1}


@pytest.mark.slow
def test_every_probed_code_point(smol_tokenizer, fast):
    """Each probed code point between letters, digits, punctuation, spaces, newlines and after an
    apostrophe: the spelled-out classes split it as Oniguruma does (25 s)."""
    points = bytebpe._probe_points().tolist()
    texts = [
        "".join(f"{x}{chr(c)}{x}" for x in ("a", "1", "!", " ", "\n", "'")) + chr(c) + "s"
        for c in points
    ]
    texts = [t for t in texts if not fast.route.search(t)]
    assert len(texts) > 260_000
    got = fast.core.encode_batch(texts, num_threads=fast.threads, allowed_special="all")
    want = [e.ids for e in bytebpe.hf_encode(smol_tokenizer, texts)]
    assert got == want
