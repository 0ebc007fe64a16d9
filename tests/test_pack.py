"""SFT best-fit-decreasing packing and pretraining blocks: structure, determinism, errors, efficiency."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import UserError
from pipeline.pack import best_fit_decreasing, pack_pretrain, pack_sft, packing_efficiency

IGNORE = -100


def row(rid: str, n: int, first: int = 1) -> dict:
    ids = [first + i for i in range(n)]
    return {
        "id": rid,
        "source": f"t:{rid}",
        "source_name": "t",
        "input_ids": ids,
        "labels": [IGNORE] * (n // 2) + ids[n // 2 :],
        "n_tokens": n,
        "n_supervised": n - n // 2,
    }


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 64), max_size=80), st.integers(64, 100))
def test_bfd_bins_are_valid_and_best_fit(lengths, capacity):
    bins = best_fit_decreasing(lengths, capacity, [str(i) for i in range(len(lengths))])
    assert sorted(i for b in bins for i in b) == list(range(len(lengths)))
    loads = [sum(lengths[i] for i in b) for b in bins]
    assert all(0 < load <= capacity for load in loads)
    assert len(bins) >= -(-sum(lengths) // capacity)
    # Decreasing order: a bin is opened only when its first item fits no earlier bin, and spaces
    # only shrink, so every earlier bin ends with less room than that first item.
    for j, b in enumerate(bins):
        for i in range(j):
            assert capacity - loads[i] < lengths[b[0]]


def test_bfd_fills_exact_fits():
    # 6+4, 7+3, 5+5: BFD finds the perfect packing here.
    assert sorted(
        sorted(b) for b in best_fit_decreasing([6, 4, 7, 3, 5, 5], 10, list("abcdef"))
    ) == [[0, 1], [2, 3], [4, 5]]


def test_pack_sft_is_independent_of_input_order():
    rng = random.Random(0)
    rows = [row(f"r{i:03d}", rng.randint(1, 60)) for i in range(200)]
    packed = pack_sft(rows, 64)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    assert pack_sft(shuffled, 64) == packed
    assert packing_efficiency(packed, 64) == pytest.approx(
        sum(len(r["input_ids"]) for r in rows) / (64 * len(packed))
    )


def test_pack_sft_rows_keep_samples_whole_and_mask_first_tokens():
    rows = [row("a", 5, 10), row("b", 3, 20), row("c", 2, 30)]
    (packed,) = pack_sft(rows, 10)
    assert packed["ids"] == ["a", "b", "c"]
    assert packed["seq_lengths"] == [5, 3, 2]
    assert packed["position_ids"] == [0, 1, 2, 3, 4, 0, 1, 2, 0, 1]
    assert packed["input_ids"] == [10, 11, 12, 13, 14, 20, 21, 22, 30, 31]
    assert packed["labels"] == [IGNORE, IGNORE, 12, 13, 14, IGNORE, 21, 22, IGNORE, 31]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row("long", 11), "11 tokens, outside 1..max_length=10"),
        ({**row("x", 4), "labels": [1, 2]}, "4 input_ids but 2 labels"),
        ({**row("e", 1), "input_ids": [], "labels": []}, "0 tokens"),
    ],
)
def test_pack_sft_rejects_rows_it_cannot_pack(bad, message):
    with pytest.raises(UserError, match=message):
        pack_sft([row("ok", 3), bad], 10)


def doc(rid: str, n: int, first: int) -> dict:
    return {
        "id": rid,
        "source": "t",
        "source_name": "t",
        "input_ids": list(range(first, first + n)),
    }


def test_pretrain_blocks_keep_every_token_and_reset_positions():
    docs = [doc("a", 7, 100), doc("b", 4, 200), doc("c", 6, 300)]
    blocks = list(pack_pretrain(iter(docs), 8, reset_position_ids=True))
    assert [len(b["input_ids"]) for b in blocks] == [8, 8, 1]
    assert [t for b in blocks for t in b["input_ids"]] == [t for d in docs for t in d["input_ids"]]
    first, second, last = blocks
    assert first["ids"] == ["a", "b"] and first["seq_lengths"] == [7, 1]
    assert first["position_ids"] == [0, 1, 2, 3, 4, 5, 6, 0]
    assert first["labels"] == [IGNORE, *range(101, 107), IGNORE]
    # b continues at the start of the next block, then c begins mid-block.
    assert second["ids"] == ["b", "c"] and second["seq_lengths"] == [3, 5]
    assert second["position_ids"] == [0, 1, 2, 0, 1, 2, 3, 4]
    assert second["labels"] == [IGNORE, 202, 203, IGNORE, 301, 302, 303, 304]
    assert last == {
        "input_ids": [305],
        "labels": [IGNORE],
        "position_ids": [0],
        "seq_lengths": [1],
        "ids": ["c"],
    }
    assert packing_efficiency(blocks, 8) == pytest.approx(17 / 24)


def test_pretrain_blocks_without_reset_are_plain_causal_blocks():
    docs = [doc("a", 7, 100), doc("b", 4, 200)]
    first, second = pack_pretrain(docs, 8, reset_position_ids=False)
    assert first["position_ids"] == list(range(8))
    assert first["labels"] == first["input_ids"]
    assert first["seq_lengths"] == [8] and first["ids"] == ["a", "b"]
    assert second["seq_lengths"] == [3] and second["ids"] == ["b"]


def test_pretrain_rejects_empty_document():
    with pytest.raises(UserError, match="no tokens"):
        list(pack_pretrain([doc("a", 0, 1)], 8, reset_position_ids=True))


def test_packing_efficiency_of_nothing_is_zero():
    assert packing_efficiency([], 2048) == 0.0
