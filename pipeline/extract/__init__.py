"""Extract stage: HTML pages, CSV files, SQL dumps, live databases, JSON/JSONL, Parquet and local
Hugging Face datasets -> Dialog / Document records.

`extract(sources, report, sink, root)` streams records from every source in config order. Each
record's `source_name` is the source's `name` (or its path / URL), and its `source` locates
the original (`forum/thread-12.html#post-3`, `faq.csv:line 118`, `dump.sql:stmt 42 row 7`).

Conservation (report.stage("extract"): seen == kept + rejected). Units are:
- CSV: data rows (plus a file that cannot be read at all, e.g. undecodable);
- SQL dumps: rows of the chosen table, malformed statements that could hold them, and a file
  whose table is missing; live databases: result rows (plus a failed connection or query);
- HTML: pages in document mode; in dialog mode each dialog found (FAQ pair, thread) plus each
  page that yields none (binary, undecodable, no dialog shape);
- JSON / Parquet / HF: items (a JSON line or array item, a row), plus a file or source that cannot
  be read, a truncated array's tail, or a line too long to hold.
A unit that ends in a record is kept (in the long layout every row of a conversation is kept
with its dialog); every other unit is exactly one Reject with its reason and location. Per-file
facts (encoding chosen + confidence, delimiter, dialect, statement counts) are in
`report.stage("extract").notes["files"]`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import CsvSource, HfSource, HtmlSource, JsonSource, ParquetSource, SqlSource
from pipeline.extract.units import STAGE, Tally, each_file
from pipeline.records import Dialog, Document
from pipeline.stage import RejectSink, Report

if TYPE_CHECKING:
    from rich.console import Console

# Each reader's module loads when its kind of source is read (or the name is imported from
# here), not with the package: bs4 for HTML and pandas for CSV took 0.3-1 s of every command.
_READERS = {
    "extract_csv": "pipeline.extract.csv",
    "extract_html": "pipeline.extract.html",
    "extract_sql_dump": "pipeline.extract.sql",
    "extract_sql_db": "pipeline.extract.sqldb",
    "extract_hf": "pipeline.extract.hfdataset",
    "json_file": "pipeline.extract.jsonfile",
    "parquet_file": "pipeline.extract.parquetfile",
    "rows_to_records": "pipeline.extract.rows",
}


def __getattr__(name: str) -> Any:
    if name in _READERS:
        return getattr(importlib.import_module(_READERS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


Source = CsvSource | SqlSource | HtmlSource | JsonSource | ParquetSource | HfSource

__all__ = [
    "extract",
    "extract_file",
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
        from pipeline.extract.sqldb import display_url

        return display_url(src.url)
    return src.path or ""


def extract_source(
    src: Source, tally: Tally, root: Path = Path(".")
) -> Iterator[Dialog | Document]:
    """Records of one source, whatever its kind."""
    name = source_name(src)
    if isinstance(src, CsvSource):
        reader = "extract_csv"
    elif isinstance(src, HtmlSource):
        reader = "extract_html"
    elif isinstance(src, JsonSource | ParquetSource):  # one reader per file of the path
        read = __getattr__("json_file" if isinstance(src, JsonSource) else "parquet_file")
        per_file = partial(read, src=src, tally=tally, name=name)
        yield from each_file(src.path, root, src.glob, tally, per_file)
        return
    elif isinstance(src, HfSource):
        reader = "extract_hf"
    else:
        reader = "extract_sql_db" if src.url else "extract_sql_dump"
    yield from __getattr__(reader)(src, tally, root, name)


def extract(
    sources: Sequence[Source], report: Report, sink: RejectSink, root: Path = Path(".")
) -> Iterator[Dialog | Document]:
    """Stream records from every source in config order; counts go to report.stage("extract")."""
    tally = Tally(report.stage(STAGE), sink)
    for src in sources:
        yield from extract_source(src, tally, root)


def extract_file(
    sources: Sequence[Source], out: Path, rejects: Path, console: Console | None = None
) -> tuple[Report, int]:
    """`rawtune extract`: records JSONL + rejects JSONL + `<out stem>.report.json` (the stage's
    counts and each file's encoding and confidence, as `prepare` puts them in its manifest)."""
    from pipeline.progress import counted
    from pipeline.stage import write_jsonl

    report = Report()
    with RejectSink(report, rejects) as sink:
        n = write_jsonl(out, counted(extract(sources, report, sink), "extract", console))
    report.check_conservation()
    out.with_name(out.stem + ".report.json").write_text(
        json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return report, n
