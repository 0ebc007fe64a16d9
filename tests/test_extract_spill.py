"""Long-layout grouping gives the same conversations whether it stays in memory or spills to disk."""

from __future__ import annotations

import random

import pytest

from pipeline.extract.rows import _turn_key
from pipeline.extract.spill import Conversations


def rows(seed: int, in_order: bool) -> list[tuple[str, tuple, str, str, str]]:
    """(cid, key, role, content, loc) rows with numeric, text and missing turn values, CJK and
    surrogate-escaped text, conversations interleaved unless `in_order`."""
    rng = random.Random(seed)
    out = []
    for c in range(40):
        turns = rng.choice([[str(t) for t in range(rng.randint(1, 6))], ["b", "a", "10", "9"],
                            [None, None, "2"], ["1.5", "-1", "1e1"]])  # fmt: skip
        for t in turns:
            text = rng.choice(["hello", "数据 清洗", "raw \udcff byte", "x" * rng.randint(0, 300)])
            out.append((f"c{c}", t, rng.choice(["user", "assistant"]), text))
    if not in_order:
        rng.shuffle(out)
    return [(cid, _turn_key(t, seq), role, text, f"loc{seq}")
            for seq, (cid, t, role, text) in enumerate(out)]  # fmt: skip


def grouped(data, spill_chars: int) -> list[tuple[str, list[tuple]]]:
    """Conversations with each turn's whole (key, role, text, location): the key too, since the
    row order in it (key[2]) lists a dialog's rows in file order."""
    convs = Conversations(spill_chars)
    for row in data:
        convs.add(*row)
    out = [(cid, list(turns)) for cid, turns in convs]
    assert (convs.file is not None) == (spill_chars < sum(len(r[3]) for r in data))
    return out


@pytest.mark.parametrize("in_order", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_spilled_groups_equal_in_memory_groups(seed, in_order):
    data = rows(seed, in_order)
    in_memory = grouped(data, 1 << 40)
    assert [cid for cid, _ in in_memory] == list(dict.fromkeys(r[0] for r in data))
    for spill_chars in (0, 500, 5000):
        assert grouped(data, spill_chars) == in_memory, spill_chars


def test_turns_sort_by_number_then_text_then_row_order():
    data = [("c", _turn_key(t, seq), "user", t or "-", f"r{seq}")
            for seq, t in enumerate(["10", "b", "9", None, "a", "9"])]  # fmt: skip
    for spill_chars in (1 << 40, 0):
        ((_, turns),) = list(_fill(data, spill_chars))
        assert [text for _, _, text, _ in turns] == ["9", "9", "10", "a", "b", "-"]
        assert [loc for _, _, _, loc in turns][:2] == ["r2", "r5"]


def _fill(data, spill_chars: int) -> Conversations:
    convs = Conversations(spill_chars)
    for row in data:
        convs.add(*row)
    return convs
