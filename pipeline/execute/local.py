"""The local backend: tasks in this process (one worker) or in a pool of processes.

The pool uses `spawn`: forking a process whose tokenizer already started Rust threads can
deadlock, and each worker loads its own tokenizer anyway. Pool workers tokenize on one thread
each: the pool already uses the cores, and N workers with N tokenizer threads each only contend.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from pipeline.gctune import tune_gc


def worker_setup() -> None:
    """Run in each worker before anything loads a tokenizer: one tokenizer thread, and the
    garbage-collector thresholds every rawtune process uses (gctune.py)."""
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    tune_gc()


class LocalBackend:
    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalBackend:
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=get_context("spawn"), initializer=worker_setup
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        """Results in task order. A pool starts every task now and runs them `workers` at a time;
        without one, each task runs here when its result is asked for."""
        if self._pool is None:
            return (fn(t) for t in tasks)
        return self._pool.map(fn, tasks)
