"""The one model loader: alias, local folder, .gguf, and a clear line for an unreachable hub id."""

from __future__ import annotations

import pytest

from pipeline.errors import UserError
from pipeline.models import load_tokenizer, resolve


def test_alias_resolves_to_converted_folder(smol_tokenizer):
    path = resolve("smollm2-135m-instruct")
    assert path.endswith("SmolLM2-135M-Instruct")
    assert load_tokenizer(path).get_vocab() == smol_tokenizer.get_vocab()


def test_named_class_loads_what_autotokenizer_loads(smol_tokenizer):
    """load_tokenizer skips AutoConfig by taking tokenizer_config.json's class; same tokenizer."""
    from transformers import AutoTokenizer

    auto = AutoTokenizer.from_pretrained(resolve("smollm2-135m-instruct"))
    assert type(smol_tokenizer) is type(auto)
    dialog = [
        {"role": "user", "content": "数据 and text"},
        {"role": "assistant", "content": " ok\n"},
    ]
    for text in ["plain", "  spaces\tand 中文", auto.apply_chat_template(dialog, tokenize=False)]:
        assert smol_tokenizer(text, return_offsets_mapping=True) == auto(
            text, return_offsets_mapping=True
        )
    assert smol_tokenizer.chat_template == auto.chat_template
    assert smol_tokenizer.special_tokens_map == {
        **auto.special_tokens_map,
        "pad_token": "<|im_end|>",
    }


def test_default_tokenizer_has_chat_template(smol_tokenizer):
    text = smol_tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)
    assert "<|im_start|>user\nhi<|im_end|>" in text


def test_hub_id_offline_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UserError) as e:
        load_tokenizer("someone/definitely-not-a-local-model")
    assert "hub is not reachable" in str(e.value)


def test_missing_gguf_and_non_model_folder(tmp_path):
    with pytest.raises(UserError, match="GGUF file not found"):
        resolve(str(tmp_path / "x.gguf"))
    with pytest.raises(UserError, match="not a Hugging Face model folder"):
        resolve(str(tmp_path))
