"""The Ray backend: the same task functions as Ray Data `map_batches` tasks.

Without `execution.address` it starts a local Ray cluster with `workers` CPUs; with one it joins
that cluster. Tasks read and write the spill folder (`execution.spill_dir`), which on a real
cluster must be storage every node sees (NFS, a shared volume).
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pipeline.errors import UserError
from pipeline.gctune import tune_gc


def _apply(batch: dict[str, Any], fn: Callable[[Any], Any]) -> dict[str, Any]:
    """One Ray Data batch of pickled tasks -> their pickled results (order kept by `index`), in a
    worker with rawtune's garbage-collector thresholds (gctune.py)."""
    tune_gc()
    results = [pickle.dumps(fn(pickle.loads(t))) for t in batch["task"]]
    return {"index": batch["index"], "result": results}


class RayBackend:
    def __init__(self, workers: int = 1, address: str | None = None) -> None:
        self.workers = workers
        self.address = address

    def __enter__(self) -> RayBackend:
        try:
            import ray
        except ImportError:
            raise UserError(
                "execution.backend=ray needs Ray: pip install 'rawtune[ray]' (or pip install ray)"
            ) from None
        quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
        if not ray.is_initialized():
            if self.address:
                ray.init(address=self.address, **quiet)
            else:
                env = {"env_vars": {"TOKENIZERS_PARALLELISM": "false"}}  # see execute/local.py
                ray.init(num_cpus=self.workers, include_dashboard=False, runtime_env=env, **quiet)
        import ray.data

        logging.getLogger("ray.data").setLevel(logging.WARNING)  # rawtune shows its own progress
        ray.data.DataContext.get_current().enable_progress_bars = False
        return self

    def __exit__(self, *exc: object) -> None:
        import ray

        if not self.address:
            ray.shutdown()

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        import warnings

        items = [{"index": i, "task": pickle.dumps(t)} for i, t in enumerate(tasks)]
        with warnings.catch_warnings():  # one task (the audit, the report) on a wider pool is fine
            warnings.filterwarnings("ignore", "The maximum number of concurrent tasks")
            done = self._run(fn, items)
        done.sort(key=lambda r: int(r["index"]))
        return (pickle.loads(r["result"]) for r in done)

    def _run(self, fn: Callable[[Any], Any], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        import ray.data

        return (
            ray.data.from_items(items, override_num_blocks=max(1, len(items)))
            .map_batches(
                _apply,
                fn_kwargs={"fn": fn},
                batch_size=1,
                compute=ray.data.TaskPoolStrategy(size=self.workers),
                batch_format="numpy",
            )
            .take_all()
        )
