"""`rawtune render --config FILE`: the standalone stage renders with the same render section,
tokenizer and length budget as `prepare`; flags override single values."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.render import render_settings

LONG = "word " * 200


def write_records(path):
    dialogs = [
        {
            "id": "short",
            "source": "t",
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello"},
            ],
        },
        {
            "id": "long",
            "source": "t",
            "messages": [{"role": "user", "content": LONG}, {"role": "assistant", "content": "ok"}],
        },
    ]
    path.write_text("".join(json.dumps(d) + "\n" for d in dialogs), encoding="utf-8")


def test_render_settings_are_prepares(tmp_path):
    cfg_path = tmp_path / "run.yaml"
    cfg_path.write_text(
        "render: {template: chatml, max_length: 300, system_prompt: Be terse., truncation: drop}\n"
        "pack: {max_length: 128}\n",
        encoding="utf-8",
    )
    run = load_config(cfg_path)
    cfg, tok, max_length = render_settings(run)
    assert cfg == run.render and tok == run.model.name_or_path and max_length == 128
    cfg, tok, max_length = render_settings(run, train_on="last_assistant", max_length=9)
    assert (cfg.train_on, cfg.system_prompt, max_length) == ("last_assistant", "Be terse.", 9)


def test_render_cli_uses_the_config_and_flags_override(tmp_path, smol_tokenizer):
    inp, out = tmp_path / "in.jsonl", tmp_path / "tokens.parquet"
    write_records(inp)
    cfg_path = tmp_path / "run.yaml"
    cfg_path.write_text(
        "render: {template: chatml, max_length: 64, system_prompt: Be terse., truncation: drop}\n",
        encoding="utf-8",
    )
    assert main(["render", str(inp), "--config", str(cfg_path), "-o", str(out)]) == 0
    rows = pq.read_table(out).to_pylist()
    assert [r["id"] for r in rows] == ["short"]  # the long one breaks the config's budget
    text = smol_tokenizer.decode(rows[0]["input_ids"])
    assert text.startswith("<|im_start|>system\nBe terse.<|im_end|>")
    rejects = [
        json.loads(x) for x in out.with_name("tokens.rejects.jsonl").read_text().splitlines()
    ]
    assert [(r["id"], r["reason"]) for r in rejects] == [("long", "too_long")]
    assert (
        main(
            ["render", str(inp), "--config", str(cfg_path), "--max-length", "4096", "-o", str(out)]
        )
        == 0
    )
    assert [r["id"] for r in pq.read_table(out).to_pylist()] == ["short", "long"]
    assert (
        main(
            [
                "render",
                str(inp),
                "--config",
                str(cfg_path),
                "--set",
                "render.system_prompt=Hi.",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    first = pq.read_table(out).to_pylist()[0]["input_ids"]
    assert smol_tokenizer.decode(first).startswith("<|im_start|>system\nHi.<|im_end|>")


def test_render_without_config_or_tokenizer_is_one_line_error(tmp_path, capsys):
    inp = tmp_path / "in.jsonl"
    write_records(inp)
    assert main(["render", str(inp), "-o", str(tmp_path / "o.parquet")]) == 2
    assert "--tokenizer" in capsys.readouterr().err


def test_render_cli_passes_reasoning_to_a_reasoning_template(tmp_path, smol_tokenizer):
    """A record's reasoning_content (or an inline think block) reaches Qwen3's template; the last
    turn trains it, the earlier one only its answer, as Qwen3 renders them."""
    inp, out = tmp_path / "in.jsonl", tmp_path / "tokens.parquet"
    record = {
        "id": "r",
        "source": "t",
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "<think>\ngreet\n</think>\n\nHello"},
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "4", "reasoning_content": "add"},
        ],
    }
    inp.write_text(json.dumps(record) + "\n", encoding="utf-8")
    args = ["render", str(inp), "--template", "qwen3", "--tokenizer", "smollm2-135m-instruct"]
    assert main([*args, "-o", str(out)]) == 0
    row = pq.read_table(out).to_pylist()[0]
    trained = [i for i, lab in zip(row["input_ids"], row["labels"], strict=True) if lab != -100]
    assert smol_tokenizer.decode(trained) == (
        "Hello<|im_end|><think>\nadd\n</think>\n\n4<|im_end|>"
    )
