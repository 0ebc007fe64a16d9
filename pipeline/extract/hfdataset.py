"""Hugging Face `datasets` on local disk -> records: a `save_to_disk` folder, or data files
(JSON/JSONL, Parquet, CSV, a folder of them) read by `datasets.load_dataset` as a stream.

Streaming keeps memory flat and writes no Arrow cache; nothing is fetched from the hub (a path that
is not on disk is a config error). Rows are mapped by the source's `format`
(pipeline/extract/shapes.py); provenance `path:row N`, N the row's index in the split. Errors
raised by `datasets` or pyarrow while loading or reading (a malformed file) end the source with one
`unreadable` Reject at the row where they happened; rows before it are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.config import HfSource
from pipeline.errors import UserError
from pipeline.extract.shapes import Shape, to_record
from pipeline.extract.units import Tally
from pipeline.records import Dialog, Document

BUILDERS = {".json": "json", ".jsonl": "json", ".parquet": "parquet", ".csv": "csv", ".tsv": "csv"}


def _library_errors() -> tuple[type[BaseException], ...]:
    """What `datasets` and pyarrow raise for bad files (our own code's errors are not in it)."""
    import pyarrow as pa
    from datasets.exceptions import DatasetsError

    return (OSError, ValueError, DatasetsError, pa.ArrowException)


def _builder(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".bz2", ".xz", ".zst")]
    if suffixes and suffixes[-1] in BUILDERS:
        return BUILDERS[suffixes[-1]]
    raise UserError(f"{path}: cannot tell the file type; set `builder:` (json, parquet, csv)")


def load(src: HfSource, base: Path) -> Iterable[dict[str, Any]]:
    """The split's rows: load_from_disk for a saved dataset, else load_dataset(streaming=True)."""
    import datasets

    # load_dataset of local files still sends a download-count HEAD request to the hub's S3
    # bucket (datasets.load.increase_load_count); a local read needs no network, so it is off.
    datasets.config.HF_UPDATE_DOWNLOAD_COUNTS = False
    if (base / "state.json").is_file() or (base / "dataset_dict.json").is_file():
        ds = datasets.load_from_disk(str(base))
        if isinstance(ds, datasets.DatasetDict):
            if src.split not in ds:
                raise UserError(f"{src.path}: no split {src.split!r} (has: {', '.join(ds)})")
            ds = ds[src.split]
        return ds
    extra = {"encoding": src.encoding} if src.encoding else {}  # json and csv builders take it
    if base.is_dir():
        return datasets.load_dataset(
            src.builder or str(base),
            data_dir=str(base) if src.builder else None,
            split=src.split,
            streaming=True,
            **extra,
        )
    builder = src.builder or _builder(base)
    return datasets.load_dataset(
        builder, data_files={src.split: str(base)}, split=src.split, streaming=True, **extra
    )


def extract_hf(
    src: HfSource, tally: Tally, root: Path = Path("."), name: str | None = None
) -> Iterator[Dialog | Document]:
    """Every row of the source's split, in order."""
    name = name or src.name or src.path
    base = root / src.path
    if not base.exists():
        raise UserError(f"source path not found: {base}")
    errors = _library_errors()
    method = "forced" if src.encoding else "format"
    tally.note_file(src.path, {"split": src.split, "encoding": src.encoding or "utf-8",
                               "method": method, "confidence": 1.0})  # fmt: skip
    shape = Shape.of(src)
    n = 0
    try:
        rows = iter(load(src, base))
    except errors as e:
        tally.reject("unreadable", src.path, detail=f"{type(e).__name__}: {e}"[:500])
        return
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except errors as e:
            tally.reject(
                "unreadable", f"{src.path}:row {n}", detail=f"{type(e).__name__}: {e}"[:500]
            )
            return
        record = to_record(shape, row, f"{src.path}:row {n}", name, tally)
        n += 1
        if record is not None:
            yield record
    tally.note_file(src.path, {"rows": n})
