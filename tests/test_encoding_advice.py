"""The README's advice holds for every source kind that can need it: a few words of undeclared
single-byte text (here cp1251 Russian) are read exactly once the source says `encoding:`."""

from __future__ import annotations

import json

import pytest

from pipeline.config import load_config
from pipeline.extract import extract
from pipeline.stage import RejectSink, Report

Q, A = "Как дела?", "Хорошо, спасибо."


def files(kind: str) -> tuple[str, str]:
    """(file name, its text) holding one Q/A pair in the kind's own shape."""
    if kind == "csv":
        return "qa.csv", f'question,answer\n{Q},"{A}"\n'
    if kind == "sql":
        return (
            "qa.sql",
            f"CREATE TABLE qa(question TEXT, answer TEXT);\nINSERT INTO qa VALUES('{Q}','{A}');\n",
        )
    if kind == "html":
        return "qa.html", f"<html><body><dl><dt>{Q}</dt><dd>{A}</dd></dl></body></html>"
    msgs = [{"role": "user", "content": Q}, {"role": "assistant", "content": A}]
    return "qa.jsonl", json.dumps({"messages": msgs}, ensure_ascii=False) + "\n"


SOURCE = {
    "csv": {"kind": "csv", "layout": "wide"},
    "sql": {"kind": "sql", "table": "qa", "layout": "wide"},
    "html": {"kind": "html", "mode": "dialog", "preset": "qa"},
    "json": {"kind": "json"},
    "hf": {"kind": "hf"},  # a local JSONL read by datasets' json builder
}


@pytest.mark.parametrize("kind", sorted(SOURCE))
def test_encoding_key_reads_undeclared_single_byte_text(kind, tmp_path):
    name, text = files(kind)
    (tmp_path / name).write_bytes(text.encode("cp1251"))
    src = {**SOURCE[kind], "path": name, "encoding": "cp1251"}
    cfg = load_config(None, [f"sources=[{json.dumps(src)}]"])
    report = Report()
    with RejectSink(report) as sink:
        records = list(extract(cfg.sources, report, sink, root=tmp_path))
    assert [[(m.role, m.content) for m in r.messages] for r in records] == [
        [("user", Q), ("assistant", A)]
    ]
    notes = report.stage("extract").notes["files"][name]
    assert notes["encoding"] == "cp1251" and notes["method"] == "forced"
