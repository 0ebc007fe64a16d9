"""The one step list of a run, built from its RunConfig: extract -> clean -> render.

`prepare` runs all of it (sharded over input units, see pipeline/execute/); `rawtune extract` and
`rawtune clean` run their slice of the same list, so a stage alone gives the records the same slice
of `prepare` gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.config import AnswerFormat, RunConfig
from pipeline.records import Dialog, Document
from pipeline.steps import Context, GlobalStep, Step

STAGES = ("extract", "clean", "render")


class Extract(Step):
    """Input units (pipeline.extract.inputs) -> records; counts and rejects under `extract`."""

    name = "extract"
    stage = "extract"

    def __init__(self, sources: Sequence[Any], root: Path = Path(".")) -> None:
        self.sources, self.root = list(sources), root

    def __call__(self, items: Iterable[Any], ctx: Context) -> Iterator[Dialog | Document]:
        from pipeline.extract.inputs import extract_units
        from pipeline.extract.units import STAGE, Tally

        return extract_units(items, self.sources, Tally(ctx.stats(STAGE), ctx.sink), self.root)


class RunMode(Step):
    """Records of the other kind than the run's mode (documents in an SFT run, dialogs in a
    pretraining run): counted into render and rejected, never lost."""

    name = "mode"
    stage = "render"

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def __call__(self, items: Iterable[Any], ctx: Context) -> Iterator[Dialog | Document]:
        wanted, reason = (
            (Dialog, "document_in_sft_run")
            if self.mode == "sft"
            else (Document, "dialog_in_pretrain_run")
        )
        stats = ctx.stats(self.stage)
        for record in items:
            if isinstance(record, wanted):
                yield record
            else:
                stats.seen += 1
                ctx.sink.reject(record, self.stage, reason)


@lru_cache(maxsize=2)
def tokenizer_and_template(tokenizer_name: str, template: str) -> tuple[Any, str]:
    """Loaded once per process (each worker loads its own)."""
    from pipeline.models import load_tokenizer
    from pipeline.render import load_chat_template

    tokenizer = load_tokenizer(tokenizer_name)
    return tokenizer, load_chat_template(template, tokenizer)


class Render(Step):
    """Records -> token rows (pipeline.rows.TokenRow): dialogs rendered and masked in an SFT run,
    documents tokenized in a pretraining run. The tokenizer loads on first use, in the worker."""

    name = "render"
    stage = "render"

    def __init__(self, cfg: RunConfig) -> None:
        self.cfg = cfg

    def __call__(self, items: Iterable[Any], ctx: Context) -> Iterator[dict[str, Any]]:
        from pipeline.render import render_dialogs, tokenize_documents

        cfg = self.cfg
        tokenizer, template = tokenizer_and_template(tokenizer_name(cfg), cfg.render.template)
        if cfg.pack.mode == "pretrain":
            return tokenize_documents(items, tokenizer, ctx.report, ctx.sink)
        return render_dialogs(
            items,
            cfg.render,
            tokenizer,
            ctx.report,
            ctx.sink,
            template=template,
            max_length=max_length(cfg),
        )


def tokenizer_name(cfg: RunConfig) -> str:
    return cfg.render.tokenizer or cfg.model.name_or_path


def max_length(cfg: RunConfig) -> int:
    return cfg.pack.max_length or cfg.render.max_length


def answer_formats(cfg: RunConfig) -> dict[str, AnswerFormat]:
    """source_name -> declared answer format, for the clean stage's format rules."""
    from pipeline.extract import source_name

    return {source_name(s): s.answer_format for s in cfg.sources if s.answer_format is not None}


def build_steps(
    cfg: RunConfig, stages: Sequence[str] = STAGES, root: Path = Path(".")
) -> list[Step]:
    """The run's steps for the given stages (in pipeline order)."""
    from pipeline.clean import clean_steps

    steps: list[Step] = []
    if "extract" in stages:
        steps.append(Extract(cfg.sources, root))
    if "clean" in stages:
        steps.extend(clean_steps(cfg.clean, answer_formats(cfg)))
    if "render" in stages:
        steps.extend([RunMode(cfg.pack.mode), Render(cfg)])
    return steps


def split_at_global(steps: Sequence[Step]) -> tuple[list[Step], list[GlobalStep], list[Step]]:
    """(per-record steps before, the global steps, per-record steps after). Without global steps
    the cut is at the end of the clean stage, so records spill between clean and render."""
    first = next((i for i, s in enumerate(steps) if isinstance(s, GlobalStep)), None)
    if first is None:
        first = next((i for i, s in enumerate(steps) if s.stage == "render"), len(steps))
    end = first
    while end < len(steps) and isinstance(steps[end], GlobalStep):
        end += 1
    if any(isinstance(s, GlobalStep) for s in steps[end:]):
        raise ValueError("global steps must be adjacent in the step list")
    return list(steps[:first]), list(steps[first:end]), list(steps[end:])  # type: ignore[arg-type]
