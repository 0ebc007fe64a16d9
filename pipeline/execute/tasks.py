"""The two kinds of task a backend runs for `prepare`, each over one slice of the input.

`records_task`: input units -> the per-record steps before the global ones -> a record spill, plus
each global step's keys. `rows_task`: a range of spilled records -> the global steps' drops applied
-> the per-record steps after them (render) -> a token-row spill, plus each row's length facts.
Each task has its own Report and reject file, merged by the driver in input order. Tasks get the
RunConfig and build their steps themselves (steps hold tokenizers and matchers, not worth pickling),
once per worker process: building the slop matcher alone took a quarter second per task.
`audit_task` and `report_task` are the two jobs after rendering that need the tokenizer; they run
in a worker, which has it loaded already, so the driver never imports transformers or torch.
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
from pipeline.run import build_steps, split_at_global, tokenizer_and_template, tokenizer_name
from pipeline.stage import RejectSink, Report
from pipeline.steps import KEY_BATCH, Context, GlobalStep, Step, run_steps


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


@dataclass
class AuditTask:
    cfg: RunConfig
    work: Path
    counts: list[int]  # records per record spill
    drops: set[int]  # records (global index) a global step dropped
    refs: list[tuple[int, int]]  # the audited rows: (row spill, row), in input order


def rejects_path(work: Path, phase: str, n: int) -> Path:
    return work / f"rejects-{phase}-{n:05d}.jsonl"


Cut = tuple[list[Step], list[GlobalStep], list[Step]]
_BUILT: dict[str, Cut] = {}


def steps_of(cfg: RunConfig, root: Path = Path(".")) -> Cut:
    """The run's steps cut at the global ones, built once per worker process and config (steps
    keep no state between calls: counts and rejects go to each call's Context)."""
    key = f"{root}\n{cfg.model_dump_json()}"
    if key not in _BUILT:
        if len(_BUILT) >= 4:
            _BUILT.clear()
        _BUILT[key] = split_at_global(build_steps(cfg, root=root))
    return _BUILT[key]


def records_task(task: RecordsTask) -> dict[str, Any]:
    """Extract and clean one shard of input units into a record spill; returns the report, the
    kept records' ids and each global step's keys (one array row per record)."""
    import numpy as np

    before, global_steps, _ = steps_of(task.cfg, task.root)
    report = Report()
    ids: list[str] = []
    keys: list[list[Any]] = [[] for _ in global_steps]
    batch: list[Dialog | Document] = []

    def key_batch() -> None:
        for step, k in zip(global_steps, keys, strict=True):
            k.extend(step.keys(batch))
        batch.clear()

    with RejectSink(report, rejects_path(task.work, "records", task.shard)) as sink:
        ctx = Context(report, sink, rank=task.shard, world_size=task.shards)
        with records_path(task.work, task.shard).open("w", encoding="utf-8") as out:
            for record in run_steps(before, task.units, ctx):
                out.write(record.model_dump_json() + "\n")
                ids.append(record.id)
                batch.append(record)
                if len(batch) == KEY_BATCH:
                    key_batch()
            key_batch()
    arrays = [np.stack(k) if k else None for k in keys]
    return {"report": report.to_dict(), "ids": ids, "keys": arrays}


def rows_task(task: RowsTask) -> dict[str, Any]:
    """Render one range of spilled records into a token-row spill; returns the report and, per
    row, what splitting, packing and provenance need (id, source, source name, tokens, supervised
    tokens), and the tokenizer's facts the manifest records (vocabulary size, chat template)."""
    _, _, after = steps_of(task.cfg)
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
    tokenizer, template = tokenizer_and_template(tokenizer_name(task.cfg), task.cfg.render.template)
    return {"report": report.to_dict(), "vocab": len(tokenizer), "template": template, **meta}


def audit_task(task: AuditTask) -> dict[str, Any]:
    """The render audit of the given rows against the dialogs they came from (first spilled copy
    of each id that no global step dropped); a failing audit comes back as {"error": message}."""
    from pipeline.errors import UserError
    from pipeline.execute.spill import RowStore
    from pipeline.render import audit_or_raise

    store = RowStore(task.work)
    try:
        sample = store.fetch(task.refs)
    finally:
        store.close()
    wanted = {r["id"] for r in sample}
    dialogs: dict[str, Dialog] = {}
    index = 0
    for shard in range(len(task.counts)):
        if len(dialogs) == len(wanted):
            break
        for record in read_records(records_path(task.work, shard)):
            if index not in task.drops and record.id in wanted and isinstance(record, Dialog):
                dialogs.setdefault(record.id, record)
            index += 1
    cfg = task.cfg
    tokenizer, template = tokenizer_and_template(tokenizer_name(cfg), cfg.render.template)
    try:
        return audit_or_raise(list(dialogs.values()), sample, cfg.render, tokenizer, template)
    except UserError as e:
        return {"error": str(e)}


def report_task(args: tuple[RunConfig, Path]) -> Path:
    """`report.html` of a written shard set, with the run's tokenizer (loaded in this worker)."""
    from pipeline.inspect import write_report

    cfg, out_dir = args
    tokenizer, _ = tokenizer_and_template(tokenizer_name(cfg), cfg.render.template)
    return write_report(out_dir, tokenizer=tokenizer)


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
