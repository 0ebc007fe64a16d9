"""Which source a validation sample came from. Shard rows keep only each sample's id; `prepare`
writes every sample's id and source name to the provenance sidecar beside the shards, so the trainer
reads that instead of extracting the sources again (minutes on a large corpus, for a label)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def source_names(processed_dir: Path, manifest: dict[str, Any], ids: set[str]) -> dict[str, str]:
    """dialog id -> source name for the wanted `ids`, from the provenance sidecar (stops once every
    id is found; a folder prepared before the sidecar existed gives none)."""
    from pipeline.inspect.tokens import read_provenance

    found: dict[str, str] = {}
    if not ids:
        return found
    for entry in read_provenance(processed_dir, manifest):
        if entry["id"] in ids:
            found[entry["id"]] = entry["source_name"]
            if len(found) == len(ids):
                break
    return found
