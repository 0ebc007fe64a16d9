"""LoRA SFT recipe: prepared Parquet shards -> transformers Trainer + peft -> outputs/<run>/.

Reads the shards `rawtune prepare` wrote (packed rows with position_ids) and trains padding-free
(one concatenated row per batch, block-diagonal attention from position_ids). The base model is
evaluated on the validation split before the first step and the adapter after the last, with the
same collator and a token-weighted loss (trainers/evaluate.py). Rank 0 writes the run folder:
adapter + tokenizer with the exact chat template of the shards, config copy, metrics.json, the
loss curve, base-vs-adapter generations. Other modes get their own recipe module beside this one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from pipeline.config import RunConfig
from pipeline.errors import UserError


def _recipe_trainer(
    rows_for_eval: Any, collator: Any, eval_batch: int, loraplus_lr_ratio: float | None = None
) -> type:
    """A Trainer whose evaluate() is the token-weighted padding-free loss (and perplexity), whose
    training loss computes logits only where a supervised token is predicted, and whose optimizer
    is LoRA+'s when `loraplus_lr_ratio` is set."""
    import torch.nn.functional as F
    from transformers import Trainer

    from trainers.evaluate import evaluate_loss, supervised_logits

    class RecipeTrainer(Trainer):
        def compute_loss(
            self,
            model: Any,
            inputs: dict[str, Any],
            return_outputs: bool = False,
            num_items_in_batch: Any = None,
        ) -> Any:
            """The Trainer's causal-LM loss (sum over supervised tokens / num_items_in_batch, scaled
            by the processes as the Trainer does) without lm_head on prompt tokens."""
            if return_outputs:
                return super().compute_loss(model, inputs, True, num_items_in_batch)
            logits, target = supervised_logits(model, inputs)
            loss = F.cross_entropy(logits.float(), target, reduction="sum")
            if num_items_in_batch is None:  # the Trainer then divides by the accumulation steps
                return loss / max(target.numel(), 1)
            if self.args.average_tokens_across_devices:  # num_items counts every process's tokens
                loss = loss * self.accelerator.num_processes
            return loss / num_items_in_batch

        def create_optimizer(self, *args: Any, **kwargs: Any) -> Any:
            """AdamW, or LoRA+'s (B matrices at `loraplus_lr_ratio` times the rate) when set."""
            if loraplus_lr_ratio is None or self.optimizer is not None:
                return super().create_optimizer(*args, **kwargs)
            import torch
            from peft.optimizers import create_loraplus_optimizer

            self.optimizer = create_loraplus_optimizer(
                self.model,
                torch.optim.AdamW,
                lr=self.args.learning_rate,
                loraplus_lr_ratio=loraplus_lr_ratio,
                weight_decay=self.args.weight_decay,
            )
            return self.optimizer

        def evaluate(self, *args: Any, metric_key_prefix: str = "eval", **kwargs: Any) -> dict:
            started = time.perf_counter()
            result = evaluate_loss(self.model, rows_for_eval, collator, eval_batch)
            metrics = {
                f"{metric_key_prefix}_loss": result["loss"],
                f"{metric_key_prefix}_perplexity": result["perplexity"],
                f"{metric_key_prefix}_tokens": result["tokens"],
                f"{metric_key_prefix}_runtime": round(time.perf_counter() - started, 3),
            }
            self.log(metrics)
            self.control = self.callback_handler.on_evaluate(
                self.args, self.state, self.control, metrics
            )
            return metrics

    return RecipeTrainer


def training_arguments(cfg: RunConfig, run_dir: Path, has_eval: bool) -> Any:
    """TrainingArguments from the `train` section; precision and DDP backend from the hardware."""
    import torch
    from transformers import TrainingArguments

    from trainers.model import mixed_precision

    t = cfg.train
    evaluating = has_eval and bool(t.eval_steps)
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    return TrainingArguments(
        output_dir=str(run_dir / "checkpoints"),
        max_steps=t.max_steps,
        num_train_epochs=t.num_train_epochs,
        learning_rate=t.learning_rate,
        per_device_train_batch_size=t.per_device_train_batch_size,
        per_device_eval_batch_size=t.per_device_eval_batch_size or t.per_device_train_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps,
        warmup_steps=t.warmup_ratio,  # a float in [0, 1) is a ratio of total steps
        lr_scheduler_type=t.lr_scheduler_type,
        weight_decay=t.weight_decay,
        neftune_noise_alpha=t.neftune_noise_alpha,
        logging_steps=t.logging_steps,
        eval_strategy="steps" if evaluating else "no",
        eval_steps=t.eval_steps,
        save_strategy="steps" if t.save_steps else "no",
        save_steps=t.save_steps,
        save_total_limit=t.save_total_limit,
        load_best_model_at_end=bool(t.early_stopping) and evaluating,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        gradient_checkpointing=t.gradient_checkpointing,
        optim="paged_adamw_8bit" if cfg.lora.quantize else "adamw_torch",
        seed=t.seed,
        data_seed=t.seed,
        remove_unused_columns=False,  # the collator needs position_ids/seq_lengths
        report_to="none",
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),
        ddp_backend=None if torch.cuda.is_available() or not distributed else "gloo",
        deepspeed=t.deepspeed,
        fsdp=t.fsdp or "",
        disable_tqdm=False,
        **mixed_precision(),
    )


def newest_checkpoint(run_dir: Path) -> Path | None:
    """The highest checkpoint-N in the run's checkpoints/ that was completely written.

    The Trainer writes trainer_state.json last, so a folder without it was cut short (SIGKILL while
    saving) and is passed over in favour of the one before.
    """
    found = [
        p
        for p in (run_dir / "checkpoints").glob("checkpoint-*")
        if p.name[11:].isdigit() and (p / "trainer_state.json").is_file()
    ]
    return max(found, key=lambda p: int(p.name[11:]), default=None)


def train(cfg: RunConfig, console: Console | None = None, resume: bool = False) -> Path:
    """Run LoRA SFT per config; returns the adapter folder."""
    from trainers.model import check_quantization

    console = console or Console(stderr=True)
    check_quantization(cfg)  # one line before any data or weights load
    run_dir = cfg.run_dir
    checkpoint = newest_checkpoint(run_dir) if resume else None
    if resume and checkpoint is None:
        raise UserError(
            f"--resume: no checkpoint under {run_dir / 'checkpoints'} (set train.save_steps)"
        )

    import torch
    from transformers import set_seed

    from pipeline.models import load_tokenizer
    from trainers.collators import CountingCollator, PaddedCollator, PaddingFreeCollator
    from trainers.data import load_manifest, load_shards
    from trainers.evaluate import evaluate_loss
    from trainers.model import build_model
    from trainers.plan import describe, training_plan

    if cfg.train.threads:
        torch.set_num_threads(cfg.train.threads)
    manifest = load_manifest(cfg.processed_dir)
    splits = load_shards(cfg.processed_dir)
    tokenizer = load_tokenizer(cfg.render.tokenizer or cfg.model.name_or_path)
    tokenizer.chat_template = manifest.get("chat_template") or tokenizer.chat_template
    set_seed(cfg.train.seed)  # LoRA init draws random numbers before the Trainer seeds
    model = build_model(cfg)
    trainable, total = model.get_nb_trainable_parameters()
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank0 = int(os.environ.get("RANK", "0")) == 0
    say = console.print if rank0 else (lambda *a, **k: None)
    say(
        f"model {cfg.model.name_or_path}: {trainable:,} trainable of {total:,} parameters "
        f"({100 * trainable / total:.2f}%; LoRA r={cfg.lora.r} on {cfg.lora.target_modules})"
    )
    plan = training_plan(
        cfg, len(splits["train"]), manifest.get("token_stats", {}).get("train", {}), world_size
    )
    say(describe(plan, cfg))
    if rank0 and not resume and (run_dir / "checkpoints").exists():
        shutil.rmtree(run_dir / "checkpoints")  # a fresh run must not resume into an older one
    collator = (
        PaddingFreeCollator()
        if cfg.train.padding_free
        else PaddedCollator(pad_token_id=tokenizer.pad_token_id)
    )
    validation = splits.get("validation")
    has_eval = validation is not None and len(validation) > 0
    args = training_arguments(cfg, run_dir, has_eval)
    callbacks = []
    if cfg.train.early_stopping and has_eval:
        from transformers import EarlyStoppingCallback

        callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg.train.early_stopping))
    counter = CountingCollator(collator)
    trainer = _recipe_trainer(
        validation, collator, args.per_device_eval_batch_size, cfg.train.loraplus_lr_ratio
    )(
        model=model,
        args=args,
        train_dataset=splits["train"],
        eval_dataset=validation if has_eval else None,
        data_collator=counter,
        callbacks=callbacks,
    )
    evals: dict[str, Any] = {}
    if has_eval:
        evals["base"] = evaluate_loss(
            model, validation, collator, args.per_device_eval_batch_size, base=True
        )
        say(
            f"base model: validation loss {evals['base']['loss']:.4f} "
            f"(perplexity {evals['base']['perplexity']:.2f})"
        )
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    elapsed = time.perf_counter() - started
    if has_eval:
        evals["final"] = _final_eval(trainer, validation, collator)
    supervised = _all_ranks_sum(counter.supervised)
    adapter_dir = run_dir / "adapter"
    if not trainer.is_world_process_zero():
        return adapter_dir
    from trainers.curve import plot_curve
    from trainers.fit import verdict

    model.save_pretrained(str(adapter_dir))
    tokenizer.save_pretrained(str(adapter_dir))
    (run_dir / "config.yaml").write_text(
        yaml.safe_dump(
            cfg.model_dump(mode="json", by_alias=True), allow_unicode=True, sort_keys=False
        ),
        encoding="utf-8",
    )
    history = trainer.state.log_history
    fit = verdict(history)
    if trainer.state.global_step < plan["total_steps"]:
        fit["stopped_early_at"] = trainer.state.global_step
    metrics: dict[str, Any] = {
        "eval": evals,
        "train": {
            **result.metrics,
            "supervised_tokens": supervised,
            "supervised_tokens_per_second": supervised / result.metrics["train_runtime"],
        },
        "fit": fit,
        "plan": plan,
        "log_history": history,
        "config_hash": manifest.get("config_hash"),
        "run_config_hash": cfg.config_hash(),
        "trainable_parameters": trainable,
        "total_parameters": total,
        "seconds": elapsed,
    }
    if has_eval:
        metrics["eval"]["ratio"] = evals["final"]["loss"] / evals["base"]["loss"]
        metrics.update(_after_training(cfg, model, tokenizer, validation, run_dir, manifest))
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False))
    plot_curve(
        history,
        evals.get("base", {}).get("loss"),
        run_dir / "loss_curve.png",
        title=f"{cfg.train.run_name or cfg.name}: LoRA r={cfg.lora.r}",
    )
    _summary(console, cfg, trainer.state.global_step, history, metrics, run_dir, elapsed)
    return adapter_dir


def _all_ranks_sum(value: int) -> int:
    """`value` summed over torchrun processes (itself in a single process)."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return value
    device = "cuda" if torch.cuda.is_available() and dist.get_backend() == "nccl" else "cpu"
    total = torch.tensor([value], dtype=torch.long, device=device)
    dist.all_reduce(total)
    return int(total.item())


def _final_eval(trainer: Any, validation: Any, collator: Any) -> dict[str, float]:
    """The adapter's validation loss: the Trainer's evaluation at the last step when there was one
    (the same function on the same weights; saves a pass), else a fresh one."""
    from trainers.evaluate import evaluate_loss

    state = trainer.state
    last = next((h for h in reversed(state.log_history) if "eval_loss" in h), None)
    if last and last.get("step") == state.global_step and not trainer.args.load_best_model_at_end:
        return {
            "loss": last["eval_loss"],
            "perplexity": last["eval_perplexity"],
            "tokens": last["eval_tokens"],
        }
    return evaluate_loss(
        trainer.model, validation, collator, trainer.args.per_device_eval_batch_size
    )


def _after_training(
    cfg: RunConfig,
    model: Any,
    tokenizer: Any,
    validation: Any,
    run_dir: Path,
    manifest: dict[str, Any],
) -> dict[str, Any]:
    """generations.jsonl (base vs adapter) and task metrics for sources with an answer_format."""
    from trainers.data import samples
    from trainers.generate import side_by_side, write_jsonl
    from trainers.sources import source_names
    from trainers.task_metrics import task_metrics

    rows = list(validation)
    origin = source_names(cfg.processed_dir, manifest, {s.id for s in samples(rows)})
    generations = side_by_side(
        model, tokenizer, rows, cfg.train.generations, cfg.train.max_new_tokens, origin
    )
    write_jsonl(run_dir / "generations.jsonl", generations)
    return {"task": task_metrics(cfg, model, tokenizer, rows, origin)}


def _summary(
    console: Console,
    cfg: RunConfig,
    steps: int,
    history: list[dict[str, Any]],
    metrics: dict[str, Any],
    run_dir: Path,
    elapsed: float,
) -> None:
    losses = [h["loss"] for h in history if "loss" in h]
    table = Table(title=f"train: {cfg.train.run_name or cfg.name}")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("steps", str(steps))
    if losses:
        table.add_row("first / last train loss", f"{losses[0]:.4f} / {losses[-1]:.4f}")
    ev = metrics["eval"]
    if "base" in ev and "final" in ev:
        for who in ("base", "final"):
            table.add_row(
                f"validation loss, {'base model' if who == 'base' else 'adapter'} (perplexity)",
                f"{ev[who]['loss']:.4f} ({ev[who]['perplexity']:.2f})",
            )
        table.add_row("adapter / base", f"{ev['ratio']:.3f}x")
    fit = metrics["fit"]
    table.add_row("fit", f"{fit['verdict']}: {fit['reason']}")
    for name, task in metrics.get("task", {}).items():
        table.add_row(
            f"{name}: valid / exact (n={task['n']})",
            f"base {task['base']['valid']:.0%} / {task['base']['exact']:.0%}, "
            f"adapter {task['adapter']['valid']:.0%} / {task['adapter']['exact']:.0%}",
        )
    train = metrics["train"]
    table.add_row(
        "time (training)",
        f"{elapsed:.1f} s, {train['supervised_tokens_per_second']:.0f} supervised tokens/s",
    )
    table.add_row("run folder", str(run_dir))
    console.print(table)
