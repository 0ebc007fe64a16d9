"""Greedy answers to validation prompts from the base model and the adapter, side by side.

Prompts come straight from the validation shards: a sample's tokens up to its first trained token
(the rendered prompt, generation header included) and the reference is that first trained run. The
run's last token is the template's end-of-turn marker, so it is also the stop token: no guessing
which special token the template ends a turn with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from trainers.data import Sample, samples


def prompts(
    rows: Iterable[dict[str, Any]], n: int | None = None
) -> Iterator[tuple[Sample, list[int], list[int]]]:
    """The first `n` (default all) samples with a trained answer: (sample, prompt ids, answer ids)."""
    count = 0
    for sample in samples(rows):
        if n is not None and count >= n:
            return
        found = sample.first_answer()
        if found is not None and found[0]:
            count += 1
            yield sample, *found


def greedy(
    model: Any,
    prompt_ids: list[int],
    stop_ids: list[int],
    max_new_tokens: int,
    base: bool = False,
) -> list[int]:
    """New token ids of a greedy, bounded generation (base=True: peft adapter disabled)."""
    import torch

    device = next(model.parameters()).device
    ids = torch.tensor([prompt_ids], dtype=torch.long, device=device)
    was_training = model.training
    model.eval()
    ctx = model.disable_adapter() if base else nullcontext()
    with ctx, torch.no_grad():
        out = model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            use_cache=True,
            eos_token_id=stop_ids,
            pad_token_id=stop_ids[0],
        )
    model.train(was_training)
    return out[0, ids.shape[1] :].tolist()


def side_by_side(
    model: Any,
    tokenizer: Any,
    rows: Iterable[dict[str, Any]],
    n: int,
    max_new_tokens: int,
    source_of: dict[str, str],
) -> list[dict[str, Any]]:
    """One {"id", "source", "prompt", "reference", "base", "adapter"} per validation prompt."""
    out = []
    for sample, prompt_ids, answer_ids in prompts(rows, n):
        stop = list(dict.fromkeys([answer_ids[-1], tokenizer.eos_token_id]))

        def text(ids: list[int]) -> str:
            return tokenizer.decode(ids, skip_special_tokens=True).strip()

        out.append(
            {
                "id": sample.id,
                "source": source_of.get(sample.id, ""),
                "prompt": tokenizer.decode(prompt_ids),
                "reference": text(answer_ids),
                "base": text(greedy(model, prompt_ids, stop, max_new_tokens, base=True)),
                "adapter": text(greedy(model, prompt_ids, stop, max_new_tokens)),
            }
        )
    return out


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> None:
    """One JSON object per line, UTF-8 (CJK kept readable)."""
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
