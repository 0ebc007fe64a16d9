"""`rawtune render`: records JSONL -> token rows Parquet (id, source, source_name, input_ids, labels,
n_tokens, n_supervised), one row per dialog, no packing. Rejects go next to the output."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import ValidationError

from pipeline.config import RenderConfig
from pipeline.errors import UserError
from pipeline.records import Dialog, record_from_dict
from pipeline.render.audit import audit_or_raise
from pipeline.render.dialogs import STAGE, render_dialogs
from pipeline.render.templates import load_chat_template
from pipeline.rows import token_row_schema
from pipeline.stage import RejectSink, Report, read_jsonl


def read_dialogs(path: Path, report: Report, sink: RejectSink) -> list[Dialog]:
    """Dialogs from a records JSONL; documents and malformed records become render Rejects."""
    if not path.is_file():
        raise UserError(f"{path}: input file not found")
    dialogs = []
    stats = report.stage(STAGE)
    for lineno, obj in enumerate(read_jsonl(path), 1):
        try:
            record = record_from_dict(obj)
        except ValidationError as e:
            stats.seen += 1
            _reject_raw(sink, obj, path, lineno, e)
            continue
        if isinstance(record, Dialog):
            dialogs.append(record)
        else:
            stats.seen += 1
            sink.reject(
                record, STAGE, "not_a_dialog", "documents are tokenized by prepare (pretrain mode)"
            )
    return dialogs


def _reject_raw(sink: RejectSink, obj: dict, path: Path, lineno: int, err: ValidationError) -> None:
    from pipeline.records import Reject

    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    sink.add(
        Reject(
            id=str(obj.get("id", f"line {lineno}")) if isinstance(obj, dict) else f"line {lineno}",
            stage=STAGE,
            reason="invalid_record",
            source=f"{path}:{lineno}",
            record=obj if isinstance(obj, dict) else None,
            detail=f"{where}: {first['msg']}",
        )
    )


def write_rows(out: Path, rows: list[dict]) -> None:
    """Parquet with list<int32> token columns, written to a temp file then renamed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=token_row_schema())
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(out)


def render_file(
    inp: Path,
    out: Path,
    template: str,
    tokenizer: str,
    max_length: int | None,
    train_on: str,
) -> Report:
    """Render a records JSONL into a token Parquet (max_length None: no limit); returns the report.

    Rejects are written to `<out stem>.rejects.jsonl`; the audit runs on the default number of
    samples and fails with a one-line error on any mismatch."""
    from pipeline.models import load_tokenizer
    from pipeline.progress import counted

    tok = load_tokenizer(tokenizer)
    try:
        cfg = RenderConfig(
            template=template,
            tokenizer=tokenizer,
            max_length=max_length or sys.maxsize,
            train_on=train_on,
        )
    except ValidationError as e:
        first = e.errors()[0]
        raise UserError(f"render: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    chat_template = load_chat_template(template, tok)
    report = Report()
    rejects = out.with_name(out.stem + ".rejects.jsonl")
    with RejectSink(report, rejects) as sink:
        dialogs = read_dialogs(Path(inp), report, sink)
        rendered = render_dialogs(dialogs, cfg, tok, report, sink, template=chat_template)
        rows = list(counted(rendered, "render"))
    report.check_conservation()
    result = audit_or_raise(dialogs, rows, cfg, tok, chat_template)
    report.stage(STAGE).notes["audit"] = {k: v for k, v in result.items() if k != "failures"}
    write_rows(out, rows)
    return report
