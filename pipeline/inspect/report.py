"""`rawtune report`: one self-contained HTML page about a prepared folder (and its training run).

Everything is inline (CSS, JS, SVG charts, the loss PNG as a data URI): the file can be mailed or
opened offline. Rendered with jinja2 (autoescaped) from `report.html.jinja` next to this module.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

from pipeline.inspect import charts
from pipeline.inspect.rejects import group_rejects, original_text, read_rejects
from pipeline.inspect.run import load_run, run_dir_of
from pipeline.inspect.tokens import (
    Sample,
    load_tokenizer_for,
    read_manifest,
    read_provenance,
    spans,
    special_ids,
    with_provenance,
)

REJECTS_PER_RULE = 50
REJECT_TEXT = 2000
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def write_report(
    folder: Path,
    out: Path | None = None,
    run_dir: Path | None = None,
    tokenizer: Any = None,
    n: int = 200,
) -> Path:
    """Write the report of `folder` to `out` (default: `folder/report.html`); returns the path.

    `run_dir` defaults to the run folder named by the manifest's config (outputs/<name>)."""
    import jinja2

    folder = Path(folder)
    manifest = read_manifest(folder)
    tok = tokenizer or load_tokenizer_for(None, manifest)
    context = build_context(folder, manifest, tok, n, run_dir or run_dir_of(manifest))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    html = env.get_template("report.html.jinja").render(**context)
    out = Path(out) if out is not None else folder / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return out


def build_context(
    folder: Path, manifest: dict[str, Any], tok: Any, n: int, run_dir: Path | None
) -> dict[str, Any]:
    """Everything the template shows, section by section."""
    stages = manifest.get("stages", {})
    token_stats = manifest.get("token_stats", {})
    lengths = Lengths.read(folder, manifest, n)
    special = special_ids(tok)
    return {
        "title": f"rawtune report: {manifest.get('name', folder.name)}",
        "folder": str(folder),
        "manifest": manifest,
        "n_samples": sum(s.get("count", 0) for s in token_stats.values()),
        "n_in": stages.get("extract", {}).get("seen", 0),
        "n_rejected": sum(sum(s.get("rejected", {}).values()) for s in stages.values()),
        **_funnel_and_rejects(folder, manifest, lengths.per_source),
        **_token_sections(manifest, lengths),
        "encodings": stages.get("extract", {}).get("notes", {}).get("files", {}),
        "audit": manifest.get("audit") or {},
        "samples": [
            _sample_view(s, tok, special) for s in pick_samples(folder, manifest, lengths.firsts, n)
        ],
        "source_names": sorted(lengths.per_source),
        "run": load_run(run_dir, manifest.get("config_hash")),
    }


def _funnel_and_rejects(
    folder: Path, manifest: dict[str, Any], kept_by_source: Counter[str]
) -> dict[str, Any]:
    """Per stage, per rule and per source counts (one pass over the rejects file), with charts."""
    stages = manifest.get("stages", {})
    names = _source_names(manifest)
    rejected_by_source: dict[str, Counter[str]] = defaultdict(Counter)

    def counted(rejects):
        for r in rejects:
            name = ((r.get("record") or {}).get("meta") or {}).get("source_name")
            rejected_by_source[name or _match_source(r.get("source", ""), names)][r["stage"]] += 1
            yield r

    rejects = read_rejects(folder / manifest.get("rejects", "rejects.jsonl"))
    groups = group_rejects(counted(rejects), REJECTS_PER_RULE)
    sources = sorted(set(kept_by_source) | set(rejected_by_source))
    return {
        "stages": [
            (name, st["seen"], st["kept"], sum(st.get("rejected", {}).values()))
            for name, st in stages.items()
        ],
        "funnel_chart": charts.stacked(
            [(name, (st["kept"], sum(st["rejected"].values()))) for name, st in stages.items()],
            ("kept", "rejected"),
            "kept and rejected per stage",
        ),
        "rules_chart": charts.stacked(
            [(f"{g.stage}: {g.reason}", (g.count,)) for g in groups],
            ("rejected",),
            "rejects per rule",
        ),
        "source_rows": [
            (src, kept_by_source.get(src, 0), dict(rejected_by_source.get(src, {})))
            for src in sources
        ],
        "source_chart": charts.stacked(
            [
                (src, (kept_by_source.get(src, 0), sum(rejected_by_source.get(src, {}).values())))
                for src in sources
            ],
            ("kept", "rejected"),
            "samples kept and records rejected per source",
        ),
        "reject_groups": [
            {
                "stage": g.stage,
                "reason": g.reason,
                "count": g.count,
                "examples": [
                    {
                        "source": r.get("source", ""),
                        "id": r.get("id", ""),
                        "detail": r.get("detail") or "",
                        "text": original_text(r, REJECT_TEXT),
                    }
                    for r in g.examples
                ],
            }
            for g in groups
        ],
    }


def _token_sections(manifest: dict[str, Any], lengths: Lengths) -> dict[str, Any]:
    """Length histograms against max_length, packing per split, and the mix."""
    max_length = manifest.get("max_length")
    token_stats = manifest.get("token_stats", {})
    shards = manifest.get("shards", {})
    eff = manifest.get("packing_efficiency") or {}
    return {
        "max_length": max_length,
        "length_chart": charts.histogram(lengths.tokens, max_length, "tokens per sample"),
        "supervised_chart": charts.histogram(
            lengths.supervised, max_length, "trained tokens per sample"
        ),
        "token_stats": token_stats,
        "packing": [
            (split, st.get("count", 0), shards.get(split, {}).get("rows"), eff.get(split))
            for split, st in token_stats.items()
        ],
        "mix": manifest.get("mix"),
        "mix_chart": _mix_chart(manifest.get("mix")),
    }


def _mix_chart(mix: dict[str, Any] | None) -> str:
    """Target vs reached share per source, as percentages, one pair of bars each."""
    if not mix:
        return ""
    rows = [
        (f"{name} {what}", (round(100 * s[what], 1),))
        for name, s in mix["sources"].items()
        for what in ("target", "reached")
    ]
    kinds = [label.rsplit(" ", 1)[1] for label, _ in rows]
    return charts.stacked(rows, ("bar",), "mix: target vs reached share (%)", kinds)


def _source_names(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(path or URL prefix, source name) of the configured sources, longest prefix first."""
    out = []
    for src in manifest.get("config", {}).get("sources", []):
        where = str(src.get("path") or src.get("url") or "").rstrip("/")
        if where:
            out.append((where, src.get("name") or where))
    return sorted(out, key=lambda p: -len(p[0]))


def _match_source(source: str, names: list[tuple[str, str]]) -> str:
    for prefix, name in names:
        if source.startswith(prefix):
            return name
    return "(unknown source)"


@dataclass
class Lengths:
    """What the report needs from the provenance sidecar, read in one streaming pass: lengths,
    samples per source, and the first n entries of each source (candidates for the browser)."""

    tokens: list[int] = field(default_factory=list)
    supervised: list[int] = field(default_factory=list)
    per_source: Counter[str] = field(default_factory=Counter)
    firsts: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path, manifest: dict[str, Any], n: int) -> Lengths:
        out = cls()
        for e in read_provenance(folder, manifest):
            name = e["source_name"] or "(unnamed)"
            out.tokens.append(e["n_tokens"])
            out.supervised.append(e["n_supervised"])
            out.per_source[name] += 1
            first = out.firsts.setdefault(name, [])
            if len(first) < n:
                first.append(e["id"])
        return out


def pick_samples(
    folder: Path, manifest: dict[str, Any], firsts: dict[str, list[str]], n: int
) -> list[Sample]:
    """Up to n samples for the browser, taken round-robin over sources so each one shows; the
    shards are read only until all of them are found."""
    order = [i for group in zip_longest(*firsts.values()) for i in group if i is not None][:n]
    wanted = set(order)
    found: dict[str, Sample] = {}
    for s in with_provenance(folder, manifest, lambda e: e["id"] in wanted):
        found.setdefault(s.id, s)
        if len(found) == len(wanted):
            break
    return [found[i] for i in dict.fromkeys(order) if i in found]


def _sample_view(sample: Sample, tok: Any, special: set[int]) -> dict[str, Any]:
    parts = [
        (text, ("t" if trained else "m") + (" s" if is_special else ""))
        for text, trained, is_special in spans(sample, tok, special)
    ]
    return {
        "id": sample.id,
        "split": sample.split,
        "source": sample.source,
        "source_name": sample.source_name,
        "where": sample.where(),
        "tokens": len(sample.input_ids),
        "trained": sample.n_trained,
        "parts": parts,
        "lang": "zh" if any(CJK.search(t) for t, _ in parts) else "en",
    }
