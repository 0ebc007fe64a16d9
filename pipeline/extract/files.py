"""Resolve a source `path` (a file or a folder) to the files to read, with display paths."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import UserError


def source_files(path: str, root: Path, pattern: str) -> list[tuple[Path, str]]:
    """(real file, display path) pairs; the display path is relative as written in the config.

    A folder is searched with `pattern` (recursive glob), sorted so runs are deterministic; a
    missing path is a one-line UserError (a config mistake, not bad data)."""
    base = root / path
    if base.is_file():
        return [(base, path)]
    if base.is_dir():
        files = sorted(p for p in base.glob(pattern) if p.is_file())
        return [(p, (Path(path) / p.relative_to(base)).as_posix()) for p in files]
    raise UserError(f"source path not found: {base}")
