"""Which source a validation sample came from: shards keep dialog ids, the extract stage knows sources.

Packed shard rows carry each sample's dialog id but not its source name, so the names are found by
re-reading the configured sources (extract only, no clean or render) until every wanted id is seen.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.config import RunConfig, Source


def source_names(
    cfg: RunConfig, ids: set[str], sources: Sequence[Source] | None = None
) -> dict[str, str]:
    """dialog id -> source name for the wanted `ids` (reading `sources`, default all; stops early)."""
    from pipeline.extract import extract
    from pipeline.stage import RejectSink, Report

    found: dict[str, str] = {}
    if not ids:
        return found
    report = Report()
    with RejectSink(report) as sink:
        for record in extract(sources if sources is not None else cfg.sources, report, sink):
            if record.id in ids:
                found[record.id] = record.source_name
                if len(found) == len(ids):
                    break
    return found
