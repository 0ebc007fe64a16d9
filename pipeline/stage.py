"""What every stage shares: per-stage counts (mergeable across workers), the reject sink, JSONL I/O.

The step protocol built on these (Step, Context, Filter) is in `pipeline.steps`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, Field, ValidationError

from pipeline.records import Dialog, Document, Reject

EXAMPLES_PER_REASON = 3


class StageStats(BaseModel):
    """Counts for one stage: what came in, what it kept, what it rejected and why."""

    stage: str
    seen: int = 0
    kept: int = 0
    rejected: dict[str, int] = Field(default_factory=dict)
    changed: dict[str, int] = Field(default_factory=dict)
    examples: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    notes: dict[str, Any] = Field(default_factory=dict)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def count_change(self, what: str, n: int = 1) -> None:
        """Record that a rule modified (not removed) a record, e.g. a stripped filler sentence."""
        self.changed[what] = self.changed.get(what, 0) + n

    def merge(self, other: StageStats) -> None:
        """Add another worker's counts for the same stage (the other one's shards come later)."""
        self.seen += other.seen
        self.kept += other.kept
        for reason, n in other.rejected.items():
            self.rejected[reason] = self.rejected.get(reason, 0) + n
        for what, n in other.changed.items():
            self.changed[what] = self.changed.get(what, 0) + n
        for reason, examples in other.examples.items():
            mine = self.examples.setdefault(reason, [])
            mine.extend(examples[: EXAMPLES_PER_REASON - len(mine)])
        _merge_notes(self.notes, other.notes)


def _merge_notes(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Nested dicts merged key by key, counts added, anything else taken from `other`."""
    for key, value in other.items():
        mine = into.get(key)
        if isinstance(mine, dict) and isinstance(value, dict):
            _merge_notes(mine, value)
        elif isinstance(mine, int) and isinstance(value, int) and not isinstance(value, bool):
            into[key] = mine + value
        else:
            into[key] = value


class Report:
    """Ordered per-stage stats for one run; checks conservation (seen == kept + rejected)."""

    def __init__(self) -> None:
        self.stages: dict[str, StageStats] = {}

    def stage(self, name: str) -> StageStats:
        if name not in self.stages:
            self.stages[name] = StageStats(stage=name)
        return self.stages[name]

    def check_conservation(self) -> None:
        """Raise if any stage lost or invented records; this must never happen."""
        for s in self.stages.values():
            if s.seen != s.kept + s.rejected_total:
                raise AssertionError(
                    f"stage {s.stage}: seen {s.seen} != kept {s.kept} + rejected {s.rejected_total}"
                )

    def to_dict(self) -> dict[str, Any]:
        return {name: s.model_dump() for name, s in self.stages.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """A report from `to_dict` output (how a worker's counts travel back)."""
        report = cls()
        for name, stats in data.items():
            report.stages[name] = StageStats.model_validate(stats)
        return report

    def merge(self, other: Report) -> None:
        """Add another worker's report, stage by stage (stages new to this one are appended)."""
        for name, stats in other.stages.items():
            self.stage(name).merge(stats)

    def table(self, title: str = "stages"):  # -> rich.table.Table
        """A short rich table: one row per stage, with the top reject reasons."""
        from rich.table import Table

        t = Table(title=title)
        for col in ("stage", "in", "kept", "rejected", "top reasons"):
            t.add_column(col, justify="right" if col in ("in", "kept", "rejected") else "left")
        for s in self.stages.values():
            top = Counter(s.rejected).most_common(4)
            reasons = ", ".join(f"{r}: {n}" for r, n in top)
            t.add_row(s.stage, str(s.seen), str(s.kept), str(s.rejected_total), reasons)
        extract, after = self.stages.get("extract"), self._after("extract")
        if extract and after and extract.kept != after.seen:
            # extract counts input units; a reader must not take the difference for lost records
            t.caption = (
                f"extract counts input units (rows, pages, items): its {extract.kept:,} kept "
                f"units make {after.seen:,} records (long layouts join rows into conversations)"
            )
        return t

    def _after(self, name: str) -> StageStats | None:
        """The stage that ran right after `name`, if any."""
        names = list(self.stages)
        i = names.index(name) if name in names else -1
        return self.stages[names[i + 1]] if 0 <= i < len(names) - 1 else None


class RejectSink:
    """Counts every reject into the report and appends it to a JSONL file (if a path is given)."""

    def __init__(self, report: Report, path: Path | None = None) -> None:
        self.report = report
        self.path = path
        self._fh: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = path.open("w", encoding="utf-8")

    def add(self, reject: Reject) -> None:
        stats = self.report.stage(reject.stage)
        stats.rejected[reject.reason] = stats.rejected.get(reject.reason, 0) + 1
        examples = stats.examples.setdefault(reject.reason, [])
        if len(examples) < EXAMPLES_PER_REASON:
            examples.append({"id": reject.id, "source": reject.source, "detail": reject.detail})
        if self._fh is not None:
            self._fh.write(reject.model_dump_json() + "\n")

    def reject(
        self,
        record: Dialog | Document,
        stage: str,
        reason: str,
        detail: str | None = None,
    ) -> None:
        """Reject a whole record, keeping it in full so the user can see exactly what went."""
        self.add(
            Reject(
                id=record.id,
                stage=stage,
                reason=reason,
                source=record.source,
                record=record.model_dump(),
                detail=detail,
            )
        )

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RejectSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Objects of a JSONL file rawtune wrote itself (rejects, provenance); a damaged line is a
    one-line UserError naming it. Users' records go through `read_records`, which rejects instead."""
    from pipeline.errors import UserError

    with path.open(encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as e:
                raise UserError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None


def read_records(path: Path, stage: str, sink: RejectSink) -> Iterator[Dialog | Document]:
    """Records of a records JSONL, in order. A line that is not UTF-8, not JSON, not an object or
    not a valid Dialog/Document is one Reject of `stage` (counted as seen there) with its line
    number and the parse error, and reading goes on; a missing file is a one-line UserError."""
    from pipeline.errors import UserError

    if not path.is_file():
        raise UserError(f"{path}: file not found")
    return _records(path, stage, sink)


def _records(path: Path, stage: str, sink: RejectSink) -> Iterator[Dialog | Document]:
    from pipeline.extract.jsonfile import iter_items
    from pipeline.records import record_from_dict

    stats = sink.report.stage(stage)
    for item in iter_items(path, fast=_fast_record):
        obj = item.value
        if isinstance(obj, (Dialog, Document)):
            yield obj
            continue
        reason, detail = item.reason, item.detail
        if reason is None and not isinstance(obj, dict):
            reason, detail = "not_an_object", f"expected a JSON object, got {type(obj).__name__}"
        if reason is None:
            try:
                yield record_from_dict(obj)
                continue
            except ValidationError as e:
                first = e.errors()[0]
                loc = ".".join(str(p) for p in first["loc"])
                reason, detail = "invalid_record", f"{loc}: {first['msg']}" if loc else first["msg"]
        stats.seen += 1
        own_id = obj.get("id") if isinstance(obj, dict) else None
        sink.add(
            Reject(
                id=own_id if isinstance(own_id, str) else f"line {item.line}",
                stage=stage,
                reason=reason,
                source=f"{path}:{item.where}",
                record=obj if isinstance(obj, dict) else None,
                detail=detail,
            )
        )


def _fast_record(line: bytes) -> Dialog | Document | None:
    """One records-JSONL line parsed and validated by pydantic's own JSON parser, about twice as
    fast as json.loads then validation; None for anything it refuses (bad JSON, a lone surrogate
    escape, an invalid record, a Document carrying `messages`), which `_records` then reads the
    careful way and keeps or rejects with that reader's reason, so results never depend on it."""
    try:
        return (Dialog if b'"messages"' in line else Document).model_validate_json(line)
    except ValidationError:
        return None


def write_jsonl(path: Path, items: Iterable[BaseModel]) -> int:
    """Write models as JSONL (written to a temp file, then renamed); returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(item.model_dump_json() + "\n")
            n += 1
    tmp.replace(path)
    return n
