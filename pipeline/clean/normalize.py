"""Normalization of stored text: change as little as possible.

NFC (not NFKC: that would turn Chinese full-width ，：？ into ASCII), real mojibake repaired with
ftfy configured to leave quotes, widths and ligatures alone, control characters removed (newline
and tab kept), leftover HTML tags and entities removed, space runs and blank-line runs collapsed
outside code blocks (fenced or indented code keeps its whitespace).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

import ftfy
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad

from pipeline.clean.codepoints import class_table, code_points
from pipeline.clean.fences import FENCE, split_fences
from pipeline.config import NormalizeConfig
from pipeline.records import Dialog, Document
from pipeline.stage import StageStats

# ftfy with everything that changes legitimate text switched off: only mojibake and friends remain.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=True,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)
# What the fixers enabled above act on besides mojibake: terminal escapes, C1 controls, surrogates.
_FTFY_TRIGGER = re.compile("[\x1b\x80-\x9f\ud800-\udfff]")
# Every alternative of ftfy's badness regex but five needs two adjacent characters of its mojibake
# categories or its other non-ASCII literals; those five need a C1 control (a _FTFY_TRIGGER), or
# one of Œ œ Ã Â. Text with neither (CJK, emoji, "café", a lone curly quote or dash) is never
# `is_bad` (tests/test_clean_fast_paths.py checks this against is_bad itself).
_MOJIBAKE_ALL = "".join(MOJIBAKE_CATEGORIES.values()) + "".join(  # category ranges included
    sorted({re.escape(c) for c in BADNESS_RE.pattern if ord(c) > 0x7F})
)
_MOJIBAKE_SEQ = re.compile(f"[{_MOJIBAKE_ALL}][{_MOJIBAKE_ALL}]|[ŒœÃÂ]")
# The same classes as code point tables: a whole text is checked in numpy, twice as fast as the
# two regex scans over real non-ASCII ShareGPT turns.
_TRIGGER_CHAR = class_table(_FTFY_TRIGGER.pattern)
_MOJIBAKE_CHAR = class_table(f"[{_MOJIBAKE_ALL}]")
_MOJIBAKE_ALONE = class_table("[ŒœÃÂ]")


def _ftfy_may_change(text: str) -> bool:
    """False only where ftfy with _FTFY would return `text` unchanged, found without running it:
    its encoding fix leaves ASCII and text its own `is_bad` passes alone, and every other enabled
    fixer needs a _FTFY_TRIGGER character. fix_text per line on every turn was the largest cost
    of `rawtune clean`. Like fix_text, `is_bad` looks at each line (with its newline) on its own,
    and only at lines holding a _MOJIBAKE_SEQ: a curly apostrophe, an accented word or a Chinese
    line no longer goes through ftfy's large badness regex."""
    if text.isascii():  # of the triggers only ESC is ASCII: one memchr instead of a regex scan
        return "\x1b" in text
    cp = code_points(text)
    if _TRIGGER_CHAR[cp].any():  # _FTFY_TRIGGER.search(text)
        return True
    mojibake = _MOJIBAKE_CHAR[cp]  # below: not _MOJIBAKE_SEQ.search(text)
    if not ((mojibake[1:] & mojibake[:-1]).any() or _MOJIBAKE_ALONE[cp].any()):
        return False
    lines = text.split("\n")
    last = len(lines) - 1
    return any(
        is_bad(line if i == last else line + "\n")
        for i, line in enumerate(lines)
        if not line.isascii() and _MOJIBAKE_SEQ.search(line)
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_CONTROL_BYTES = bytes(c for c in range(128) if _CONTROL.match(chr(c)))


def _no_controls(text: str) -> str:
    """`text` without _CONTROL characters; ASCII text is checked by one bytes.translate deletion
    (a C loop) and only rewritten by the regex when it holds one."""
    if text.isascii():
        data = text.encode()
        if len(data.translate(None, _CONTROL_BYTES)) == len(data):
            return text
    return _CONTROL.sub("", text)


_HTML_TAGS = (
    "a|abbr|b|blockquote|br|div|em|font|h[1-6]|hr|i|img|li|ol|p|pre|small|span|strong|sub|sup|"
    "table|tbody|td|th|thead|tr|u|ul"
)
_TAG = re.compile(rf"</?(?:{_HTML_TAGS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,10});")
_SPACES = re.compile(r"(?<=\S)[ \t]{2,}")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANKS = re.compile(r"\n{3,}")
_INLINE_CODE = re.compile(r"(`[^`\n]+`)")


def _tags(text: str) -> str:
    """Leftover HTML tags and entities removed, except inside inline `code` spans."""
    parts = _INLINE_CODE.split(text)  # odd parts are inline code: left as they are
    return "".join(
        p if i % 2 else _ENTITY.sub(lambda m: html.unescape(m.group(0)), _TAG.sub("", p))
        for i, p in enumerate(parts)
    )


def _whitespace(text: str) -> str:
    """Space runs inside lines and blank-line runs collapsed; indented code keeps its spacing."""
    if not (
        "  " in text or "\t" in text or " \n" in text or text.endswith(" ") or "\n\n\n" in text
    ):
        return text  # nothing below can match (most text): a few C scans instead of a pass per line
    # per line in C where possible: _SPACES needs "  " or a tab to match, and rstrip is exactly
    # _TRAILING per line (a MULTILINE regex tried at every space of the text was far slower)
    lines = [
        (line if line.startswith(("    ", "\t")) or ("  " not in line and "\t" not in line)
         else _SPACES.sub(" ", line)).rstrip(" \t")
        for line in text.split("\n")
    ]  # fmt: skip
    return _BLANKS.sub("\n\n", "\n".join(lines))


def _outside_code(text: str, fix: Callable[[str], str]) -> str:
    """Apply `fix` to the prose between fenced code blocks (fences keep every byte)."""
    if FENCE not in text:  # no fence (most text)
        return fix(text)
    return "".join(p if i % 2 else fix(p) for i, p in enumerate(split_fences(text)))


def normalize_explained(text: str, cfg: NormalizeConfig) -> tuple[str, list[str]]:
    """The normalized text and which steps changed it (`mojibake`, `unicode`, `control_chars`,
    `tags`, `whitespace`), so the report can say what normalization did."""
    if not cfg.enabled:
        return text, []
    changes: list[str] = []

    def step(name: str, new: str) -> None:
        nonlocal text
        if new != text:
            changes.append(name)
            text = new

    if "\r" in text:  # one C scan; most text has no CR, and two replace passes cost 7x more
        step("line_breaks", text.replace("\r\n", "\n").replace("\r", "\n"))
    if cfg.fix_mojibake and _ftfy_may_change(text):
        step("mojibake", ftfy.fix_text(text, _FTFY))
    if cfg.unicode_form != "none":
        step("unicode", unicodedata.normalize(cfg.unicode_form, text))
    step("control_chars", _no_controls(text))
    if cfg.strip_tags and ("<" in text or "&" in text):  # every tag and entity has one
        step("tags", _outside_code(text, _tags))
    if cfg.collapse_whitespace:
        step("whitespace", _outside_code(text, _whitespace).strip("\n").rstrip())
    return text, changes


def normalize_text(text: str, cfg: NormalizeConfig) -> str:
    """The normalized form of one text (see module docstring)."""
    return normalize_explained(text, cfg)[0]


def normalize(
    records: Iterable[Dialog | Document], cfg: NormalizeConfig, stats: StageStats
) -> Iterator[Dialog | Document]:
    """Normalize every text of every record; counts records changed per step (`normalize.mojibake`)."""
    for record in records:
        changed: set[str] = set()
        if isinstance(record, Document):
            text, what = normalize_explained(record.text, cfg)
            changed.update(what)
            if what:
                record = record.model_copy(update={"text": text})
        else:
            messages = []
            for m in record.messages:
                text, what = normalize_explained(m.content, cfg)
                changed.update(what)
                messages.append(m if not what else m.model_copy(update={"content": text}))
            if changed:
                record = record.model_copy(update={"messages": messages})
        for what in sorted(changed):
            stats.count_change(f"normalize.{what}")
        yield record
