"""Sharded preparation: the same bytes for any worker count and backend, nothing lost across
workers, and each standalone command equal to its slice of `prepare`.

The corpus is real: ShareGPT dialogs written as long-layout CSV files, `sqlite3 .dump` files and
forum HTML pages (benchmarks/mixed_corpus.py), with a few dialogs planted again in another form
and file so exact and near duplicates cross shard boundaries.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from rich.console import Console

from pipeline.config import RunConfig, load_config
from pipeline.stage import RejectSink, Report, read_jsonl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from mixed_corpus import SHAREGPT, build, sharegpt_dialogs  # noqa: E402

N_DIALOGS = 90


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, smol_tokenizer) -> tuple[Path, list[dict]]:
    if not SHAREGPT.exists():
        pytest.skip(f"{SHAREGPT} missing: run scripts/fetch_real_data.sh")
    dialogs = sharegpt_dialogs(N_DIALOGS)
    # planted duplicates: an exact copy (lands in another form) and a near copy
    dialogs.append(list(dialogs[4]))
    role, text = dialogs[7][-1]
    dialogs.append([*dialogs[7][:-1], (role, text.replace(" the ", " that ", 1))])
    out = tmp_path_factory.mktemp("corpus")
    return out, build(dialogs, out, files_per_form=3)


def config(corpus, out: Path, *overrides: str) -> RunConfig:
    folder, sources = corpus
    cfg_path = folder / "run.yaml"
    import yaml

    cfg_path.write_text(
        yaml.safe_dump(
            {
                "name": "mixed",
                "sources": sources,
                "render": {"max_length": 512, "audit_samples": 20, "batch_size": 8},
                "output": {"dir": str(out), "max_rows_per_shard": 16},
            }
        )
    )
    return load_config(cfg_path, list(overrides))


def prepared(cfg: RunConfig) -> dict[str, bytes]:
    from pipeline.prepare import prepare

    out = prepare(cfg, Console(quiet=True))
    files = {
        p.name: p.read_bytes()
        for p in sorted(out.iterdir())
        if p.name not in ("manifest.json", "report.html")
    }
    manifest = json.loads((out / "manifest.json").read_text())
    files["stages"] = json.dumps(manifest["stages"], sort_keys=True).encode()
    files["stats"] = json.dumps(manifest["token_stats"], sort_keys=True).encode()
    return files


@pytest.fixture(scope="module")
def one_worker(corpus, tmp_path_factory) -> dict[str, bytes]:
    return prepared(config(corpus, tmp_path_factory.mktemp("w1")))


def test_one_worker_run_is_sharded_and_conserves(one_worker):
    stages = json.loads(one_worker["stages"])
    for name, s in stages.items():
        assert s["seen"] == s["kept"] + sum(s["rejected"].values()), name
    assert stages["clean"]["rejected"].get("dedup.exact", 0) >= 1  # the planted copy
    assert stages["clean"]["rejected"].get("dedup.near", 0) >= 1
    rejects = [json.loads(x) for x in one_worker["rejects.jsonl"].splitlines()]
    assert len(rejects) == sum(sum(s["rejected"].values()) for s in stages.values())
    assert sum(1 for name in one_worker if name.startswith("train-")) > 1


@pytest.mark.parametrize("workers", [2, 4])
def test_shards_byte_identical_for_any_worker_count(corpus, one_worker, tmp_path, workers):
    got = prepared(config(corpus, tmp_path, f"execution.workers={workers}"))
    assert got.keys() == one_worker.keys()
    for name in one_worker:
        assert got[name] == one_worker[name], name


@pytest.mark.slow
def test_shards_byte_identical_on_ray(corpus, one_worker, tmp_path):
    pytest.importorskip("ray.data")
    got = prepared(config(corpus, tmp_path, "execution.backend=ray", "execution.workers=2"))
    for name in one_worker:
        assert got[name] == one_worker[name], name


def test_standalone_extract_and_clean_equal_the_prepare_slice(corpus, tmp_path):
    """`rawtune extract` then `rawtune clean` give the records prepare renders (spill order)."""
    from pipeline.clean import clean
    from pipeline.cli import main
    from pipeline.extract.inputs import input_units
    from pipeline.run import build_steps
    from pipeline.steps import Context, run_steps

    cfg = config(corpus, tmp_path / "out")
    cfg_path = corpus[0] / "run.yaml"
    records, rejects = tmp_path / "records.jsonl", tmp_path / "rejects.jsonl"
    cleaned = tmp_path / "clean.jsonl"
    assert (
        main(["extract", "--config", str(cfg_path), "-o", str(records), "--rejects", str(rejects)])
        == 0
    )
    assert main(["clean", str(records), "--config", str(cfg_path), "-o", str(cleaned), "--rejects", str(rejects)]) == 0  # fmt: skip

    report = Report()
    with RejectSink(report) as sink:
        chained = list(
            run_steps(
                build_steps(cfg, ["extract", "clean"]),
                input_units(cfg.sources),
                Context(report, sink),
            )
        )
    assert [json.dumps(r) for r in read_jsonl(cleaned)] == [
        json.dumps(json.loads(r.model_dump_json())) for r in chained
    ]
    # and the in-process `clean()` on the extracted records is the same slice
    report = Report()
    from pipeline.records import record_from_dict

    with RejectSink(report) as sink:
        again = list(
            clean((record_from_dict(o) for o in read_jsonl(records)), cfg.clean, report, sink)
        )
    assert [r.id for r in again] == [r.id for r in chained]


def test_standalone_clean_applies_the_sources_answer_formats(tmp_path):
    """`rawtune clean --config` rejects what `prepare` rejects for a source's answer format."""
    from pipeline.cli import main
    from pipeline.records import Dialog, Message
    from pipeline.stage import write_jsonl

    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "sources:\n  - kind: csv\n    path: x.csv\n    name: api\n    answer_format: {kind: json}\n"
    )

    def chat(i, answer):
        return Dialog(
            id=i,
            source=f"x.csv:line {i}",
            source_name="api",
            messages=[
                Message(role="user", content="Give JSON"),
                Message(role="assistant", content=answer),
            ],
        )

    inp = tmp_path / "in.jsonl"
    write_jsonl(inp, [chat("ok", '{"a": 1}'), chat("bad", "{a: 1}")])
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    assert (
        main(["clean", str(inp), "--config", str(cfg), "-o", str(out), "--rejects", str(rej)]) == 0
    )
    assert [o["id"] for o in read_jsonl(out)] == ["ok"]
    assert [o["reason"] for o in read_jsonl(rej)] == ["format.json"]


def test_pretrain_blocks_identical_for_workers_and_hold_every_token(tmp_path):
    """Pretraining mode through the same sharded path: documents cut into blocks from lengths."""
    import pyarrow.parquet as pq

    cfg_path = tmp_path / "articles.yaml"
    cfg_path.write_text(
        "name: articles\n"
        "sources: [{kind: html, path: data/raw/html/articles/, mode: document}]\n"
        "pack: {mode: pretrain, block_size: 128}\n"
        "output: {max_rows_per_shard: 8}\n"
    )

    def run(workers: int) -> tuple[dict[str, bytes], dict]:
        overrides = [f"output.dir={tmp_path / str(workers)}", f"execution.workers={workers}"]
        cfg = load_config(cfg_path, overrides)
        from pipeline.prepare import prepare

        out = prepare(cfg, Console(quiet=True))
        manifest = json.loads((out / "manifest.json").read_text())
        return {p.name: p.read_bytes() for p in sorted(out.glob("*.parquet"))}, manifest

    one, manifest = run(1)
    two, _ = run(2)
    assert one == two and len(one) > 1
    tokens = sum(
        len(ids)
        for p in sorted((tmp_path / "1" / "articles").glob("*.parquet"))
        for ids in pq.read_table(p).column("input_ids").to_pylist()
    )
    assert tokens == sum(s["tokens"] for s in manifest["token_stats"].values()) > 0
