"""Config loading: strict keys, one-line errors with suggestions, --set overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import RunConfig, load_config
from pipeline.errors import UserError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | None, overrides: list[str] | None = None) -> str:
    with pytest.raises(UserError) as e:
        load_config(path, overrides)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_default_config_validates():
    cfg = load_config(ROOT / "configs" / "default.yaml")
    assert cfg.sources, "the default config must list the sample sources"


@pytest.mark.parametrize(
    "text, key, suggestion",
    [
        ("trian: {max_steps: 3}", "trian", "train"),
        ("train: {max_stpes: 3}", "train.max_stpes", "max_steps"),
        ("sources: [{kind: csv, path: a.csv, layuot: wide}]", "sources.0.layuot", "layout"),
        (
            "sources: [{kind: html, path: x/, turn_selecter: .post}]",
            "sources.0.turn_selecter",
            "turn_selector",
        ),
        ("clean: {dedup: {num_perms: 64}}", "clean.dedup.num_perms", "num_perm"),
        ("sources: [{kind: json, path: a.jsonl, fromat: alpaca}]", "sources.0.fromat", "format"),
        (
            "sources: [{kind: parquet, path: a/, fields: {mesages: dialog}}]",
            "sources.0.fields.mesages",
            "messages",
        ),
    ],
)
def test_misspelt_key_names_key_and_suggests(tmp_path, text, key, suggestion):
    path = write(tmp_path, text)
    msg = error_of(path)
    assert msg.startswith(str(path))
    assert f"{key}: unknown key (did you mean '{suggestion}'?)" in msg


def test_bad_value_names_key_and_expectation(tmp_path):
    msg = error_of(write(tmp_path, "render: {max_length: -5}"))
    assert "render.max_length" in msg and "greater than 0" in msg


def test_bad_kind_and_bad_yaml(tmp_path):
    assert "kind must be one of csv, sql, html, json, parquet, hf" in error_of(
        write(tmp_path, "sources: [{kind: xls, path: a}]")
    )
    assert "not valid YAML" in error_of(write(tmp_path, "train: [unclosed"))
    assert "config file not found" in error_of(tmp_path / "missing.yaml")


def test_sql_source_needs_table_or_url(tmp_path):
    msg = error_of(write(tmp_path, "sources: [{kind: sql, path: a.sql}]"))
    assert "sources.0" in msg and "table" in msg


def test_set_overrides(tmp_path):
    cfg = load_config(
        None, ["train.max_steps=5", "render.template=chatml", "clean.dedup.near=false"]
    )
    assert cfg.train.max_steps == 5
    assert cfg.render.template == "chatml"
    assert cfg.clean.dedup.near is False
    assert "train.max_steps" in error_of(None, ["train.max_steps=lots"])
    assert "KEY.PATH=VALUE" in error_of(None, ["train.max_steps"])


def test_config_hash_tracks_effective_values():
    assert RunConfig().config_hash() == RunConfig().config_hash()
    assert load_config(None, ["seed=1"]).config_hash() != RunConfig().config_hash()
