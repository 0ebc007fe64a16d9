"""Input shards: the sources of a run cut into units a worker extracts alone, in config order.

A unit is one file of a file source (CSV, HTML page, SQL dump, JSON/JSONL, Parquet), a byte range
of a large CSV file (pipeline.extract.ranges: whole rows, wide/alpaca/text layouts) or SQL dump
(pipeline.extract.sql.ranges: whole statements, when several workers read), or a whole
source where there is no file to cut at (a live database, a Hugging Face dataset). Extracting the
units in order gives the records `extract()` gives, in the same order, so a sharded run can
concatenate per-unit outputs and match one process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import CsvSource, HtmlSource, JsonSource, ParquetSource, SqlSource
from pipeline.extract.ranges import CsvRange, csv_file_ranges
from pipeline.extract.sql.ranges import DumpRange, dump_ranges
from pipeline.extract.units import Tally, guarded
from pipeline.records import Dialog, Document


@dataclass(frozen=True)
class Unit:
    """One input unit: `source` indexes the run's sources; `path` is None for a whole source."""

    source: int
    path: str | None = None
    display: str = ""
    size: int = 0
    span: CsvRange | DumpRange | None = None  # only these rows / statements of the file


def _files(src: object, root: Path) -> list[tuple[Path, str]] | None:
    """The files of a file source, or None for a source that is not cut into files."""
    from pipeline.extract.files import source_files

    if isinstance(src, CsvSource):
        from pipeline.extract.csv import GLOB

        return source_files(src.path, root, GLOB)
    if isinstance(src, HtmlSource):
        from pipeline.extract.html import html_files

        return html_files(src, root)
    if isinstance(src, SqlSource) and not src.url:
        from pipeline.extract.sql import GLOB

        return source_files(src.path or "", root, GLOB)
    if isinstance(src, JsonSource | ParquetSource):
        return source_files(src.path, root, src.glob)
    return None


def input_units(
    sources: Sequence[object],
    root: Path = Path("."),
    range_bytes: int | None = None,
    cut_dumps: bool = False,
) -> list[Unit]:
    """Every unit of every source, in the order `extract()` reads them; a CSV file larger than
    `range_bytes` (default ranges.RANGE_BYTES) is cut into row ranges where it can be, and with
    `cut_dumps` (several workers) so is a SQL dump, at statement starts. Finding a dump's cuts
    costs a scan of it (80-200 MB/s) where a CSV's costs a C csv pass, so one worker reads dumps
    whole; the records are the same either way."""
    units: list[Unit] = []
    for i, src in enumerate(sources):
        files = _files(src, root)
        if files is None:
            units.append(Unit(source=i))
            continue
        for p, display in files:
            spans: list[CsvRange] | list[DumpRange] | None = None
            if isinstance(src, CsvSource):
                spans = csv_file_ranges(p, src, range_bytes)
            elif isinstance(src, SqlSource) and cut_dumps:
                spans = dump_ranges(p, src, range_bytes)
            if spans is None:
                units.append(Unit(i, str(p), display, p.stat().st_size))
            else:
                units.extend(Unit(i, str(p), display, s.end - s.start, s) for s in spans)
    return units


def extract_units(
    units: Iterable[Unit], sources: Sequence[object], tally: Tally, root: Path = Path(".")
) -> Iterator[Dialog | Document]:
    """Records of the given units, in order; each file guarded like `extract()` guards it."""
    from pipeline.extract import extract_source, source_name

    for unit in units:
        src = sources[unit.source]
        if unit.path is None:
            yield from extract_source(src, tally, root)  # type: ignore[arg-type]
            continue
        name = source_name(src)  # type: ignore[arg-type]
        path = Path(unit.path)
        if isinstance(src, CsvSource):
            from pipeline.extract.csv import csv_file

            records = csv_file(path, unit.display, src, tally, name, unit.span)  # type: ignore[arg-type]
        elif isinstance(src, HtmlSource):
            from pipeline.extract.html import extract_page

            records = extract_page(path, unit.display, src, tally, name)
        elif isinstance(src, JsonSource):
            from pipeline.extract.jsonfile import json_file

            records = json_file(path, unit.display, src=src, tally=tally, name=name)
        elif isinstance(src, ParquetSource):
            from pipeline.extract.parquetfile import parquet_file

            records = parquet_file(path, unit.display, src=src, tally=tally, name=name)
        else:
            from pipeline.extract.sql import dump_file

            records = dump_file(path, unit.display, src, tally, name, unit.span)  # type: ignore[arg-type]
        yield from guarded(records, tally, unit.display)


def group_units(units: Sequence[Unit], shards: int) -> list[list[Unit]]:
    """Consecutive units grouped into at most `shards` groups of similar total size (bytes; a whole
    source counts as one large unit). Order is kept, so concatenating groups gives the input."""
    if not units:
        return []
    weights = [u.size or 1 << 20 for u in units]
    target = sum(weights) / max(1, min(shards, len(units)))
    groups: list[list[Unit]] = [[]]
    filled = 0.0
    for unit, w in zip(units, weights, strict=True):
        if groups[-1] and filled + w / 2 > target and len(groups) < shards:
            groups.append([])
            filled = 0.0
        groups[-1].append(unit)
        filled += w
    return groups
