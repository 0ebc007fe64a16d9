"""Split token rows by dialog, describe them, and write the Parquet shard set with its manifest.

The split is decided per dialog id by a seeded hash, so it does not depend on row order or
thread count, and a dialog never lands in both splits. Shards are written into a hidden folder next
to the output and renamed into place at the end, `manifest.json` last: a crash leaves either the
old complete set or no set, never a half-written one that looks complete; a crash between the
swap's two renames is settled by the next reader or writer (`settle`), so no complete set is
lost. Writer options are pinned so the same rows give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.rows import arrow_table, n_supervised, shard_row_schema

SPLITS = ("train", "validation")
PROVENANCE = "provenance.jsonl"  # sidecar: one line per sample, id -> where it came from
CONVERT_ROWS = 256  # rows turned from Python lists into Arrow arrays at once

# Pinned so identical rows give identical bytes (pyarrow writes no timestamps; the `created_by`
# string carries the pyarrow version, which the manifest records too).
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": False,
    "write_statistics": False,
    "version": "2.6",
    "data_page_version": "1.0",
    "write_page_index": False,
    "store_schema": True,
}


def _score(seed: int, dialog_id: str) -> bytes:
    return hashlib.sha256(f"{seed}\x00{dialog_id}".encode()).digest()


def validation_ids(ids: Iterable[str], validation: float, seed: int) -> set[str]:
    """The dialog ids held out for validation: the `round(n * validation)` distinct ids with the
    smallest seeded hash (at least one when validation > 0 and there are two or more dialogs,
    never all of them). Needs ids only, so a run decides the split without holding any token."""
    ordered = sorted(set(ids), key=lambda i: (_score(seed, i), i))
    k = round(len(ordered) * validation)
    if validation > 0 and len(ordered) >= 2:
        k = min(max(k, 1), len(ordered) - 1)
    return set(ordered[:k])


def split_rows(
    rows: Sequence[dict[str, Any]], validation: float, seed: int
) -> dict[str, list[dict[str, Any]]]:
    """Rows into train/validation by dialog id (before packing); input order kept inside each split.
    Rows that share an id stay together (see `validation_ids`)."""
    held_out = validation_ids((str(r["id"]) for r in rows), validation, seed)
    splits: dict[str, list[dict[str, Any]]] = {"train": [], "validation": []}
    for row in rows:
        splits["validation" if str(row["id"]) in held_out else "train"].append(row)
    return splits


def _percentile(ordered: Sequence[int], q: float) -> int:
    """Nearest-rank percentile of sorted ints: an actual row length, not an interpolated one."""
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def token_stats(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Length statistics of token rows: count, tokens, supervised, mean, p50, p95, max."""
    lengths: list[int] = []
    supervised = 0
    for row in rows:
        lengths.append(int(row.get("n_tokens", len(row["input_ids"]))))
        supervised += n_supervised(row)
    return length_stats(lengths, supervised)


def length_stats(lengths: Iterable[int], supervised: int) -> dict[str, Any]:
    """`token_stats` from row lengths and the supervised total alone."""
    ordered = sorted(int(n) for n in lengths)
    if not ordered:
        return {"count": 0, "tokens": 0, "supervised": 0, "mean": 0.0, "p50": 0, "p95": 0, "max": 0}
    return {
        "count": len(ordered),
        "tokens": sum(ordered),
        "supervised": int(supervised),
        "mean": sum(ordered) / len(ordered),
        "p50": _percentile(ordered, 0.50),
        "p95": _percentile(ordered, 0.95),
        "max": ordered[-1],
    }


def shard_row(row: dict[str, Any]) -> dict[str, Any]:
    """A packed row as is, or an unpacked render row as a one-sample packed row (one schema for all)."""
    n = len(row["input_ids"])
    labels = row.get("labels")
    return {
        "input_ids": row["input_ids"],
        "labels": row["input_ids"] if labels is None else labels,
        "position_ids": row.get("position_ids") or list(range(n)),
        "seq_lengths": row.get("seq_lengths") or [n],
        "ids": row.get("ids") or [str(row.get("id", ""))],
    }


def provenance_lines(splits: Mapping[str, Iterable[dict[str, Any]]]) -> Iterable[str]:
    """One JSON line per (unpacked) sample: split, id, source, source_name, tokens, supervised.
    Entries are token rows or just their metadata (id, source, source_name, n_tokens, ...)."""
    for split, rows in splits.items():
        for row in rows:
            entry = {
                "split": split,
                "id": str(row.get("id", "")),
                "source": row.get("source", ""),
                "source_name": row.get("source_name", ""),
                "n_tokens": int(row["n_tokens"] if "n_tokens" in row else len(row["input_ids"])),
                "n_supervised": n_supervised(row),
            }
            yield json.dumps(entry, ensure_ascii=False) + "\n"


def _write_table(
    entries: Sequence[Any],
    path: Path,
    load: Callable[[Sequence[Any]], Sequence[dict[str, Any]]] | None,
) -> None:
    """One shard file. Rows become Arrow arrays CONVERT_ROWS at a time: as Python lists a full
    shard of packed rows would take several hundred MB (one object per token)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = shard_row_schema()
    parts = []
    for i in range(0, len(entries), CONVERT_ROWS):
        part = entries[i : i + CONVERT_ROWS]
        rows = load(part) if load is not None else part
        parts.append(arrow_table([shard_row(r) for r in rows], schema))
    table = pa.concat_tables(parts).combine_chunks() if parts else schema.empty_table()
    del parts
    pq.write_table(table, path, row_group_size=max(len(entries), 1), **PARQUET_OPTIONS)
    _fsync(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _partial(out_dir: Path) -> Path:
    return out_dir.with_name(f".{out_dir.name}.partial")


def _old(out_dir: Path) -> Path:
    return out_dir.with_name(f".{out_dir.name}.old")


def settle(out_dir: Path) -> None:
    """Finish a swap a crash cut between its two renames (the output is then missing): the new set
    if its manifest was written (it is written last), else the previous set. Readers call this."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        return
    for candidate in (_partial(out_dir), _old(out_dir)):
        if (candidate / "manifest.json").is_file():
            os.replace(candidate, out_dir)
            return


def write_shards(
    out_dir: Path,
    splits: Mapping[str, Sequence[dict[str, Any]]],
    manifest: dict[str, Any],
    max_rows_per_shard: int,
    extra_files: Mapping[str, Path] | None = None,
    provenance: Mapping[str, Iterable[dict[str, Any]]] | None = None,
    load: Callable[[Sequence[Any]], Sequence[dict[str, Any]]] | None = None,
) -> Path:
    """Write `<split>-NNNNN-of-MMMMM.parquet` shards and `manifest.json` into `out_dir`, atomically.

    A split's entries are rows, or plans of rows that `load` turns into rows one shard at a time
    (so a run never holds more token rows than one shard's).

    `extra_files` (name -> existing file, e.g. the rejects JSONL) are moved inside before the
    manifest so they arrive with the set. The manifest gets a `shards` entry: per split, its rows
    and files with their row counts and sha256. Empty splits get no files. `provenance` (the
    unpacked rows per split) writes the `provenance.jsonl` sidecar in the same swap.
    """
    from rich.console import Console
    from rich.progress import Progress

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: exists and is not a folder")
    if max_rows_per_shard <= 0:
        raise UserError(f"output.max_rows_per_shard must be > 0 (got {max_rows_per_shard})")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    settle(out_dir)
    tmp, old = _partial(out_dir), _old(out_dir)
    for leftover in (tmp, old):  # from a run that crashed; never looks complete
        if leftover.exists():
            shutil.rmtree(leftover)
    tmp.mkdir()

    shards: dict[str, Any] = {}
    total = sum(math.ceil(len(rows) / max_rows_per_shard) for rows in splits.values())
    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(f"write shards -> {out_dir}", total=total)
        for split, rows in splits.items():
            n = math.ceil(len(rows) / max_rows_per_shard)
            files = []
            for i in range(n):
                chunk = rows[i * max_rows_per_shard : (i + 1) * max_rows_per_shard]
                name = f"{split}-{i:05d}-of-{n:05d}.parquet"
                _write_table(chunk, tmp / name, load)
                files.append({"name": name, "rows": len(chunk), "sha256": _sha256(tmp / name)})
                progress.advance(task)
            shards[split] = {"rows": len(rows), "files": files}
    for name, src in (extra_files or {}).items():
        shutil.move(str(src), tmp / name)
    body = {**manifest, "shards": shards}
    if provenance is not None:
        with (tmp / PROVENANCE).open("w", encoding="utf-8") as fh:
            fh.writelines(provenance_lines(provenance))
        _fsync(tmp / PROVENANCE)
        body["provenance"] = PROVENANCE
    (tmp / "manifest.json").write_text(
        json.dumps(body, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8"
    )
    _fsync(tmp / "manifest.json")

    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    if old.exists():
        shutil.rmtree(old)
    return out_dir
