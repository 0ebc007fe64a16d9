"""`rawtune inspect`: samples or rejects in the terminal.

On a terminal, trained text is bold green, masked text dim and special tokens reversed; piped or
with NO_COLOR set, trained spans sit between ⟦ ⟧ and special tokens between ‹ ›, so a CI log
shows exactly what is trained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.errors import UserError
from pipeline.inspect.rejects import group_rejects, is_rejects_file, original_text, read_rejects
from pipeline.inspect.tokens import (
    IGNORE,
    Sample,
    attach_provenance,
    folder_samples,
    load_tokenizer_for,
    parquet_samples,
    read_manifest,
    rendered_samples,
    spans,
    special_ids,
    take,
    with_provenance,
)

OPEN, CLOSE = "⟦", "⟧"  # around trained text when colour is off
SPECIAL_OPEN, SPECIAL_CLOSE = "‹", "›"
TEXT_LIMIT = 600  # characters of a reject's original text shown in the terminal


def plain(console: Console) -> bool:
    """No colour to carry the mask (a pipe, a file, NO_COLOR): use visible markers instead."""
    return not console.is_terminal or console.no_color


def legend(console: Console) -> None:
    if plain(console):
        console.print(
            f"legend: {OPEN}trained{CLOSE} (labels = input_ids); text outside {OPEN} {CLOSE} is "
            f"masked (-100); {SPECIAL_OPEN}…{SPECIAL_CLOSE} = special token",
            markup=False,
            highlight=False,
        )
    else:
        text = Text("legend: ")
        text.append("trained", style="bold green")
        text.append(", ")
        text.append("masked (-100)", style="dim")
        text.append(", ")
        text.append("special token", style="reverse")
        console.print(text)


def sample_text(sample: Sample, tokenizer: Any, special: set[int], no_colour: bool) -> Text:
    """The sample decoded, its trained and special runs styled or bracketed."""
    text = Text()
    for piece, trained, is_special in spans(sample, tokenizer, special):
        if no_colour:
            if is_special:
                piece = f"{SPECIAL_OPEN}{piece}{SPECIAL_CLOSE}"
            text.append(f"{OPEN}{piece}{CLOSE}" if trained else piece)
        else:
            style = "bold green" if trained else "dim"
            text.append(piece, style=f"{style} reverse" if is_special else style)
    if no_colour:  # adjacent trained runs (split by a special token) read as one span
        text = Text(text.plain.replace(CLOSE + OPEN, ""))
    return text


def show_sample(
    console: Console, sample: Sample, number: int, tokenizer: Any, special: set[int], tokens: bool
) -> None:
    no_colour = plain(console)
    head = f"── sample {number}: {sample.id}" + (f"  ({sample.split})" if sample.split else "")
    console.print(head, style=None if no_colour else "bold", markup=False, highlight=False)
    origin = sample.source or "unknown (no provenance recorded)"
    if sample.source_name:
        origin += f"  [{sample.source_name}]"
    for line in (
        f"source: {origin}",
        f"stored: {sample.where()}",
        f"tokens: {len(sample.input_ids)}, trained: {sample.n_trained}",
    ):
        console.print(line, markup=False, highlight=False)
    console.print(
        sample_text(sample, tokenizer, special, no_colour), soft_wrap=no_colour, highlight=False
    )
    if tokens:
        console.print(token_table(sample, tokenizer, special))
    console.print()


def token_table(sample: Sample, tokenizer: Any, special: set[int]) -> Table:
    """One line per token: position in the sample (and in the packed row), id, piece, label."""
    t = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    for col in ("pos", "row pos", "id", "piece", "text", "label"):
        t.add_column(col, justify="right" if col in ("pos", "row pos", "id") else "left")
    pieces = tokenizer.convert_ids_to_tokens(sample.input_ids)
    for i, (tok, lab) in enumerate(zip(sample.input_ids, sample.labels, strict=True)):
        label = "-100 (masked)" if lab == IGNORE else str(lab)
        piece = pieces[i] + (" [special]" if tok in special else "")
        text = repr(tokenizer.decode([tok]))
        cells = (str(i), str(sample.start + i), str(tok), piece, text, label)
        t.add_row(*(Text(c) for c in cells))  # Text: a piece like `[INST]` is no rich markup
    return t


def show_rejects(console: Console, path: Path, n: int, reason: str | None) -> None:
    """Rejects grouped by stage and reason: counts, then up to n each with source and text."""
    groups = group_rejects(read_rejects(path), n, reason)
    if not groups:
        console.print(
            f"no rejects{f' with reason containing {reason!r}' if reason else ''} in {path}"
        )
        return
    stage = None
    for g in groups:
        if g.stage != stage:
            stage = g.stage
            total = sum(x.count for x in groups if x.stage == stage)
            console.print(f"═══ stage {stage}: {total} rejected", markup=False, highlight=False)
        console.print(f"── {g.reason}: {g.count}", markup=False, highlight=False)
        for r in g.examples:
            line = f"  {r.get('source', '?')}  (id {r.get('id', '?')})"
            if r.get("detail"):
                line += f": {r['detail']}"
            console.print(line, markup=False, highlight=False)
            text = original_text(r, TEXT_LIMIT)
            if text:
                console.print(
                    "\n".join(f"    │ {x}" for x in text.splitlines()),
                    markup=False,
                    highlight=False,
                    style=None if plain(console) else "dim",
                )
        if g.count > len(g.examples):
            console.print(f"  … {g.count - len(g.examples)} more", markup=False)


def _matches(rid: str, source: str, name: str, want_id: str | None, want_src: str | None) -> bool:
    """--id is exact; --source matches part of the source string or the source name."""
    if want_id is not None and rid != want_id:
        return False
    return want_src is None or want_src in source or want_src in name


def show_records(console: Console, path: Path, n: int) -> None:
    """A records JSONL without a tokenizer: the first n records turn by turn, then every line
    that is not a record (line number, reason, parse error) and the counts."""
    from rich.markup import escape
    from rich.panel import Panel

    from pipeline.stage import RejectSink, Report, read_records

    report = Report()
    stats = report.stage("inspect")
    with RejectSink(report) as sink:
        for record in read_records(path, "inspect", sink):
            stats.seen += 1
            stats.kept += 1
            if stats.kept <= n:
                text = Text()
                for m in getattr(record, "messages", None) or []:
                    text.append(f"{m.role}: ", style="bold")
                    text.append(m.content + "\n")
                if not text:
                    text.append(record.text)
                console.print(
                    Panel(text, title=f"{record.id}  {record.source}", title_align="left")
                )
    for why, examples in stats.examples.items():
        for e in examples:
            console.print(
                f"[red]{escape(why)}[/red] {escape(e['source'])}: {escape(str(e['detail']))}"
            )
    reasons = ", ".join(f"{r}: {k}" for r, k in sorted(stats.rejected.items()))
    console.print(
        f"{stats.kept} records, {stats.rejected_total} lines that are not records"
        + (f" ({reasons})" if reasons else "")
    )
    console.print("(pass --tokenizer to see them rendered with trained tokens marked)")


def inspect_path(
    path: Path,
    n: int,
    tokenizer_name: str | None,
    console: Console,
    sample_id: str | None = None,
    source: str | None = None,
    rejects: bool = False,
    reason: str | None = None,
    tokens: bool = False,
    template: str = "auto",
    train_on: str = "all_assistant",
) -> None:
    """Print the first n samples of PATH (filtered by id/source), or its rejects."""
    if not path.exists():
        raise UserError(f"{path}: not found")
    if n <= 0:
        raise UserError(f"-n must be > 0 (got {n})")
    manifest = read_manifest(path) if path.is_dir() else None
    if rejects or reason is not None or (path.suffix == ".jsonl" and is_rejects_file(path)):
        rej = path / manifest.get("rejects", "rejects.jsonl") if manifest else path
        show_rejects(console, rej, n, reason)
        return
    if manifest is None and path.suffix not in (".parquet", ".jsonl"):
        raise UserError(f"{path}: expected a prepared folder, a .parquet or a records .jsonl")
    if path.suffix == ".jsonl" and tokenizer_name is None:
        show_records(console, path, n)  # no tokenizer to render with: the records as text
        return
    tok = load_tokenizer_for(tokenizer_name, manifest)

    def want(rid: str, src: str, name: str) -> bool:
        return _matches(rid, src, name, sample_id, source)

    notes: dict[str, list[dict[str, Any]]] = {}
    if manifest is not None and sample_id is None and source is None:
        chosen = take(folder_samples(path, manifest), n)
        attach_provenance(path, manifest, chosen)
    elif manifest is not None:
        found = with_provenance(
            path, manifest, lambda e: want(e["id"], e["source"], e["source_name"])
        )
        chosen = take(found, n)
    elif path.suffix == ".parquet":
        found = (s for s in parquet_samples(path) if want(s.id, s.source, s.source_name))
        chosen = take(found, n)
    else:
        chosen, notes = rendered_samples(
            path, tok, template, train_on,
            lambda r: want(r.id, r.source, r.source_name), n,
        )  # fmt: skip
    if not chosen and not notes:
        what = " ".join(
            x for x in (sample_id and f"id {sample_id}", source and f"source {source!r}") if x
        )
        raise UserError(f"{path}: no sample{' with ' + what if what else ''}")
    legend(console)
    special = special_ids(tok)
    for k, sample in enumerate(chosen, 1):
        show_sample(console, sample, k, tok, special, tokens)
    for why, examples in notes.items():
        for ex in examples:
            console.print(f"rejected by render ({why}): {ex['source']}  {ex.get('detail') or ''}")
