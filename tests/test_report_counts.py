"""Small truths of the report: a source's `weight` is its mix share, rows left out by mixing are
listed by id, dialogs shortened by drop_turns and turns stripped of filler are counted, and
reasoning_content survives cleaning."""

from __future__ import annotations

import json

from pipeline.clean import clean
from pipeline.config import CleanConfig, RenderConfig, load_config
from pipeline.mix import mix, proportions
from pipeline.records import Dialog, Message
from pipeline.render import render_dialogs
from pipeline.stage import RejectSink, Report


def sources(**weights: float | None) -> list[str]:
    """A --set override giving one json source per name, with its weight when not None."""
    srcs = [
        {"kind": "json", "path": f"{name}.jsonl", "name": name}
        | ({"weight": w} if w is not None else {})
        for name, w in weights.items()
    ]
    return [f"sources={json.dumps(srcs)}"]


def test_weight_is_the_mix_share_and_proportions_override_it():
    cfg = load_config(None, sources(domain=3, general=1))
    assert proportions(cfg) == {"domain": 3, "general": 1}
    cfg = load_config(None, [*sources(domain=3, general=1), "mix.proportions={general: 2}"])
    assert proportions(cfg) == {"domain": 3, "general": 2}
    assert proportions(load_config(None, sources(domain=None, general=None))) == {}


def test_mixing_lists_the_ids_it_leaves_out():
    rows = {
        "domain": [{"id": f"d{i}", "input_ids": [1]} for i in range(8)],
        "general": [{"id": f"g{i}", "input_ids": [1]} for i in range(8)],
    }
    cfg = load_config(None, sources(domain=3, general=1))
    mixed, report = mix(rows, cfg.mix.model_copy(update={"proportions": proportions(cfg)}), 0)
    kept = {r["id"] for r in mixed}
    for name, s in report["sources"].items():
        dropped = s["dropped_ids"]
        assert len(dropped) == s["dropped_rows"] and not set(dropped) & kept
        assert set(dropped) | {r["id"] for r in rows[name] if r["id"] in kept} == {
            r["id"] for r in rows[name]
        }
    assert report["sources"]["general"]["dropped_rows"] > 0


def dialog(did: str, *turns: tuple[str, str]) -> Dialog:
    return Dialog(id=did, source=did, messages=[Message(role=r, content=c) for r, c in turns])


def test_drop_turns_shortening_is_counted(smol_tokenizer):
    turns = []
    for i in range(6):
        turns += [
            ("user", f"question {i} " + "word " * 40),
            ("assistant", f"answer {i} " + "x " * 40),
        ]
    short = dialog("short", ("user", "hi"), ("assistant", "hello"))
    report = Report()
    with RejectSink(report) as sink:
        rows = list(render_dialogs([dialog("long", *turns), short],
                                   RenderConfig(max_length=250, template="chatml"),
                                   smol_tokenizer, report, sink))  # fmt: skip
    stats = report.stage("render")
    assert len(rows) == 2
    assert stats.changed["truncation.dialogs_shortened"] == 1
    assert 2 <= stats.changed["truncation.turns_dropped"] <= 10


def test_filler_turns_counted_and_reasoning_kept_through_clean():
    d = Dialog(
        id="r",
        source="r",
        messages=[
            Message(role="user", content="How do I   undo a commit?"),
            Message(
                role="assistant",
                content="Use git revert HEAD. I hope this helps!",
                reasoning_content="revert is safe on shared branches",
            ),  # fmt: skip
        ],
    )
    report = Report()
    with RejectSink(report) as sink:
        (out,) = clean([d], CleanConfig(), report, sink)
    assert report.stage("clean").changed["slop.filler_stripped"] == 1
    assert out.messages[1].content == "Use git revert HEAD."
    assert out.messages[1].reasoning_content == "revert is safe on shared branches"


def test_merged_assistant_turns_keep_both_reasonings():
    from pipeline.clean.quality import merge_same_role

    d = Dialog(
        id="m",
        source="m",
        messages=[
            Message(role="user", content="q"),
            Message(role="assistant", content="a1", reasoning_content="t1"),
            Message(role="assistant", content="a2", reasoning_content="t2"),
        ],
    )
    merged = merge_same_role(d).messages
    assert [(m.content, m.reasoning_content) for m in merged] == [
        ("q", None),
        ("a1\n\na2", "t1\n\nt2"),
    ]
