"""AI-slop phrases: refusals drop the dialog (or the turn), filler sentences are cut, style is scored.

One Aho-Corasick pass per checked turn over its match key (NFKC, casefold, apostrophes and quotes
folded, whitespace collapsed, no space next to CJK; see keys.match_key): Latin phrases must sit on
word boundaries, CJK phrases are substrings, and "作为一个AI语言模型" and "作为一个 AI 语言模型"
have the same key. Everything stays linear in the turn length: one automaton pass, one pass for
sentence ends, a binary search per hit.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

import yaml
from ahocorasick_rs import AhoCorasick, Implementation, MatchKind
from pydantic import ValidationError

from pipeline.clean.keys import (
    JoinedKey,
    fold,
    is_word_char,
    match_key,
    match_key_with_map,
)
from pipeline.clean.minhash import count_units
from pipeline.config import SlopConfig, SlopPhrase
from pipeline.errors import UserError
from pipeline.records import Dialog, Document, Message
from pipeline.stage import RejectSink, StageStats

STAGE = "clean"
TIERS = ("refusal", "filler", "style")
# A sentence ends after . ! ? followed by space/end, after 。！？ (any closing quotes/brackets go with
# it), or at a line break.
_SENTENCE_END = re.compile(r"(?:[.!?](?=\s|$)|[。！？!?]+)[”’\"')）」』]*|\n")
_SPACE_RUNS = re.compile(r"[ \t]{2,}")
_BLANK_RUNS = re.compile(r"\n{3,}")


def load_phrases(cfg: SlopConfig) -> list[SlopPhrase]:
    """The shipped list (or cfg.phrases_file), minus removed phrases and disabled tiers, plus added ones."""
    if cfg.phrases_file:
        path = Path(cfg.phrases_file)
        if not path.is_file():
            raise UserError(f"clean.slop.phrases_file: {path} not found")
        text, where = path.read_text(encoding="utf-8"), str(path)
    else:
        text = resources.files("pipeline.data").joinpath("slop_phrases.yaml").read_text("utf-8")
        where = "pipeline/data/slop_phrases.yaml"
    try:
        data = yaml.safe_load(text) or {}
        phrases = [SlopPhrase(**entry) for entry in data.get("phrases", [])]
    except (yaml.YAMLError, ValidationError, TypeError, AttributeError) as e:
        first = str(e).splitlines()[0]
        raise UserError(f"{where}: not a valid phrase list ({first})") from None
    phrases += list(cfg.add)
    removed = {fold(p) for p in cfg.remove}
    return [p for p in phrases if fold(p.phrase) not in removed and p.tier not in cfg.disable_tiers]


def phrase_key(phrase: str) -> str:
    """A phrase as it is looked up: the same key as the text (folded, CJK-adjacent spaces dropped)."""
    key = match_key(phrase)
    if not key:
        raise UserError(f"clean.slop: empty phrase {phrase!r}")
    return key


class Matcher:
    """All phrases of all tiers in one Aho-Corasick DFA (ahocorasick_rs, Rust): one linear pass per
    turn over its match key, whatever the number of phrases. A regex alternation of ~150 phrases
    with boundary lookarounds was an order of magnitude slower on real ShareGPT turns, and
    pyahocorasick's automaton 5.5x slower than this DFA. Latin phrase ends are then checked for
    word boundaries; CJK ends need none (Chinese has no spaces)."""

    def __init__(self, phrases: list[SlopPhrase]) -> None:
        # the same key twice (e.g. config re-adding a shipped phrase): the later entry wins
        tiers = {phrase_key(p.phrase): p.tier for p in phrases}
        self.keys, self.tiers = list(tiers), list(tiers.values())
        self.automaton = (
            AhoCorasick(self.keys, matchkind=MatchKind.Standard, implementation=Implementation.DFA)
            if phrases
            else None
        )

    def hits(self, key: str) -> Iterator[tuple[int, int, str, str]]:
        """(start, end, tier, phrase key) of every phrase in `key` that sits on word boundaries,
        overlaps included, by end and then longest first."""
        if self.automaton is None:
            return
        found = self.automaton.find_matches_as_indexes(key, overlapping=True)
        for i, start, end in sorted(found, key=lambda m: (m[2], m[1])):
            phrase = self.keys[i]
            if is_word_char(phrase[0]) and start > 0 and is_word_char(key[start - 1]):
                continue
            if is_word_char(phrase[-1]) and end < len(key) and is_word_char(key[end]):
                continue
            yield start, end, self.tiers[i], phrase

    def find(self, text: str) -> dict[str, list[str]]:
        """Phrases found in `text`, by tier."""
        found: dict[str, list[str]] = {}
        for _, _, tier, phrase in self.hits(match_key(text)):
            found.setdefault(tier, []).append(phrase)
        return found

    def find_each(self, texts: list[str]) -> tuple[list[dict[str, list[str]]], int]:
        """`find` of each text, and how many style phrases `find("\\n".join(texts))` has, from one
        automaton pass over the joined key (the style score reads the joined turns; scanning
        them again was a third of the slop cost). A phrase across two turns counts only there."""
        found: list[dict[str, list[str]]] = [{} for _ in texts]
        key = JoinedKey(texts)
        hits = list(self.hits(key.text))
        if not hits:  # most dialogs: no turn's place is needed
            return found, 0
        starts, ends = key.spans()
        style = 0
        for start, end, tier, phrase in hits:
            style += tier == "style"
            i = bisect.bisect_right(starts, start) - 1
            if end <= ends[i]:
                found[i].setdefault(tier, []).append(phrase)
        return found, style

    def spans(self, tier: str, text: str) -> list[tuple[int, int]]:
        """Matches of one tier as (start, end) in the ORIGINAL text (only turns with a hit pay for
        the character map)."""
        key, where = match_key_with_map(text)
        return [(where[s], where[e - 1] + 1) for s, e, t, _ in self.hits(key) if t == tier]


def strip_sentences(text: str, spans: list[tuple[int, int]]) -> str:
    """Remove the whole sentence around each span (up to its end: 。！？ . ! ? or a line break),
    keeping everything else as it was."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    cuts: list[tuple[int, int]] = []
    for start, end in spans:
        i = bisect.bisect_right(ends, start) - 1  # last sentence end at or before the match
        s = ends[i] if i >= 0 else 0
        j = bisect.bisect_left(ends, end)  # first sentence end after the match
        e = ends[j] if j < len(ends) else len(text)
        if e > s and text[e - 1] == "\n":
            e -= 1  # keep the line break itself
        cuts.append((s, e))
    out, pos = [], 0
    for s, e in sorted(cuts):
        if s > pos:
            out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    joined = _BLANK_RUNS.sub("\n\n", _SPACE_RUNS.sub(" ", "".join(out)))
    return "\n".join(line.rstrip() for line in joined.split("\n")).strip()


class SlopStep:
    """Applies the three tiers to the configured roles of each dialog (documents pass through)."""

    def __init__(self, cfg: SlopConfig) -> None:
        self.cfg = cfg
        self.matcher = Matcher(load_phrases(cfg) if cfg.enabled else [])

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
        """The dialog after the slop rules, or None when it was rejected (the sink has it)."""
        messages = list(dialog.messages)
        checked = [i for i, m in enumerate(messages) if m.role in self.cfg.roles]
        each, n_style = self.matcher.find_each([messages[i].content for i in checked])
        found = dict(zip(checked, each, strict=True))
        refused = [(i, f["refusal"][0]) for i, f in found.items() if "refusal" in f]
        if refused:
            i, hit = refused[0]
            whole = self.cfg.refusal_action == "drop_dialog" or any(
                messages[k].role != "assistant" for k, _ in refused
            )
            if whole:
                sink.reject(dialog, STAGE, "slop.refusal", f"turn {i}: {hit!r}")
                return None
            messages = _drop_pairs(messages, [k for k, _ in refused])
            stats.count_change("slop.refusal_turn_dropped", len(refused))
            if not any(m.role == "assistant" for m in messages):
                sink.reject(dialog, STAGE, "slop.refusal", f"turn {i}: {hit!r} (no turn left)")
                return None
            found = {}  # indexes moved; filler and style are looked up again below
        messages = self._strip_filler(messages, found, stats)
        if messages != dialog.messages:  # turns dropped or filler cut: count on what is left
            text = "\n".join(m.content for m in messages if m.role in self.cfg.roles)
            n_style = len(self.matcher.find(text).get("style", []))
        if n_style:
            words = count_units("\n".join(m.content for m in messages if m.role in self.cfg.roles))
            score = n_style * 1000 / max(words, self.cfg.style_min_words)
            if score > self.cfg.style_max_per_1000_words:
                detail = f"{n_style} style phrases in {words} words ({score:.1f} per 1000)"
                sink.reject(dialog, STAGE, "slop.style", detail)
                return None
        if messages == dialog.messages:
            return dialog
        return dialog.model_copy(update={"messages": messages})

    def _strip_filler(
        self, messages: list[Message], found: dict[int, dict[str, list[str]]], stats: StageStats
    ) -> list[Message]:
        """Cut filler sentences; a turn that was nothing but filler goes with its user turn, unless
        that would leave no assistant turn (then the empty turn is left for the quality rules)."""
        out = list(messages)
        emptied: list[int] = []
        for i, m in enumerate(messages):
            if m.role not in self.cfg.roles:
                continue
            tiers = found[i] if i in found else self.matcher.find(m.content)
            if "filler" not in tiers:
                continue
            stripped = strip_sentences(m.content, self.matcher.spans("filler", m.content))
            stats.count_change("slop.filler_stripped")
            out[i] = m.model_copy(update={"content": stripped})  # keeps reasoning_content
            if not stripped and m.role == "assistant":
                emptied.append(i)
        if emptied:
            kept = _drop_pairs(out, emptied)
            if any(m.role == "assistant" for m in kept):
                stats.count_change("slop.filler_only_turn_dropped", len(emptied))
                return kept
        return out


def _drop_pairs(messages: list[Message], assistant_turns: list[int]) -> list[Message]:
    """Remove each given assistant turn and the user turn right before it."""
    drop: set[int] = set()
    for i in assistant_turns:
        drop.add(i)
        if i > 0 and messages[i - 1].role == "user":
            drop.add(i - 1)
    return [m for k, m in enumerate(messages) if k not in drop]
