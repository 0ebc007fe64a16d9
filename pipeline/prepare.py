"""`rawtune prepare`: extract -> clean -> render -> split -> mix -> pack -> shards, per one config.

Sharded the distributed way (pipeline/execute/): input units are cut into shards, each a task that
runs the per-record steps (extract, normalize, slop, quality, formats) and spills its records to
disk with the global steps' keys (dedup hashes and band hashes). The driver decides the global
steps from the keys alone, then range tasks apply the drops and render into token-row spills
(Arrow). Split, mix and best-fit packing are planned from ids and lengths; each output shard's
rows are loaded only when that shard is written. Per-task reports and rejects are merged in input
order, so the shards are byte-identical for any worker count and backend.
"""

from __future__ import annotations

import platform
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from pipeline import __version__
from pipeline.config import RunConfig
from pipeline.errors import UserError
from pipeline.records import Dialog, Document
from pipeline.stage import Report
from pipeline.steps import GlobalStep

TASKS_PER_WORKER = 8  # input shards per worker, so the last, slowest ones leave no core idle long
RENDER_BATCHES_PER_TASK = 4  # render tasks cover this many render batches of records


def versions() -> dict[str, str]:
    """Versions for the manifest, read from package metadata: importing transformers here would
    cost the driver over a second that nothing else in it needs (its workers tokenize)."""
    from importlib.metadata import version

    return {
        "rawtune": __version__,
        "transformers": version("transformers"),
        "tokenizers": version("tokenizers"),
        "python": platform.python_version(),
    }


def prepare(cfg: RunConfig, console: Console | None = None) -> Path:
    """Run every preparation stage and write `data/processed/<name>/`; returns that folder.

    The driver only plans and writes: the tokenizer is loaded by the workers that render, audit
    and write the HTML report, so with a pool nothing here waits on transformers' imports."""
    from pipeline.execute import backend
    from pipeline.execute.spill import RowStore
    from pipeline.execute.tasks import report_task
    from pipeline.models import resolve
    from pipeline.run import STAGES, build_steps, max_length, split_at_global, tokenizer_name
    from pipeline.shards import write_shards

    console = console or Console(stderr=True)
    out_dir = cfg.processed_dir
    work = Path(cfg.execution.spill_dir or out_dir.parent) / f".{out_dir.name}.work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    tokenizer_path = resolve(tokenizer_name(cfg))  # a GGUF is converted once, before any worker
    _, global_steps, _ = split_at_global(build_steps(cfg))  # also: bad rules fail here, early

    report = Report()
    for stage in STAGES:  # table order = pipeline order
        report.stage(stage)
    with backend(cfg.execution) as pool:
        shards, ids, counts = _records_phase(cfg, pool, work, report, console)
        drops = _decide(global_steps, shards, ids, counts, work)
        del shards
        rows = _rows_phase(cfg, pool, work, counts, drops, report, console)
        report.check_conservation()
        # the audit runs in a worker while this process plans the split and the packing
        audit = _audit(cfg, pool, rows, work, counts, drops)
        splits, mix_report = _split_and_mix(cfg, rows)
        stats = {name: _stats(rows, idx) for name, idx in splits.items()}
        store = RowStore(work)
        plans, efficiency, load = _pack(cfg, rows, splits, store, max_length(cfg))
        rejects = work / "rejects.jsonl"
        _concat(
            sorted(work.glob("rejects-records-*.jsonl"))
            + sorted(work.glob("rejects-rows-*.jsonl")),
            rejects,
        )
        manifest = {
            "name": cfg.name,
            "config": cfg.model_dump(mode="json", by_alias=True),
            "config_hash": cfg.config_hash(),
            "versions": versions(),
            "mode": cfg.pack.mode,
            "template": cfg.render.template,
            "chat_template": rows.template,
            "tokenizer": {"name": tokenizer_name(cfg), "path": tokenizer_path, "vocab": rows.vocab},
            "max_length": max_length(cfg),
            "stages": report.to_dict(),
            "token_stats": stats,
            "packing_efficiency": efficiency,
            "mix": mix_report,
            "audit": next(audit),
            "rejects": "rejects.jsonl",
        }
        if error := manifest["audit"].get("error"):
            raise UserError(error)
        write_shards(
            out_dir,
            plans,
            manifest,
            cfg.output.max_rows_per_shard,
            extra_files={"rejects.jsonl": rejects},  # inside the atomic swap, before the manifest
            load=load,
            provenance=_provenance(rows, splits),  # sample id -> file and row, for inspect --id
        )
        store.close()
        if cfg.execution.address:  # a cluster's workers may not see the output folder
            report_task((cfg, out_dir))
        else:
            next(iter(pool.map(report_task, [(cfg, out_dir)])))
    shutil.rmtree(work)
    _summary(console, report, stats, efficiency, manifest["audit"], out_dir)
    return out_dir


class Rows:
    """What the driver keeps of each token row: its id, source and source name, lengths and where it is
    spilled (row-spill chunk, row), in input order; never its tokens."""

    def __init__(self, results: Iterable[dict[str, Any]]) -> None:
        self.ids: list[str] = []
        self.vocab, self.template = 0, ""
        self.source: list[str] = []
        self.source_name: list[str] = []
        tokens: list[int] = []
        supervised: list[int] = []
        chunk: list[int] = []
        for c, result in enumerate(results):
            self.ids.extend(result["id"])
            self.source.extend(result["source"])
            self.source_name.extend(result["source_name"])
            tokens.extend(result["n_tokens"])
            supervised.extend(result["n_supervised"])
            chunk.extend([c] * len(result["id"]))
            self.vocab, self.template = result["vocab"], result["template"]
        self.n_tokens = np.asarray(tokens, np.int64)
        self.n_supervised = np.asarray(supervised, np.int64)
        self.chunk = np.asarray(chunk, np.int64)

    def __len__(self) -> int:
        return len(self.ids)

    def refs(self, positions: Sequence[int]) -> list[tuple[int, int]]:
        """(chunk, row in chunk) of each position."""
        starts = np.searchsorted(self.chunk, self.chunk[positions], side="left")
        return [
            (int(c), int(p - s))
            for c, p, s in zip(self.chunk[positions], positions, starts, strict=True)
        ]


def _records_phase(
    cfg: RunConfig, pool: Any, work: Path, report: Report, console: Console
) -> tuple[list[list[Any]], list[str], list[int]]:
    """Extract + the per-record clean steps, one task per input shard; returns each shard's
    global-step keys, the spilled records' ids (input order) and the count per shard."""
    from pipeline.execute.tasks import RecordsTask, records_task
    from pipeline.extract.inputs import group_units, input_units

    with console.status("input units (large SQL dumps are scanned for statement starts)"):
        units = input_units(cfg.sources, cut_dumps=pool.workers > 1)
    groups = group_units(units, TASKS_PER_WORKER * pool.workers)
    tasks = [RecordsTask(cfg, i, len(groups), g, work) for i, g in enumerate(groups)]
    keys: list[list[Any]] = []
    ids: list[str] = []
    counts: list[int] = []
    for result in _progress(console, "extract + clean", pool.map(records_task, tasks), len(tasks)):
        report.merge(Report.from_dict(result["report"]))
        ids.extend(result["ids"])
        counts.append(len(result["ids"]))
        keys.append(result["keys"])
    return keys, ids, counts


def _decide(
    steps: Sequence[GlobalStep],
    keys: list[list[Any]],
    ids: list[str],
    counts: list[int],
    work: Path,
) -> dict[int, tuple[str, str, str]]:
    """Each global step decided over the keys of all records, in order (a later step ignores the
    records an earlier one dropped); returns record index -> (stage, reason, detail)."""
    drops: dict[int, tuple[str, str, str]] = {}
    if not ids:
        return drops
    alive = np.ones(len(ids), bool)
    for g, step in enumerate(steps):
        table = np.concatenate([k[g] for k in keys if k[g] is not None])
        decided = step.decide(table, ids, alive, lambda ix: _load_records(work, counts, ix))
        for i, (reason, detail) in sorted(decided.items()):
            alive[i] = False
            drops[i] = (step.stage, reason, detail)
    return drops


def _load_records(work: Path, counts: list[int], indices: Sequence[int]) -> list[Dialog | Document]:
    """Spilled records by global index (each shard file read once)."""
    from pipeline.execute.spill import read_records, records_path

    ends = np.cumsum(counts)
    wanted: dict[int, list[int]] = {}
    for i in sorted(set(indices)):
        wanted.setdefault(int(np.searchsorted(ends, i, side="right")), []).append(i)
    found: dict[int, Dialog | Document] = {}
    for shard, index in wanted.items():
        first = int(ends[shard] - counts[shard])
        lines = {i - first for i in index}
        for n, record in enumerate(read_records(records_path(work, shard), 0, max(lines) + 1)):
            if n in lines:
                found[first + n] = record
    return [found[i] for i in indices]


def _ranges(counts: list[int], start: int, end: int) -> list[tuple[int, int, int]]:
    """Global record range [start, end) as (shard, first line, end line) pieces."""
    out = []
    first = 0
    for shard, n in enumerate(counts):
        a, b = max(start, first), min(end, first + n)
        if a < b:
            out.append((shard, a - first, b - first))
        first += n
    return out


def _rows_phase(
    cfg: RunConfig,
    pool: Any,
    work: Path,
    counts: list[int],
    drops: dict[int, tuple[str, str, str]],
    report: Report,
    console: Console,
) -> Rows:
    """The global drops applied and the rest of the steps (render) run over even record ranges."""
    from pipeline.execute.tasks import RowsTask, rows_task

    # Ranges of a fixed size from the config, never from the worker count: the renderer batches
    # records, and the order of a batch's rejects follows its batches.
    size = cfg.render.batch_size * RENDER_BATCHES_PER_TASK
    total = sum(counts)
    n = max(1, -(-total // size))
    bounds = [min(c * size, total) for c in range(n + 1)]
    tasks = [
        RowsTask(
            cfg,
            c,
            n,
            _ranges(counts, a, b),
            a,
            {i: d for i, d in drops.items() if a <= i < b},
            work,
        )
        for c, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]

    def merged(results: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for result in results:
            report.merge(Report.from_dict(result["report"]))
            yield result

    return Rows(merged(_progress(console, "render", pool.map(rows_task, tasks), n)))


def _progress(console: Console, what: str, results: Iterable[Any], total: int) -> Iterator[Any]:
    from pipeline.progress import record_progress

    with record_progress(console) as progress:
        task = progress.add_task(f"{what} ({total} tasks)", total=total)
        for result in results:
            progress.advance(task)
            yield result


def _concat(parts: Sequence[Path], dest: Path) -> None:
    with dest.open("wb") as out:
        for part in parts:
            with part.open("rb") as fh:
                shutil.copyfileobj(fh, out)


def _audit(
    cfg: RunConfig,
    pool: Any,
    rows: Rows,
    work: Path,
    counts: list[int],
    drops: dict[int, tuple[str, str, str]],
) -> Iterator[dict[str, Any]]:
    """The render audit of the first rows (input order) as a task started now; its one result is
    the audit summary, or {"error": ...} when a sample fails."""
    from pipeline.execute.tasks import AuditTask, audit_task

    if cfg.pack.mode != "sft" or not cfg.render.audit_samples:
        return iter([{"checked": 0, "skipped": "pretrain mode"}])
    n = len(rows) if cfg.render.audit_samples < 0 else min(cfg.render.audit_samples, len(rows))
    task = AuditTask(cfg, work, counts, set(drops), rows.refs(list(range(n))))
    return iter(pool.map(audit_task, [task]))


def _split_and_mix(cfg: RunConfig, rows: Rows) -> tuple[dict[str, np.ndarray], dict | None]:
    """Row positions per split (by dialog id), the train split mixed to the configured shares."""
    from pipeline.shards import validation_ids

    held = validation_ids(rows.ids, cfg.split.validation, cfg.split.seed)
    val = [i for i, x in enumerate(rows.ids) if x in held]
    train = [i for i, x in enumerate(rows.ids) if x not in held]
    mix_report: dict[str, Any] | None = None
    from pipeline.mix import mix, proportions

    if shares := proportions(cfg):  # mix.proportions, else the sources' weights
        by_source: dict[str, list[dict[str, Any]]] = {}
        for i in train:
            row = {"id": rows.ids[i], "n_tokens": int(rows.n_tokens[i]), "position": i}
            by_source.setdefault(rows.source_name[i], []).append(row)
        mix_cfg = cfg.mix.model_copy(update={"proportions": shares})
        mixed, mix_report = mix(by_source, mix_cfg, cfg.seed)
        train = [r["position"] for r in mixed]
    return {
        "train": np.asarray(train, np.int64),
        "validation": np.asarray(val, np.int64),
    }, mix_report


def _provenance(rows: Rows, splits: dict[str, np.ndarray]) -> dict[str, Iterator[dict[str, Any]]]:
    """Per split, the metadata of each (unpacked) sample in split order, for the sidecar."""

    def entries(idx: np.ndarray) -> Iterator[dict[str, Any]]:
        for i in idx.tolist():
            yield {
                "id": rows.ids[i],
                "source": rows.source[i],
                "source_name": rows.source_name[i],
                "n_tokens": int(rows.n_tokens[i]),
                "n_supervised": int(rows.n_supervised[i]),
            }

    return {name: entries(idx) for name, idx in splits.items()}


def _stats(rows: Rows, idx: np.ndarray) -> dict[str, Any]:
    from pipeline.shards import length_stats

    return length_stats(rows.n_tokens[idx].tolist(), int(rows.n_supervised[idx].sum()))


def _pack(
    cfg: RunConfig, rows: Rows, splits: dict[str, np.ndarray], store: Any, max_len: int
) -> tuple[dict[str, list[Any]], dict[str, float], Any]:
    """Per split, the plan of each output row (from lengths only), the packing efficiency, and the
    function that turns a shard's worth of plans into rows (reading only those rows' tokens)."""
    from pipeline.pack import join_pretrain, join_sft, plan_pretrain, plan_sft

    def fetch(positions: Iterable[int]) -> dict[int, dict[str, Any]]:
        wanted = sorted(set(positions))
        return dict(zip(wanted, store.fetch(rows.refs(wanted)), strict=True))

    def efficiency(idx: np.ndarray, n_rows: int, size: int) -> float:
        return int(rows.n_tokens[idx].sum()) / (n_rows * size) if n_rows else 0.0

    plans: dict[str, list[Any]] = {}
    if cfg.pack.mode == "pretrain":
        size = cfg.pack.block_size
        for name, idx in splits.items():
            blocks = plan_pretrain(rows.n_tokens[idx].tolist(), size)
            plans[name] = [[(int(idx[i]), a, b) for i, a, b in block] for block in blocks]

        def load(blocks: Sequence[Any]) -> list[dict[str, Any]]:
            got = fetch(i for block in blocks for i, _, _ in block)
            return [
                join_pretrain(
                    [(rows.ids[i], got[i]["input_ids"][a:b]) for i, a, b in block],
                    cfg.pack.reset_position_ids,
                )
                for block in blocks
            ]

        return plans, {n: efficiency(splits[n], len(p), size) for n, p in plans.items()}, load
    if cfg.pack.enabled:
        for name, idx in splits.items():
            keys = [rows.ids[i] for i in idx]
            bins = plan_sft(rows.n_tokens[idx].tolist(), keys, max_len)
            plans[name] = [[int(idx[j]) for j in b] for b in bins]

        def load_bins(bins: Sequence[Any]) -> list[dict[str, Any]]:
            got = fetch(i for b in bins for i in b)
            return [join_sft([got[i] for i in b]) for b in bins]

        eff = {n: efficiency(splits[n], len(p), max_len) for n, p in plans.items()}
        return plans, eff, load_bins
    plans = {name: idx.tolist() for name, idx in splits.items()}

    def load_rows(positions: Sequence[int]) -> list[dict[str, Any]]:
        got = fetch(positions)
        return [got[i] for i in positions]

    return plans, {}, load_rows


def _summary(
    console: Console,
    report: Report,
    stats: dict[str, dict[str, Any]],
    efficiency: dict[str, float],
    audit: dict[str, Any],
    out_dir: Path,
) -> None:
    console.print(report.table("prepare: stages"))
    t = Table(title="prepare: tokens")
    for col in ("split", "samples", "tokens", "supervised", "mean", "p95", "max", "packing"):
        t.add_column(col, justify="left" if col == "split" else "right")
    for name, s in stats.items():
        eff = efficiency.get(name)
        t.add_row(
            name,
            str(s["count"]),
            str(s["tokens"]),
            str(s.get("supervised", "")),
            f"{s['mean']:.0f}",
            str(s["p95"]),
            str(s["max"]),
            f"{eff:.1%}" if eff is not None else "-",
        )
    console.print(t)
    checked = audit.get("checked", 0)
    console.print(
        f"render audit: {audit.get('passed', 0)}/{checked} samples match apply_chat_template"
    )
    console.print(f"shards -> {out_dir}/   rejects -> {out_dir / 'rejects.jsonl'}")
