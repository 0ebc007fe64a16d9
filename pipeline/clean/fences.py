"""Fenced code blocks (```), which the normalize and quality rules leave alone."""

from __future__ import annotations

FENCE = "```"


def split_fences(text: str) -> list[str]:
    """`text` cut at fenced code blocks: [prose, block, prose, ..., prose], a block running from a
    fence to the next one (both kept) or to the end of the text. The same parts as
    `re.split(r"(```.*?(?:```|\\Z))", text, flags=re.DOTALL)`, from one str.split: the lazy regex
    stepped through every character of a block (tests/test_clean_fast_paths.py checks the two)."""
    parts = text.split(FENCE)
    out = [parts[0]]
    for k in range(1, len(parts), 2):
        if k + 1 < len(parts):
            out += [FENCE + parts[k] + FENCE, parts[k + 1]]
        else:  # an unclosed block runs to the end
            out += [FENCE + parts[k], ""]
    return out


def prose(text: str) -> str:
    """`text` with each fenced block replaced by a line break."""
    return "\n".join(split_fences(text)[0::2]) if FENCE in text else text
