"""Collators for rows as stored in the shards: packed rows (position_ids + seq_lengths) or plain rows.

`PaddingFreeCollator` concatenates a whole batch into one row with position_ids restarting at every
sample and no attention_mask, so transformers builds a block-diagonal mask (sdpa, eager, flash) and
no slot is spent on padding. It also hands out the samples' bounds as `cu_seq_lens_q/k`, the
flash-attn varlen contract, which `sdpa_varlen` (trainers/attention.py) uses to attend per sample.
`PaddedCollator` is the classic layout for comparison: each sample in its own right-padded row
with an attention_mask; packed rows are split back into their samples
first, because a padded row with an attention_mask would make the model ignore position_ids and
let packed samples attend to each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from pipeline.rows import IGNORE


def _lengths(row: dict[str, Any]) -> list[int]:
    """Sample lengths of a stored row: its seq_lengths, else the whole row as one sample."""
    n = len(row["input_ids"])
    lengths = list(row.get("seq_lengths") or [n])
    if sum(lengths) != n or len(row["labels"]) != n:
        raise ValueError(
            f"row {row.get('ids') or row.get('id')!r}: seq_lengths {lengths} / labels "
            f"{len(row['labels'])} do not match {n} input_ids"
        )
    return lengths


def sample_bounds(positions: Sequence[int]) -> list[int]:
    """Offsets where samples start in a padding-free row, plus its length: a sample starts wherever
    positions do not continue by +1 (the rule transformers uses to build the packed mask)."""
    starts = [i for i, p in enumerate(positions) if i == 0 or p != positions[i - 1] + 1]
    return [*starts, len(positions)]


def _positions(row: dict[str, Any]) -> list[int]:
    """The row's position_ids, else positions restarting at each of its samples."""
    if row.get("position_ids") is not None:
        return list(row["position_ids"])
    return [p for n in _lengths(row) for p in range(n)]


@dataclass
class PaddingFreeCollator:
    """A batch as one concatenated row: input_ids, labels, position_ids of shape (1, total), and
    the offsets where its samples start and end (cu_seq_lens_q/k, shape (samples + 1,))."""

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        input_ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        bounds = [0]
        for row in features:
            _lengths(row)
            pos = _positions(row)
            lab = list(row["labels"])
            starts = sample_bounds(pos)
            for i in starts[:-1]:  # the first label would be predicted from the previous sample
                lab[i] = IGNORE
            bounds.extend(len(input_ids) + i for i in starts[1:])
            input_ids.extend(row["input_ids"])
            labels.extend(lab)
            positions.extend(pos)
        cu_seq_lens = torch.tensor(bounds, dtype=torch.int32)
        return {
            "input_ids": torch.tensor([input_ids], dtype=torch.long),
            "labels": torch.tensor([labels], dtype=torch.long),
            "position_ids": torch.tensor([positions], dtype=torch.long),
            "cu_seq_lens_q": cu_seq_lens,
            "cu_seq_lens_k": cu_seq_lens,
        }


@dataclass
class PaddedCollator:
    """Each sample right-padded to the batch's longest: input_ids, labels (-100 on pads), attention_mask."""

    pad_token_id: int = 0
    pad_to_multiple_of: int | None = None

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        samples: list[tuple[list[int], list[int]]] = []
        for row in features:
            lengths = _lengths(row)
            for start, n in zip(accumulate([0, *lengths[:-1]]), lengths, strict=True):
                samples.append(
                    (
                        list(row["input_ids"][start : start + n]),
                        list(row["labels"][start : start + n]),
                    )
                )
        width = max(len(ids) for ids, _ in samples)
        if self.pad_to_multiple_of:
            width = -(-width // self.pad_to_multiple_of) * self.pad_to_multiple_of
        input_ids, labels, mask = [], [], []
        for ids, lab in samples:
            pad = width - len(ids)
            input_ids.append(ids + [self.pad_token_id] * pad)
            labels.append(lab + [IGNORE] * pad)
            mask.append([1] * len(ids) + [0] * pad)
        return {
            "input_ids": torch.tensor(input_ids, dtype=torch.long),
            "labels": torch.tensor(labels, dtype=torch.long),
            "attention_mask": torch.tensor(mask, dtype=torch.long),
        }


@dataclass
class CountingCollator:
    """Wraps a collator and counts the supervised tokens (shifted labels != -100) it hands out,
    so a run can report supervised tokens per second, the throughput that matters for SFT."""

    collator: Any
    supervised: int = 0

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        batch = self.collator(features)
        self.supervised += int((batch["labels"][..., 1:] != IGNORE).sum())
        return batch
