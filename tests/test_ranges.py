"""Byte-range units of large CSV files: the ranges read one after another give exactly the records,
rejects and counts of the whole file, in order, and a sharded `prepare` over them writes the same
bytes as one worker reading whole files.

The data is real (ShareGPT dialogs, English and Chinese, with newlines inside quoted fields),
written by Python's csv writer; the row count is checked against csv.DictReader, not against
rawtune's own reader.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from conftest import extracted, prepared_files

from pipeline.config import CsvSource
from pipeline.extract.encoding import Decoding
from pipeline.extract.inputs import input_units
from pipeline.extract.ranges import csv_file_ranges, csv_ranges

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from mixed_corpus import SHAREGPT, sharegpt_dialogs  # noqa: E402

WIDE = {"kind": "csv", "layout": "wide", "name": "wide"}


@pytest.fixture(scope="module")
def dialogs() -> list:
    if not SHAREGPT.exists():
        pytest.skip(f"{SHAREGPT} missing: run scripts/fetch_real_data.sh")
    return sharegpt_dialogs(300)


def write_wide(dialogs: list, path: Path, newline: str = "\n", bad: bool = False) -> int:
    """A wide CSV (question, answer) of the dialogs' first turn pair; returns its data rows."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator=newline)
        w.writerow(["question", "answer"])
        for i, turns in enumerate(dialogs):
            w.writerow([turns[0][1], turns[1][1]])
            if bad and i % 37 == 5:
                fh.write(f"too,many,fields,{i}{newline}")  # a Reject, on its own line
            if bad and i % 53 == 7:
                fh.write(f"lonely{newline}")  # too few fields
    return len(dialogs)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("size", [2_000, 20_000, 150_000])
def test_ranges_give_the_whole_files_records_in_order(dialogs, tmp_path, newline, size):
    path = tmp_path / "faq.csv"
    n = write_wide(dialogs, path, newline, bad=True)
    src = CsvSource(path="faq.csv", **WIDE)
    spans = csv_file_ranges(path, src, size)
    assert spans is not None and len(spans) > 1
    assert spans[0].start == 0 and spans[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(spans, spans[1:], strict=False))
    # every cut is where a row starts: the text before it is whole rows (csv module's view)
    data = path.read_bytes()
    for s in spans[1:]:
        assert data[s.start - 1 : s.start] == b"\n"
        assert sum(1 for _ in csv.reader(data[: s.start].decode().splitlines(True))) >= 1
        assert s.line == data[: s.start].count(b"\n") + 1

    whole = extracted(input_units([src], tmp_path, range_bytes=10**12), src, tmp_path)
    cut_units = input_units([src], tmp_path, range_bytes=size)
    assert len(cut_units) == len(spans)
    cut = extracted(cut_units, src, tmp_path)
    assert cut[0] == whole[0]  # records, ids and provenance (`faq.csv:line N`) alike
    assert cut[1] == whole[1]  # rejects, in order
    assert cut[2] == whole[2]  # counts and per-file notes (blank lines added up over ranges)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    good = [r for r in rows if None not in r and None not in r.values()]
    assert len(good) == n
    assert whole[2]["seen"] == len(rows)


def test_quoted_newlines_keep_their_line_numbers(tmp_path):
    """A field holding many lines: the next range's first row is numbered by physical line."""
    path = tmp_path / "q.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["question", "answer"])
        for i in range(200):
            w.writerow([f'q{i}\nline two, "quoted"\n', "a\n" * (i % 7) + f"end {i}"])
    src = CsvSource(path="q.csv", **WIDE)
    spans = csv_file_ranges(path, src, 1_000)
    assert spans is not None and len(spans) > 5
    whole = extracted(input_units([src], tmp_path, range_bytes=10**12), src, tmp_path)
    cut = extracted(input_units([src], tmp_path, range_bytes=1_000), src, tmp_path)
    assert cut == whole
    sources = [json.loads(r)["source"] for r in whole[0]]
    assert sources[:2] == ["q.csv:line 2", "q.csv:line 5"]


def test_files_that_cannot_be_cut_exactly_stay_whole(dialogs, tmp_path):
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["conversation_id", "role", "content"])
        for cid, turns in enumerate(dialogs[:50]):
            for role, text in turns:
                w.writerow([cid, role, text])
    long = CsvSource(path="long.csv", kind="csv", layout="long")
    assert csv_file_ranges(path, long, 1_000) is None  # conversations span the whole table

    utf16 = tmp_path / "u16.csv"
    utf16.write_text(path.read_text(encoding="utf-8"), encoding="utf-16")
    assert csv_ranges(utf16, Decoding("utf-16", "bom", 1.0), ",", 1_000) is None
    write_wide(dialogs[:60], tmp_path / "wide.csv")
    nocols = CsvSource(path="wide.csv", kind="csv", layout="wide", columns={"user": "nope"})
    assert csv_file_ranges(tmp_path / "wide.csv", nocols, 1_000) is None  # one table-level Reject
    stray_cr = tmp_path / "cr.csv"
    stray_cr.write_bytes(b"question,answer\n" + b"q,a\rq2,a2\n" * 100)
    assert csv_ranges(stray_cr, Decoding("utf-8", "utf-8", 1.0), ",", 100) is None


@pytest.mark.parametrize("tail", ['"an unbalanced quote,x\n', 'x,"closed" then text\n', "a,b,c\n"])
def test_malformed_rows_read_the_same_cut_or_whole(dialogs, tmp_path, tail):
    """Whatever the csv module makes of a broken row, the ranges agree with the whole file."""
    path = tmp_path / "broken.csv"
    write_wide(dialogs[:60], path)
    write_wide(dialogs[60:120], tmp_path / "tail.csv")
    path.write_bytes(path.read_bytes() + tail.encode() + (tmp_path / "tail.csv").read_bytes())
    src = CsvSource(path="broken.csv", **WIDE)
    whole = extracted(input_units([src], tmp_path, range_bytes=10**12), src, tmp_path)
    cut = extracted(input_units([src], tmp_path, range_bytes=3_000), src, tmp_path)
    assert cut == whole


def test_prepare_over_csv_ranges_and_json_files_matches_one_worker(dialogs, tmp_path, monkeypatch):
    """Two workers over row ranges of a wide CSV and two JSONL files give the bytes one worker
    gives reading each file whole."""
    import pipeline.extract.ranges as ranges

    write_wide(dialogs[:120], tmp_path / "faq.csv", bad=True)
    (tmp_path / "json").mkdir()
    for k in range(2):
        with (tmp_path / "json" / f"part-{k}.jsonl").open("w", encoding="utf-8") as fh:
            for turns in dialogs[120 + k * 40 : 160 + k * 40]:
                messages = [{"role": r, "content": c} for r, c in turns]
                fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    cfg_path = tmp_path / "run.yaml"
    cfg_path.write_text(
        "name: ranged\n"
        f"sources:\n  - {{kind: csv, path: {tmp_path / 'faq.csv'}, layout: wide, name: faq}}\n"
        f"  - {{kind: json, path: {tmp_path / 'json'}, format: messages, name: chats}}\n"
        "render: {max_length: 256, audit_samples: 10, batch_size: 8}\n"
        "output: {max_rows_per_shard: 16}\n"
    )
    one = prepared_files(cfg_path, tmp_path / "w1")
    monkeypatch.setattr(ranges, "RANGE_BYTES", 20_000)
    units = input_units(
        [CsvSource(path=str(tmp_path / "faq.csv"), **WIDE)], tmp_path, ranges.RANGE_BYTES
    )
    assert len(units) > 4
    two = prepared_files(cfg_path, tmp_path / "w2", "execution.workers=2")
    assert two.keys() == one.keys()
    for name in one:
        assert two[name] == one[name], name
    stages = json.loads(one["stages"])
    assert stages["extract"]["kept"] >= 200 and stages["extract"]["rejected"]
