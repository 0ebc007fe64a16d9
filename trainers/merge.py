"""`rawtune merge`: the base model with the run's adapter folded into its weights, plus the tokenizer.

The base is loaded in full precision even when the adapter was trained with QLoRA: merging into 4-bit
weights would round the adapter away. The result loads with `AutoModelForCausalLM.from_pretrained`.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import RunConfig
from pipeline.errors import UserError


def merge(cfg: RunConfig, out_dir: Path | None = None) -> Path:
    """Write the merged model (safetensors) and the adapter's tokenizer to `out_dir`; returns it."""
    from peft import PeftModel
    from transformers import AutoTokenizer

    from pipeline.models import load_model

    adapter = cfg.run_dir / "adapter"
    if not (adapter / "adapter_config.json").is_file():
        raise UserError(f"{adapter}: no trained adapter; run `rawtune train --config ...` first")
    out_dir = out_dir or cfg.run_dir / "merged"
    base = load_model(
        cfg.model.name_or_path,
        dtype=cfg.model.dtype,
    )  # no forward pass runs here, and the attention choice is not saved: plain sdpa serves
    merged = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    merged.config.use_cache = True  # training turned it off; inference wants it
    merged.save_pretrained(str(out_dir))
    AutoTokenizer.from_pretrained(str(adapter)).save_pretrained(str(out_dir))
    return out_dir
