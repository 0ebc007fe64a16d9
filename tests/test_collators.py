"""Collator layouts for stored rows (packed or plain); the loss equalities are in test_pack_loss.py."""

from __future__ import annotations

import pytest

from pipeline.pack import pack_pretrain
from trainers.collators import PaddedCollator, PaddingFreeCollator

IGNORE = -100

PACKED = {
    "input_ids": [10, 11, 12, 20, 21],
    "labels": [IGNORE, 11, 12, IGNORE, 21],
    "position_ids": [0, 1, 2, 0, 1],
    "seq_lengths": [3, 2],
    "ids": ["a", "b"],
}
PLAIN = {"input_ids": [30, 31, 32], "labels": [30, 31, 32]}


def test_padding_free_concatenates_and_masks_every_start():
    batch = PaddingFreeCollator()([PACKED, PLAIN])
    assert set(batch) == {"input_ids", "labels", "position_ids", "cu_seq_lens_q", "cu_seq_lens_k"}
    assert batch["input_ids"].tolist() == [[10, 11, 12, 20, 21, 30, 31, 32]]
    assert batch["position_ids"].tolist() == [[0, 1, 2, 0, 1, 0, 1, 2]]
    assert batch["labels"].tolist() == [[IGNORE, 11, 12, IGNORE, 21, IGNORE, 31, 32]]
    assert batch["cu_seq_lens_q"].tolist() == batch["cu_seq_lens_k"].tolist() == [0, 3, 5, 8]


def test_padding_free_bounds_split_rows_even_where_positions_run_on():
    """A row boundary is a sample boundary even if the next row's positions happened to continue."""
    odd = {"input_ids": [40, 41], "labels": [40, 41], "position_ids": [3, 4]}
    batch = PaddingFreeCollator()([PLAIN, odd])
    assert batch["cu_seq_lens_q"].tolist() == [0, 3, 5]
    assert batch["labels"].tolist() == [[IGNORE, 31, 32, IGNORE, 41]]


def test_padding_free_keeps_continuous_positions_of_unreset_blocks():
    docs = [{"id": "a", "input_ids": [1, 2, 3]}, {"id": "b", "input_ids": [4, 5, 6]}]
    blocks = list(pack_pretrain(docs, 4, reset_position_ids=False))
    batch = PaddingFreeCollator()(blocks)
    assert batch["position_ids"].tolist() == [[0, 1, 2, 3, 0, 1]]
    assert batch["labels"].tolist() == [[IGNORE, 2, 3, 4, IGNORE, 6]]
    assert batch["cu_seq_lens_q"].tolist() == [0, 4, 6]


def test_padded_unpacks_samples_and_pads_right():
    batch = PaddedCollator(pad_token_id=0)([PACKED, PLAIN])
    assert batch["input_ids"].tolist() == [[10, 11, 12], [20, 21, 0], [30, 31, 32]]
    assert batch["labels"].tolist() == [[IGNORE, 11, 12], [IGNORE, 21, IGNORE], [30, 31, 32]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0], [1, 1, 1]]
    wide = PaddedCollator(pad_token_id=7, pad_to_multiple_of=4)([PLAIN])
    assert wide["input_ids"].tolist() == [[30, 31, 32, 7]]
    assert wide["labels"].tolist() == [[30, 31, 32, IGNORE]]


@pytest.mark.parametrize("collator", [PaddingFreeCollator(), PaddedCollator()])
def test_inconsistent_rows_are_refused(collator):
    with pytest.raises(ValueError, match="do not match"):
        collator([{**PACKED, "seq_lengths": [3, 3]}])


def test_collators_read_rows_as_datasets_returns_them(tmp_path):
    """Rows straight from the Parquet shards through `datasets`, as the Trainer feeds them."""
    from datasets import load_dataset

    from pipeline.shards import write_shards

    out = write_shards(tmp_path / "s", {"train": [PACKED, {**PLAIN, "id": "c"}]}, {}, 10)
    train = load_dataset("parquet", data_dir=str(out))["train"]
    batch = PaddingFreeCollator()([train[0], train[1]])
    assert batch["labels"].tolist() == [[IGNORE, 11, 12, IGNORE, 21, IGNORE, 31, 32]]
    assert PaddedCollator()([train[0], train[1]])["input_ids"].shape == (3, 3)
