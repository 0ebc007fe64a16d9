"""CSV extraction: encodings (the same Chinese table as UTF-8, GB18030 + CRLF, UTF-16 + BOM + tabs
extracts identically), bad lines with exact line numbers, chunking, layouts, conservation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from conftest import real_data

from pipeline.config import CsvSource
from pipeline.extract import extract
from pipeline.stage import RejectSink, Report

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def run(root: Path, **kw):
    src = CsvSource(kind="csv", **kw)
    report = Report()
    with RejectSink(report) as sink:
        records = list(extract([src], report, sink, root))
    report.check_conservation()
    return records, report.stage("extract")


def turns(records):
    return [[(m.role, m.content) for m in r.messages] for r in records]


def chinese_pairs() -> list[tuple[str, str]]:
    """Real Chinese and traditional Chinese turn pairs from chatterbot-corpus."""
    base = real_data("chatterbot", "chatterbot_corpus", "data")
    pairs = []
    for folder in ("chinese", "traditionalchinese"):
        for path in sorted((base / folder).glob("*.yml")):
            for conv in yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations", []):
                texts = [str(t) for t in conv]
                pairs += [(texts[i], texts[i + 1]) for i in range(0, len(texts) - 1, 2)]
    assert len(pairs) > 100
    # the cells that break naive readers: a newline, a quote, the delimiters themselves
    pairs[0] = (pairs[0][0] + "\n第二行", '他说："好，好"\t（全角，标点）')
    return pairs


def write_table(path: Path, pairs, encoding: str, delimiter: str, newline: str) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(["问题", "回答"])
    writer.writerows(pairs)
    path.write_bytes(buf.getvalue().encode(encoding))


def test_same_chinese_table_in_three_encodings_extracts_identically(tmp_path):
    pairs = chinese_pairs()
    variants = {
        "utf8.csv": ("utf-8", ",", "\n"),
        "excel_gb18030.csv": ("gb18030", ",", "\r\n"),
        "unicode_text.tsv": ("utf-16", "\t", "\r\n"),  # Excel "Unicode text": BOM + tabs
    }
    results, reports = {}, {}
    for name, (enc, delim, nl) in variants.items():
        write_table(tmp_path / name, pairs, enc, delim, nl)
        records, stats = run(tmp_path, path=name)
        results[name] = turns(records)
        reports[name] = stats.notes["files"][name]
    first = results["utf8.csv"]
    assert len(first) == len(pairs)
    assert first[0] == [("user", pairs[0][0]), ("assistant", pairs[0][1])]
    assert all(r == first for r in results.values())
    assert reports["utf8.csv"]["encoding"] == "utf-8"
    assert reports["excel_gb18030.csv"]["encoding"] == "gb18030"
    assert reports["excel_gb18030.csv"]["method"] == "detected"
    assert 0 < reports["excel_gb18030.csv"]["confidence"] <= 1
    assert reports["unicode_text.tsv"]["encoding"] == "utf-16"
    assert reports["unicode_text.tsv"]["delimiter"] == "\t"


def test_gbk_is_never_silently_read_as_latin1(tmp_path):
    text = "问题,回答\n你好吗？,我很好，谢谢。\n今天天气怎么样？,晴天，气温二十度。\n"
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    records, stats = run(tmp_path, path="gbk.csv")
    assert turns(records)[0] == [("user", "你好吗？"), ("assistant", "我很好，谢谢。")]
    assert stats.notes["files"]["gbk.csv"]["encoding"] in ("gb18030", "gbk", "gb2312")


def test_configured_encoding_that_does_not_fit_is_a_reject_naming_it(tmp_path):
    (tmp_path / "gbk.csv").write_bytes("问题,回答\n你好,好\n".encode("gbk"))
    records, stats = run(tmp_path, path="gbk.csv", encoding="utf-8")
    assert records == [] and stats.rejected == {"undecodable": 1}
    assert "utf-8" in stats.examples["undecodable"][0]["detail"]


def test_undecodable_bytes_are_a_reject_not_mojibake(tmp_path):
    import random

    rng = random.Random(1)
    (tmp_path / "noise.csv").write_bytes(bytes(rng.randrange(256) for _ in range(4000)))
    records, stats = run(tmp_path, path="noise.csv")
    assert records == [] and stats.rejected == {"undecodable": 1}
    assert "tried: utf-8" in stats.examples["undecodable"][0]["detail"]


@pytest.mark.parametrize("chunksize", [1, 2, 10_000])
def test_bad_lines_are_rejected_with_their_line_numbers(chunksize):
    records, stats = run(FIXTURES, path="bad_lines.csv", chunksize=chunksize)
    assert [r.source for r in records] == [
        "bad_lines.csv:line 2", "bad_lines.csv:line 3", "bad_lines.csv:line 8",
        "bad_lines.csv:line 10",
    ]  # fmt: skip
    assert turns(records)[1] == [("user", "ok"), ("assistant", "line one\nline two")]
    assert turns(records)[2] == [("user", 'q5 "quoted"'), ("assistant", "a5")]
    assert stats.rejected == {"too_many_fields": 1, "too_few_fields": 1, "unbalanced_quote": 1}
    where = {e["source"] for ex in stats.examples.values() for e in ex}
    assert where == {"bad_lines.csv:line 6", "bad_lines.csv:line 7", "bad_lines.csv:line 9"}
    assert stats.notes["files"]["bad_lines.csv"]["blank_lines"] == 1


def test_layouts_alpaca_long_text_and_turn_pairs(tmp_path):
    (tmp_path / "alpaca.csv").write_text(
        "instruction,input,output\n翻译成英文,你好,Hello\nSay hi,,Hi\n,x,empty instruction\n"
    )
    records, stats = run(tmp_path, path="alpaca.csv", layout="alpaca")
    assert turns(records) == [
        [("user", "翻译成英文\n\n你好"), ("assistant", "Hello")],
        [("user", "Say hi"), ("assistant", "Hi")],
    ]
    assert stats.rejected == {"empty_instruction": 1}

    (tmp_path / "long.csv").write_text(
        "conv,idx,speaker,text\nb,1,gpt,B2\na,0,human,A1\nb,0,human,B1\na,1,gpt,A2\n"
        "a,2,narrator,??\n"
    )
    records, stats = run(tmp_path, path="long.csv", layout="long", roles={"narrator": "system"},
                         columns={"conversation_id": "conv", "turn": "idx", "role": "speaker",
                                  "content": "text"})  # fmt: skip
    assert {r.meta["conversation_id"]: turns([r])[0] for r in records} == {
        "b": [("user", "B1"), ("assistant", "B2")],
        "a": [("user", "A1"), ("assistant", "A2"), ("system", "??")],
    }
    assert stats.kept == 5

    (tmp_path / "pairs.csv").write_text("q1,a1,q2,a2\nhi,hello,bye,ciao\nx,y,,\n")
    records, _ = run(tmp_path, path="pairs.csv")
    assert turns(records)[0] == [("user", "hi"), ("assistant", "hello"), ("user", "bye"),
                                 ("assistant", "ciao")]  # fmt: skip
    assert turns(records)[1] == [("user", "x"), ("assistant", "y")]

    (tmp_path / "docs.csv").write_text("title,body\nA,第一篇文章。\nB,\n")
    records, stats = run(tmp_path, path="docs.csv", layout="text", columns={"text": "body"})
    assert [r.text for r in records] == ["第一篇文章。"] and stats.rejected == {"empty_text": 1}


def test_missing_configured_column_is_one_reject_for_the_file(tmp_path):
    (tmp_path / "faq.csv").write_text("question,answer\nq,a\n")
    records, stats = run(tmp_path, path="faq.csv", columns={"user": "question", "assistant": "ans"})
    assert records == [] and stats.rejected == {"missing_columns": 1}
    assert "ans" in stats.examples["missing_columns"][0]["detail"]


def test_folder_source_and_source_name(tmp_path):
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "b.csv").write_text("question,answer\nq2,a2\n")
    (tmp_path / "faq" / "a.tsv").write_text("question\tanswer\nq1\ta1\n")
    records, _ = run(tmp_path, path="faq", name="faq-set")
    assert [r.source for r in records] == ["faq/a.tsv:line 2", "faq/b.csv:line 2"]
    assert {r.source_name for r in records} == {"faq-set"}


def test_a_field_longer_than_the_csv_module_limit_is_kept(tmp_path):
    long_answer = "很长的回答。" * 40_000  # 240,000 characters
    (tmp_path / "long.csv").write_text(f'question,answer\nq,"{long_answer}"\nq2,a2\n')
    records, stats = run(tmp_path, path="long.csv")
    assert turns(records)[0][1] == ("assistant", long_answer)
    assert stats.kept == 2


def test_an_unexpected_failure_on_one_file_is_a_reject_and_the_next_file_goes_on(
    tmp_path, monkeypatch
):
    import pipeline.extract.csv as csvmod

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.csv").write_text("question,answer\nq1,a1\n")
    (tmp_path / "d" / "b.csv").write_text("question,answer\nq2,a2\n")
    real = csvmod.choose_file_encoding

    def flaky(path, forced=None):
        if path.name == "a.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, forced)

    monkeypatch.setattr(csvmod, "choose_file_encoding", flaky)
    records, stats = run(tmp_path, path="d")
    assert [r.source for r in records] == ["d/b.csv:line 2"]
    assert stats.rejected == {"unreadable": 1}
    assert "Permission denied" in stats.examples["unreadable"][0]["detail"]


@pytest.mark.parametrize("chunksize", [1, 2, 1000])
def test_first_row_with_extra_fields_is_a_reject_not_cut(tmp_path, chunksize):
    """pandas' python engine cuts a too-long first data row to the header's width (an implicit
    index with index_col=False) without calling on_bad_lines; that row must be a reject, also
    when it is the first row read again after a broken quote."""
    (tmp_path / "t.csv").write_text(
        'question,answer\na,b,LOST\nq1,a1\n"x"y,z\nc,d,LOST\nq2,a2\n', encoding="utf-8"
    )
    records, stats = run(tmp_path, path="t.csv", layout="wide", chunksize=chunksize)
    assert turns(records) == [
        [("user", "q1"), ("assistant", "a1")],
        [("user", "q2"), ("assistant", "a2")],
    ]
    rejects = {e["source"]: e for e in stats.examples["too_many_fields"]}
    assert set(rejects) == {"t.csv:line 2", "t.csv:line 5"}
    assert rejects["t.csv:line 2"]["detail"] == "expected 2 fields, saw 3"
    assert stats.rejected["too_many_fields"] == 2
