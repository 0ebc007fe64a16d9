"""Split by dialog, token statistics, and the Parquet shard set: loadable, atomic, byte-identical."""

from __future__ import annotations

import json
import os
import random
import zlib

import pytest

from pipeline.pack import pack_sft
from pipeline.shards import split_rows, token_stats, write_shards

IGNORE = -100


def row(rid: str, n: int, supervised: int | None = None) -> dict:
    sup = n // 2 if supervised is None else supervised
    ids = [(zlib.crc32(rid.encode()) + i) % 1000 + 1 for i in range(n)]
    return {
        "id": rid,
        "source": f"t:{rid}",
        "source_name": "t",
        "input_ids": ids,
        "labels": [IGNORE] * (n - sup) + ids[n - sup :],
        "n_tokens": n,
        "n_supervised": sup,
    }


@pytest.fixture
def rows():
    rng = random.Random(7)
    return [row(f"dialog-{i}", rng.randint(2, 40)) for i in range(300)]


def test_split_is_by_dialog_and_independent_of_order(rows):
    splits = split_rows(rows, 0.1, seed=42)
    assert len(splits["validation"]) == 30
    assert len(splits["train"]) + len(splits["validation"]) == len(rows)
    train_ids = {r["id"] for r in splits["train"]}
    assert not train_ids & {r["id"] for r in splits["validation"]}
    shuffled = rows[::-1]
    again = split_rows(shuffled, 0.1, seed=42)
    assert {r["id"] for r in again["validation"]} == {r["id"] for r in splits["validation"]}
    other_seed = split_rows(rows, 0.1, seed=43)
    assert {r["id"] for r in other_seed["validation"]} != {r["id"] for r in splits["validation"]}
    assert [r["id"] for r in splits["train"]] == [r["id"] for r in rows if r["id"] in train_ids]


def test_split_keeps_rows_of_one_dialog_together():
    rows = [row("a", 3), row("a", 4), row("b", 3), row("c", 3), row("b", 5)]
    splits = split_rows(rows, 0.5, seed=1)
    for name, other in (("train", "validation"), ("validation", "train")):
        assert not {r["id"] for r in splits[name]} & {r["id"] for r in splits[other]}


@pytest.mark.parametrize(("n", "validation", "held_out"), [(1, 0.1, 0), (2, 0.1, 1), (5, 0.0, 0)])
def test_split_small_sets(n, validation, held_out):
    splits = split_rows([row(f"r{i}", 3) for i in range(n)], validation, seed=0)
    assert len(splits["validation"]) == held_out
    assert len(splits["train"]) == n - held_out


def test_token_stats():
    stats = token_stats([row("a", 10, 4), row("b", 20, 5), row("c", 30, 6), row("d", 100, 7)])
    assert stats == {
        "count": 4,
        "tokens": 160,
        "supervised": 22,
        "mean": 40.0,
        "p50": 20,
        "p95": 100,
        "max": 100,
    }
    plain = [{"input_ids": [1, 2, 3], "labels": [IGNORE, 2, 3]}]
    assert token_stats(plain)["supervised"] == 2
    assert token_stats([])["count"] == 0


def _write(tmp_path, name, rows, max_rows=20):
    splits = split_rows(rows, 0.1, seed=42)
    packed = {k: pack_sft(v, 64) for k, v in splits.items()}
    return write_shards(tmp_path / name, packed, {"name": "run", "note": "中文"}, max_rows), packed


def test_shards_load_with_datasets_and_carry_a_manifest(tmp_path, rows):
    from datasets import load_dataset

    out, packed = _write(tmp_path, "set", rows)
    names = sorted(p.name for p in out.iterdir())
    n_train = -(-len(packed["train"]) // 20)
    assert names == sorted(
        ["manifest.json"]
        + [f"train-{i:05d}-of-{n_train:05d}.parquet" for i in range(n_train)]
        + ["validation-00000-of-00001.parquet"]
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["note"] == "中文"
    assert manifest["shards"]["train"]["rows"] == len(packed["train"])
    assert sum(f["rows"] for f in manifest["shards"]["train"]["files"]) == len(packed["train"])
    ds = load_dataset("parquet", data_dir=str(out))
    assert set(ds) == {"train", "validation"}
    assert len(ds["train"]) == len(packed["train"])
    assert set(ds["train"].column_names) == {
        "input_ids",
        "labels",
        "position_ids",
        "seq_lengths",
        "ids",
    }
    assert ds["train"][0] == packed["train"][0]
    assert not list(tmp_path.glob(".set.*")), "no temp folders left behind"


def test_unpacked_rows_are_stored_as_one_sample_rows(tmp_path):
    import pyarrow.parquet as pq

    rows = [row("a", 3), row("b", 2)]
    out = write_shards(tmp_path / "plain", {"train": rows, "validation": []}, {}, 10)
    assert not list(out.glob("validation-*"))
    stored = pq.read_table(out / "train-00000-of-00001.parquet").to_pylist()
    assert stored[1] == {
        "input_ids": rows[1]["input_ids"],
        "labels": rows[1]["labels"],
        "position_ids": [0, 1],
        "seq_lengths": [2],
        "ids": ["b"],
    }


def test_shards_are_byte_identical_whatever_the_row_order(tmp_path, rows):
    """Same rows (in any order, as different num_proc would give) -> same bytes, manifest included."""
    first, _ = _write(tmp_path, "one", rows)
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    second, _ = _write(tmp_path, "two", shuffled)
    files = sorted(p.name for p in first.iterdir())
    assert files == sorted(p.name for p in second.iterdir())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_rewrite_replaces_the_old_set_and_a_crash_keeps_it(tmp_path, rows, monkeypatch):
    import pipeline.shards as shards

    out, _ = _write(tmp_path, "set", rows, max_rows=5)
    assert len(list(out.glob("train-*"))) > 1
    out, packed = _write(tmp_path, "set", rows, max_rows=1000)
    assert sorted(p.name for p in out.glob("*.parquet")) == [
        "train-00000-of-00001.parquet",
        "validation-00000-of-00001.parquet",
    ]
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    calls = {"n": 0}
    real = shards._write_table

    def crash_on_second(chunk, path, load):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(chunk, path, load)

    monkeypatch.setattr(shards, "_write_table", crash_on_second)
    with pytest.raises(OSError, match="disk full"):
        _write(tmp_path, "set", rows[:50], max_rows=3)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    partial = tmp_path / ".set.partial"
    assert partial.is_dir() and not (partial / "manifest.json").exists()
    monkeypatch.setattr(shards, "_write_table", real)
    _write(tmp_path, "set", rows[:50], max_rows=3)
    assert not partial.exists()
    assert json.loads((out / "manifest.json").read_text())["shards"]["train"]["rows"] < len(
        packed["train"]
    )


def test_extra_files_arrive_with_the_set(tmp_path):
    rejects = tmp_path / "rejects.tmp"
    rejects.write_text('{"id": "x"}\n')
    out = write_shards(tmp_path / "s", {"train": [row("a", 3)]}, {}, 10, {"rejects.jsonl": rejects})
    assert (out / "rejects.jsonl").read_text() == '{"id": "x"}\n'
    assert not rejects.exists()


@pytest.mark.parametrize("new_set_complete", [True, False])
def test_a_crash_between_the_two_renames_loses_no_set(tmp_path, new_set_complete):
    """Killed after `out -> .out.old` and before `.out.partial -> out`: readers find the new set if
    its manifest was written, else the previous one; never nothing."""
    from pipeline.inspect.tokens import read_manifest
    from trainers.data import load_manifest

    plain = [{"input_ids": [1, 2, 3], "labels": [IGNORE, 2, 3]}]
    out = write_shards(tmp_path / "set", {"train": plain}, {"name": "previous"}, 10)
    write_shards(tmp_path / "next", {"train": plain}, {"name": "new"}, 10)
    os.replace(out, tmp_path / ".set.old")
    os.replace(tmp_path / "next", tmp_path / ".set.partial")
    if not new_set_complete:
        (tmp_path / ".set.partial" / "manifest.json").unlink()
    expected = "new" if new_set_complete else "previous"
    reader = load_manifest if new_set_complete else read_manifest
    assert reader(out)["name"] == expected
    # the next write starts from a settled folder and replaces it as usual
    write_shards(out, {"train": plain}, {"name": "third"}, 10)
    assert load_manifest(out)["name"] == "third"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]
