"""Resolve a source `path` (a file or a folder) to the files to read, and open them.

Compressed inputs are read as they are: Debian ships its big HTML pages gzipped
(`changelog.html.gz`) and SQL dumps are usually piped through gzip, so `.gz`, `.bz2` and `.xz`
files are decompressed as a stream (memory stays flat) by the standard library."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path
from typing import BinaryIO, TextIO

from pipeline.errors import UserError

COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def source_files(path: str, root: Path, pattern: str) -> list[tuple[Path, str]]:
    """(real file, display path) pairs; the display path is relative as written in the config.

    A folder is searched with `pattern` (recursive glob) and its compressed forms (`*.sql.gz`),
    sorted so runs are deterministic; a missing path is a one-line UserError (a config mistake,
    not bad data)."""
    base = root / path
    if base.is_file():
        return [(base, path)]
    if base.is_dir():
        found = {p for pat in (pattern, *(pattern + ext for ext in COMPRESSED))
                 for p in base.glob(pat) if p.is_file()}  # fmt: skip
        return [(p, (Path(path) / p.relative_to(base)).as_posix()) for p in sorted(found)]
    raise UserError(f"source path not found: {base}")


def open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed as they are read when the name ends in .gz/.bz2/.xz."""
    opener = COMPRESSED.get(path.suffix.lower())
    return opener(path, "rb") if opener else path.open("rb")  # type: ignore[return-value]


def open_text(path: Path, encoding: str) -> TextIO:
    """Text of a (possibly compressed) file, newlines untranslated (the csv module wants that)."""
    return io.TextIOWrapper(open_bytes(path), encoding=encoding, newline="")


def read_bytes(path: Path) -> bytes:
    with open_bytes(path) as fh:
        return fh.read()
