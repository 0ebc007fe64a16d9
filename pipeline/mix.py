"""Combine several sources with target proportions, by samples or by tokens, deterministically.

Typical use: domain data plus 15-30% general chat so the model keeps its general ability. Without
upsampling the largest mix that fits is taken (the scarcest source relative to its share is used
whole, the others are subsampled); with `allow_upsample` the mix keeps the total size of all
sources and short sources are repeated (whole copies, then a seeded subset). Which rows are kept
is decided by a seeded hash of source and id, so it does not depend on row order. Shares come
from `mix.proportions` or a source's `weight`; the report lists the id of every row left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from pipeline.config import MixConfig, RunConfig
from pipeline.errors import UserError


def _amount(row: dict[str, Any], by: str) -> int:
    return 1 if by == "samples" else int(row.get("n_tokens", len(row["input_ids"])))


def _rank(rows: Sequence[dict[str, Any]], source: str, seed: int) -> list[int]:
    """Row indices in a seeded pseudo-random order that depends only on (seed, source, id)."""

    def key(i: int) -> tuple[bytes, int]:
        blob = f"{seed}\x00{source}\x00{rows[i].get('id', '')}".encode()
        return hashlib.sha256(blob).digest(), i

    return sorted(range(len(rows)), key=key)


def _counts(amounts: list[int], order: list[int], target: float) -> list[int]:
    """How many times each row is taken so the summed amount lands as close to `target` as rows allow."""
    counts = [0] * len(amounts)
    whole = sum(amounts)
    passes = int(target // whole) if whole else 0
    for i in range(len(amounts)):
        counts[i] = passes
    got = passes * whole
    for i in order:
        # Take the next row while it brings the total closer to the target (ties: take it).
        if got + amounts[i] - target > target - got:
            break
        counts[i] += 1
        got += amounts[i]
    return counts


def proportions(cfg: RunConfig) -> dict[str, float]:
    """Target shares by source name: each source's `weight`, overridden by `mix.proportions`."""
    from pipeline.extract import source_name

    weights = {source_name(s): s.weight for s in cfg.sources if s.weight is not None}
    return {**weights, **cfg.mix.proportions}


def mix(
    rows_by_source: dict[str, list[dict[str, Any]]], cfg: MixConfig, seed: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows of all sources combined to `cfg.proportions`; returns (rows, report of target vs reached)."""
    # No proportions: every source at its natural share, so everything is kept.
    wanted = dict(cfg.proportions) or {
        k: float(sum(_amount(r, cfg.by) for r in v)) for k, v in rows_by_source.items() if v
    }
    unlisted = sorted(set(rows_by_source) - set(wanted))
    if unlisted:
        raise UserError(
            f"mix.proportions: no share for source(s) {unlisted} (give each a `weight` or list it "
            f"in mix.proportions); known: {sorted(wanted)}"
        )
    empty = sorted(k for k in wanted if not rows_by_source.get(k))
    if empty:
        raise UserError(
            f"mix.proportions: source(s) {empty} have no rows to mix "
            f"(sources with rows: {sorted(k for k, v in rows_by_source.items() if v)})"
        )
    norm = sum(wanted.values())
    shares = {k: wanted[k] / norm for k in sorted(wanted)}
    amounts = {k: [_amount(r, cfg.by) for r in rows_by_source[k]] for k in shares}
    available = {k: sum(a) for k, a in amounts.items()}
    if cfg.allow_upsample:
        total = float(sum(available.values()))
    else:
        total = min(available[k] / shares[k] for k in shares)

    mixed: list[dict[str, Any]] = []
    per_source: dict[str, dict[str, Any]] = {}
    for k, share in shares.items():
        rows = rows_by_source[k]
        target = share * total if cfg.allow_upsample else min(share * total, available[k])
        counts = _counts(amounts[k], _rank(rows, k, seed), target)
        for row, c in zip(rows, counts, strict=True):
            mixed.extend([row] * c)
        per_source[k] = {
            "target": share,
            "available_rows": len(rows),
            "available": available[k],
            "selected_rows": sum(counts),
            "selected": sum(c * a for c, a in zip(counts, amounts[k], strict=True)),
            "dropped_rows": sum(c == 0 for c in counts),
            "dropped_ids": [
                str(r.get("id", "")) for r, c in zip(rows, counts, strict=True) if not c
            ],
            "repeated_rows": sum(c - 1 for c in counts if c > 1),
        }
    grand = sum(s["selected"] for s in per_source.values())
    for s in per_source.values():
        s["reached"] = s["selected"] / grand if grand else 0.0
    report = {
        "by": cfg.by,
        "seed": seed,
        "allow_upsample": cfg.allow_upsample,
        "rows": len(mixed),
        "total": grand,
        "sources": per_source,
    }
    return mixed, report
