"""Dump files -> records: the entry point tying the scanner to rows -> records."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from pipeline.config import SqlSource
from pipeline.extract.files import open_bytes, source_files
from pipeline.extract.ranges import open_byte_range
from pipeline.extract.rows import Row, rows_to_records
from pipeline.extract.sql.ddl import norm_name
from pipeline.extract.sql.decoding import _RAW_BYTE, DecodedReader, dump_encoding
from pipeline.extract.sql.literals import BINARY
from pipeline.extract.sql.ranges import DumpRange
from pipeline.extract.sql.scanner import DumpScanner
from pipeline.extract.units import Tally, guarded
from pipeline.records import Dialog, Document

GLOB = "**/*.sql"
# statements end at GO lines, not `;`: reading one as a dump would run a statement to the end
# of the file, so it is one reject that says what works instead
MSSQL_HINT = (
    "a SQL Server script (GO batches), which is not a supported dump format: read the database "
    "live (`url: mssql+pymssql://...` with pymssql installed, and a `query:`) or export it as CSV"
)
# binary files a user may point a dump source at, and what to do instead
NOT_A_DUMP = {
    b"PGDMP": "a pg_dump custom-format archive (-Fc): write SQL with `pg_restore -f dump.sql FILE`"
    " or dump with `pg_dump -Fp`",
    b"SQLite format 3\x00": "an SQLite database file, not a dump: give it as `url: sqlite:///FILE`"
    " with a `query`, or dump it with `sqlite3 FILE .dump`",
}


def dump_file(
    path: Path,
    display: str,
    src: SqlSource,
    tally: Tally,
    name: str,
    span: DumpRange | None = None,
) -> Iterator[Dialog | Document]:
    """Records from the chosen table of one dump file, or of one range of its statements (see
    sql/ranges.py); counts in the file's notes add up over its ranges."""
    want = norm_name(src.table or "")
    with open_byte_range(path, span.start, span.end) if span else open_bytes(path) as raw:
        if span is not None:
            decoding = span.decoding  # the whole file's, chosen when it was cut
        else:
            head = raw.read(1 << 16)
            for prefix, what in NOT_A_DUMP.items():
                if head.startswith(prefix):
                    tally.reject("not_a_text_dump", display, detail=what)
                    return
            decoding = dump_encoding(head, src.encoding)
            raw.seek(0)  # gzip/bz2/xz streams rewind too
        fh = DecodedReader(raw, decoding.encoding)
        scanner = DumpScanner(fh, lambda t: t == want, src.dialect, span and span.resume)
        if scanner.dialect.name == "mssql":
            tally.reject("unsupported_dump", display, detail=MSSQL_HINT)
            return
        created: list[list[str]] = []
        header: list[str] = []  # the table's columns, fixed at its first row; rows follow it
        binary = 0

        def rows() -> Iterator[Row]:
            nonlocal binary
            picks: dict[tuple[str, ...], list[int | None]] = {}  # other column orders -> header's
            for ev in scanner.events():
                if ev.kind == "create":
                    created.append(ev.columns or [])
                    continue
                if ev.kind == "bad":
                    tally.reject(
                        "malformed_statement", f"{display}:stmt {ev.stmt}", detail=ev.detail
                    )
                    continue
                cols = ev.columns
                pick = None
                if cols is not None:
                    if not header:
                        header.extend(span.header if span else created[0] if created else cols)
                    # `INSERT INTO t (b, a) ...`: values by name, as a dict by column would
                    if cols != header and (pick := picks.get(key := tuple(cols))) is None:
                        index = {c: i for i, c in enumerate(cols)}  # the last of a repeat
                        pick = picks[key] = [index.get(h) for h in header]
                n = len(ev.rows)
                if ev.kind == "run":  # a one-row statement each
                    locs = [f"{display}:stmt {s} row 1" for s in range(ev.stmt, ev.stmt + n)]
                else:
                    head = f"{display}:stmt {ev.stmt} row "
                    locs = [f"{head}{r}" for r in range(ev.row, ev.row + n)]
                for loc, values in zip(locs, ev.rows, strict=True):
                    if cols is None:
                        tally.reject("unknown_columns", loc,
                                     detail="no CREATE TABLE or column list before this row")  # fmt: skip
                        continue
                    if len(cols) != len(values):
                        tally.reject("column_count_mismatch", loc,
                                     detail=f"{len(cols)} columns, {len(values)} values")  # fmt: skip
                        continue
                    if BINARY in values:
                        binary += sum(1 for v in values if v is BINARY)
                        values = [None if v is BINARY else v for v in values]
                    if fh.dirty and any(isinstance(v, str) and _RAW_BYTE.search(v) for v in values):
                        tally.reject("undecodable_value", loc,
                                     detail=f"bytes that are not {decoding.encoding} in a text "
                                            "column (an undeclared legacy dump needs `encoding:`)")  # fmt: skip
                        continue
                    if pick is not None:
                        values = [None if i is None else values[i] for i in pick]
                    yield values, loc

        gen = rows()
        first = next(gen, None)
        if first is not None:
            yield from rows_to_records(header, chain([first], gen), src, tally, name, display)
        elif span is None and want not in scanner.tables:
            tally.reject("table_not_found", display,
                         detail=f"no rows or CREATE TABLE for {src.table!r}")  # fmt: skip
    before = tally.stats.notes.get("files", {}).get(display, {})  # earlier ranges of the file
    statements = dict(before.get("statements", {}))
    for kind, n in scanner.statements.items():
        statements[kind] = statements.get(kind, 0) + n
    tally.note_file(display, {
        **decoding.note(),
        "invalid_bytes": before.get("invalid_bytes", False) or fh.dirty,
        "dialect": scanner.dialect.name,
        "statements": statements,
        "binary_values_skipped": before.get("binary_values_skipped", 0) + binary,
    })  # fmt: skip


def extract_sql_dump(
    src: SqlSource, tally: Tally, root: Path = Path("."), name: str | None = None
) -> Iterator[Dialog | Document]:
    """Every dump of a source (a .sql file, or a folder searched for *.sql)."""
    name = name or src.name or src.path or ""
    for path, display in source_files(src.path or "", root, GLOB):
        yield from guarded(dump_file(path, display, src, tally, name), tally, display)
