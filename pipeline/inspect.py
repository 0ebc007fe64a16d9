"""Look at what will be trained before spending GPU hours: samples with trained tokens highlighted.

`rawtune inspect` prints samples to the terminal (trained text bright, masked text dim); `rawtune
report` writes the same as a self-contained HTML page plus the manifest's counts.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from pipeline.errors import UserError
from pipeline.rows import IGNORE


def load_rows(path: Path, n: int) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The first n token rows of a prepared dir or a tokens/shard Parquet, plus the manifest if any."""
    import pyarrow.parquet as pq

    manifest = None
    if path.is_dir():
        mf = path / "manifest.json"
        if not mf.is_file():
            raise UserError(f"{path}: no manifest.json (not a prepared dir)")
        manifest = json.loads(mf.read_text(encoding="utf-8"))
        files = sorted(path.glob("train-*.parquet")) or sorted(path.glob("*.parquet"))
        if not files:
            raise UserError(f"{path}: no Parquet shards")
        path = files[0]
    if path.suffix != ".parquet":
        raise UserError(f"{path}: expected a prepared dir or a .parquet file")
    table = pq.read_table(path)
    return table.slice(0, n).to_pylist(), manifest


def samples(row: dict[str, Any]) -> Iterator[tuple[str, list[int], list[int]]]:
    """Split a (possibly packed) row back into its samples: (id, input_ids, labels)."""
    ids, labels = row["input_ids"], row["labels"]
    lengths = row.get("seq_lengths") or [len(ids)]
    names = row.get("ids") or [row.get("id", "?")] * len(lengths)
    start = 0
    for name, length in zip(names, lengths, strict=False):
        yield str(name), ids[start : start + length], labels[start : start + length]
        start += length


def runs(ids: list[int], labels: list[int]) -> Iterator[tuple[bool, list[int]]]:
    """Consecutive tokens grouped by trained/masked, decoded per run so multi-byte characters survive."""
    current: list[int] = []
    trained = None
    for tok, lab in zip(ids, labels, strict=True):
        t = lab != IGNORE
        if trained is not None and t != trained:
            yield trained, current
            current = []
        trained = t
        current.append(tok)
    if current:
        yield bool(trained), current


def _tokenizer(name: str | None, manifest: dict[str, Any] | None) -> Any:
    from pipeline.models import load_tokenizer

    if name is None and manifest is not None:
        name = manifest["tokenizer"]["path"]
    if name is None:
        raise UserError("--tokenizer is needed for a bare Parquet file")
    return load_tokenizer(name)


def inspect_path(path: Path, n: int, tokenizer_name: str | None, console: Console) -> None:
    """Print the first n samples with trained tokens in green and masked ones dim."""
    rows, manifest = load_rows(path, n)
    tok = _tokenizer(tokenizer_name, manifest)
    shown = 0
    for row in rows:
        for name, ids, labels in samples(row):
            if shown >= n:
                return
            text = Text()
            for trained, chunk in runs(ids, labels):
                text.append(tok.decode(chunk), style="bold green" if trained else "dim")
            supervised = sum(lab != IGNORE for lab in labels)
            title = f"{name}  ({len(ids)} tokens, {supervised} trained)"
            console.print(Panel(text, title=title, title_align="left"))
            shown += 1
    console.print("[dim]dim = masked (-100), [/dim][bold green]green = trained[/bold green]")


def html_report(path: Path, out: Path, n: int, tokenizer_name: str | None) -> Path:
    """A self-contained HTML page: manifest counts and the first n samples with trained text marked."""
    rows, manifest = load_rows(path, n)
    tok = _tokenizer(tokenizer_name, manifest)
    parts = [
        "<!doctype html><meta charset='utf-8'><title>rawtune report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "pre{white-space:pre-wrap;border:1px solid #ccc;padding:.5em}"
        ".t{background:#d4f7d4}.m{color:#888}</style>",
        f"<h1>rawtune report: {html.escape(str(path))}</h1>",
    ]
    if manifest:
        parts.append("<h2>stages</h2><table border=1><tr><th>stage<th>in<th>kept<th>rejected</tr>")
        for name, s in manifest.get("stages", {}).items():
            rej = ", ".join(f"{k}: {v}" for k, v in s.get("rejected", {}).items())
            parts.append(
                f"<tr><td>{html.escape(name)}<td>{s['seen']}<td>{s['kept']}<td>{html.escape(rej)}</tr>"
            )
        parts.append("</table>")
    parts.append("<h2>samples</h2><p><span class=t>trained</span> <span class=m>masked</span></p>")
    shown = 0
    for row in rows:
        for name, ids, labels in samples(row):
            if shown >= n:
                break
            spans = "".join(
                f"<span class={'t' if trained else 'm'}>{html.escape(tok.decode(chunk))}</span>"
                for trained, chunk in runs(ids, labels)
            )
            parts.append(f"<h3>{html.escape(name)}</h3><pre>{spans}</pre>")
            shown += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
