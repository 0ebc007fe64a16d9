"""CSV/TSV files -> rows -> records (pipeline.extract.rows), read in pandas chunks.

Units are data rows (physical-line numbered; provenance `faq.csv:line 118`, the line where the
row starts). Encoding: BOM, the configured encoding, UTF-8, then charset-normalizer detection,
recorded per file; an undecodable file is one rejected unit naming the candidates.

Bad rows never stop a file:
- too many fields: pandas' python engine hands them to `on_bad_lines`, which returns a marker row
  in their place, so row order (and therefore line numbering) is kept;
- too few fields: pandas pads them with NaN; with `keep_default_na=False` a real value is never
  NaN, so a NaN cell means the field was missing;
- an unbalanced quote makes the csv module fail ("unexpected end of data"): the failing chunk is
  replayed one row at a time to find the line the broken record starts on, that line is rejected
  and reading resumes on the next line.
Line numbers count the newlines inside quoted fields, and blank lines are kept
(`skip_blank_lines=False`) so they can be counted too.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pipeline.config import CsvSource
from pipeline.extract.encoding import Undecodable, choose_file_encoding
from pipeline.extract.files import open_text, source_files
from pipeline.extract.ranges import CsvRange, open_range
from pipeline.extract.rows import Row, rows_to_records
from pipeline.extract.units import Tally, guarded, snippet
from pipeline.records import Dialog, Document

if TYPE_CHECKING:
    import pandas as pd

GLOB = "**/*.[ct]sv"
DELIMITERS = (",", "\t", ";", "|")
_BAD = "\x00rawtune-bad-line\x00"


def sniff_delimiter(first_line: str) -> str:
    """The candidate delimiter that occurs most in the header line (comma on a tie or none)."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def unique_names(header: list[str]) -> list[str]:
    """Strip header names and make duplicates distinct (`a`, `a.1`), as pandas would."""
    seen: dict[str, int] = {}
    out = []
    for raw in header:
        name = raw.strip()
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _newlines(values) -> int:
    return sum(v.count("\n") for v in values if isinstance(v, str))


def _leftover(fh: TextIO, lineno: int, base: int = 1) -> str | None:
    """Line `lineno` if it or any later line has non-blank text, else None (streamed); the text
    starts on line `base`."""
    with fh:
        first = None
        for i, line in enumerate(fh, base):
            if i == lineno:
                first = line.rstrip("\r\n")
            if i >= lineno and line.strip():
                return first
    return None


def _physical_line(fh: TextIO, lineno: int, base: int = 1) -> str:
    with fh:
        for i, line in enumerate(fh, base):
            if i == lineno:
                return line.rstrip("\r\n")
    return ""


class _Prefixed:
    """A text file read with one extra line in front (see _Reader._chunks)."""

    def __init__(self, first: str, fh: TextIO) -> None:
        self._first: str | None = first
        self._fh = fh

    def readline(self, size: int = -1) -> str:
        if self._first is not None:
            line, self._first = self._first, None
            return line
        return self._fh.readline(size)

    def read(self, size: int = -1) -> str:
        if self._first is not None:
            return self.readline()
        return self._fh.read(size)

    def __iter__(self) -> _Prefixed:
        return self

    def __next__(self) -> str:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class _Reader:
    """One CSV file's data rows as (values, location), rejecting bad lines as it goes."""

    def __init__(self, path: Path, display: str, encoding: str, delimiter: str,
                 chunksize: int, tally: Tally, span: CsvRange | None = None) -> None:  # fmt: skip
        self.path, self.display, self.encoding, self.span = path, display, encoding, span
        self.base = span.line if span and span.start else 1  # line the text read starts on
        self.delimiter, self.chunksize, self.tally = delimiter, chunksize, tally
        self.header: list[str] = []
        self.first_line = 1
        self.blank_lines = 0
        self.bad_fields: list[list[str]] = []

    def _open(self) -> TextIO:
        """The file's text, or only its range's (pipeline.extract.ranges)."""
        if self.span is None:
            return open_text(self.path, self.encoding)
        return open_range(self.path, self.encoding, self.span)

    def read_header(self) -> bool:
        with open_text(self.path, self.encoding) as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            try:
                header = next(reader)
            except (StopIteration, csv.Error):
                return False
            self.header = unique_names(header)
            self.first_line = reader.line_num + 1
        return bool(self.header)

    def _on_bad_line(self, fields: list[str]) -> list[str]:
        self.bad_fields.append(fields)
        return [f"{_BAD}{len(self.bad_fields) - 1}"] + [""] * (len(self.header) - 1)

    def _chunks(self, start_line: int, chunksize: int) -> Iterator[pd.DataFrame]:
        import pandas as pd  # imported here: loading pandas costs ~0.5 s, and only CSV needs it

        # the csv module refuses fields over 128 KiB, and pandas' python engine would skip such
        # a row silently under a callable on_bad_lines: long answers are normal here
        csv.field_size_limit(2**31 - 1)

        with self._open() as fh:
            for _ in range(start_line - self.base):
                fh.readline()
            # pandas' python engine reads the first data line its own way: a longer one is taken
            # for an implicit index and cut to the header's width, a malformed one is skipped,
            # both silently and without on_bad_lines. So the first line it sees is a harmless
            # row of ours, dropped again in rows().
            first = self.delimiter.join(["_"] * len(self.header)) + "\n"
            try:
                yield from pd.read_csv(
                    _Prefixed(first, fh), sep=self.delimiter, header=None, names=self.header,
                    index_col=False, dtype=str, keep_default_na=False, skip_blank_lines=False,
                    engine="python", on_bad_lines=self._on_bad_line, chunksize=chunksize,
                )  # fmt: skip
            except pd.errors.EmptyDataError:
                return

    def rows(self) -> Iterator[Row]:
        from pandas.errors import ParserError

        line = self.first_line  # physical line where the next record starts
        chunksize = self.chunksize
        ncols = len(self.header)
        while True:
            try:
                sentinel = True  # the row _chunks puts in front of every read
                for chunk in self._chunks(line, chunksize):
                    for values in chunk.itertuples(index=False, name=None):
                        if sentinel:
                            sentinel = False
                            continue
                        first = values[0] if values else None
                        if isinstance(first, str) and first.startswith(_BAD):
                            fields = self.bad_fields[int(first[len(_BAD) :])]
                            self.tally.reject("too_many_fields", f"{self.display}:line {line}",
                                              detail=f"expected {ncols} fields, saw {len(fields)}",
                                              record={"fields": fields})  # fmt: skip
                            line += 1 + _newlines(fields)
                            continue
                        present = [v for v in values if not _is_missing(v)]
                        span = 1 + _newlines(present)
                        if not present:
                            self.blank_lines += 1
                        elif len(present) < ncols:
                            self.tally.reject("too_few_fields", f"{self.display}:line {line}",
                                              detail=f"expected {ncols} fields, saw {len(present)}",
                                              record={"fields": present})  # fmt: skip
                        else:
                            row = [v.replace("\r\n", "\n") for v in values]
                            yield row, f"{self.display}:line {line}"
                        line += span
                    self.bad_fields.clear()
                # pandas' python engine with a callable on_bad_lines can also swallow a quote
                # that runs to the end of the file without raising: text left after the last
                # row read is that broken record
                if (text := _leftover(self._open(), line, self.base)) is None:
                    return
                self.tally.reject("unbalanced_quote", f"{self.display}:line {line}",
                                  detail=f"quoted field runs to the end of the file: {snippet(text)}")  # fmt: skip
                line += 1
                chunksize = self.chunksize
                continue
            except (csv.Error, ParserError) as e:
                if chunksize > 1:  # replay the failed chunk row by row to find the broken record
                    chunksize = 1
                    continue
                text = _physical_line(self._open(), line, self.base)
                self.tally.reject("unbalanced_quote", f"{self.display}:line {line}",
                                  detail=f"{e}: {snippet(text)}")  # fmt: skip
                line += 1
                chunksize = self.chunksize


def csv_file(
    path: Path, display: str, src: CsvSource, tally: Tally, name: str, span: CsvRange | None = None
) -> Iterator[Dialog | Document]:
    """Records from one CSV file, or from one range of its rows (codec and delimiter chosen for
    the whole file, see pipeline.extract.ranges); the encoding and delimiter go into the report."""
    if span is not None:
        decoding, delimiter = span.decoding, span.delimiter
    else:
        try:
            decoding = choose_file_encoding(path, src.encoding)
        except Undecodable as e:
            tally.reject("undecodable", display, detail=str(e))
            return
        with open_text(path, decoding.encoding) as fh:
            first = fh.readline()
        delimiter = src.delimiter or sniff_delimiter(first)
    reader = _Reader(path, display, decoding.encoding, delimiter, src.chunksize, tally, span)
    if not reader.read_header():
        tally.reject("empty_file", display, detail="no header line")
        return
    if reader.base > 1:
        reader.first_line = reader.base
    tally.note_file(display, {**decoding.note(), "delimiter": delimiter})
    yield from rows_to_records(reader.header, reader.rows(), src, tally, name, display)
    tally.count_note(display, "blank_lines", reader.blank_lines)  # added up over ranges


def extract_csv(
    src: CsvSource, tally: Tally, root: Path = Path("."), name: str | None = None
) -> Iterator[Dialog | Document]:
    """Every CSV/TSV file of a source (a file, or a folder searched for *.csv / *.tsv)."""
    name = name or src.name or src.path
    for path, display in source_files(src.path, root, GLOB):
        yield from guarded(csv_file(path, display, src, tally, name), tally, display)
