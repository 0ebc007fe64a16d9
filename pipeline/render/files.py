"""`rawtune render`: records JSONL -> token rows Parquet (id, source, source_name, input_ids, labels,
n_tokens, n_supervised), one row per dialog, no packing. Rejects go next to the output."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import ValidationError

from pipeline.config import RenderConfig, RunConfig
from pipeline.errors import UserError
from pipeline.records import Dialog
from pipeline.render.audit import audit_or_raise
from pipeline.render.dialogs import STAGE, render_dialogs
from pipeline.render.templates import load_chat_template
from pipeline.rows import arrow_table, token_row_schema
from pipeline.stage import RejectSink, Report, read_records


def read_dialogs(path: Path, report: Report, sink: RejectSink) -> list[Dialog]:
    """Dialogs from a records JSONL; documents and bad lines (not JSON, not a record) are render
    Rejects with their line numbers."""
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    dialogs = []
    stats = report.stage(STAGE)
    for record in read_records(path, STAGE, sink):
        if isinstance(record, Dialog):
            dialogs.append(record)
        else:
            stats.seen += 1
            sink.reject(
                record, STAGE, "not_a_dialog", "documents are tokenized by prepare (pretrain mode)"
            )
    return dialogs


def write_rows(out: Path, rows: list[dict]) -> None:
    """Parquet with list<int32> token columns, written to a temp file then renamed."""
    import pyarrow.parquet as pq

    table = arrow_table(rows, token_row_schema())
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(out)


def render_settings(
    run: RunConfig | None,
    template: str | None = None,
    tokenizer: str | None = None,
    max_length: int | None = None,
    train_on: str | None = None,
) -> tuple[RenderConfig, str, int]:
    """The render section, tokenizer and length budget `prepare` would use for this config, with
    any flag given overriding its one value; without a config, defaults and no length limit."""
    base = run.render if run is not None else RenderConfig()
    updates = {"template": template, "train_on": train_on, "tokenizer": tokenizer}
    updates = {k: v for k, v in updates.items() if v is not None}
    try:
        cfg = RenderConfig.model_validate({**base.model_dump(), **updates})
    except ValidationError as e:
        first = e.errors()[0]
        raise UserError(f"render: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    name = cfg.tokenizer or (run.model.name_or_path if run is not None else None)
    if name is None:
        raise UserError("render: give --tokenizer, or --config with the model")
    if max_length is None:
        max_length = (run.pack.max_length or cfg.max_length) if run is not None else sys.maxsize
    return cfg, name, max_length


def render_file(inp: Path, out: Path, cfg: RenderConfig, tokenizer: str, max_length: int) -> Report:
    """Render a records JSONL into a token Parquet; returns the report.

    Rejects are written to `<out stem>.rejects.jsonl`; the audit runs on `cfg.audit_samples` rows
    and fails with a one-line error on any mismatch."""
    from pipeline.models import load_tokenizer
    from pipeline.progress import counted

    tok = load_tokenizer(tokenizer)
    chat_template = load_chat_template(cfg.template, tok)
    report = Report()
    rejects = out.with_name(out.stem + ".rejects.jsonl")
    with RejectSink(report, rejects) as sink:
        dialogs = read_dialogs(Path(inp), report, sink)
        rendered = render_dialogs(
            dialogs, cfg, tok, report, sink, template=chat_template, max_length=max_length
        )
        rows = list(counted(rendered, "render"))
    report.check_conservation()
    if cfg.audit_samples:
        result = audit_or_raise(dialogs, rows, cfg, tok, chat_template)
        report.stage(STAGE).notes["audit"] = {k: v for k, v in result.items() if k != "failures"}
    write_rows(out, rows)
    return report
