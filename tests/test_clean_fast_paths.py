"""The clean stage's fast paths give exactly what the slow definitions give.

symbol_ratio counts with two regex passes instead of a per-character loop, normalize runs ftfy
only where ftfy could change something, shingles skip the per-unit loop for text without CJK;
each is checked here against its plain definition."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter

import ftfy
import pytest
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.keys import (
    _QUOTES,
    _SPACE_BY_CJK,
    JoinedKey,
    _ngrams,
    exact_key,
    fold,
    is_cjk,
    match_key,
    match_key_with_map,
    shingles,
    units,
)
from pipeline.clean.minhash import count_units
from pipeline.clean.normalize import (
    _FTFY,
    _FTFY_TRIGGER,
    _MOJIBAKE_SEQ,
    _ftfy_may_change,
    _no_controls,
    _whitespace,
)
from pipeline.clean.quality import repeated_line_ratio, symbol_ratio

MOJIBAKE = [
    "sÃ³ isso",
    "voilÃ  le travail",
    "â€œquotedâ€\x9d and â€™",
    "Ã¤Ã¶Ã¼ ÃŸ",
    "æ\x97¥æ\x9c¬èª\x9e",  # 日本語 read as latin-1
    "\x1b[31mred\x1b[0m text",
    "C1 \x85 control and \x9c",
    "lone surrogate \ud83d here",
    "The Mona Lisa doesnâ€™t have eyebrows.",
    "ä¸\xadæ–‡ mixed",
]
PLAIN = ["plain ASCII text", "数据清洗，不要改。", "café naïve résumé", "emoji 🙂 — dash “curly”"]
MOJIBAKE_ALPHABET = "".join(sorted({c for c in BADNESS_RE.pattern if ord(c) > 0x7F}))


def slow_symbol_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    symbols = sum(1 for c in chars if not unicodedata.category(c).startswith(("L", "N")))
    return symbols / len(chars)


def test_symbol_regexes_match_the_unicode_categories_for_every_code_point():
    text = "".join(chr(cp) for cp in range(sys.maxunicode + 1))
    assert symbol_ratio(text) == slow_symbol_ratio(text)
    assert symbol_ratio("") == 0.0 and symbol_ratio(" \n\t") == 0.0


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_symbol_ratio_equals_its_definition(text):
    assert symbol_ratio(text) == slow_symbol_ratio(text)


@pytest.mark.parametrize("text", MOJIBAKE + PLAIN)
def test_ftfy_is_skipped_only_where_it_changes_nothing(text):
    fixed = ftfy.fix_text(text, _FTFY)
    assert _ftfy_may_change(text) or fixed == text
    if text in MOJIBAKE:
        assert _ftfy_may_change(text) and fixed != text, "the sample is real mojibake"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("Ã©â€œ™\x9d\x85\x1b[")))
def test_ftfy_gate_never_skips_a_change(text):
    assert _ftfy_may_change(text) or ftfy.fix_text(text, _FTFY) == text


def slow_shingles(text: str, word_n: int, char_n: int) -> set[str]:
    """The general per-unit loop: runs of words and runs of CJK characters."""
    out: set[str] = set()
    run: list[str] = []
    cjk_run = False
    for unit in units(text):
        cjk = len(unit) == 1 and is_cjk(unit)
        if run and cjk != cjk_run:
            out.update(_ngrams(run, char_n if cjk_run else word_n, "" if cjk_run else " "))
            run = []
        run.append(unit)
        cjk_run = cjk
    if run:
        out.update(_ngrams(run, char_n if cjk_run else word_n, "" if cjk_run else " "))
    return out


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ,. ",
        "one",
        "a b c d e f g",
        "Don't STOP me now, I'm having such a good time",
        "数据清洗 the model 微调训练 again and again",
        "ｆｕｌｌ width ＡＢＣ words",
    ],  # fmt: skip
)
def test_shingles_fast_path_equals_the_loop(text):
    assert shingles(text, 5, 5) == slow_shingles(text, 5, 5)
    assert shingles(text, 2, 3) == slow_shingles(text, 2, 3)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab cd'.数据,\n")), max_size=80))
def test_shingles_equal_the_loop_on_random_text(text):
    assert shingles(text, 3, 2) == slow_shingles(text, 3, 2)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("’‘`´ʼ“”„ \t\n\u3000")))
def test_key_folding_equals_its_definition(text):
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    assert fold(text) == folded
    spaced = re.sub(r"\s+", " ", folded).strip()
    assert match_key(text) == _SPACE_BY_CJK.sub("", spaced)
    assert exact_key(text) == re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", folded)).strip()
    ascii = text.encode("ascii", "ignore").decode()  # the ASCII fast paths
    assert exact_key(ascii) == re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", fold(ascii))).strip()
    assert symbol_ratio(ascii) == slow_symbol_ratio(ascii)


def slow_whitespace(text: str) -> str:
    lines = [
        line if line.startswith(("    ", "\t")) else re.sub(r"(?<=\S)[ \t]{2,}", " ", line)
        for line in text.split("\n")
    ]
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+$", "", "\n".join(lines), flags=re.M))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\n\r\u3000x")), max_size=60))
def test_whitespace_collapse_equals_its_definition(text):
    assert _whitespace(text) == slow_whitespace(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(MOJIBAKE + PLAIN + ["", "\n", "ok\n"]), max_size=6))
def test_ftfy_gate_on_multi_line_text(lines):
    text = "\n".join(lines)
    assert _ftfy_may_change(text) or ftfy.fix_text(text, _FTFY) == text
    if any(line in MOJIBAKE for line in lines):
        assert _ftfy_may_change(text)


def regex_gate(text: str) -> bool:
    """The ftfy gate as the regexes define it (the code checks tables of the same classes)."""
    if _FTFY_TRIGGER.search(text):
        return True
    if not _MOJIBAKE_SEQ.search(text):
        return False
    lines = text.split("\n")
    return any(
        is_bad(line if i == len(lines) - 1 else line + "\n")
        for i, line in enumerate(lines)
        if not line.isascii() and _MOJIBAKE_SEQ.search(line)
    )


@settings(max_examples=1500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list(MOJIBAKE_ALPHABET + "aZ \n.数🙂é\x85\x1bŒÃ\ud83d"))
        | st.characters(),
        max_size=30,
    )
)
def test_ftfy_gate_tables_equal_its_regexes(text):
    assert _ftfy_may_change(text) == (not text.isascii() and regex_gate(text) or "\x1b" in text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab_1 \t\n\x1c\x85\u2028\u3000,。数")), max_size=40))
def test_symbol_ratio_equals_its_definition_on_spaces_and_symbols(text):
    assert symbol_ratio(text) == slow_symbol_ratio(text)


def slow_repeated_line_ratio(text: str) -> float:
    lines = [
        ln.strip()
        for ln in re.sub(r"```.*?(?:```|\Z)", "\n", text, flags=re.S).split("\n")
        if len(units(ln)) >= 3
    ]
    if len(lines) < 4:
        return 0.0
    return sum(c - 1 for c in Counter(lines).values()) / len(lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "a b", "a b c", " a b c ", "数据集", "x", "```",
                                 "one two three four", "1 1 1", "- - -"]), max_size=14))  # fmt: skip
def test_repeated_line_ratio_equals_its_definition(lines):
    text = "\n".join(lines)
    assert repeated_line_ratio(text) == slow_repeated_line_ratio(text)


def slow_match_key_with_map(text: str) -> tuple[str, list[int]]:
    """Per folded character: whitespace runs as one space between two characters, none next to
    CJK; each key character's original index."""
    chars = [
        (f, i)
        for i, ch in enumerate(text)
        for f in unicodedata.normalize("NFKC", ch).casefold().translate(_QUOTES)
    ]
    out: list[tuple[str, int]] = []
    pending = None
    for f, i in chars:
        if f.isspace():
            pending = i if pending is None else pending
            continue
        if pending is not None and out and not is_cjk(out[-1][0]) and not is_cjk(f):
            out.append((" ", pending))
        pending = None
        out.append((f, i))
    return "".join(c for c, _ in out), [i for _, i in out]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aB `'.\t\n\x1c\x0b数ß¨\u3000’")), max_size=40))
def test_match_key_with_map_equals_its_definition(text):
    key, where = match_key_with_map(text)
    assert (key, where) == slow_match_key_with_map(text)
    assert key == match_key(text)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ9_ '’`\n.-数据カ・゠한ß¨ﬁ\u3000é")), max_size=40))
def test_count_units_equals_the_number_of_units(text):
    assert count_units(text) == len(units(text))


def join_keys(keys: list[str]) -> tuple[str, list[int]]:
    """The texts' own keys in order, one space between two unless one side is CJK, and where
    each starts: what JoinedKey must equal."""
    out: list[str] = []
    starts: list[int] = []
    size = 0
    for key in keys:
        if key and size and not (is_cjk(out[-1][-1]) or is_cjk(key[0])):
            out.append(" ")
            size += 1
        starts.append(size)
        if key:
            out.append(key)
            size += len(key)
    return "".join(out), starts


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("aB '`\n\t\x1c\x0b\x85数据，ß¨\u3000’ﬁ")), max_size=12
        ),
        max_size=6,
    )
)
def test_joined_key_equals_the_key_of_the_joined_texts_and_places_each(texts):
    keys = [match_key(t) for t in texts]
    joined, starts = join_keys(keys)
    key = JoinedKey(texts)
    assert key.text == joined == match_key("\n".join(texts))
    assert key.spans() == (starts, [s + len(k) for s, k in zip(starts, keys, strict=True)])


@settings(max_examples=1500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list(MOJIBAKE_ALPHABET + "aZ \n.,!?数🙂é\x85")) | st.characters()
    )
)
def test_text_without_a_mojibake_sequence_is_never_bad(text):
    """The gate's pre-check may only skip text that ftfy's own `is_bad` passes (a C1 control is
    the trigger's to catch)."""
    gated = _FTFY_TRIGGER.search(text) or _MOJIBAKE_SEQ.search(text)
    assert gated or not is_bad(text)
    for line in text.split("\n"):
        assert gated or not is_bad(line + "\n")


@pytest.mark.parametrize("lead", ["", " ", "a", "Z", ".", "\n", "é"])
def test_every_mojibake_pair_and_single_is_checked_against_is_bad(lead):
    """Exhaustively over the badness regex's own characters: every two-character sequence, and
    each single one between ASCII, is either gated to is_bad or never bad."""
    for c in sorted(set(MOJIBAKE_ALPHABET) | set(MOJIBAKE_CATEGORIES["common"])):
        for other in (c, "a", " ", ".", "°", "€", "\xa0", "©"):
            for text in (lead + c + other, lead + other + c, f"x{c} {other}"):
                gated = _FTFY_TRIGGER.search(text) or _MOJIBAKE_SEQ.search(text)
                assert gated or not is_bad(text), repr(text)
                assert gated or not is_bad(text + "\n"), repr(text)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab \n\t\x00\x07\x0b\x1b\x1f\x7f\u200b\ufeff`<&")),
        max_size=40,
    )
)
def test_control_removal_equals_the_regex(text):
    expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]", "", text)
    assert _no_controls(text) == expected
    ascii = text.encode("ascii", "ignore").decode()
    assert _no_controls(ascii) == re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", ascii)


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list(MOJIBAKE_CATEGORIES["common"] + "aZé数 \n.,'\"-_!?0")),
        max_size=30,
    )
)
def test_common_mojibake_characters_alone_are_never_bad(text):
    assert _FTFY_TRIGGER.search(text) or _MOJIBAKE_SEQ.search(text) or not is_bad(text)


def test_usual_non_ascii_text_skips_the_badness_regex():
    for text in (
        "café au lait",
        "it’s “quoted” — fine…",
        "数据清洗，去重。",
        "5 × 3 = 15 °C",
        "🙂 ok",
    ):
        assert not _MOJIBAKE_SEQ.search(text), text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("`a \n")), max_size=40))
def test_fences_split_as_the_regex_does(text):
    from pipeline.clean.fences import prose, split_fences

    assert split_fences(text) == re.split(r"(```.*?(?:```|\Z))", text, flags=re.DOTALL)
    assert prose(text) == re.sub(r"```.*?(?:```|\Z)", "\n", text, flags=re.DOTALL)
