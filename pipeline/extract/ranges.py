"""Byte ranges of one large CSV file, cut only where a row starts, so workers can read one each.

A cut must be exact: reading the ranges one after another has to give the records the whole file
gives, with the same line numbers (they are the provenance, and the ids are made from it). So the
cuts come from the csv module itself (the parser under pandas' python engine that csv.py uses),
run over the file's lines once: after each row it returns, the bytes consumed so far end exactly
at a row boundary, however many newlines its quoted fields hold. A quote-parity guess would be
wrong after the first unbalanced quote, which csv.py recovers from line by line. A file is left
whole when it cannot be cut exactly: compressed, an encoding in which a byte 0x0A or 0x22 can be
part of another character (UTF-16/32) or that keeps a shift state (ISO-2022), a row the csv
module rejects in strict mode, i.e. any quote out of place (csv.py then replays rows one at a time, and a lone carriage return outside quotes
is one of those), or a file whose first row is blank.

Only layouts in which one row makes one record are cut: the long layout groups a conversation's
rows wherever they are in the table (rows need not be adjacent), so a range cannot assemble a
conversation alone; such files stay whole units.

SQL dumps are cut by their own scanner (pipeline/extract/sql/ranges.py), which is the only
reader careful enough to tell a statement start from text inside a string.

Cutting costs one pass of the C csv parser over the file in the driver (86 MiB/s measured on a
72 MiB ShareGPT export, codec check included), about 1% of what extracting and cleaning its rows
costs in the workers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from pipeline.config import CsvSource
from pipeline.extract.encoding import Decoding
from pipeline.extract.files import COMPRESSED

RANGE_BYTES = 32 << 20  # a CSV file above this is cut into ranges of about this size
# codecs whose bytes 0x0A and 0x22 are always a newline and a quote (never a trail byte) and
# that keep no shift state, so decoding can start at any line
_CUTTABLE = re.compile(
    r"^(?:utf[-_]8(?:[-_]sig)?|ascii|latin[-_]1|iso8859[-_]\d+|cp\d+|mac[-_]\w+|koi8[-_]\w|"
    r"gb18030|gbk|gb2312|big5(?:hkscs)?|shift[-_]jis|euc[-_]\w+)$"
)


@dataclass(frozen=True)
class CsvRange:
    """Bytes [start, end) of a CSV file: whole rows, the first on physical line `line`. Carries
    what the whole-file reader decides from the file's head (codec, delimiter)."""

    start: int
    end: int
    line: int
    decoding: Decoding
    delimiter: str


class _Slice(io.RawIOBase):
    """Bytes [start, end) of a file, as a file that ends at `end`."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        self._fh = path.open("rb")
        self._fh.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer)[: self._left]
        n = self._fh.readinto(view)
        self._left -= n
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_byte_range(path: Path, start: int, end: int) -> BinaryIO:
    """Bytes [start, end) of a file, as a binary file."""
    return io.BufferedReader(_Slice(path, start, end))


def open_range(path: Path, encoding: str, span: CsvRange) -> TextIO:
    """The text of one range, newlines untranslated (as files.open_text gives a whole file)."""
    return io.TextIOWrapper(
        open_byte_range(path, span.start, span.end), encoding=encoding, newline=""
    )


def cuttable(path: Path, encoding: str) -> bool:
    """Whether a file can be read from a line start on: uncompressed, a stateless codec in which
    newline and quote bytes are never part of another character."""
    if path.suffix.lower() in COMPRESSED:
        return False
    return bool(_CUTTABLE.match(codecs.lookup(encoding).name))


def _lines(fh: BinaryIO, encoding: str, at: list[int]) -> Iterator[str]:
    """The file's lines decoded one by one; `at` holds [bytes consumed, lines consumed]."""
    for raw in fh:
        at[0] += len(raw)
        at[1] += 1
        yield raw.decode(encoding)


def csv_ranges(
    path: Path, decoding: Decoding, delimiter: str, size: int = RANGE_BYTES
) -> list[CsvRange] | None:
    """The file cut at row boundaries into ranges of about `size` bytes (the header stays with
    the first), or None when it is small or cannot be cut exactly (see the module doc)."""
    total = path.stat().st_size
    if total <= size or not cuttable(path, decoding.encoding):
        return None
    encoding = "utf-8" if decoding.encoding == "utf-8-sig" else decoding.encoding
    csv.field_size_limit(2**31 - 1)  # as csv.py: long answers are normal
    cuts = [(0, 1)]  # (byte offset, physical line) where each range starts
    at = [0, 0]
    with path.open("rb") as fh:
        # strict: a quote irregularity (which csv.py recovers from line by line) is an error here
        reader = csv.reader(_lines(fh, encoding, at), delimiter=delimiter, strict=True)
        try:
            if not next(reader, None):
                return None  # no header: csv.py rejects the file as one unit
            for _ in reader:
                if at[0] - cuts[-1][0] >= size and at[0] < total:
                    cuts.append((at[0], at[1] + 1))
        except (csv.Error, UnicodeDecodeError):
            return None
    bounds = [*cuts, (total, at[1] + 1)]
    return [
        CsvRange(a, b, line, decoding, delimiter)
        for (a, line), (b, _) in zip(bounds, bounds[1:], strict=False)
    ]


def csv_file_ranges(path: Path, src: CsvSource, size: int | None = None) -> list[CsvRange] | None:
    """`csv_ranges` of one file of a source, with the codec and delimiter csv.py would choose;
    None (read it whole) for a small file, the long layout, a file that does not decode, or a
    header without the layout's columns (one table-level Reject, not one per range)."""
    from pipeline.extract.csv import sniff_delimiter, unique_names
    from pipeline.extract.encoding import Undecodable, choose_file_encoding
    from pipeline.extract.rows import MissingColumns, plan_columns

    size = size or RANGE_BYTES
    if src.layout == "long" or path.stat().st_size <= size:
        return None
    try:
        decoding = choose_file_encoding(path, src.encoding)
    except Undecodable:
        return None
    with path.open(encoding=decoding.encoding, newline="") as fh:
        delimiter = src.delimiter or sniff_delimiter(fh.readline())
        fh.seek(0)
        try:
            plan_columns(unique_names(next(csv.reader(fh, delimiter=delimiter), [])), src)
        except (MissingColumns, csv.Error):
            return None
    return csv_ranges(path, decoding, delimiter, size)
