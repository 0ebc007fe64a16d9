"""Byte ranges of one large SQL dump, cut where a statement starts, so workers can read one each.

A cut must be exact: reading the ranges one after another has to give the records, rejects and
counts the whole dump gives, with the same provenance (`dump.sql:stmt N row M`, from which ids are
made). A statement start can only be told from a quote, comment or dollar-quoted body by reading
everything before it, and a range needs what the scan knew there: the statement count, the
literal rules in force (`SET standard_conforming_strings` may switch them) and the tables' columns
from their CREATE TABLE. So the cuts come from the scanner itself, run once over the dump in the
driver without decoding a row (`_Checkpoints`), noting at the first statement start past each
`size` bytes its byte offset and its `Resume` state. (A run of one-row INSERTs is matched up to
the end of the scanner's 1 MB buffer at a time, so cuts fall at most that far past `size`.)

Only UTF-8 (or ASCII) dumps without a BOM are cut, where a text position maps back to a byte
offset by encoding the text again; other codecs, compressed dumps, dumps of SQL Server, tables
without a CREATE TABLE before their rows, tables missing the layout's columns and the long layout
(a conversation's rows may lie anywhere in the table) are read whole.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import SqlSource
from pipeline.extract.encoding import Decoding
from pipeline.extract.files import COMPRESSED
from pipeline.extract.sql.ddl import norm_name
from pipeline.extract.sql.decoding import DecodedReader, dump_encoding
from pipeline.extract.sql.scanner import DumpScanner, Resume

_CUTTABLE = {"utf-8", "ascii"}  # codecs.lookup names; a text position re-encodes to its bytes


@dataclass(frozen=True)
class DumpRange:
    """Bytes [start, end) of a dump: whole statements, read on from `resume`. Carries the file's
    decoding and the first column list of the table read (the whole-file header)."""

    start: int
    end: int
    resume: Resume | None  # None for the first range: read from the top
    decoding: Decoding
    header: tuple[str, ...]


class _Checkpoints(DumpScanner):
    """A scan that decodes no row and notes (byte offset, state) at the first statement start
    past every `size` bytes, and the first column list of table `want`."""

    def __init__(self, fh: DecodedReader, encoding: str, size: int, want: str) -> None:
        self.encoding, self.size, self.target = encoding, size, want
        self.bytes = 0  # byte offset of buf[counted]: each character is encoded once, in order
        self.counted = 0
        self.cuts: list[tuple[int, Resume]] = []
        self.header: tuple[str, ...] | None = None
        super().__init__(fh, lambda table: False)

    def _count_to(self, pos: int) -> None:
        if pos > self.counted:
            self.bytes += len(self.buf[self.counted : pos].encode(self.encoding, "surrogateescape"))
            self.counted = pos

    def _fill(self) -> bool:
        pos = self.pos
        self._count_to(pos)  # the text before `pos` is about to be dropped
        if not super()._fill():
            return False
        self.counted -= pos  # the buffer now starts at the old `pos`
        return True

    def _at_statement(self) -> None:
        if self.header is None and self.target in self.tables:
            self.header = tuple(self.tables[self.target][0])
        self._count_to(self.pos)
        if self.bytes - (self.cuts[-1][0] if self.cuts else 0) >= self.size:
            self.cuts.append((self.bytes, self.resume_state()))


def dump_ranges(path: Path, src: SqlSource, size: int | None = None) -> list[DumpRange] | None:
    """The dump cut at statement starts into ranges of about `size` bytes (default
    RANGE_BYTES, as CSV files), or None when it is small or cannot be cut exactly (see the
    module doc)."""
    from pipeline.extract import ranges
    from pipeline.extract.rows import MissingColumns, plan_columns
    from pipeline.extract.sql.dump import NOT_A_DUMP

    size = size or ranges.RANGE_BYTES
    total = path.stat().st_size
    if src.layout == "long" or total <= size or path.suffix.lower() in COMPRESSED:
        return None
    with path.open("rb") as raw:
        head = raw.read(1 << 16)
        decoding = dump_encoding(head, src.encoding)
        if (
            any(head.startswith(p) for p in NOT_A_DUMP)
            or codecs.lookup(decoding.encoding).name not in _CUTTABLE
            or head.startswith(codecs.BOM_UTF8)
        ):
            return None
        raw.seek(0)
        want = norm_name(src.table or "")
        scan = _Checkpoints(DecodedReader(raw, decoding.encoding), decoding.encoding, size, want)
        if scan.dialect.name == "mssql":
            return None
        for _ in scan.events():
            pass
    if not scan.cuts or scan.header is None or scan.cuts[0][1].stmt == 0:
        return None
    try:
        plan_columns(list(scan.header), src)
    except MissingColumns:
        return None  # one table-level Reject from the whole-file reader, not one per range
    starts = [(0, None), *scan.cuts]
    ends = [at for at, _ in scan.cuts] + [total]
    return [
        DumpRange(a, b, state, decoding, scan.header)
        for (a, state), b in zip(starts, ends, strict=True)
    ]
