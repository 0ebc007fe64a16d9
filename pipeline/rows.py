"""The token-row contract, defined once: the ignore index, the rendered row and the shard row.

Render writes `TokenRow`s, the spill files and `rawtune render` store them with `TOKEN_ROW_SCHEMA`;
packing turns them into `ShardRow`s, which the shards store with `SHARD_ROW_SCHEMA` and inspect and
the collators read. Importing this module does not import pyarrow (the trainer's collators use it).
"""

from __future__ import annotations

from typing import Any, TypedDict

# The label that no loss is taken on (PyTorch's CrossEntropyLoss ignore_index, which HF models use).
IGNORE = -100


class _TokenRowRequired(TypedDict):
    id: str
    input_ids: list[int]


class TokenRow(_TokenRowRequired, total=False):
    """One rendered record: a dialog (with labels) or a document (labels absent: all trained)."""

    source: str
    source_name: str
    labels: list[int]
    n_tokens: int
    n_supervised: int


class ShardRow(TypedDict):
    """One row of a shard: samples packed together (or one sample alone), never attending across."""

    input_ids: list[int]
    labels: list[int]
    position_ids: list[int]
    seq_lengths: list[int]  # the attention segments, in order
    ids: list[str]  # the record id of each segment


def token_row_schema() -> Any:  # -> pyarrow.Schema
    """Arrow schema of rendered token rows (`rawtune render` output and prepare's spill files)."""
    import pyarrow as pa

    return pa.schema(
        [
            ("id", pa.string()),
            ("source", pa.string()),
            ("source_name", pa.string()),
            ("input_ids", pa.list_(pa.int32())),
            ("labels", pa.list_(pa.int32())),
            ("n_tokens", pa.int32()),
            ("n_supervised", pa.int32()),
        ]
    )


def shard_row_schema() -> Any:  # -> pyarrow.Schema
    """Arrow schema of shard rows (see `ShardRow`)."""
    import pyarrow as pa

    return pa.schema(
        [
            ("input_ids", pa.list_(pa.int32())),
            ("labels", pa.list_(pa.int32())),
            ("position_ids", pa.list_(pa.int32())),
            ("seq_lengths", pa.list_(pa.int32())),
            ("ids", pa.list_(pa.string())),
        ]
    )


def n_supervised(row: dict[str, Any]) -> int:
    """Trained tokens of a row: its count if stored, else the labels that are not IGNORE."""
    if "n_supervised" in row and row["n_supervised"] is not None:
        return int(row["n_supervised"])
    labels = row.get("labels")
    return len(row["input_ids"]) if labels is None else sum(x != IGNORE for x in labels)
