"""Cleaning: normalize, slop phrases, quality and format rules, exact and near duplicates.

Every removal is a Reject of stage `clean` naming the rule that fired (`slop.refusal`,
`quality.no_assistant`, `dedup.near`, ...); every modification is counted (`slop.filler_stripped`).
Order: normalize -> slop -> quality -> formats -> exact dedup -> near dedup, so duplicates are
judged on cleaned text and the record kept is the first survivor in input order. Each is a step
(`pipeline.steps`); `clean_steps` (clean/steps.py) is the list prepare and `rawtune clean` both run.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Names this package exports, by the module that defines them. They are imported on first use
# (PEP 562), so importing one rule module (dedup for near-duplicates alone, formats for the trainer's
# task metrics) does not load every rule's libraries (ftfy, the slop automaton, yaml).
_EXPORTS = {
    "ExactDedup": "dedup",
    "NearDedup": "dedup",
    "Matcher": "slop",
    "SlopStep": "slop",
    "load_phrases": "slop",
    "strip_sentences": "slop",
    "check_answer": "formats",
    "normalize_text": "normalize",
    "clean": "steps",
    "clean_file": "steps",
    "clean_steps": "steps",
    "clean_table": "steps",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
