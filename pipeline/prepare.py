"""`rawtune prepare`: extract -> clean -> render -> split -> mix -> pack -> shards, per one config.

The stages stream records into each other; only token rows are held (they are needed whole for
best-fit packing). Every drop lands in rejects.jsonl with its stage and reason, and the manifest
records counts per stage, token statistics, packing efficiency and the render audit.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline import __version__
from pipeline.config import AnswerFormat, RunConfig
from pipeline.progress import record_progress, ticked
from pipeline.records import Dialog, Document
from pipeline.stage import RejectSink, Report


def answer_formats(cfg: RunConfig) -> dict[str, AnswerFormat]:
    """source_name -> declared answer format, for the clean stage's format rules."""
    from pipeline.extract import source_name

    return {source_name(s): s.answer_format for s in cfg.sources if s.answer_format is not None}


def versions() -> dict[str, str]:
    import tokenizers
    import transformers

    return {
        "rawtune": __version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "python": platform.python_version(),
    }


def prepare(cfg: RunConfig, console: Console | None = None) -> Path:
    """Run every preparation stage and write `data/processed/<name>/`; returns that folder."""
    from pipeline.clean import clean
    from pipeline.extract import extract
    from pipeline.models import load_tokenizer, resolve
    from pipeline.pack import pack_pretrain, pack_sft, packing_efficiency
    from pipeline.render import (
        audit_or_raise,
        load_chat_template,
        render_dialogs,
        tokenize_documents,
    )
    from pipeline.shards import split_rows, token_stats, write_shards

    console = console or Console(stderr=True)
    out_dir = cfg.processed_dir
    rejects_tmp = out_dir.parent / f".{out_dir.name}.rejects.jsonl"
    tokenizer_name = cfg.render.tokenizer or cfg.model.name_or_path
    tokenizer = load_tokenizer(tokenizer_name)
    template = load_chat_template(cfg.render.template, tokenizer)
    max_length = cfg.pack.max_length or cfg.render.max_length

    report = Report()
    for stage in ("extract", "clean", "render"):  # table order = pipeline order
        report.stage(stage)
    dialogs: list[Dialog] = []
    documents: list[Document] = []
    with RejectSink(report, rejects_tmp) as sink, record_progress(console) as progress:
        task = progress.add_task("extract + clean", total=None)
        records = extract(cfg.sources, report, sink)
        records = clean(records, cfg.clean, report, sink, answer_formats(cfg))
        for record in ticked(records, progress, task):
            (dialogs if isinstance(record, Dialog) else documents).append(record)
        progress.update(task, description="render")
        if cfg.pack.mode == "sft":
            rows = list(
                render_dialogs(
                    dialogs,
                    cfg.render,
                    tokenizer,
                    report,
                    sink,
                    template=template,
                    max_length=max_length,
                )
            )
            _reject_all(documents, report, sink, "render", "document_in_sft_run")
        else:
            rows = list(tokenize_documents(documents, tokenizer, report, sink))
            _reject_all(dialogs, report, sink, "render", "dialog_in_pretrain_run")
    report.check_conservation()

    audit: dict[str, Any] = {"checked": 0, "skipped": "pretrain mode"}
    if cfg.pack.mode == "sft" and cfg.render.audit_samples:
        audit = audit_or_raise(dialogs, rows, cfg.render, tokenizer, template=template)

    splits = split_rows(rows, cfg.split.validation, cfg.split.seed)
    mix_report: dict[str, Any] | None = None
    from pipeline.mix import mix, proportions

    if shares := proportions(cfg):
        by_source: dict[str, list[dict[str, Any]]] = {}
        for row in splits["train"]:
            by_source.setdefault(row.get("source_name", ""), []).append(row)
        mix_cfg = cfg.mix.model_copy(update={"proportions": shares})
        splits["train"], mix_report = mix(by_source, mix_cfg, cfg.seed)

    stats = {name: token_stats(split_rows_) for name, split_rows_ in splits.items()}
    if cfg.pack.mode == "pretrain":
        packed = {
            name: list(pack_pretrain(r, cfg.pack.block_size, cfg.pack.reset_position_ids))
            for name, r in splits.items()
        }
        efficiency = {
            name: packing_efficiency(p, cfg.pack.block_size) for name, p in packed.items()
        }
    elif cfg.pack.enabled:
        packed = {name: pack_sft(r, max_length) for name, r in splits.items()}
        efficiency = {name: packing_efficiency(p, max_length) for name, p in packed.items()}
    else:
        packed, efficiency = splits, {}

    manifest = {
        "name": cfg.name,
        "config": cfg.model_dump(mode="json", by_alias=True),
        "config_hash": cfg.config_hash(),
        "versions": versions(),
        "mode": cfg.pack.mode,
        "template": cfg.render.template,
        "chat_template": template,
        "tokenizer": {
            "name": tokenizer_name,
            "path": resolve(tokenizer_name),
            "vocab": len(tokenizer),
        },
        "max_length": max_length,
        "stages": report.to_dict(),
        "token_stats": stats,
        "packing_efficiency": efficiency,
        "mix": mix_report,
        "audit": audit,
        "rejects": "rejects.jsonl",
    }
    write_shards(
        out_dir,
        packed,
        manifest,
        cfg.output.max_rows_per_shard,
        extra_files={"rejects.jsonl": rejects_tmp},  # inside the atomic swap, before the manifest
        provenance=splits,  # sample id -> file and row, for `rawtune inspect --id`
    )
    from pipeline.inspect import write_report

    write_report(out_dir, tokenizer=tokenizer)
    _summary(console, report, stats, efficiency, audit, out_dir)
    return out_dir


def _reject_all(
    records: list[Dialog] | list[Document],
    report: Report,
    sink: RejectSink,
    stage: str,
    reason: str,
) -> None:
    """Records of the other kind than the run's mode: counted into the stage and rejected, never lost."""
    stats = report.stage(stage)
    for record in records:
        stats.seen += 1
        sink.reject(record, stage, reason)


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
