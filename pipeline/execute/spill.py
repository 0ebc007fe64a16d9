"""What workers hand each other through disk: record spills (JSONL) and token-row spills (Arrow).

Records between the per-record steps and the global ones are one JSONL file per input shard, read
back by line range. Token rows are Arrow IPC files written in small record batches, so a row is
fetched by (file, row) reading one batch, never the whole file: packing and shard writing load one
output shard's rows at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from pipeline.records import Dialog, Document, record_from_dict
from pipeline.rows import arrow_table, n_supervised, token_row_schema

ROW_BATCH = 256  # rows per Arrow record batch in a row spill (the unit a fetch reads)


def records_path(work: Path, shard: int) -> Path:
    return work / f"records-{shard:05d}.jsonl"


def rows_path(work: Path, chunk: int) -> Path:
    return work / f"rows-{chunk:05d}.arrow"


def read_records(path: Path, start: int = 0, end: int | None = None) -> Iterator[Dialog | Document]:
    """Records at lines [start, end) of a record spill."""
    import json

    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if end is not None and i >= end:
                break
            if i >= start:
                yield record_from_dict(json.loads(line))


class RowWriter:
    """Appends token rows to an Arrow IPC file in batches of ROW_BATCH."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa

        self.schema = token_row_schema()
        self._sink: IO[bytes] = path.open("wb")
        self._writer = pa.ipc.new_file(self._sink, self.schema)
        self._pending: list[dict[str, Any]] = []

    def write(self, row: dict[str, Any]) -> dict[str, Any]:
        """Append one row; returns it as stored (with `n_tokens` and `n_supervised`)."""
        stored = {
            "id": str(row["id"]),
            "source": row.get("source", ""),
            "source_name": row.get("source_name", ""),
            "input_ids": row["input_ids"],
            "labels": row.get("labels"),
            "n_tokens": len(row["input_ids"]),
            "n_supervised": n_supervised(row),
        }
        self._pending.append(stored)
        if len(self._pending) >= ROW_BATCH:
            self._flush()
        return stored

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(arrow_table(self._pending, self.schema))
            self._pending = []

    def close(self) -> None:
        self._flush()
        self._writer.close()
        self._sink.close()


class RowStore:
    """Fetches token rows by (chunk, row) from the row spills of one run."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self._readers: dict[int, Any] = {}
        self._files: list[Any] = []

    def _reader(self, chunk: int) -> Any:
        import pyarrow as pa

        if chunk not in self._readers:
            # a plain file, not a memory map: only the batches read count toward memory
            f = pa.OSFile(str(rows_path(self.work, chunk)))
            self._files.append(f)
            self._readers[chunk] = pa.ipc.open_file(f)
        return self._readers[chunk]

    def close(self) -> None:
        for f in self._files:
            f.close()
        self._files, self._readers = [], {}

    def fetch(self, refs: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
        """The rows at `refs`, in the order asked; each record batch involved is read once."""
        by_batch: dict[tuple[int, int], list[int]] = {}
        for pos, (chunk, row) in enumerate(refs):
            by_batch.setdefault((chunk, row // ROW_BATCH), []).append(pos)
        out: list[dict[str, Any]] = [{}] * len(refs)
        for (chunk, b), positions in sorted(by_batch.items()):
            batch = self._reader(chunk).get_batch(b)
            taken = batch.take([refs[p][1] % ROW_BATCH for p in positions]).to_pylist()
            for p, row in zip(positions, taken, strict=True):
                out[p] = row
        return out
