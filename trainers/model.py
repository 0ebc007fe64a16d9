"""The model a recipe trains: base (optionally 4-bit for QLoRA) + a peft LoRA adapter, and its precision."""

from __future__ import annotations

import importlib.util
from typing import Any

from pipeline.config import RunConfig
from pipeline.errors import UserError


def check_quantization(cfg: RunConfig) -> None:
    """QLoRA needs CUDA and bitsandbytes: say so in one line before any data or weights load."""
    if cfg.lora.quantize is None:
        return
    import torch

    if not torch.cuda.is_available():
        raise UserError(
            f"lora.quantize: {cfg.lora.quantize} (QLoRA) needs a CUDA GPU and none is visible; "
            "remove it to train the full-precision base on this machine"
        )
    if importlib.util.find_spec("bitsandbytes") is None:
        raise UserError(
            f"lora.quantize: {cfg.lora.quantize} (QLoRA) needs bitsandbytes: pip install bitsandbytes"
        )


def mixed_precision() -> dict[str, bool]:
    """bf16 where the GPU has it, else fp16 on CUDA, fp32 on CPU (CPU autocast is slower here)."""
    import torch

    if not torch.cuda.is_available():
        return {"bf16": False, "fp16": False}
    bf16 = torch.cuda.is_bf16_supported()
    return {"bf16": bf16, "fp16": not bf16}


def lora_config(cfg: RunConfig) -> Any:
    """peft's LoraConfig from the run config's `lora` section."""
    from peft import LoraConfig

    lo = cfg.lora
    return LoraConfig(
        r=lo.r,
        lora_alpha=lo.alpha,
        lora_dropout=lo.dropout,
        target_modules=lo.target_modules,
        use_dora=lo.use_dora,
        use_rslora=lo.use_rslora,
        bias=lo.bias,
        modules_to_save=lo.modules_to_save,
        task_type="CAUSAL_LM",
    )


def load_base(cfg: RunConfig) -> Any:
    """The base model; in 4-bit NF4 with double quantization and prepared for k-bit training for QLoRA."""
    from pipeline.models import load_model
    from trainers.attention import register

    register()  # the default attn_implementation, sdpa_varlen
    if cfg.lora.quantize is None:
        return load_model(
            cfg.model.name_or_path,
            dtype=cfg.model.dtype,
            attn_implementation=cfg.model.attn_implementation,
        )
    import torch
    from peft import prepare_model_for_kbit_training
    from transformers import BitsAndBytesConfig

    compute = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    model = load_model(
        cfg.model.name_or_path,
        dtype="auto",
        attn_implementation=cfg.model.attn_implementation,
        quantization_config=BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute,
        ),
    )
    return prepare_model_for_kbit_training(
        model, use_gradient_checkpointing=cfg.train.gradient_checkpointing
    )


def build_model(cfg: RunConfig) -> Any:
    """Base model wrapped with a LoRA adapter; KV cache off (padding-free rows need it off)."""
    from peft import get_peft_model

    model = load_base(cfg)
    model.config.use_cache = False
    model = get_peft_model(model, lora_config(cfg))
    if cfg.train.gradient_checkpointing:
        model.enable_input_require_grads()
    return model
