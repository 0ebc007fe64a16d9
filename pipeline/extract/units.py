"""Unit accounting shared by the extractors: every input unit ends kept or as one Reject.

A unit is what an extractor reads one at a time (a CSV/SQL row, an HTML page or dialog, a malformed
statement, a file that cannot be read at all). `Tally.keep` and `Tally.reject` both count the unit
as seen, so `seen == kept + rejected` holds by construction for the `extract` stage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pipeline.errors import UserError
from pipeline.records import Dialog, Document, Reject
from pipeline.stage import RejectSink, StageStats

STAGE = "extract"
R = TypeVar("R", Dialog, Document)
SNIPPET = 200


def record_id(source: str) -> str:
    """A short stable id from the provenance string (same input, same id)."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]


def snippet(text: str, n: int = SNIPPET) -> str:
    return text if len(text) <= n else text[:n] + "…"


@dataclass
class Tally:
    """Counts units for one extract run and writes rejects; `notes` go into the stage report."""

    stats: StageStats
    sink: RejectSink

    def keep(self, n: int = 1) -> None:
        # plain dict writes: pydantic's __setattr__ costs about a microsecond and this runs per
        # row (a tenth of extracting a big dump); the fields are ints with nothing to validate
        fields = self.stats.__dict__
        fields["seen"] += n
        fields["kept"] += n

    def reject(
        self,
        reason: str,
        source: str,
        detail: str | None = None,
        record: dict[str, Any] | None = None,
    ) -> None:
        self.stats.seen += 1
        self.sink.add(
            Reject(
                id=record_id(source),
                stage=STAGE,
                reason=reason,
                source=source,
                record=record,
                detail=detail,
            )
        )

    def note_file(self, name: str, info: dict[str, Any]) -> None:
        """Per-file facts (encoding and confidence, counts) under notes["files"][name]."""
        self.stats.notes.setdefault("files", {}).setdefault(name, {}).update(info)

    def count_note(self, name: str, key: str, n: int = 1) -> None:
        files = self.stats.notes.setdefault("files", {}).setdefault(name, {})
        files[key] = files.get(key, 0) + n


def input_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the input is bad, not rawtune: I/O and decompression failures, codecs,
    and the errors the parsing libraries raise on garbage. Anything else is a bug and propagates."""
    import csv
    import lzma
    import zlib

    import pandas as pd
    import pyarrow as pa
    from lxml import etree

    return (
        OSError,  # unreadable file, bad gzip/bz2 header (BadGzipFile is an OSError)
        EOFError,  # compressed stream cut short
        lzma.LZMAError,
        zlib.error,
        UnicodeError,
        csv.Error,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        etree.LxmlError,
        pa.ArrowException,
        RecursionError,  # input nested deeper than a recursive parser can follow
    )


def guarded(records: Iterator[R], tally: Tally, where: str) -> Iterator[R]:
    """Yield from one file's extractor; an input error (unreadable file, a library failing on
    garbage) becomes a Reject for that file instead of a traceback out of `prepare`. Records
    already yielded stay counted as kept; the failure is one more rejected unit. Errors of
    rawtune's own code are not input errors and are raised as they are."""
    try:
        yield from records
    except UserError:
        raise
    except input_errors() as e:
        tally.reject("unreadable", where, detail=f"{type(e).__name__}: {e}"[:500])


def each_file(
    path: str, root: Path, glob: str, tally: Tally, read: Callable[[Path, str], Iterator[R]]
) -> Iterator[R]:
    """`read(file, display path)` over every file of a source path (a file, or a folder searched
    with `glob`), each guarded so an unreadable file is one Reject."""
    from pipeline.extract.files import source_files

    for file, display in source_files(path, root, glob):
        yield from guarded(read(file, display), tally, display)
