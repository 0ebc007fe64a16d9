"""Parquet files -> records, read in row batches with pyarrow so memory stays flat.

Each row is a dict (list and struct columns become lists and dicts), mapped by the source's
`format` (pipeline/extract/shapes.py). Provenance `file:row N`, N counting from 0 as
`datasets`/pandas index rows. Parquet strings are UTF-8 by the format, so there is no encoding
to choose; a file pyarrow cannot read is one `unreadable` Reject.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.config import ParquetSource
from pipeline.extract.files import COMPRESSED, read_bytes
from pipeline.extract.shapes import Shape, to_record
from pipeline.extract.units import Tally
from pipeline.records import Dialog, Document


def _open(path: Path):  # -> pyarrow.parquet.ParquetFile
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.suffix.lower() in COMPRESSED:  # Parquet needs seeking: a gzipped one is read whole
        return pq.ParquetFile(pa.BufferReader(read_bytes(path)))
    return pq.ParquetFile(path)


def parquet_file(
    path: Path, display: str, src: ParquetSource, tally: Tally, name: str
) -> Iterator[Dialog | Document]:
    """Records of one Parquet file, batch by batch."""
    pf = _open(path)
    facts = {"rows": pf.metadata.num_rows, "columns": pf.schema_arrow.names}
    tally.note_file(display, {"encoding": "utf-8", "method": "format", "confidence": 1.0, **facts})
    shape = Shape.of(src)
    n = 0
    for batch in pf.iter_batches(batch_size=src.batch_size):
        for row in batch.to_pylist():
            record = to_record(shape, row, f"{display}:row {n}", name, tally)
            n += 1
            if record is not None:
                yield record
