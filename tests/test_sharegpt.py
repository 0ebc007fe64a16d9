"""The ShareGPT reader streams objects and stops cleanly at a file cut off mid-array."""

from __future__ import annotations

import json

import pipeline.extract.jsonfile as jsonfile
from pipeline.sharegpt import iter_dialogs, iter_objects


def test_truncated_file_yields_every_complete_conversation(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonfile, "CHUNK", 7)  # force many buffer refills, mid-token
    convs = [
        {
            "id": f"c{i}",
            "conversations": [
                {"from": "human", "value": f"问题 {i}"},
                {"from": "gpt", "value": "答"},
            ],
        }
        for i in range(5)
    ]
    text = json.dumps(convs, ensure_ascii=False)
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"c4"') + 6], encoding="utf-8")  # cut inside the last object
    assert [o["id"] for o in iter_objects(path)] == ["c0", "c1", "c2", "c3"]
    whole = tmp_path / "whole.json"
    whole.write_text(text, encoding="utf-8")
    assert len(list(iter_objects(whole))) == 5


def test_dialogs_map_roles_and_skip_conversations_that_do_not_fit(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "a",
                    "conversations": [
                        {"from": "human", "value": "hi"},
                        {"from": "gpt", "value": "yo"},
                    ],
                },
                {"id": "b", "conversations": []},
                {"id": "c", "conversations": [{"from": "narrator", "value": "?"}]},
            ]
        )
    )
    dialogs = list(iter_dialogs(path))
    assert [d.meta["id"] for d in dialogs] == ["a"]
    assert [(m.role, m.content) for m in dialogs[0].messages] == [
        ("user", "hi"),
        ("assistant", "yo"),
    ]
    assert dialogs[0].source == "s.json:line 1 item 0"
