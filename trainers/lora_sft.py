"""LoRA SFT recipe: prepared Parquet shards -> transformers Trainer + peft -> outputs/<run>/adapter/.

Reads the shards `rawtune prepare` wrote (packed rows with position_ids), trains padding-free by
default (one concatenated row per batch, block-diagonal attention from position_ids), evaluates on
the validation split with the same collator, and saves the adapter plus the loss history.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.config import RunConfig
from pipeline.errors import UserError


def load_shards(processed_dir: Path) -> dict[str, Any]:
    """The train/validation splits of a prepared dir as `datasets.Dataset`s (validation may be absent)."""
    from datasets import load_dataset

    manifest = processed_dir / "manifest.json"
    if not manifest.is_file():
        raise UserError(
            f"{processed_dir}: no prepared shards (manifest.json missing); run `make prepare`"
        )
    files = {
        split: sorted(str(p) for p in processed_dir.glob(f"{split}-*.parquet"))
        for split in ("train", "validation")
    }
    files = {k: v for k, v in files.items() if v}
    if "train" not in files:
        raise UserError(f"{processed_dir}: no train shards")
    return dict(load_dataset("parquet", data_files=files))


def build_model(cfg: RunConfig) -> Any:
    """Base model from the one loader, wrapped with a LoRA adapter; KV cache off (packing needs it)."""
    from peft import LoraConfig, get_peft_model

    from pipeline.models import load_model

    model = load_model(
        cfg.model.name_or_path,
        dtype=cfg.model.dtype,
        attn_implementation=cfg.model.attn_implementation,
    )
    model.config.use_cache = False
    lora = LoraConfig(
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=cfg.lora.target_modules,
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    if cfg.train.gradient_checkpointing:
        model.enable_input_require_grads()
    return model


def training_arguments(cfg: RunConfig, run_dir: Path, has_eval: bool) -> Any:
    import torch
    from transformers import TrainingArguments

    t = cfg.train
    return TrainingArguments(
        output_dir=str(run_dir / "checkpoints"),
        max_steps=t.max_steps,
        num_train_epochs=t.num_train_epochs,
        learning_rate=t.learning_rate,
        per_device_train_batch_size=t.per_device_train_batch_size,
        per_device_eval_batch_size=t.per_device_train_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps,
        warmup_steps=t.warmup_ratio,  # a float in [0, 1) is a ratio of total steps
        lr_scheduler_type=t.lr_scheduler_type,
        weight_decay=t.weight_decay,
        logging_steps=t.logging_steps,
        eval_strategy="steps" if (has_eval and t.eval_steps) else "no",
        eval_steps=t.eval_steps,
        save_strategy="steps" if t.save_steps else "no",
        save_steps=t.save_steps,
        gradient_checkpointing=t.gradient_checkpointing,
        seed=t.seed,
        data_seed=t.seed,
        remove_unused_columns=False,  # the collator needs position_ids/seq_lengths
        report_to="none",
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),
        disable_tqdm=False,
    )


def train(cfg: RunConfig, console: Console | None = None) -> Path:
    """Run LoRA SFT per config; returns the adapter folder."""
    import torch
    from transformers import Trainer

    from trainers.collators import PaddedCollator, PaddingFreeCollator

    console = console or Console(stderr=True)
    if cfg.train.threads:
        torch.set_num_threads(cfg.train.threads)
    splits = load_shards(cfg.processed_dir)
    run_dir = cfg.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    model = build_model(cfg)
    trainable, total = model.get_nb_trainable_parameters()
    console.print(
        f"model {cfg.model.name_or_path}: {trainable:,} trainable of {total:,} parameters (LoRA r={cfg.lora.r})"
    )
    collator = PaddingFreeCollator() if cfg.train.padding_free else PaddedCollator()
    has_eval = "validation" in splits and len(splits["validation"]) > 0
    trainer = Trainer(
        model=model,
        args=training_arguments(cfg, run_dir, has_eval),
        train_dataset=splits["train"],
        eval_dataset=splits.get("validation") if has_eval else None,
        data_collator=collator,
    )
    started = time.perf_counter()
    result = trainer.train()
    elapsed = time.perf_counter() - started
    metrics: dict[str, Any] = {"train": result.metrics}
    if has_eval:
        metrics["eval"] = trainer.evaluate()
    adapter_dir = run_dir / "adapter"
    model.save_pretrained(str(adapter_dir))
    history = trainer.state.log_history
    (run_dir / "metrics.json").write_text(
        json.dumps({"metrics": metrics, "log_history": history, "seconds": elapsed}, indent=2)
    )
    _summary(console, cfg, trainer.state.global_step, history, metrics, adapter_dir, elapsed)
    return adapter_dir


def _summary(
    console: Console,
    cfg: RunConfig,
    steps: int,
    history: list[dict[str, Any]],
    metrics: dict[str, Any],
    adapter_dir: Path,
    elapsed: float,
) -> None:
    losses = [h["loss"] for h in history if "loss" in h]
    table = Table(title=f"train: {cfg.train.run_name or cfg.name}")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("steps", str(steps))
    if losses:
        table.add_row("first / last train loss", f"{losses[0]:.4f} / {losses[-1]:.4f}")
    if "eval" in metrics and "eval_loss" in metrics["eval"]:
        ev = metrics["eval"]["eval_loss"]
        table.add_row("eval loss (perplexity)", f"{ev:.4f} ({math.exp(min(ev, 50)):.2f})")
    table.add_row("time", f"{elapsed:.1f} s")
    table.add_row("adapter", str(adapter_dir))
    console.print(table)
