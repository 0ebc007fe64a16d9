"""`rawtune inspect` and provenance on the shipped sample data: every sample traceable to its file and
rows, trained spans visible with or without colour, rejects grouped with their original text."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.inspect import inspect_path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = -100
TRAINED = re.compile("⟦(.*?)⟧", re.S)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, smol_tokenizer):
    """`prepare` on configs/default.yaml into a temp folder (seconds on the sample data), packed so
    that inspect's sample starts show."""
    from pipeline.prepare import prepare

    out = tmp_path_factory.mktemp("processed")
    cfg = load_config(ROOT / "configs" / "default.yaml", [f"output.dir={out}", "pack.enabled=true"])
    return prepare(cfg, Console(quiet=True))


def shard_samples(folder: Path):
    """(id, input_ids, labels) of every sample in every shard, split at seq_lengths."""
    out = []
    for path in sorted(folder.glob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            start = 0
            for sid, n in zip(row["ids"], row["seq_lengths"], strict=True):
                sl = slice(start, start + n)
                out.append((sid, row["input_ids"][sl], row["labels"][sl]))
                start += n
    return out


def provenance(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "provenance.jsonl").open(encoding="utf-8")]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_every_shard_sample_has_its_source(prepared):
    manifest = json.loads((prepared / "manifest.json").read_text())
    entries = provenance(prepared)
    assert manifest["provenance"] == "provenance.jsonl"
    assert len(entries) == sum(s["count"] for s in manifest["token_stats"].values())
    by_id = {e["id"]: e for e in entries}
    samples = shard_samples(prepared)
    assert len(samples) == len(entries)
    for sid, ids, _ in samples:
        assert by_id[sid]["source"] and by_id[sid]["source_name"], sid
        assert by_id[sid]["n_tokens"] == len(ids)
    kinds = {e["source"].split(":")[0].split("#")[0].rsplit(".", 1)[-1] for e in entries}
    assert {"csv", "sql", "html"} <= kinds


def _lines(spec: str) -> list[int]:
    out = []
    for part in spec.split(","):
        a, _, b = part.strip().partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def test_long_layout_source_names_every_row(prepared):
    """A chats-csv dialog's source lists exactly the CSV lines of its conversation that were kept."""
    path = ROOT / "data/raw/csv/conversations.csv"
    physical = path.read_text(encoding="utf-8").splitlines()
    rejected = {
        json.loads(line)["source"] for line in (prepared / "rejects.jsonl").open(encoding="utf-8")
    }
    entries = [e for e in provenance(prepared) if e["source_name"] == "chats-csv"]
    assert entries
    for e in entries:
        m = re.fullmatch(r"data/raw/csv/conversations\.csv:line ([\d, -]+) \(conversation_id=(\w+)\)", e["source"])  # fmt: skip
        assert m, e["source"]
        listed, cid = _lines(m.group(1)), m.group(2)
        rows = [i for i, text in enumerate(physical, 1) if text.startswith(f"{cid},")]
        kept = [i for i in rows if f"data/raw/csv/conversations.csv:line {i}" not in rejected]
        assert listed == kept, e["source"]


def test_inspect_id_shows_the_source_when_piped(prepared):
    entry = next(e for e in provenance(prepared) if e["source_name"] == "tutor-pg")
    res = run_cli("inspect", str(prepared), "--id", entry["id"], env={"NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    assert f"source: {entry['source']}  [tutor-pg]" in res.stdout
    assert re.search(r"chats\.pg\.sql:stmt \d+ row \d+", entry["source"])
    assert f"sample 1: {entry['id']}" in res.stdout and "sample 2:" not in res.stdout


def test_piped_markers_wrap_exactly_the_trained_tokens(prepared, smol_tokenizer):
    """Without colour, the text between ⟦ ⟧ is exactly the decoded label tokens, sample by sample."""
    res = run_cli("inspect", str(prepared), "-n", "4")
    assert res.returncode == 0, res.stderr
    assert "legend: ⟦trained⟧" in res.stdout and "\x1b[" not in res.stdout
    blocks = re.split(r"^── sample \d+: ", res.stdout, flags=re.M)[1:]
    assert len(blocks) == 4
    samples = shard_samples(prepared)
    for block, (sid, ids, labels) in zip(blocks, samples, strict=False):
        assert block.startswith(sid)
        got = [t.replace("‹", "").replace("›", "") for t in TRAINED.findall(block)]
        want, run = [], []
        for tok, lab in [*zip(ids, labels, strict=True), (None, IGNORE)]:
            if lab != IGNORE:
                run.append(tok)
            elif run:
                want.append(smol_tokenizer.decode(run))
                run = []
        assert got == want
        assert "‹<|im_start|>›" in block  # special tokens shown as such


def test_colour_on_a_terminal_and_markers_with_no_color(prepared):
    buf = io.StringIO()
    inspect_path(
        prepared, 1, None, Console(file=buf, force_terminal=True, color_system="truecolor")
    )
    coloured = buf.getvalue()
    assert "\x1b[" in coloured and "⟦" not in coloured
    buf = io.StringIO()
    inspect_path(prepared, 1, None, Console(file=buf, force_terminal=True, no_color=True))
    assert "⟦" in buf.getvalue()


def test_packed_rows_show_where_each_sample_starts(prepared):
    rows = pq.read_table(prepared / "train-00000-of-00001.parquet").to_pylist()
    k = next(i for i, r in enumerate(rows) if len(r["seq_lengths"]) > 1)
    first, second = rows[k]["ids"][:2]
    res = run_cli("inspect", str(prepared), "--id", second)
    assert res.returncode == 0, res.stderr
    n = len(rows[k]["seq_lengths"])
    start = rows[k]["seq_lengths"][0]
    assert f"train-00000-of-00001.parquet row {k}, sample 2/{n} from token {start}" in res.stdout
    assert first != second


def test_tokens_table_has_one_line_per_token(prepared, smol_tokenizer):
    sid, ids, labels = shard_samples(prepared)[0]
    res = run_cli("inspect", str(prepared), "--id", sid, "--tokens")
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("-100 (masked)") == sum(lab == IGNORE for lab in labels)
    assert res.stdout.count("[special]") == sum(t in smol_tokenizer.all_special_ids for t in ids)


DIALOG = {
    "id": "d1",
    "source": "faq.csv:line 2",
    "messages": [
        {"role": "user", "content": "退货要多久？"},
        {"role": "assistant", "content": "一般三到五个工作日。"},
    ],
}


def test_records_jsonl_rendered_on_the_fly(tmp_path):
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(DIALOG, ensure_ascii=False) + "\n", encoding="utf-8")
    res = run_cli("inspect", str(records), "--tokenizer", "smollm2-135m-instruct")
    assert res.returncode == 0, res.stderr
    body = res.stdout.split("── sample 1: d1")[1]
    assert TRAINED.findall(body) == ["一般三到五个工作日。‹<|im_end|>›"]
    assert "source: faq.csv:line 2" in body and "records.jsonl line 1" in body


def test_render_output_parquet(tmp_path):
    records, tokens = tmp_path / "records.jsonl", tmp_path / "tokens.parquet"
    records.write_text(json.dumps(DIALOG, ensure_ascii=False) + "\n", encoding="utf-8")
    tok = ["--tokenizer", "smollm2-135m-instruct"]
    assert run_cli("render", str(records), *tok, "-o", str(tokens)).returncode == 0
    res = run_cli("inspect", str(tokens), *tok, "--source", "faq.csv")
    assert res.returncode == 0, res.stderr
    assert "source: faq.csv:line 2" in res.stdout and "tokens.parquet row 0" in res.stdout
    assert TRAINED.findall(res.stdout.split("── sample 1: d1")[1]) == [
        "一般三到五个工作日。‹<|im_end|>›"
    ]


def test_rejects_grouped_by_stage_and_reason(prepared):
    manifest = json.loads((prepared / "manifest.json").read_text())
    res = run_cli("inspect", str(prepared), "--rejects", "--reason", "dedup", "-n", "2")
    assert res.returncode == 0, res.stderr
    clean = manifest["stages"]["clean"]["rejected"]
    dedup = sum(v for k, v in clean.items() if "dedup" in k)
    assert f"═══ stage clean: {dedup} rejected" in res.stdout
    for reason in ("dedup.exact", "dedup.near"):
        assert f"── {reason}: {clean[reason]}" in res.stdout
    assert "slop" not in res.stdout
    first = next(
        json.loads(line)
        for line in (prepared / "rejects.jsonl").open(encoding="utf-8")
        if json.loads(line)["reason"] == "dedup.exact"
    )
    assert first["source"] in res.stdout
    assert first["record"]["messages"][0]["content"][:40] in res.stdout


def test_a_rejects_file_is_recognised(prepared):
    res = run_cli("inspect", str(prepared / "rejects.jsonl"), "-n", "1")
    assert res.returncode == 0, res.stderr
    assert "═══ stage extract:" in res.stdout and "═══ stage clean:" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inspect", "no/such/dir"], "not found"),
        (["inspect", "{dir}", "--id", "no-such-id"], "no sample with id no-such-id"),
        (["inspect", "{dir}/manifest.json"], "expected a prepared folder"),
    ],
)
def test_bad_input_is_one_line(prepared, args, message):
    res = run_cli(*[a.format(dir=prepared) for a in args])
    assert res.returncode == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("rank", ["0", "1"])
def test_train_rewrites_the_report_on_rank_zero(prepared, tmp_path, monkeypatch, rank):
    """`rawtune train` re-writes report.html with the run once train() returns (rank 0 only).
    The trainer is replaced by a stand-in that writes a fabricated metrics.json (test fixture)."""
    import trainers.lora_sft
    from pipeline.cli import main

    def fake_train(cfg, console=None, **kwargs):
        cfg.run_dir.mkdir(parents=True)
        metrics = {"eval": {"base": {"loss": 2.0}, "final": {"loss": 1.25}}, "log_history": []}
        (cfg.run_dir / "metrics.json").write_text(json.dumps(metrics))
        return cfg.run_dir / "adapter"

    monkeypatch.setattr(trainers.lora_sft, "train", fake_train)
    monkeypatch.setenv("RANK", rank)
    report = prepared / "report.html"
    report.write_text("stale", encoding="utf-8")
    args = ["train", "--config", str(ROOT / "configs/default.yaml"),
            "--set", f"output.dir={prepared.parent}", "--set", f"train.output_dir={tmp_path}",
            "--set", "pack.enabled=true"]  # fmt: skip
    assert main(args) == 0
    html = report.read_text(encoding="utf-8")
    if rank == "0":
        assert "1.2500" in html and str(tmp_path / "sample") in html
    else:
        assert html == "stale"


def test_rows_source_is_compact_and_complete():
    from pipeline.extract.rows import rows_source

    locs = [f"d.sql:stmt 5 row {i}" for i in (1, 2, 3)] + [
        "d.sql:stmt 6 row 1",
        "e.sql:stmt 2 row 4",
    ]
    assert rows_source(locs) == "d.sql:stmt 5 row 1-3; stmt 6 row 1; e.sql:stmt 2 row 4"
    assert rows_source(["c.csv:line 9", "c.csv:line 2", "c.csv:line 3"]) == "c.csv:line 9, 2-3"


def test_sql_long_layout_source_counts_every_row(prepared):
    """A dialog from the sqlite dump lists as many rows as the dump has for its conversation."""
    dump = (ROOT / "data/raw/sql/chats.sqlite.sql").read_text(encoding="utf-8")
    rejected = [json.loads(line) for line in (prepared / "rejects.jsonl").open(encoding="utf-8")]
    for e in (e for e in provenance(prepared) if e["source_name"] == "support-sqlite"):
        m = re.fullmatch(
            r"data/raw/sql/chats\.sqlite\.sql:(.+) \(conversation_id=(\d+)\)", e["source"]
        )
        assert m, e["source"]
        listed = sum(len(_lines(g.split(" row ")[1])) for g in m.group(1).split("; "))
        cid = m.group(2)
        in_dump = len(re.findall(rf"^INSERT INTO messages VALUES\(\d+,{cid},", dump, re.M))
        dropped = sum(
            r["stage"] == "extract" and str((r.get("record") or {}).get("row", {}).get("conversation_id")) == cid
            for r in rejected
        )  # fmt: skip
        assert listed == in_dump - dropped, e["source"]


def test_every_shard_is_read(prepared):
    """Train and validation shards alike: -n large shows every sample of the folder once."""
    manifest = json.loads((prepared / "manifest.json").read_text())
    res = run_cli("inspect", str(prepared), "-n", "100000")
    assert res.returncode == 0, res.stderr
    shown = re.findall(r"^── sample \d+: (\S+)  \((\w+)\)$", res.stdout, re.M)
    assert len(shown) == sum(s["count"] for s in manifest["token_stats"].values())
    assert {split for _, split in shown} == {"train", "validation"}
    assert sorted(i for i, _ in shown) == sorted(sid for sid, _, _ in shard_samples(prepared))
