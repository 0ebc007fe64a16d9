"""Mixing sources to target proportions: reached shares, up/down-sampling, determinism, clear errors."""

from __future__ import annotations

import random

import pytest

from pipeline.config import MixConfig
from pipeline.errors import UserError
from pipeline.mix import mix


def rows(source: str, n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        length = rng.randint(5, 300)
        out.append(
            {
                "id": f"{source}-{i}",
                "source_name": source,
                "input_ids": [1] * length,
                "n_tokens": length,
            }
        )
    return out


@pytest.fixture
def by_source():
    return {"domain": rows("domain", 200, 1), "general": rows("general", 2000, 2)}


def test_samples_without_upsampling_keeps_the_scarce_source_whole(by_source):
    cfg = MixConfig(proportions={"domain": 0.8, "general": 0.2})
    mixed, report = mix(by_source, cfg, seed=42)
    names = [r["source_name"] for r in mixed]
    assert names.count("domain") == 200
    assert names.count("general") == 50
    assert report["sources"]["domain"]["reached"] == pytest.approx(0.8)
    assert report["sources"]["general"]["dropped_rows"] == 1950
    assert report["sources"]["domain"]["repeated_rows"] == 0
    assert len({r["id"] for r in mixed}) == len(mixed)


def test_tokens_mode_reaches_the_target_share(by_source):
    cfg = MixConfig(by="tokens", proportions={"domain": 3, "general": 1})
    mixed, report = mix(by_source, cfg, seed=42)
    domain_tokens = sum(r["n_tokens"] for r in by_source["domain"])
    general = [r for r in mixed if r["source_name"] == "general"]
    assert report["sources"]["domain"]["selected"] == domain_tokens
    assert sum(r["n_tokens"] for r in general) == report["sources"]["general"]["selected"]
    assert report["sources"]["general"]["reached"] == pytest.approx(0.25, abs=0.01)
    assert report["total"] == sum(r["n_tokens"] for r in mixed)


def test_upsampling_repeats_the_short_source(by_source):
    cfg = MixConfig(proportions={"domain": 0.5, "general": 0.5}, allow_upsample=True)
    mixed, report = mix(by_source, cfg, seed=42)
    names = [r["source_name"] for r in mixed]
    assert names.count("domain") == names.count("general") == 1100
    assert report["sources"]["domain"]["repeated_rows"] == 900
    assert report["sources"]["general"]["dropped_rows"] == 900


def test_mix_is_deterministic_and_order_free(by_source):
    cfg = MixConfig(proportions={"domain": 0.7, "general": 0.3})
    first, report = mix(by_source, cfg, seed=5)
    again, report_again = mix(by_source, cfg, seed=5)
    assert first == again and report == report_again
    reversed_input = {k: v[::-1] for k, v in reversed(by_source.items())}
    assert sorted(r["id"] for r in mix(reversed_input, cfg, seed=5)[0]) == sorted(
        r["id"] for r in first
    )
    other = mix(by_source, cfg, seed=6)[0]
    assert {r["id"] for r in other} != {r["id"] for r in first}


def test_no_proportions_keeps_everything(by_source):
    mixed, report = mix(by_source, MixConfig(), seed=0)
    assert len(mixed) == 2200
    assert report["sources"]["domain"]["reached"] == pytest.approx(200 / 2200)


@pytest.mark.parametrize(
    ("proportions", "message"),
    [
        ({"domain": 1.0}, r"no share for source\(s\) \['general'\]"),
        ({"domain": 1, "general": 1, "forum": 1}, r"\['forum'\] have no rows"),
    ],
)
def test_mix_errors_are_one_line(by_source, proportions, message):
    with pytest.raises(UserError, match=message):
        mix(by_source, MixConfig(proportions=proportions), seed=0)


def test_config_refuses_non_positive_shares():
    from pipeline.config import load_config

    with pytest.raises(UserError, match="mix.proportions.general: Input should be greater than 0"):
        load_config(None, ["mix.proportions={domain: 1, general: 0}"])
