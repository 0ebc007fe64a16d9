"""A corpus of malformed JSON Lines through every command that reads JSONL (extract, clean, render,
inspect): each bad line is one reject with its line number and the parse error, the good lines
go on, the counts add up, and no command prints a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main

GOOD = {
    "id": "good-1",
    "source": "corpus",
    "messages": [
        {"role": "user", "content": "How do I list files?"},
        {"role": "assistant", "content": "Use ls -la to list files, including hidden ones."},
    ],
}
BIG = 50 << 20


def corpus_lines() -> list[bytes]:
    """Line i+1 of the corpus; the bad ones say in a comment what is wrong with them."""
    good2 = {**GOOD, "id": "good-2", "messages": [
        {"role": "user", "content": "怎么查看磁盘空间？"},
        {"role": "assistant", "content": "用 df -h 查看各分区的使用情况。"},
    ]}  # fmt: skip
    return [
        json.dumps(GOOD).encode(),  # 1 good
        b"this is a log line, not JSON",  # 2
        b"[1, 2, 3]",  # 3 valid JSON, not an object
        b'"just a string"',  # 4
        json.dumps({**GOOD, "messages": [{"role": "user", "content": 42}]}).encode(),  # 5
        json.dumps({**GOOD, "id": 5, "messages": "hello"}).encode(),  # 6 wrong types
        b'{"id": "big", "messages": [{"role": "user", "content": "' + b"x" * BIG + b'"}]}',  # 7
        b'{"id": "nul", "messages": [{"role": "user", "content": "a\x00b"}]}',  # 8 raw NUL
        b'{"id": "latin", "messages": [{"role": "user", "content": "caf\xe9"}]}',  # 9 not UTF-8
        b'{"id": "sur", "messages": [{"role": "user", "content": "\\ud800"}]}',  # 10 lone surrogate
        b"[" * 100_000,  # 11 nested deeper than any parser follows
        b"",  # 12 blank: not a unit
        json.dumps(good2, ensure_ascii=False).encode(),  # 13 good
        b'{"id": "cut", "messages": [{"role": "us',  # 14 cut off, no newline at the end
    ]


BAD_LINES = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    path.write_bytes(b"\n".join(corpus_lines()))
    return path


def run_cli(argv: list[str], capsys) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err and "internal error" not in err, err
    return err


def bad_lines(rejects: Path, corpus: Path) -> dict[int, str]:
    """line number -> reason, for the rejects that point into the corpus by line."""
    out = {}
    for line in rejects.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        where, _, n = r["source"].rpartition(":line ")
        if where.endswith(corpus.name):
            assert r["detail"], r
            out[int(n)] = r["reason"]
    return out


def test_extract_rejects_each_bad_line(corpus, tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"sources: [{{kind: json, path: {corpus}, format: messages}}]\n")
    out, rej = tmp_path / "records.jsonl", tmp_path / "rejects.jsonl"
    run_cli(["extract", "--config", str(cfg), "-o", str(out), "--rejects", str(rej)], capsys)
    reasons = bad_lines(rej, corpus)
    assert sorted(reasons) == BAD_LINES
    assert reasons[3] == "not_an_object" and reasons[5] == reasons[6] == "wrong_type"
    assert reasons[7] == "too_large" and reasons[9] == "undecodable"
    assert reasons[10] == "invalid_text" and reasons[14] == "invalid_json"
    assert len(out.read_text().splitlines()) == 2
    report = json.loads((tmp_path / "records.report.json").read_text())["extract"]
    assert report["seen"] == 13 and report["kept"] == 2
    assert report["notes"]["files"][str(corpus)]["encoding"] == "utf-8"


def test_clean_rejects_each_bad_line(corpus, tmp_path, capsys):
    out, rej = tmp_path / "clean.jsonl", tmp_path / "rejects.jsonl"
    run_cli(["clean", str(corpus), "-o", str(out), "--rejects", str(rej)], capsys)
    reasons = bad_lines(rej, corpus)
    assert sorted(reasons) == BAD_LINES
    assert reasons[5] == reasons[6] == "invalid_record" and reasons[2] == "invalid_json"
    report = json.loads((tmp_path / "clean.report.json").read_text())["clean"]
    assert report["seen"] == 13 and report["kept"] + sum(report["rejected"].values()) == 13
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["good-1", "good-2"]


def test_render_rejects_each_bad_line(corpus, tmp_path, capsys):
    import pyarrow.parquet as pq

    out = tmp_path / "tokens.parquet"
    argv = ["render", str(corpus), "--tokenizer", "smollm2-135m-instruct", "-o", str(out)]
    run_cli(argv, capsys)
    reasons = bad_lines(tmp_path / "tokens.rejects.jsonl", corpus)
    assert sorted(reasons) == BAD_LINES
    assert pq.read_table(out).column("id").to_pylist() == ["good-1", "good-2"]


def test_inspect_lists_the_bad_lines(corpus, capsys):
    code = main(["inspect", str(corpus), "-n", "1"])
    out = capsys.readouterr()
    assert code == 0 and "Traceback" not in out.err
    text = " ".join(out.out.split())
    assert "2 records, 11 lines that are not records" in text
    assert "corpus.jsonl:line 7" in text  # the 50 MB line, named by its number


def test_fast_record_parse_changes_nothing(tmp_path, monkeypatch):
    """read_records parses most lines with pydantic's JSON parser and leaves the rest to the careful
    reader: on the bad corpus plus lines where the two parsers could disagree, the records and
    rejects are exactly those of the careful reader alone."""
    from pipeline import stage
    from pipeline.stage import RejectSink, Report, read_records

    doc = {"id": "d", "source": "s", "text": "plain"}
    tricky = [
        b"\xef\xbb\xbf" + json.dumps({**doc, "id": "bom-mid"}).encode(),  # BOM inside the file
        b'{"id": "esc", "source": "s", "\\u006dessages": [{"role": "user", "content": "x"}]}',
        b'{"id": "dup", "id": "dup2", "source": "s", "text": "last key wins"}',
        json.dumps({**doc, "id": "trail"}).encode() + b" trailing",
        b'{"id": "nan", "source": "s", "text": "t", "meta": {"score": NaN}}',
        json.dumps({**doc, "id": "legacy", "meta": {"source_name": "old"}}).encode(),
        json.dumps({**doc, "id": "both", "messages": []}).encode(),  # both shapes' keys
        json.dumps({**doc, "id": "pair", "text": "emoji \ud83d\ude00"}).encode(),
        b'{"id": "ws", "source": "s", "text": "t"}   \r',
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join([*corpus_lines()[:-1], *tricky, corpus_lines()[-1]]))

    def read() -> tuple[list[str], str, dict]:
        report = Report()
        rejects = tmp_path / "rejects.jsonl"
        with RejectSink(report, rejects) as sink:
            records = [r.model_dump_json() for r in read_records(path, "clean", sink)]
        return records, rejects.read_text(encoding="utf-8"), report.stage("clean").model_dump()

    taken = []
    real = stage._fast_record
    monkeypatch.setattr(stage, "_fast_record", lambda line: taken.append(real(line)) or taken[-1])
    fast = read()
    assert sum(r is not None for r in taken) >= 6  # the fast parse did read most good lines
    monkeypatch.setattr(stage, "_fast_record", lambda line: None)
    careful = read()
    assert fast == careful  # (as JSON: NaN is not equal to itself)
    kept = {json.loads(r)["id"] for r in fast[0]}
    assert kept == {"good-1", "good-2", "esc", "dup2", "nan", "legacy", "pair", "ws"}
