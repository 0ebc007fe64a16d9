"""The LoRA recipe on the tiny random Llama: run folder contract, evaluation, loss normalization,
fit verdicts, LoRA options, merge, QLoRA refusal and checkpoint validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import sample_by_sample_loss
from rich.console import Console

from pipeline.config import load_config
from pipeline.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
IGNORE = -100


def tiny_config(processed: Path, model_dir: Path, outputs: Path, *overrides: str):
    """configs/default.yaml pointed at the session's shards, the tiny model and a temp output dir."""
    return load_config(
        ROOT / "configs" / "default.yaml",
        [
            f"output.dir={processed}",
            f"model.name_or_path={model_dir}",
            f"train.output_dir={outputs}",
            "train.max_steps=4",
            "train.eval_steps=2",
            "train.save_steps=2",
            "train.early_stopping=null",
            "train.generations=2",
            "train.max_new_tokens=6",
            *overrides,
        ],
    )


@pytest.fixture(scope="module")
def trained(sample_processed, tiny_model_dir, tmp_path_factory):
    """One tiny run with a learning rate high enough that the adapter visibly changes the logits."""
    from trainers.lora_sft import train

    cfg = tiny_config(
        sample_processed,
        tiny_model_dir,
        tmp_path_factory.mktemp("outputs"),
        "train.learning_rate=0.05",
        "lora.target_modules=all-linear",
    )
    train(cfg, Console(quiet=True))
    return cfg


def test_run_folder_has_everything_the_contract_names(trained):
    cfg = trained
    run = cfg.run_dir
    metrics = json.loads((run / "metrics.json").read_text())
    for who in ("base", "final"):
        assert set(metrics["eval"][who]) >= {"loss", "perplexity"}
        assert metrics["eval"][who]["perplexity"] == pytest.approx(
            2.718281828 ** metrics["eval"][who]["loss"], rel=1e-6
        )
    assert metrics["fit"]["verdict"] in {"underfit", "overfit", "well fit"}
    manifest = json.loads((cfg.processed_dir / "manifest.json").read_text())
    assert metrics["config_hash"] == manifest["config_hash"]
    steps = [h["step"] for h in metrics["log_history"] if "loss" in h]
    assert steps == [1, 2, 3, 4]
    assert [h["step"] for h in metrics["log_history"] if "eval_loss" in h] == [2, 4]
    assert (run / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = [json.loads(x) for x in (run / "generations.jsonl").read_text().splitlines()]
    assert len(lines) == 2
    for g in lines:
        assert set(g) == {"id", "source", "prompt", "reference", "base", "adapter"}
        assert g["source"] and g["reference"] and g["prompt"].endswith("assistant\n")
    assert (run / "adapter" / "adapter_model.safetensors").is_file()
    assert load_config(run / "config.yaml") == cfg


def test_saved_tokenizer_carries_the_shards_chat_template(trained):
    from transformers import AutoTokenizer

    manifest = json.loads((trained.processed_dir / "manifest.json").read_text())
    tok = AutoTokenizer.from_pretrained(trained.run_dir / "adapter")
    assert tok.chat_template == manifest["chat_template"]


def test_base_and_final_eval_agree_with_an_independent_loss(trained):
    """Loss over every validation sample run alone (no packing), token-weighted: same numbers."""
    from datasets import load_dataset
    from peft import PeftModel

    from pipeline.models import load_model

    rows = load_dataset("parquet", data_dir=str(trained.processed_dir))["validation"]
    metrics = json.loads((trained.run_dir / "metrics.json").read_text())
    base = load_model(trained.model.name_or_path).eval()
    assert sample_by_sample_loss(base, rows) == pytest.approx(
        metrics["eval"]["base"]["loss"], rel=1e-4
    )
    adapted = PeftModel.from_pretrained(base, str(trained.run_dir / "adapter")).eval()
    assert sample_by_sample_loss(adapted, rows) == pytest.approx(
        metrics["eval"]["final"]["loss"], rel=1e-4
    )
    assert abs(metrics["eval"]["final"]["loss"] - metrics["eval"]["base"]["loss"]) > 1e-3


def test_merge_matches_the_peft_model(trained, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from pipeline.cli import main
    from pipeline.models import load_model

    out = tmp_path / "merged"
    overrides = [f"{k}={v}" for k, v in _overrides(trained).items()]
    assert (
        main(
            [
                "merge",
                "--config",
                str(ROOT / "configs/default.yaml"),
                "-o",
                str(out),
                *sum((["--set", o] for o in overrides), []),
            ]
        )
        == 0
    )
    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    assert AutoTokenizer.from_pretrained(out).chat_template
    base = load_model(trained.model.name_or_path).eval()
    peft = PeftModel.from_pretrained(base, str(trained.run_dir / "adapter")).eval()
    ids = torch.tensor([[1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365]])
    with torch.no_grad():
        want = peft(input_ids=ids).logits
        got = merged(input_ids=ids).logits
        with peft.disable_adapter():
            plain = peft(input_ids=ids).logits
    assert (want - plain).abs().max() > 1e-3, "the adapter must change the logits for this to test"
    assert (got - want).abs().max() < 1e-4


def _overrides(cfg) -> dict[str, str]:
    return {
        "output.dir": str(cfg.output.dir),
        "model.name_or_path": cfg.model.name_or_path,
        "train.output_dir": cfg.train.output_dir,
    }


def test_accumulation_gives_the_gradient_of_the_whole_batch(
    sample_processed, tiny_model_dir, tmp_path
):
    """2 micro-batches of 1 row == 1 batch of 2 rows: the loss is the mean over all supervised tokens
    of the accumulated batch (num_items_in_batch), not a mean of per-micro-batch means."""
    import torch
    from transformers import TrainerCallback

    from trainers.collators import PaddingFreeCollator
    from trainers.data import load_shards
    from trainers.lora_sft import _recipe_trainer, training_arguments
    from trainers.model import build_model

    rows = load_shards(sample_processed / "sample")["train"]
    counts = [sum(label != IGNORE for label in r["labels"]) for r in rows]
    pair = sorted(range(len(rows)), key=counts.__getitem__)
    few, many = pair[0], pair[-1]
    assert counts[many] > 2 * counts[few], (
        "rows must differ in supervised tokens to tell the two apart"
    )

    class Grab(TrainerCallback):
        grads: dict[str, torch.Tensor] = {}

        def on_pre_optimizer_step(self, args, state, control, model=None, **kw):
            Grab.grads = {
                n: p.grad.detach().clone()
                for n, p in model.named_parameters()
                if p.grad is not None
            }

    def grads(picked: list[int], batch: int, accumulation: int) -> dict[str, torch.Tensor]:
        from transformers import set_seed

        cfg = tiny_config(
            sample_processed,
            tiny_model_dir,
            tmp_path / f"b{batch}a{accumulation}",
            "train.max_steps=1",
            "train.eval_steps=null",
            "train.save_steps=null",
            "lora.dropout=0",
            f"train.per_device_train_batch_size={batch}",
            f"train.gradient_accumulation_steps={accumulation}",
        )
        set_seed(0)  # the same LoRA init in every run
        args = training_arguments(cfg, cfg.run_dir, has_eval=False)
        args.max_grad_norm = 0.0
        collator = PaddingFreeCollator()
        trainer = _recipe_trainer(None, collator, 1)(
            model=build_model(cfg),
            args=args,
            train_dataset=rows.select(picked),
            data_collator=collator,
            callbacks=[Grab()],
        )
        trainer.train()
        return Grab.grads

    whole, accumulated = grads([few, many], 2, 1), grads([few, many], 1, 2)
    assert whole.keys() == accumulated.keys() and whole
    for name in whole:
        torch.testing.assert_close(accumulated[name], whole[name], rtol=1e-4, atol=1e-7)
    # A mean of per-micro-batch means weights the short row's tokens more: measurably different.
    alone = grads([few], 1, 1), grads([many], 1, 1)
    name = max(whole, key=lambda n: whole[n].abs().sum())
    mean_of_means = (alone[0][name] + alone[1][name]) / 2
    assert not torch.allclose(mean_of_means, whole[name], rtol=1e-2, atol=1e-6)


def test_training_loss_is_the_models_own_causal_lm_loss(sample_processed, tiny_model_dir, tmp_path):
    """The recipe computes logits only where a supervised token is predicted: its loss and gradients
    equal transformers' own loss (labels passed to the model) on a packed row, per token and with
    num_items_in_batch."""
    import torch

    from trainers.collators import PaddingFreeCollator
    from trainers.data import load_shards
    from trainers.lora_sft import _recipe_trainer, training_arguments
    from trainers.model import build_model

    cfg = tiny_config(sample_processed, tiny_model_dir, tmp_path, "lora.dropout=0")
    rows = load_shards(sample_processed / "sample")["train"]
    batch = PaddingFreeCollator()([rows[0], rows[1]])
    assert (batch["labels"] == IGNORE).any() and (batch["labels"] != IGNORE).any()
    model = build_model(cfg)
    with torch.no_grad():  # a trained-looking adapter, so its gradients are not trivially zero
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.02)
    trainer = _recipe_trainer(None, PaddingFreeCollator(), 1)(
        model=model, args=training_arguments(cfg, cfg.run_dir, has_eval=False)
    )

    def loss_and_grads(compute):
        model.zero_grad()
        loss = compute()
        loss.backward()
        return loss.detach(), {
            n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad
        }

    want, want_grads = loss_and_grads(lambda: model(**batch, use_cache=False).loss)
    got, got_grads = loss_and_grads(lambda: trainer.compute_loss(model, batch))
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    for name in want_grads:
        torch.testing.assert_close(got_grads[name], want_grads[name], rtol=1e-4, atol=1e-7)
    n = int((batch["labels"][:, 1:] != IGNORE).sum())
    summed = trainer.compute_loss(model, batch, num_items_in_batch=torch.tensor(2 * n))
    torch.testing.assert_close(summed, want / 2, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("train", "evals", "expected"),
    [
        ([3.0, 2.5, 2.2, 2.0, 1.9, 1.85, 1.82, 1.8, 1.79, 1.79], [2.4, 2.1, 2.0, 2.0], "well fit"),
        ([3.0] * 10, [3.0, 3.0], "underfit"),
        ([3.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.3, 2.1, 1.9, 1.6], [2.8, 2.4], "underfit"),
        ([3.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.3, 2.1, 1.9, 1.6], [], "underfit"),
        ([3.0, 2.5, 2.0, 1.6, 1.3, 1.0, 0.8, 0.6, 0.5, 0.4], [2.2, 1.9, 2.1, 2.4], "overfit"),
    ],
)
def test_fit_verdict(train, evals, expected):
    from trainers.fit import verdict

    every = len(train) // max(len(evals), 1)
    history = [{"step": i + 1, "loss": v} for i, v in enumerate(train)]
    history += [{"step": every * (i + 1), "eval_loss": v} for i, v in enumerate(evals)]
    result = verdict(sorted(history, key=lambda h: h["step"]))
    assert result["verdict"] == expected, result
    if expected == "overfit":
        assert result["best_step"] == 2 * every and "turned up" in result["reason"]


def test_lora_options_reach_peft(sample_processed, tiny_model_dir, tmp_path):
    from trainers.model import build_model

    def built(*overrides: str):
        return build_model(tiny_config(sample_processed, tiny_model_dir, tmp_path, *overrides))

    plain = built()
    options = built(
        "lora.use_dora=true",
        "lora.use_rslora=true",
        "lora.bias=lora_only",
        "lora.modules_to_save=[lm_head]",
        "lora.target_modules=all-linear",
    )
    peft_cfg = options.peft_config["default"]
    assert peft_cfg.use_dora and peft_cfg.use_rslora and peft_cfg.bias == "lora_only"
    assert "lm_head" in peft_cfg.modules_to_save
    adapted = {n.rsplit(".", 1)[-1] for n in peft_cfg.target_modules}
    assert {"gate_proj", "up_proj", "down_proj", "q_proj"} <= adapted
    assert options.get_nb_trainable_parameters()[0] > plain.get_nb_trainable_parameters()[0]


def test_qlora_without_cuda_is_one_line_before_loading(tmp_path, capsys):
    import torch

    from pipeline.cli import main

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code = main(
        [
            "train",
            "--config",
            str(ROOT / "configs/default.yaml"),
            "--set",
            "lora.quantize=4bit",
            "--set",
            f"output.dir={tmp_path / 'nothing-prepared-here'}",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "CUDA" in err and "manifest" not in err


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["train.eval_steps=4", "train.save_steps=6"], "must be a multiple of eval_steps"),
        (["train.early_stopping=2", "train.eval_steps=null"], "early_stopping needs"),
    ],
)
def test_checkpoint_settings_checked_up_front(overrides, message):
    with pytest.raises(UserError, match=message):
        load_config(ROOT / "configs/default.yaml", overrides)


def test_resume_without_checkpoint_is_one_line(sample_processed, tiny_model_dir, tmp_path):
    from trainers.lora_sft import train

    cfg = tiny_config(sample_processed, tiny_model_dir, tmp_path)
    with pytest.raises(UserError, match="no checkpoint"):
        train(cfg, Console(quiet=True), resume=True)


def test_task_metrics_for_sources_with_an_answer_format(tiny_model_dir, tmp_path):
    """A JSON-answer source: valid/exact shares for base and adapter, beside the losses."""
    import csv

    import yaml

    from pipeline.prepare import prepare
    from trainers.lora_sft import train

    labels = ["billing", "shipping", "returns", "account"]
    with (tmp_path / "intents.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["question", "answer"])
        for i in range(40):
            w.writerow([f"Ticket {i}: question number {i * 7} about {labels[i % 4]}",
                        json.dumps({"intent": labels[i % 4]})])  # fmt: skip
    config = {
        "name": "intents",
        "sources": [
            {
                "kind": "csv",
                "path": str(tmp_path / "intents.csv"),
                "name": "intents",
                "columns": {"user": "question", "assistant": "answer"},
                "answer_format": {"kind": "json"},
            },
        ],  # fmt: skip
        "clean": {"dedup": {"near": False}},
        "split": {"validation": 0.25},
        "output": {"dir": str(tmp_path / "processed")},
    }
    path = tmp_path / "intents.yaml"
    path.write_text(yaml.safe_dump(config))
    cfg = load_config(path, [f"model.name_or_path={tiny_model_dir}"])
    prepare(cfg, Console(quiet=True))
    cfg = tiny_config(tmp_path / "processed", tiny_model_dir, tmp_path / "out", "name=intents")
    cfg = cfg.model_copy(update={"sources": load_config(path).sources})
    (tmp_path / "intents.csv").unlink()  # labels come from the shards' provenance, not the sources
    train(cfg, Console(quiet=True))
    task = json.loads((cfg.run_dir / "metrics.json").read_text())["task"]
    assert set(task) == {"intents"} and task["intents"]["n"] >= 5
    for who in ("base", "adapter"):
        assert set(task["intents"][who]) == {"valid", "exact"}
        assert 0 <= task["intents"][who]["exact"] <= task["intents"][who]["valid"] <= 1
    lines = (cfg.run_dir / "generations.jsonl").read_text().splitlines()
    assert {json.loads(x)["source"] for x in lines} == {"intents"}


def test_neftune_noise_reaches_the_trainer(sample_processed, tiny_model_dir, tmp_path):
    """`train.neftune_noise_alpha` is the Trainer's NEFTune switch (noise on input embeddings)."""
    from trainers.lora_sft import training_arguments

    cfg = tiny_config(sample_processed, tiny_model_dir, tmp_path, "train.neftune_noise_alpha=5")
    assert training_arguments(cfg, cfg.run_dir, has_eval=False).neftune_noise_alpha == 5
    plain = tiny_config(sample_processed, tiny_model_dir, tmp_path)
    assert training_arguments(plain, plain.run_dir, has_eval=False).neftune_noise_alpha is None


def test_loraplus_gives_the_b_matrices_their_own_rate(sample_processed, tiny_model_dir, tmp_path):
    """`train.loraplus_lr_ratio`: the Trainer's optimizer is LoRA+'s, B at ratio x the rate of A."""
    from trainers.collators import PaddingFreeCollator
    from trainers.lora_sft import _recipe_trainer, training_arguments
    from trainers.model import build_model

    cfg = tiny_config(sample_processed, tiny_model_dir, tmp_path, "train.loraplus_lr_ratio=16")
    model = build_model(cfg)
    args = training_arguments(cfg, cfg.run_dir, has_eval=False)
    rate = {}
    for ratio in (None, 16.0):
        trainer = _recipe_trainer(None, PaddingFreeCollator(), 1, ratio)(model=model, args=args)
        optimizer = trainer.create_optimizer()
        owner = {id(p): n for n, p in model.named_parameters()}
        rate[ratio] = {
            owner[id(p)].split(".lora_")[1][0]: g["lr"]
            for g in optimizer.param_groups
            for p in g["params"]
            if ".lora_" in owner[id(p)]
        }
    assert rate[None] == {"A": cfg.train.learning_rate, "B": cfg.train.learning_rate}
    assert rate[16.0] == {"A": cfg.train.learning_rate, "B": 16 * cfg.train.learning_rate}
