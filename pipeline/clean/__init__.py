"""Cleaning: normalize, slop phrases, quality and format rules, exact and near duplicates.

Every removal is a Reject of stage `clean` naming the rule that fired (`slop.refusal`,
`quality.no_assistant`, `dedup.near`, ...); every modification is counted (`slop.filler_stripped`).
Order: normalize -> slop -> quality -> formats -> exact dedup -> near dedup, so duplicates are
judged on cleaned text and the record kept is the first survivor in input order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.clean.dedup import NearDedup, exact_dedup
from pipeline.clean.formats import check_answer, check_formats
from pipeline.clean.normalize import normalize, normalize_text
from pipeline.clean.quality import quality
from pipeline.clean.slop import Matcher, SlopStep, load_phrases, strip_sentences
from pipeline.config import AnswerFormat, CleanConfig
from pipeline.records import Dialog, Document
from pipeline.stage import RejectSink, Report, count_kept, count_seen

STAGE = "clean"

__all__ = [
    "Matcher",
    "NearDedup",
    "SlopStep",
    "check_answer",
    "clean",
    "clean_file",
    "clean_table",
    "exact_dedup",
    "load_phrases",
    "normalize_text",
    "strip_sentences",
]


def clean(
    records: Iterable[Dialog | Document],
    cfg: CleanConfig,
    report: Report,
    sink: RejectSink,
    answer_formats: dict[str, AnswerFormat] | None = None,
) -> Iterator[Dialog | Document]:
    """The cleaned records, streaming; rejects go to `sink`, counts to report.stage('clean')."""
    stats = report.stage(STAGE)
    out: Iterable[Dialog | Document] = count_seen(records, stats)
    out = normalize(out, cfg.normalize, stats)
    out = SlopStep(cfg.slop).run(out, sink, stats)
    out = quality(out, cfg.quality, sink, stats)
    if answer_formats:
        out = check_formats(out, answer_formats, sink)
    if cfg.dedup.exact:
        out = exact_dedup(out, cfg.dedup, sink)
    if cfg.dedup.near:
        out = NearDedup(cfg.dedup).run(out, sink)
    return count_kept(out, stats)


def clean_file(inp: Path, out: Path, rejects: Path, cfg: CleanConfig) -> Report:
    """`rawtune clean`: records JSONL in, cleaned JSONL + rejects JSONL + `<out>.report.json` out.
    A line that is not a record is itself a Reject with its line number, never a crash."""
    from pipeline.progress import counted
    from pipeline.stage import read_records, write_jsonl

    report = Report()
    with RejectSink(report, rejects) as sink:
        records = read_records(inp, STAGE, sink)
        write_jsonl(out, counted(clean(records, cfg, report, sink), "clean"))
    report.check_conservation()
    out.with_name(out.stem + ".report.json").write_text(
        json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    )
    return report


def clean_table(report: Report, title: str = "clean"):  # -> rich.table.Table
    """Records in, kept, every reject rule with its count and a few example ids, every counted
    change, and the conservation check (raises if in != kept + rejected)."""
    from rich.table import Table

    report.check_conservation()
    stats = report.stage(STAGE)
    t = Table(title=title)
    t.add_column("rule")
    t.add_column("records", justify="right")
    t.add_column("examples")
    t.add_row("in", str(stats.seen), "")
    for reason, n in sorted(stats.rejected.items(), key=lambda kv: (-kv[1], kv[0])):
        examples = ", ".join(e["id"] for e in stats.examples.get(reason, []))
        t.add_row(f"rejected: {reason}", str(n), examples)
    for what, n in sorted(stats.changed.items()):
        t.add_row(f"changed: {what}", str(n), "")
    t.add_row("kept", str(stats.kept), "")
    t.add_row(
        "check", "ok", f"{stats.seen} in == {stats.kept} kept + {stats.rejected_total} rejected"
    )
    return t
