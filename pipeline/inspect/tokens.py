"""Token rows back into samples: every shard of a prepared folder, a token Parquet, or records
rendered on the fly; each sample with its provenance and its place in a packed row."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import UserError
from pipeline.rows import IGNORE

BATCH_ROWS = 64  # Parquet rows read at a time: memory stays flat on big shard sets


@dataclass
class Sample:
    """One training sample as stored: its tokens, labels, origin and where it sits in the shards."""

    id: str
    input_ids: list[int]
    labels: list[int]
    source: str = ""
    source_name: str = ""
    split: str = ""
    file: str = ""  # the shard or Parquet file
    row: int = 0  # row in that file
    index: int = 0  # sample number inside a packed row
    count: int = 1  # samples in that row
    start: int = 0  # token offset of the sample inside its row

    @property
    def n_trained(self) -> int:
        return sum(lab != IGNORE for lab in self.labels)

    def where(self) -> str:
        """`train-00000-of-00001.parquet row 3, sample 2/4 from token 211` (packing made visible)."""
        unit = "line" if self.file.endswith(".jsonl") else "row"
        text = f"{self.file} {unit} {self.row}"
        if self.count > 1:
            text += f", sample {self.index + 1}/{self.count} from token {self.start}"
        return text


def read_manifest(folder: Path) -> dict[str, Any]:
    from pipeline.shards import settle

    settle(folder)
    mf = folder / "manifest.json"
    if not mf.is_file():
        raise UserError(f"{folder}: no manifest.json (not a prepared folder)")
    try:
        return json.loads(mf.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise UserError(f"{mf}: not valid JSON ({e.msg})") from None


def shard_files(folder: Path, manifest: dict[str, Any]) -> list[tuple[str, Path]]:
    """(split, file) for every shard the manifest lists, train first."""
    files = [
        (split, folder / f["name"])
        for split, entry in manifest.get("shards", {}).items()
        for f in entry.get("files", [])
    ]
    if not files:  # an older manifest without a `shards` entry
        files = [(p.name.split("-")[0], p) for p in sorted(folder.glob("*.parquet"))]
    missing = [str(p) for _, p in files if not p.is_file()]
    if missing:
        raise UserError(f"{folder}: shard files missing: {', '.join(missing[:3])}")
    return files


def parquet_samples(path: Path, split: str = "") -> Iterator[Sample]:
    """Samples of one Parquet file: shard rows split at `seq_lengths`, or one render row each."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a file that is no Parquet
        raise UserError(f"{path}: not a readable Parquet file ({e})") from None
    if "input_ids" not in pf.schema_arrow.names:
        raise UserError(f"{path}: no input_ids column (not a token Parquet)")
    row_no = 0
    for batch in pf.iter_batches(batch_size=BATCH_ROWS):
        for row in batch.to_pylist():
            yield from _row_samples(row, path.name, row_no, split)
            row_no += 1


def _row_samples(row: dict[str, Any], file: str, row_no: int, split: str) -> Iterator[Sample]:
    ids = row["input_ids"]
    labels = row.get("labels") or ids
    lengths = row.get("seq_lengths") or [len(ids)]
    names = row.get("ids") or [str(row.get("id", ""))] * len(lengths)
    start = 0
    for k, (name, n) in enumerate(zip(names, lengths, strict=False)):
        yield Sample(
            id=str(name),
            input_ids=ids[start : start + n],
            labels=labels[start : start + n],
            source=row.get("source") or "",
            source_name=row.get("source_name") or "",
            split=split,
            file=file,
            row=row_no,
            index=k,
            count=len(lengths),
            start=start,
        )
        start += n


def folder_samples(folder: Path, manifest: dict[str, Any]) -> Iterator[Sample]:
    """Every sample of every shard of a prepared folder, in manifest order."""
    for split, path in shard_files(folder, manifest):
        yield from parquet_samples(path, split)


def read_provenance(folder: Path, manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The provenance sidecar's lines (nothing for a folder prepared before it existed)."""
    path = folder / manifest.get("provenance", "provenance.jsonl")
    if not path.is_file():
        return
    from pipeline.stage import read_jsonl

    yield from read_jsonl(path)


def with_provenance(
    folder: Path, manifest: dict[str, Any], keep: Callable[[dict[str, Any]], bool]
) -> Iterator[Sample]:
    """The folder's samples whose sidecar entry passes `keep(entry)`, with their source filled."""
    origin: dict[str, dict[str, Any]] = {}
    for entry in read_provenance(folder, manifest):
        if keep(entry):
            origin.setdefault(entry["id"], entry)
    for sample in folder_samples(folder, manifest):
        entry = origin.get(sample.id)
        if entry is not None:
            sample.source, sample.source_name = entry["source"], entry["source_name"]
            yield sample


def attach_provenance(folder: Path, manifest: dict[str, Any], samples: list[Sample]) -> None:
    """Fill the source of a few samples from one pass over the sidecar."""
    by_id: dict[str, list[Sample]] = {}
    for sample in samples:
        by_id.setdefault(sample.id, []).append(sample)
    for entry in read_provenance(folder, manifest):
        for sample in by_id.pop(entry["id"], []):
            sample.source, sample.source_name = entry["source"], entry["source_name"]
        if not by_id:
            break


def rendered_samples(
    path: Path,
    tokenizer: Any,
    template: str,
    train_on: str,
    keep: Callable[[Any], bool],
    n: int,
) -> tuple[list[Sample], dict[str, list[dict[str, Any]]]]:
    """The first n kept records of a records JSONL rendered on the fly (no truncation), and the
    render rejects among them (reason -> examples); documents become plain tokens + EOS."""
    from pipeline.config import RenderConfig
    from pipeline.records import Dialog
    from pipeline.render import load_chat_template, render_dialogs, tokenize_documents
    from pipeline.stage import RejectSink, Report, read_records

    records, lines = [], {}
    with RejectSink(Report()) as bad:  # lines that are not records: rejects, listed by the caller
        for k, record in enumerate(read_records(path, "inspect", bad), 1):
            if keep(record):
                records.append(record)
                lines[record.id] = k
                if len(records) >= n:
                    break
    cfg = RenderConfig(template=template, max_length=sys.maxsize, train_on=train_on)
    dialogs = [r for r in records if isinstance(r, Dialog)]
    documents = [r for r in records if not isinstance(r, Dialog)]
    report = Report()
    with RejectSink(report) as sink:
        chat_template = load_chat_template(template, tokenizer) if dialogs else None
        rows = list(render_dialogs(dialogs, cfg, tokenizer, report, sink, template=chat_template))
        rows += list(tokenize_documents(documents, tokenizer, report, sink))
    rows.sort(key=lambda r: lines[r["id"]])
    samples = [s for r in rows for s in _row_samples(r, path.name, lines[r["id"]], "")]
    return samples, report.stage("render").examples


def take(samples: Iterable[Sample], n: int) -> list[Sample]:
    out = []
    for s in samples:
        if len(out) >= n:
            break
        out.append(s)
    return out


def special_ids(tokenizer: Any) -> set[int]:
    """Ids of the tokenizer's special tokens (BOS/EOS/... and added tokens marked special)."""
    ids = set(tokenizer.all_special_ids)
    ids.update(i for i, t in getattr(tokenizer, "added_tokens_decoder", {}).items() if t.special)
    return ids


def spans(sample: Sample, tokenizer: Any, special: set[int]) -> Iterator[tuple[str, bool, bool]]:
    """(text, trained, special) runs of a sample: consecutive ordinary tokens of one kind decoded
    together (so multi-byte characters survive), each special token on its own."""
    chunk: list[int] = []
    trained = is_special = False
    for tok, lab in zip(sample.input_ids, sample.labels, strict=True):
        t, sp = lab != IGNORE, tok in special
        if chunk and (t != trained or sp or is_special):
            yield tokenizer.decode(chunk), trained, is_special
            chunk = []
        trained, is_special = t, sp
        chunk.append(tok)
    if chunk:
        yield tokenizer.decode(chunk), trained, is_special


def load_tokenizer_for(name: str | None, manifest: dict[str, Any] | None) -> Any:
    """The tokenizer named, else the prepared folder's own (from its manifest)."""
    from pipeline.models import load_tokenizer

    if name is None and manifest is not None:
        name = manifest["tokenizer"]["path"]
    if name is None:
        raise UserError("--tokenizer is needed for a bare Parquet or JSONL file")
    return load_tokenizer(name)
