"""One progress display for every stage command: a spinner, a record count and the elapsed time
on stderr, cleared when the work ends (the summary table stays). Hidden when stderr is no
terminal, so logs and CI output stay clean."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

T = TypeVar("T")


def record_progress(console: Console | None = None) -> Progress:
    console = console or Console(stderr=True)
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # a transient display still leaves a blank line in logs
    )


def ticked(items: Iterable[T], progress: Progress, task: Any) -> Iterator[T]:
    """`items`, advancing `task` by one for each."""
    for item in items:
        progress.advance(task)
        yield item


def counted(items: Iterable[T], description: str, console: Console | None = None) -> Iterator[T]:
    """`items` with a progress display of their count while they are consumed."""
    with record_progress(console) as progress:
        yield from ticked(items, progress, progress.add_task(description, total=None))
