"""Extract stage: HTML pages, CSV files, SQL dumps and live databases -> Dialog / Document records.

`extract(sources, report, sink, root)` streams records from every source in config order. Each
record's `source_name` is the source's `name` (or its path / URL), and its `source` locates
the original (`forum/thread-12.html#post-3`, `faq.csv:line 118`, `dump.sql:stmt 42 row 7`).

Conservation (report.stage("extract"): seen == kept + rejected). Units are:
- CSV: data rows (plus a file that cannot be read at all, e.g. undecodable);
- SQL dumps: rows of the chosen table, malformed statements that could hold them, and a file
  whose table is missing; live databases: result rows (plus a failed connection or query);
- HTML: pages in document mode; in dialog mode each dialog found (FAQ pair, thread) plus each
  page that yields none (binary, undecodable, no dialog shape).
A unit that ends in a record is kept (in the long layout every row of a conversation is kept
with its dialog); every other unit is exactly one Reject with its reason and location. Per-file
facts (encoding chosen + confidence, delimiter, dialect, statement counts) are in
`report.stage("extract").notes["files"]`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from pipeline.config import CsvSource, HtmlSource, SqlSource
from pipeline.extract.csv import extract_csv
from pipeline.extract.html import extract_html
from pipeline.extract.rows import rows_to_records
from pipeline.extract.sql import extract_sql_dump
from pipeline.extract.sqldb import display_url, extract_sql_db
from pipeline.extract.units import STAGE, Tally
from pipeline.records import Dialog, Document
from pipeline.stage import RejectSink, Report

Source = CsvSource | SqlSource | HtmlSource

__all__ = [
    "extract",
    "extract_csv",
    "extract_html",
    "extract_source",
    "extract_sql_db",
    "extract_sql_dump",
    "rows_to_records",
    "source_name",
]


def source_name(src: Source) -> str:
    """The label used for mixing and per-source options: `name`, else the path or URL."""
    if src.name:
        return src.name
    if isinstance(src, SqlSource) and src.url:
        return display_url(src.url)
    return src.path or ""


def extract_source(
    src: Source, tally: Tally, root: Path = Path(".")
) -> Iterator[Dialog | Document]:
    """Records of one source, whatever its kind."""
    name = source_name(src)
    if isinstance(src, CsvSource):
        yield from extract_csv(src, tally, root, name)
    elif isinstance(src, HtmlSource):
        yield from extract_html(src, tally, root, name)
    elif src.url:
        yield from extract_sql_db(src, tally, root, name)
    else:
        yield from extract_sql_dump(src, tally, root, name)


def extract(
    sources: Sequence[Source], report: Report, sink: RejectSink, root: Path = Path(".")
) -> Iterator[Dialog | Document]:
    """Stream records from every source in config order; counts go to report.stage("extract")."""
    tally = Tally(report.stage(STAGE), sink)
    for src in sources:
        yield from extract_source(src, tally, root)
