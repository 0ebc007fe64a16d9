"""Live databases -> rows -> records: `url` + `query`, read in batches.

sqlite (`sqlite:///path`) goes through the standard library, opened read-only; PostgreSQL and
MySQL/MariaDB through SQLAlchemy (optional extras `rawtune[postgres]` / `rawtune[mysql]`) with a
server-side cursor (`stream_results`) so memory stays flat on big tables. Units are result rows
(`postgresql://host/db:row 17`); a database that cannot be opened or a query that fails is one
rejected unit naming the URL (password hidden) and the error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.config import SqlSource
from pipeline.extract.rows import Row, rows_to_records
from pipeline.extract.units import Tally
from pipeline.records import Dialog, Document


def display_url(url: str) -> str:
    """The URL with any password replaced by ***."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # no sqlalchemy or an odd URL: still never print a password
        return url.split("@")[-1] if "@" in url else url


def _text(value: Any, tally: Tally, where: str) -> str | None:
    """DB value -> text: NULL stays None, bytes are skipped (counted), others via str()."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        tally.count_note(where, "binary_values_skipped")
        return None
    return str(value)


def _sqlite_batches(path: Path, query: str, size: int) -> tuple[list[str], Iterator[list[tuple]]]:
    if not path.is_file():
        raise FileNotFoundError(f"no such database file: {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    cur = conn.execute(query)
    header = [d[0] for d in cur.description or []]

    def batches() -> Iterator[list[tuple]]:
        try:
            while batch := cur.fetchmany(size):
                yield batch
        finally:
            conn.close()

    return header, batches()


def _sqlalchemy_batches(url: str, query: str, size: int) -> tuple[list[str], Iterator[list]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    conn = engine.connect().execution_options(stream_results=True, max_row_buffer=size)
    result = conn.execute(text(query))
    header = list(result.keys())

    def batches() -> Iterator[list]:
        try:
            for part in result.partitions(size):
                yield [tuple(r) for r in part]
        finally:
            result.close()
            conn.close()
            engine.dispose()

    return header, batches()


def extract_sql_db(
    src: SqlSource, tally: Tally, root: Path = Path("."), name: str | None = None
) -> Iterator[Dialog | Document]:
    """Rows of `src.query` on the live database at `src.url`, mapped by `src.layout`."""
    url, query = src.url or "", src.query or ""
    where = display_url(url)
    name = name or src.name or where
    try:
        if url.startswith("sqlite:///"):
            header, batches = _sqlite_batches(
                root / url[len("sqlite:///") :], query, src.batch_size
            )
        else:
            header, batches = _sqlalchemy_batches(url, query, src.batch_size)
    except Exception as e:  # driver missing, server down, bad SQL: one reject, never a crash
        tally.reject("database_error", where, detail=f"{type(e).__name__}: {e}".splitlines()[0])
        return

    def rows() -> Iterator[Row]:
        n = 0
        try:
            for batch in batches:
                for record in batch:
                    n += 1
                    yield [_text(v, tally, where) for v in record], f"{where}:row {n}"
        except Exception as e:  # the connection dropped mid-read: say so and where
            tally.reject("database_error", f"{where}:row {n + 1}",
                         detail=f"{type(e).__name__}: {e}".splitlines()[0])  # fmt: skip

    yield from rows_to_records(header, rows(), src, tally, name, where)
