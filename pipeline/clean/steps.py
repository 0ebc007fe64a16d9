"""The clean stage as steps (`clean_steps`), run in one process (`clean`, `clean_file` for
`rawtune clean`) and summarized (`clean_table`). Order and rules: see the package docstring."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.clean.dedup import ExactDedup, NearDedup
from pipeline.clean.formats import check_formats, validate_formats
from pipeline.clean.normalize import normalize
from pipeline.clean.quality import quality
from pipeline.clean.slop import SlopStep
from pipeline.config import AnswerFormat, CleanConfig
from pipeline.records import Dialog, Document
from pipeline.stage import RejectSink, Report
from pipeline.steps import Context, Count, Step, run_steps

STAGE = "clean"


Records = Iterable[Dialog | Document]


class Normalize(Step):
    """Every text normalized (see normalize.py); changes counted per kind."""

    name = "normalize"
    stage = STAGE

    def __init__(self, cfg: CleanConfig) -> None:
        self.cfg = cfg.normalize

    def __call__(self, items: Records, ctx: Context) -> Iterator[Dialog | Document]:
        return normalize(items, self.cfg, ctx.stats(STAGE))


class Slop(Step):
    """Refusals, disclaimers and filler (see slop.py)."""

    name = "slop"
    stage = STAGE

    def __init__(self, cfg: CleanConfig) -> None:
        self.rules = SlopStep(cfg.slop)

    def __call__(self, items: Records, ctx: Context) -> Iterator[Dialog | Document]:
        return self.rules.run(items, ctx.sink, ctx.stats(STAGE))


class Quality(Step):
    """The quality Filters in order (see quality.py)."""

    name = "quality"
    stage = STAGE

    def __init__(self, cfg: CleanConfig) -> None:
        self.cfg = cfg.quality

    def __call__(self, items: Records, ctx: Context) -> Iterator[Dialog | Document]:
        return quality(items, self.cfg, ctx.sink, ctx.stats(STAGE))


class Formats(Step):
    """Assistant turns checked against their source's declared answer format."""

    name = "formats"
    stage = STAGE

    def __init__(self, formats: dict[str, AnswerFormat]) -> None:
        validate_formats(formats)  # a bad declaration fails before any record is read
        self.formats = formats

    def __call__(self, items: Records, ctx: Context) -> Iterator[Dialog | Document]:
        return check_formats(items, self.formats, ctx.sink)


def clean_steps(
    cfg: CleanConfig, answer_formats: dict[str, AnswerFormat] | None = None
) -> list[Step]:
    """The clean stage as steps, counting what enters and what leaves."""
    steps: list[Step] = [Count(STAGE, "seen"), Normalize(cfg), Slop(cfg), Quality(cfg)]
    if answer_formats:
        steps.append(Formats(answer_formats))
    if cfg.dedup.exact:
        steps.append(ExactDedup(cfg.dedup))
    if cfg.dedup.near:
        steps.append(NearDedup(cfg.dedup))
    return [*steps, Count(STAGE, "kept")]


def clean(
    records: Records,
    cfg: CleanConfig,
    report: Report,
    sink: RejectSink,
    answer_formats: dict[str, AnswerFormat] | None = None,
) -> Iterator[Dialog | Document]:
    """The cleaned records in one process; rejects go to `sink`, counts to report.stage('clean')."""
    return run_steps(clean_steps(cfg, answer_formats), records, Context(report, sink))


def clean_file(
    inp: Path,
    out: Path,
    rejects: Path,
    cfg: CleanConfig,
    answer_formats: dict[str, AnswerFormat] | None = None,
) -> Report:
    """`rawtune clean`: records JSONL in, cleaned JSONL + rejects JSONL + `<out>.report.json` out.
    A line that is not a record is itself a Reject with its line number, never a crash."""
    from pipeline.progress import counted
    from pipeline.stage import read_records, write_jsonl

    report = Report()
    with RejectSink(report, rejects) as sink:
        records = read_records(inp, STAGE, sink)
        cleaned = clean(records, cfg, report, sink, answer_formats)
        write_jsonl(out, counted(cleaned, "clean"))
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
