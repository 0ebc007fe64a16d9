"""Answer-format rules: a source may declare that its assistant turns are JSON, match a JSON schema,
or match a regex; a turn that does not comply rejects the dialog with the parse error. A model learns
malformed outputs as faithfully as good ones, so this is checked by code, not by eye."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from pipeline.config import AnswerFormat
from pipeline.errors import UserError
from pipeline.records import Dialog, Document
from pipeline.stage import RejectSink

STAGE = "clean"


def check_answer(content: str, fmt: AnswerFormat) -> str | None:
    """None if `content` complies, else a one-line reason."""
    if fmt.kind == "regex":
        return (
            None
            if re.fullmatch(fmt.pattern or "", content, re.DOTALL)
            else f"does not match {fmt.pattern!r}"
        )
    try:
        value = json.loads(content)
    except json.JSONDecodeError as e:
        return f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}"
    if fmt.kind == "json_schema":
        import jsonschema

        try:
            jsonschema.validate(value, fmt.schema_ or {})
        except jsonschema.ValidationError as e:
            return f"schema: {e.message}"
    return None


def validate_formats(formats: dict[str, AnswerFormat]) -> None:
    """A bad declaration (regex that does not compile, invalid schema) is a one-line UserError
    before any record is judged, not a traceback halfway through the data."""
    import jsonschema

    for name, fmt in formats.items():
        where = f"source {name!r}: answer_format"
        if fmt.kind == "regex":
            if not fmt.pattern:
                raise UserError(f"{where}: kind regex needs `pattern`")
            try:
                re.compile(fmt.pattern)
            except re.error as e:
                raise UserError(f"{where}.pattern: not a valid regex ({e})") from None
        if fmt.kind == "json_schema":
            if fmt.schema_ is None:
                raise UserError(f"{where}: kind json_schema needs `schema`")
            try:
                jsonschema.validators.validator_for(fmt.schema_).check_schema(fmt.schema_)
            except jsonschema.SchemaError as e:
                raise UserError(f"{where}.schema: not a valid JSON schema ({e.message})") from None


def check_formats(
    records: Iterable[Dialog | Document], formats: dict[str, AnswerFormat], sink: RejectSink
) -> Iterator[Dialog | Document]:
    """Reject dialogs whose source declares an answer format that an assistant turn breaks."""
    validate_formats(formats)
    for record in records:
        fmt = formats.get(record.source_name)
        if fmt is None or isinstance(record, Document):
            yield record
            continue
        problem = next(
            (
                f"turn {i}: {p}"
                for i, m in enumerate(record.messages)
                if m.role == "assistant" and (p := check_answer(m.content, fmt))
            ),
            None,
        )
        if problem:
            sink.reject(record, STAGE, f"format.{fmt.kind}", problem)
        else:
            yield record
