"""Task metrics where answers can be checked: for sources with an `answer_format`, the share of
validation prompts whose greedy answer is valid (parses / matches the schema or regex) and exactly
right (equals the reference after trimming), for the base model and the adapter. For deterministic
tasks accuracy moves when loss barely does, so both are reported."""

from __future__ import annotations

from typing import Any

from pipeline.config import RunConfig
from trainers.generate import greedy, prompts


def task_metrics(
    cfg: RunConfig,
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    origin: dict[str, str],
    limit: int = 200,
) -> dict[str, Any]:
    """{source: {"n", "base": {"valid", "exact"}, "adapter": {...}}} over at most `limit` prompts;
    `origin` maps each sample id to its source name."""
    from pipeline.clean.formats import check_answer
    from pipeline.extract import source_name

    checked = [s for s in cfg.sources if s.answer_format is not None]
    if not checked:
        return {}
    formats = {source_name(s): s.answer_format for s in checked}
    counts: dict[str, dict[str, Any]] = {}
    for sample, prompt_ids, answer_ids in prompts(rows):
        name = origin.get(sample.id)
        if name not in formats:
            continue
        if sum(c["n"] for c in counts.values()) >= limit:
            break
        reference = tokenizer.decode(answer_ids, skip_special_tokens=True).strip()
        stop = list(dict.fromkeys([answer_ids[-1], tokenizer.eos_token_id]))
        budget = max(cfg.train.max_new_tokens, len(answer_ids) + 16)
        c = counts.setdefault(name, {"n": 0, "base": [0, 0], "adapter": [0, 0]})
        c["n"] += 1
        for who in ("base", "adapter"):
            ids_out = greedy(model, prompt_ids, stop, budget, base=who == "base")
            answer = tokenizer.decode(ids_out, skip_special_tokens=True).strip()
            c[who][0] += check_answer(answer, formats[name]) is None
            c[who][1] += answer == reference
    return {
        name: {
            "n": c["n"],
            **{
                who: {"valid": c[who][0] / c["n"], "exact": c[who][1] / c["n"]}
                for who in ("base", "adapter")
            },
        }
        for name, c in counts.items()
    }
