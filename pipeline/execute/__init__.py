"""Execution backends: run the same task functions over input slices, locally or on Ray.

A backend is a context manager with `map(fn, tasks) -> iterator of results in task order`; there
is no scheduler here, only a process pool (`local`) or Ray Data (`ray`) doing the scheduling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from pipeline.config import ExecutionConfig


class Backend(Protocol):
    workers: int

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]: ...

    def __enter__(self) -> Backend: ...

    def __exit__(self, *exc: object) -> None: ...


def backend(cfg: ExecutionConfig) -> Backend:
    """The configured backend (`execution.backend`, `execution.workers`, `execution.address`)."""
    if cfg.backend == "ray":
        from pipeline.execute.ray import RayBackend

        return RayBackend(cfg.workers, cfg.address)
    from pipeline.execute.local import LocalBackend

    return LocalBackend(cfg.workers)
