"""Shared fixtures: the real SmolLM2 tokenizer and a tiny randomly initialised Llama built from a config."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "data" / "real"


@pytest.fixture(scope="session")
def smol_tokenizer():
    """The real SmolLM2-135M-Instruct tokenizer (converted once from the shipped GGUF)."""
    from pipeline.models import load_tokenizer

    return load_tokenizer("smollm2-135m-instruct")


def make_tiny_model(vocab_size: int, attn_implementation: str = "sdpa", seed: int = 0):
    """A 2-layer Llama with random weights: fast enough for exact loss and training tests."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from trainers.attention import register

    register()  # sdpa_varlen
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        attn_implementation=attn_implementation,
    )
    return LlamaForCausalLM(config).eval()


@pytest.fixture(scope="session")
def tiny_model_factory():
    """`make_tiny_model` as a fixture, for tests that need several (e.g. sdpa, sdpa_varlen and eager)."""
    return make_tiny_model


@pytest.fixture(scope="session")
def tiny_model(smol_tokenizer):
    return make_tiny_model(len(smol_tokenizer))


def real_data(*parts: str) -> Path:
    """Path under data/real/ (fetched by scripts/fetch_real_data.sh); skip the test if missing."""
    path = REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} missing: run scripts/fetch_real_data.sh (make test does)")
    return path


def extracted(units, src, root: Path) -> tuple[list[str], list[str], dict]:
    """Records (JSON), rejects (JSON) and the extract stage of reading input `units` of the one
    source `src` in order: what a cut file must give exactly as its whole file does."""
    from pipeline.extract.inputs import extract_units
    from pipeline.extract.units import Tally
    from pipeline.stage import RejectSink, Report

    report = Report()
    rejects = root / f"rejects-{len(units)}.jsonl"
    with RejectSink(report, rejects) as sink:
        tally = Tally(report.stage("extract"), sink)
        records = [r.model_dump_json() for r in extract_units(units, [src], tally, root)]
    return records, rejects.read_text().splitlines(), report.stage("extract").model_dump()


def prepared_files(cfg_path: Path, out: Path, *overrides: str) -> dict[str, bytes]:
    """`prepare`'s output files by name (the HTML report left out), the manifest replaced by its
    stages: what runs with different worker counts or backends must give byte for byte."""
    import json

    from rich.console import Console

    from pipeline.config import load_config
    from pipeline.prepare import prepare

    cfg = load_config(cfg_path, [f"output.dir={out}", *overrides])
    folder = prepare(cfg, Console(quiet=True))
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix != ".html"}
    manifest = json.loads(files.pop("manifest.json"))
    files["stages"] = json.dumps(manifest["stages"], sort_keys=True).encode()
    return files


@pytest.fixture(scope="session")
def sample_processed(tmp_path_factory, smol_tokenizer) -> Path:
    """`prepare` on configs/default.yaml once per session, with packing on (the tests check the
    packed paths: collators, evaluation, inspect); returns the output.dir holding `sample/`."""
    from rich.console import Console

    from pipeline.config import load_config
    from pipeline.prepare import prepare

    out = tmp_path_factory.mktemp("sample-processed")
    prepare(
        load_config(ROOT / "configs" / "default.yaml", [f"output.dir={out}", "pack.enabled=true"]),
        Console(quiet=True),
    )
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, smol_tokenizer) -> Path:
    """The tiny random Llama saved as a model folder with the real SmolLM2 tokenizer beside it."""
    path = tmp_path_factory.mktemp("tiny-model")
    make_tiny_model(len(smol_tokenizer)).save_pretrained(path)
    smol_tokenizer.save_pretrained(path)
    return path


def sample_by_sample_loss(model, rows) -> float:
    """Validation loss computed independently of the trainer: every sample of the packed rows run
    alone (no packing, no position_ids), cross-entropy summed over supervised tokens / their count."""
    import torch
    import torch.nn.functional as F

    from trainers.data import samples

    total, count = 0.0, 0
    with torch.no_grad():
        for s in samples(rows):
            logits = model(input_ids=torch.tensor([s.input_ids])).logits[0, :-1]
            target = torch.tensor(s.labels[1:])
            total += float(F.cross_entropy(logits, target, ignore_index=-100, reduction="sum"))
            count += int((target != -100).sum())
    return total / count
