"""Packing token rows into fixed-size training rows that never let one sample see another.

SFT: best-fit-decreasing bins of up to `max_length` tokens, a sample never split; `position_ids`
restart at 0 for every sample, which is how transformers (no attention_mask, no KV cache) builds the
block-diagonal mask for sdpa, eager and flash attention alike. The label at each sample's first
token is -100, so the shifted loss never trains one sample's last token to predict the next one's
first. Pretraining: documents (each already ending in EOS) joined and cut into `block_size` blocks.

Every packed row has `input_ids`, `labels`, `position_ids`, `seq_lengths` (the attention segments,
in order) and `ids` (the source record id of each segment).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

from pipeline.errors import UserError
from pipeline.rows import IGNORE


def best_fit_decreasing(
    lengths: Sequence[int], capacity: int, keys: Sequence[Any]
) -> list[list[int]]:
    """Indices of `lengths` grouped into bins of at most `capacity`, best fit, longest first.

    Ties are broken by `keys` then index, so the bins do not depend on input order when keys are
    unique. Hand-written rather than TRL's `_pack_bfd` because that one is private, works on one
    `datasets.map` batch at a time (1,000 rows by default) and drops provenance; this packs the
    whole split. Open bins are indexed by their free space (at most `capacity` distinct values), so
    the best fit is one bisect; among bins with equal space the oldest is used (a heap per space).
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], keys[i], i))
    bins: list[list[int]] = []
    spaces: list[int] = []  # sorted distinct free spaces that some open bin has
    by_space: dict[int, list[int]] = {}  # free space -> heap of bin numbers with that space
    for i in order:
        need = lengths[i]
        j = bisect.bisect_left(spaces, need)
        if j < len(spaces):
            space = spaces[j]
            heap = by_space[space]
            b = heapq.heappop(heap)
            if not heap:
                del by_space[space]
                spaces.pop(j)
        else:
            b, space = len(bins), capacity
            bins.append([])
        bins[b].append(i)
        left = space - need
        if left > 0:
            if left not in by_space:
                by_space[left] = []
                bisect.insort(spaces, left)
            heapq.heappush(by_space[left], b)
    return bins


def _join(
    samples: Sequence[tuple[str, Sequence[int], Sequence[int]]], reset: bool = True
) -> dict[str, Any]:
    """One packed row from (id, input_ids, labels) segments; label -100 at every segment start."""
    input_ids = list(chain.from_iterable(s[1] for s in samples))
    labels: list[int] = []
    for _, _, seg_labels in samples:
        labels.append(IGNORE)
        labels.extend(seg_labels[1:])
    lengths = [len(s[1]) for s in samples]
    return {
        "input_ids": input_ids,
        "labels": labels,
        "position_ids": list(chain.from_iterable(range(n) for n in lengths))
        if reset
        else list(range(len(input_ids))),
        "seq_lengths": lengths if reset else [len(input_ids)],
        "ids": [s[0] for s in samples],
    }


def plan_sft(lengths: Sequence[int], keys: Sequence[str], max_length: int) -> list[list[int]]:
    """Which rows (indices) go into each packed row: best-fit-decreasing on lengths alone, so a
    run can plan its packing without holding any token (ties broken by key, then index)."""
    for n, key in zip(lengths, keys, strict=True):
        if not 0 < n <= max_length:
            raise UserError(
                f"pack: row {key!r} has {n} tokens, outside 1..max_length={max_length} "
                "(render truncates to render.max_length; keep pack.max_length >= it)"
            )
    return best_fit_decreasing(lengths, max_length, keys)


def join_sft(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One packed row from rendered SFT rows (a bin of `plan_sft`)."""
    for row in rows:
        if len(row["input_ids"]) != len(row["labels"]):
            raise UserError(
                f"pack: row {row.get('id')!r} has {len(row['input_ids'])} input_ids but "
                f"{len(row['labels'])} labels"
            )
    return _join([(str(r.get("id", "")), r["input_ids"], r["labels"]) for r in rows])


def pack_sft(rows: Sequence[dict[str, Any]], max_length: int) -> list[dict[str, Any]]:
    """Rendered SFT rows packed best-fit-decreasing into rows of at most `max_length` tokens."""
    lengths = [len(row["input_ids"]) for row in rows]
    keys = [str(row.get("id", "")) for row in rows]
    return [join_sft([rows[i] for i in b]) for b in plan_sft(lengths, keys, max_length)]


Segment = tuple[int, int, int]  # (row index, start, end): a piece of one document's tokens


def plan_pretrain(lengths: Iterable[int], block_size: int) -> Iterator[list[Segment]]:
    """Documents joined in order and cut into `block_size` blocks, as pieces of rows (streaming;
    the last block may be shorter, so no token is dropped)."""
    block: list[Segment] = []
    filled = 0
    for i, n in enumerate(lengths):
        offset = 0
        while offset < n:
            take = min(block_size - filled, n - offset)
            block.append((i, offset, offset + take))
            filled += take
            offset += take
            if filled == block_size:
                yield block
                block, filled = [], 0
    if block:
        yield block


def join_pretrain(
    pieces: Sequence[tuple[str, Sequence[int]]], reset_position_ids: bool
) -> dict[str, Any]:
    """One pretraining block from (document id, token piece) pairs.

    With `reset_position_ids`, positions restart at each document (block-diagonal attention) and a
    document's first token is not a target; without it a block is one causal sequence, labels =
    input_ids, positions 0..block_size-1.
    """
    segments = [(key, list(ids), list(ids)) for key, ids in pieces]
    if reset_position_ids:
        return _join(segments)
    row = _join(segments, reset=False)
    row["labels"] = list(row["input_ids"])
    return row


def pack_pretrain(
    rows: Iterable[dict[str, Any]], block_size: int, reset_position_ids: bool
) -> list[dict[str, Any]]:
    """Documents joined in order and cut into `block_size` blocks (see `plan_pretrain`)."""
    rows = list(rows)
    for row in rows:
        if not row["input_ids"]:
            raise UserError(f"pack: document {row.get('id')!r} has no tokens")
    return [
        join_pretrain(
            [(str(rows[i].get("id", "")), rows[i]["input_ids"][a:b]) for i, a, b in block],
            reset_position_ids,
        )
        for block in plan_pretrain((len(r["input_ids"]) for r in rows), block_size)
    ]


def packing_efficiency(packed: Sequence[dict[str, Any]], max_length: int) -> float:
    """Real tokens over slots (rows x max_length); 0.0 for no rows."""
    if not packed:
        return 0.0
    return sum(len(row["input_ids"]) for row in packed) / (len(packed) * max_length)
