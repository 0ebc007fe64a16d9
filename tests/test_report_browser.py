"""The HTML report opened in a real headless Chromium: sections present, numbers equal to the
manifest's, Chinese text in the DOM, no external asset, and a screenshot saved for a human to check.

The training run folder here is a FABRICATED TEST FIXTURE following the trainer's contract
(metrics.json, loss_curve.png, generations.jsonl); it only checks that the report shows such a run.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from rich.console import Console

from pipeline.config import load_config
from pipeline.inspect import write_report

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("summary", "funnel", "rejects", "lengths", "packing", "mix", "encodings", "audit",
            "samples", "training")  # fmt: skip
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """The browser binary, or skip with the reason when it truly cannot run here."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium not installed (.ci/run installs Debian's chromium)")
    try:
        subprocess.run([exe, "--version"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as e:
        pytest.skip(f"chromium cannot start here: {e}")
    return exe


def browse(
    exe: str, page: Path, tmp: Path, *extra: str, url: str | None = None
) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url or page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp)},
        check=True,
    )


def tiny_png() -> bytes:
    """A valid 2x2 grey PNG (stdlib only), standing in for the trainer's loss plot."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\x80\x80" for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def fabricated_run(run: Path, config_hash: str) -> dict:
    """A run folder as the trainer's contract describes it (test fixture, not a real run)."""
    run.mkdir(parents=True)
    metrics = {
        "eval": {
            "base": {"loss": 2.5, "perplexity": 12.18},
            "final": {"loss": 1.75, "perplexity": 5.75},
        },
        "log_history": [{"step": s, "loss": 3.0 - 0.1 * s} for s in range(1, 11)]
        + [{"step": 10, "eval_loss": 1.75}],
        "fit": {"verdict": "learning", "train_eval_gap": 0.1},
        "config_hash": config_hash,
    }
    (run / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (run / "loss_curve.png").write_bytes(tiny_png())
    gens = [
        {"id": "g1", "source": "faq_zh.csv:line 3", "prompt": "退货要多久？", "reference": "三到五天。",
         "base": "I don't know.", "adapter": "一般三到五个工作日。"},
        {"id": "g2", "source": "faq.csv:line 9", "prompt": "How do I reset?", "reference": "Hold the button.",
         "base": "Reset what?", "adapter": "Hold the reset button for ten seconds."},
    ]  # fmt: skip
    (run / "generations.jsonl").write_text(
        "".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gens), encoding="utf-8"
    )
    return metrics


@pytest.fixture(scope="module")
def report(tmp_path_factory, smol_tokenizer):
    from pipeline.prepare import prepare

    tmp = tmp_path_factory.mktemp("report")
    overrides = [f"output.dir={tmp / 'processed'}", f"train.output_dir={tmp / 'no-run-yet'}"]
    cfg = load_config(ROOT / "configs" / "default.yaml", overrides)
    folder = prepare(cfg, Console(quiet=True))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    metrics = fabricated_run(tmp / "run", manifest["config_hash"])
    page = write_report(folder, tmp / "report.html", run_dir=tmp / "run", tokenizer=smol_tokenizer)
    return folder, manifest, metrics, page, tmp


def test_prepare_writes_its_own_report(report):
    folder, manifest, *_ = report
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert f'id="n-samples">{sum(s["count"] for s in manifest["token_stats"].values())}<' in html
    assert 'id="no-run"' in html  # no training run for a fresh folder


def test_report_is_self_contained(report):
    html = report[3].read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    assert soup.html["lang"] and "Noto Sans CJK SC" in html
    for tag in soup.find_all(["link", "script", "img", "iframe"]):
        for attr in ("href", "src"):
            value = tag.get(attr)
            assert value is None or value.startswith("data:"), (tag.name, value)
    assert "@import" not in html and "url(http" not in html


def test_report_in_headless_chromium(report):
    folder, manifest, metrics, page, tmp = report
    exe = chromium()
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    assert fonts.stdout.strip(), "no Chinese font: Chinese would show as boxes (apt fonts-noto-cjk)"
    dom = BeautifulSoup(browse(exe, page, tmp, "--dump-dom").stdout, "lxml")
    for section in SECTIONS:
        assert dom.find(id=section) is not None, section

    def number(id_: str) -> int:
        return int(dom.find(id=id_).get_text(strip=True))

    stages = manifest["stages"]
    assert number("n-samples") == sum(s["count"] for s in manifest["token_stats"].values())
    assert number("n-in") == stages["extract"]["seen"]
    assert number("n-rejected") == sum(sum(s["rejected"].values()) for s in stages.values())
    for name, s in stages.items():
        row = dom.find("tr", attrs={"data-stage": name})
        cells = {c: int(row.find("td", class_=c).get_text()) for c in ("seen", "kept", "rejected")}
        assert cells == {
            "seen": s["seen"],
            "kept": s["kept"],
            "rejected": sum(s["rejected"].values()),
        }

    # per-source kept samples add up to the samples in the shards
    per_source = [int(tr.find_all("td")[1].get_text()) for tr in dom.find(id="source-table").find_all("tr")[1:]]  # fmt: skip
    assert sum(per_source) == number("n-samples")

    # every reject rule is listed with its count, and the charts are there
    groups = dom.find_all(class_="reject-group")
    assert sum(int(g.h3.span.get_text().split(",")[0]) for g in groups) == number("n-rejected")
    assert len(dom.find(id="funnel").find_all("svg")) >= 3
    assert dom.find(id="lengths").find(string=f"max_length {manifest['max_length']}")

    # samples: highlighting, provenance, Chinese text, filter controls
    cards = dom.find_all(class_="sample-card")
    assert cards and all(c.find(class_="t") and c.find(class_="m") for c in cards)
    assert {c["data-source"] for c in cards} == {
        json.loads(line)["source_name"]
        for line in (folder / "provenance.jsonl").open(encoding="utf-8")
    }
    assert any(c.pre["lang"] == "zh" for c in cards)
    assert (
        dom.find(id="sample-source") and dom.find(id="sample-search") and dom.find(id="reject-rule")
    )

    # the (fabricated) training run
    training = dom.find(id="training")
    for k in ("base", "final"):
        assert f"{metrics['eval'][k]['loss']:.4f}" in training.get_text()
    assert training.find("polyline") is not None and training.find("img")["src"].startswith(
        "data:image/png"
    )
    assert len(dom.find(id="generations").find_all("tr")) == 3
    assert "一般三到五个工作日。" in training.get_text()

    # the filters run in the browser: preset from the address, they hide what does not match
    url = page.as_uri() + "#source=faq-zh&rule=clean/dedup.exact"
    filtered = BeautifulSoup(browse(exe, page, tmp, "--dump-dom", url=url).stdout, "lxml")
    cards = filtered.find_all(class_="sample-card")
    shown = [c["data-source"] for c in cards if "hidden" not in c.get("class", [])]
    assert shown and set(shown) == {"faq-zh"} and len(shown) < len(cards)
    groups = filtered.find_all(class_="reject-group")
    open_ = [g["data-rule"] for g in groups if "hidden" not in g.get("class", [])]
    assert open_ == ["clean/dedup.exact"]

    shot = tmp / "report.png"
    browse(exe, page, tmp, "--window-size=1280,3000", f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    keep = os.environ.get("RAWTUNE_SCREENSHOT")  # e.g. to look at it: RAWTUNE_SCREENSHOT=/tmp/r.png
    if keep:
        shutil.copy(shot, keep)


@pytest.mark.slow
def test_report_after_real_training(tmp_path):
    """`rawtune prepare` then `rawtune train` (real model, 2 steps): report.html in the prepared
    folder now shows the run, and the browser reads the same sample count as the manifest."""
    import sys

    sets = ["--set", f"output.dir={tmp_path / 'processed'}", "--set", f"train.output_dir={tmp_path / 'out'}",
            "--set", "train.max_steps=2"]  # fmt: skip
    for command in ("prepare", "train"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                command,
                "--config",
                "configs/default.yaml",
                *sets,
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=1800,
        )
    folder = tmp_path / "processed" / "sample"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    dom = BeautifulSoup(
        browse(chromium(), folder / "report.html", tmp_path, "--dump-dom").stdout, "lxml"
    )
    training = dom.find(id="training")
    assert (
        training.find(id="no-run") is None
        and str(tmp_path / "out" / "sample") in training.get_text()
    )
    assert training.find("polyline") is not None  # the loss per step from log_history
    assert int(dom.find(id="n-samples").get_text()) == sum(
        s["count"] for s in manifest["token_stats"].values()
    )
