"""Rejects grouped by stage and reason, each with the original text and where it came from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import UserError


@dataclass
class Group:
    """The rejects of one (stage, reason): their count and the first few in full."""

    stage: str
    reason: str
    count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)


def is_rejects_file(path: Path) -> bool:
    """A JSONL whose first object has `stage` and `reason` (a Reject), not a record."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    first = json.loads(line)
                except json.JSONDecodeError:
                    return False
                return isinstance(first, dict) and "stage" in first and "reason" in first
    return False


def read_rejects(path: Path) -> Iterator[dict[str, Any]]:
    from pipeline.stage import read_jsonl

    if not path.is_file():
        raise UserError(f"{path}: rejects file not found")
    for obj in read_jsonl(path):
        if not isinstance(obj, dict) or "stage" not in obj or "reason" not in obj:
            raise UserError(f"{path}: a line without stage/reason (not a rejects file)")
        yield obj


def group_rejects(
    rejects: Iterator[dict[str, Any]], per_group: int, reason: str | None = None
) -> list[Group]:
    """Groups in first-seen order of stage, then by count; `reason` keeps reasons containing it."""
    groups: dict[tuple[str, str], Group] = {}
    for r in rejects:
        if reason is not None and reason not in r["reason"]:
            continue
        g = groups.setdefault((r["stage"], r["reason"]), Group(r["stage"], r["reason"]))
        g.count += 1
        if len(g.examples) < per_group:
            g.examples.append(r)
    stages = list(dict.fromkeys(k[0] for k in groups))
    return sorted(groups.values(), key=lambda g: (stages.index(g.stage), -g.count, g.reason))


def original_text(reject: dict[str, Any], limit: int | None = None) -> str:
    """What was rejected, readable: the turns of a dialog, a document's text, a row's values."""
    rec = reject.get("record") or {}
    if "messages" in rec:
        text = "\n".join(f"{m.get('role')}: {m.get('content')}" for m in rec["messages"])
    elif "text" in rec:
        text = str(rec["text"])
    elif isinstance(rec.get("row"), dict):
        text = "\n".join(f"{k}: {v}" for k, v in rec["row"].items())
    elif isinstance(rec.get("fields"), list):
        text = " | ".join(map(str, rec["fields"]))
    elif rec:
        text = json.dumps(rec, ensure_ascii=False)
    else:
        text = ""
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit} more characters)"
    return text
