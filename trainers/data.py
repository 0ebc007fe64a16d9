"""The prepared shards as the trainer sees them: splits, per-sample views of packed rows, token counts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.rows import IGNORE


def load_manifest(processed_dir: Path) -> dict[str, Any]:
    """The prepared dir's manifest.json, or a one-line error saying how to make it."""
    from pipeline.shards import settle

    settle(processed_dir)
    path = processed_dir / "manifest.json"
    if not path.is_file():
        raise UserError(
            f"{processed_dir}: no prepared shards (manifest.json missing); run `make prepare`"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def load_shards(processed_dir: Path) -> dict[str, Any]:
    """The train/validation splits of a prepared dir as `datasets.Dataset`s (validation may be absent)."""
    import datasets

    # local Parquet needs no network; without this load_dataset sends a download-count request
    datasets.config.HF_UPDATE_DOWNLOAD_COUNTS = False
    load_manifest(processed_dir)
    files = {
        split: sorted(str(p) for p in processed_dir.glob(f"{split}-*.parquet"))
        for split in ("train", "validation")
    }
    files = {k: v for k, v in files.items() if v}
    if "train" not in files:
        raise UserError(f"{processed_dir}: no train shards")
    return dict(datasets.load_dataset("parquet", data_files=files))


@dataclass(frozen=True)
class Sample:
    """One dialog inside a packed row: its id, tokens and labels."""

    id: str
    input_ids: list[int]
    labels: list[int]

    def first_answer(self) -> tuple[list[int], list[int]] | None:
        """(prompt ids up to the first trained token, the ids of that first trained run), if any."""
        start = next((i for i, lab in enumerate(self.labels) if lab != IGNORE), None)
        if start is None:
            return None
        end = next(
            (i for i in range(start, len(self.labels)) if self.labels[i] == IGNORE),
            len(self.labels),
        )
        return self.input_ids[:start], self.input_ids[start:end]


def samples(rows: Any) -> Iterator[Sample]:
    """Split packed rows back into their samples by seq_lengths (a plain row is one sample)."""
    for n, row in enumerate(rows):
        ids = row["input_ids"]
        lengths = list(row.get("seq_lengths") or [len(ids)])
        names = list(row.get("ids") or [f"row{n}.{i}" for i in range(len(lengths))])
        for name, start, length in zip(names, accumulate([0, *lengths[:-1]]), lengths, strict=True):
            yield Sample(
                name, list(ids[start : start + length]), list(row["labels"][start : start + length])
            )
