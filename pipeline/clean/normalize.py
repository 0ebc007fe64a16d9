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
from collections.abc import Iterable, Iterator

import ftfy

from pipeline.config import NormalizeConfig
from pipeline.records import Dialog, Document, Message
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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_HTML_TAGS = (
    "a|abbr|b|blockquote|br|div|em|font|h[1-6]|hr|i|img|li|ol|p|pre|small|span|strong|sub|sup|"
    "table|tbody|td|th|thead|tr|u|ul"
)
_TAG = re.compile(rf"</?(?:{_HTML_TAGS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,10});")
_SPACES = re.compile(r"(?<=\S)[ \t]{2,}")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANKS = re.compile(r"\n{3,}")
_FENCE = re.compile(r"(```.*?(?:```|\Z))", re.DOTALL)


def _prose(text: str, cfg: NormalizeConfig) -> str:
    """Fix a stretch of prose (no code fences inside)."""
    if cfg.strip_tags:
        text = _TAG.sub("", text)
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    if cfg.collapse_whitespace:
        lines = []
        for line in text.split("\n"):
            # indented code (4+ spaces or a tab at the start) keeps its spacing
            lines.append(line if line.startswith(("    ", "\t")) else _SPACES.sub(" ", line))
        text = _TRAILING.sub("", "\n".join(lines))
        text = _BLANKS.sub("\n\n", text)
    return text


def normalize_text(text: str, cfg: NormalizeConfig) -> str:
    """The normalized form of one text (see module docstring)."""
    if not cfg.enabled:
        return text
    if cfg.fix_mojibake:
        text = ftfy.fix_text(text, _FTFY)
    if cfg.unicode_form != "none":
        text = unicodedata.normalize(cfg.unicode_form, text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    parts = _FENCE.split(text)  # odd parts are fenced code blocks: left as they are
    text = "".join(p if i % 2 else _prose(p, cfg) for i, p in enumerate(parts))
    return text.strip("\n ") if cfg.collapse_whitespace else text


def normalize(
    records: Iterable[Dialog | Document], cfg: NormalizeConfig, stats: StageStats
) -> Iterator[Dialog | Document]:
    """Normalize every text of every record; counts records changed (`normalize.changed`)."""
    for record in records:
        if isinstance(record, Document):
            text = normalize_text(record.text, cfg)
            if text != record.text:
                stats.count_change("normalize.changed")
                record = record.model_copy(update={"text": text})
        else:
            messages = [
                Message(role=m.role, content=normalize_text(m.content, cfg))
                for m in record.messages
            ]
            if messages != record.messages:
                stats.count_change("normalize.changed")
                record = record.model_copy(update={"messages": messages})
        yield record
