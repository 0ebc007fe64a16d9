"""The two kinds of task a backend runs for `prepare`, each over one slice of the input.

`records_task`: input units -> the per-record steps before the global ones -> a record spill, plus
each global step's keys. `rows_task`: a range of spilled records -> the global steps' drops applied
-> the per-record steps after them (render) -> a token-row spill, plus each row's length facts.
Each task has its own Report and reject file, merged by the driver in input order. Tasks get the
RunConfig and build their steps themselves (steps hold tokenizers and matchers, not worth pickling).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import RunConfig
from pipeline.execute.spill import RowWriter, read_records, records_path, rows_path
from pipeline.extract.inputs import Unit
from pipeline.records import Dialog, Document
from pipeline.run import build_steps, split_at_global
from pipeline.stage import RejectSink, Report
from pipeline.steps import Context, run_steps


@dataclass
class RecordsTask:
    cfg: RunConfig
    shard: int
    shards: int
    units: list[Unit]
    work: Path
    root: Path = Path(".")


@dataclass
class RowsTask:
    cfg: RunConfig
    chunk: int
    chunks: int
    ranges: list[tuple[int, int, int]]  # (record shard, first line, end line)
    first: int  # global index of the first record in `ranges`
    drops: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # index -> stage, why
    work: Path = Path(".")


def rejects_path(work: Path, phase: str, n: int) -> Path:
    return work / f"rejects-{phase}-{n:05d}.jsonl"


def records_task(task: RecordsTask) -> dict[str, Any]:
    """Extract and clean one shard of input units into a record spill; returns the report, the
    kept records' ids and each global step's keys (one array row per record)."""
    import numpy as np

    before, global_steps, _ = split_at_global(build_steps(task.cfg, root=task.root))
    report = Report()
    ids: list[str] = []
    keys: list[list[Any]] = [[] for _ in global_steps]
    with RejectSink(report, rejects_path(task.work, "records", task.shard)) as sink:
        ctx = Context(report, sink, rank=task.shard, world_size=task.shards)
        with records_path(task.work, task.shard).open("w", encoding="utf-8") as out:
            for record in run_steps(before, task.units, ctx):
                out.write(record.model_dump_json() + "\n")
                ids.append(record.id)
                for step, k in zip(global_steps, keys, strict=True):
                    k.append(step.key(record))
    arrays = [np.stack(k) if k else None for k in keys]
    return {"report": report.to_dict(), "ids": ids, "keys": arrays}


def rows_task(task: RowsTask) -> dict[str, Any]:
    """Render one range of spilled records into a token-row spill; returns the report and, per
    row, what splitting, packing and provenance need (id, source, source name, tokens, supervised tokens)."""
    _, _, after = split_at_global(build_steps(task.cfg))
    report = Report()
    meta: dict[str, list[Any]] = {
        "id": [],
        "source": [],
        "source_name": [],
        "n_tokens": [],
        "n_supervised": [],
    }
    with RejectSink(report, rejects_path(task.work, "rows", task.chunk)) as sink:
        ctx = Context(report, sink, rank=task.chunk, world_size=task.chunks)
        writer = RowWriter(rows_path(task.work, task.chunk))
        try:
            for row in run_steps(after, _surviving(task, ctx), ctx):
                stored = writer.write(row)
                for k, values in meta.items():
                    values.append(stored[k])
        finally:
            writer.close()
    return {"report": report.to_dict(), **meta}


def _surviving(task: RowsTask, ctx: Context) -> Iterator[Dialog | Document]:
    """The range's records in order; the ones a global step dropped become its Rejects here."""
    index = task.first
    for shard, start, end in task.ranges:
        for record in read_records(records_path(task.work, shard), start, end):
            drop = task.drops.get(index)
            index += 1
            if drop is None:
                yield record
            else:
                stage, reason, detail = drop
                ctx.sink.reject(record, stage, reason, detail)
