"""AI-slop phrases: refusals drop the dialog (or the turn), filler sentences are cut, style is scored.

One compiled alternation per tier runs once over each checked turn (linear in its length), on the
folded text (NFKC, casefold, apostrophes and quotes folded); a match maps back to the original
characters so stripping never changes anything else. Latin phrases match on word boundaries;
CJK phrases as substrings, with optional spaces wherever the phrase has a space or CJK meets Latin,
so "作为一个AI语言模型" and "作为一个 AI 语言模型" are the same phrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from pipeline.clean.keys import CJK, fold, fold_with_map, is_cjk, units
from pipeline.config import SlopConfig, SlopPhrase
from pipeline.errors import UserError
from pipeline.records import Dialog, Document, Message
from pipeline.stage import RejectSink, StageStats

STAGE = "clean"
TIERS = ("refusal", "filler", "style")
# A sentence ends at . ! ? (ASCII or full-width) or 。, or at a line break.
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？!?]|\n")


def load_phrases(cfg: SlopConfig) -> list[SlopPhrase]:
    """The shipped list (or cfg.phrases_file), minus removed phrases and disabled tiers, plus added ones."""
    if cfg.phrases_file:
        path = Path(cfg.phrases_file)
        if not path.is_file():
            raise UserError(f"clean.slop.phrases_file: {path} not found")
        text = path.read_text(encoding="utf-8")
    else:
        text = (
            resources.files("pipeline.data")
            .joinpath("slop_phrases.yaml")
            .read_text(encoding="utf-8")
        )
    data = yaml.safe_load(text) or {}
    phrases = [SlopPhrase(**entry) for entry in data.get("phrases", [])] + list(cfg.add)
    removed = {fold(p) for p in cfg.remove}
    return [p for p in phrases if fold(p.phrase) not in removed and p.tier not in cfg.disable_tiers]


def phrase_pattern(phrase: str) -> str:
    """Regex source for one phrase, matched against folded text."""
    folded = fold(phrase).strip()
    parts: list[str] = []
    prev = ""
    for ch in folded:
        if ch.isspace():
            if parts and parts[-1] != r"\s*":
                parts.append(r"\s*" if is_cjk(prev) else r"\s+")
            continue
        if prev and not prev.isspace() and is_cjk(prev) != is_cjk(ch):
            parts.append(r"\s*")  # CJK next to Latin: the space is optional
        parts.append(re.escape(ch))
        prev = ch
    body = "".join(parts).replace(r"\s+\s*", r"\s*").replace(r"\s*\s*", r"\s*")
    # word boundaries only on Latin ends: CJK has none
    start = "" if is_cjk(folded[0]) else r"(?<![^\W" + CJK + r"])"
    end = "" if is_cjk(folded[-1]) else r"(?![^\W" + CJK + r"])"
    return start + body + end


@dataclass
class Matcher:
    """One compiled alternation per tier."""

    patterns: dict[str, re.Pattern[str]]

    @classmethod
    def build(cls, phrases: list[SlopPhrase]) -> Matcher:
        by_tier: dict[str, list[str]] = {}
        for p in sorted(phrases, key=lambda p: -len(p.phrase)):  # longest first
            by_tier.setdefault(p.tier, []).append(phrase_pattern(p.phrase))
        return cls({t: re.compile("|".join(v)) for t, v in by_tier.items()})

    def find(self, tier: str, text: str) -> list[tuple[int, int, str]]:
        """Matches of a tier in `text`: (start, end) in the ORIGINAL text, and the matched text."""
        pattern = self.patterns.get(tier)
        if pattern is None:
            return []
        folded, index = fold_with_map(text)
        out = []
        for m in pattern.finditer(folded):
            start, end = index[m.start()], index[m.end() - 1] + 1
            out.append((start, end, text[start:end]))
        return out


def strip_sentences(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Remove the whole sentence around each span (up to the sentence end), keeping the rest."""
    cuts: list[tuple[int, int]] = []
    for start, end, _ in spans:
        before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
        s = before[-1] if before else 0
        after = _SENTENCE_END.search(text, end)
        e = after.end() if after else len(text)
        cuts.append((s, e))
    out, pos = [], 0
    for s, e in sorted(cuts):
        if s >= pos:
            out.append(text[pos:s])
            pos = e
        else:
            pos = max(pos, e)
    out.append(text[pos:])
    joined = "".join(out)
    joined = re.sub(r"[ \t]{2,}", " ", joined)
    joined = re.sub(r"\n{3,}", "\n\n", joined)
    return joined.strip()


def style_units(text: str) -> int:
    """Words, counting each CJK character as one (Chinese has no spaces)."""
    return len(units(text))


class SlopStep:
    """Applies the three tiers to the configured roles of each dialog."""

    def __init__(self, cfg: SlopConfig) -> None:
        self.cfg = cfg
        self.matcher = Matcher.build(load_phrases(cfg))

    def run(
        self, records: Iterable[Dialog | Document], sink: RejectSink, stats: StageStats
    ) -> Iterator[Dialog | Document]:
        for record in records:
            if not self.cfg.enabled or isinstance(record, Document):
                yield record
                continue
            result = self.apply(record, sink, stats)
            if result is not None:
                yield result

    def apply(self, dialog: Dialog, sink: RejectSink, stats: StageStats) -> Dialog | None:
        checked = [i for i, m in enumerate(dialog.messages) if m.role in self.cfg.roles]
        for i in checked:
            hits = self.matcher.find("refusal", dialog.messages[i].content)
            if not hits:
                continue
            detail = f"turn {i}: {hits[0][2]!r}"
            if self.cfg.refusal_action == "drop_dialog" or dialog.messages[i].role != "assistant":
                sink.reject(dialog, STAGE, "slop.refusal", detail)
                return None
            dialog = _drop_turn_pair(dialog, i)
            stats.count_change("slop.refusal_turn_dropped")
            return self.apply(dialog, sink, stats)  # indexes moved: check again
        messages = list(dialog.messages)
        for i in checked:
            hits = self.matcher.find("filler", messages[i].content)
            if hits:
                messages[i] = Message(
                    role=messages[i].role, content=strip_sentences(messages[i].content, hits)
                )
                stats.count_change("slop.filler_stripped")
        text = "\n".join(messages[i].content for i in checked)
        n_style = len(self.matcher.find("style", text))
        words = style_units(text)
        if n_style >= 2 and words and n_style * 1000 / words > self.cfg.style_max_per_1000_words:
            sink.reject(dialog, STAGE, "slop.style", f"{n_style} style phrases in {words} words")
            return None
        return (
            dialog.model_copy(update={"messages": messages})
            if messages != dialog.messages
            else dialog
        )


def _drop_turn_pair(dialog: Dialog, i: int) -> Dialog:
    """Remove assistant turn i and the user turn right before it."""
    start = i - 1 if i > 0 and dialog.messages[i - 1].role == "user" else i
    messages = dialog.messages[:start] + dialog.messages[i + 1 :]
    return dialog.model_copy(update={"messages": messages})
