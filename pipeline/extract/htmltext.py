"""Readable main text from a parsed HTML tree, with CJK-aware whitespace.

Hand-written because `get_text()` either glues blocks together (`<p>a</p><p>b</p>` -> "ab") or,
with a separator, puts a space between every pair of text nodes, which inserts spurious spaces
between Chinese characters (`<b>中</b>文` -> "中 文"; about 580 of them across Debian's 15
Chinese reference pages). Here inline text is concatenated as the browser does, whitespace runs
collapse to one space, and a run containing a line break between two East Asian wide characters
disappears (CSS Text 3 segment-break rule), so Chinese is never split while English words stay
apart. Block elements end lines, list items become bullets, tables become `a | b` rows and
`<pre>` is kept verbatim.
"""

from __future__ import annotations

import re
import unicodedata
import warnings

from bs4 import BeautifulSoup, NavigableString, Tag, XMLParsedAsHTMLWarning
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

DROP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "head",
        "title",
        "iframe",
        "object",
        "embed",
        "svg",
        "canvas",
        "button",
        "select",
        "input",
        "textarea",
        "option",
        "meta",
        "link",
        "map",
        "audio",
        "video",
    ]
)
PARAGRAPH = frozenset(
    [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "table",
        "ul",
        "ol",
        "dl",
        "blockquote",
        "figure",
        "section",
        "article",
        "main",
        "address",
        "details",
        "fieldset",
    ]
)
LINE = frozenset(
    [
        "div",
        "li",
        "dt",
        "dd",
        "tr",
        "caption",
        "figcaption",
        "summary",
        "center",
        "hgroup",
        "legend",
    ]
)
SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
# ARIA landmarks that mean nav/header/footer/aside/search on pages built from <div>s (Sphinx's
# relbars and sidebar, many CMS themes)
DROP_ROLES = frozenset(["navigation", "banner", "contentinfo", "complementary", "search"])
# chrome by class in the two most common doc generators: Sphinx/MkDocs permalink anchors (the
# `¶` after every heading) and DocBook XSL's page navigation and per-page table of contents
DROP_CLASSES = frozenset(["headerlink", "navheader", "navfooter", "toc"])

_WS = re.compile(r"[ \t\n\r\f]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def is_wide(ch: str) -> bool:
    """East Asian wide/full-width and not Hangul (Korean keeps its spaces), as CSS Text 3 says."""
    if not ch or unicodedata.east_asian_width(ch) not in ("W", "F"):
        return False
    return not (
        "\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"
    )


def collapse(text: str) -> str:
    """HTML whitespace collapsing; a line break between two wide characters becomes nothing."""

    def one(m: re.Match[str]) -> str:
        run = m.group()
        if "\n" in run or "\r" in run:
            i, j = m.start(), m.end()
            if i > 0 and j < len(text) and is_wide(text[i - 1]) and is_wide(text[j]):
                return ""
        return " "

    return _WS.sub(one, text).strip()


def is_chrome(tag: Tag) -> bool:
    """Page furniture rather than content: hidden, a navigation landmark, or a chrome class."""
    attrs = tag.attrs
    if attrs.get("role") in DROP_ROLES:
        return True
    classes = attrs.get("class")
    return bool(classes and not DROP_CLASSES.isdisjoint(classes)) or is_hidden(tag)


def is_note(tag: Tag) -> bool:
    """An <aside> that is a footnote (Sphinx writes footnotes as asides): content, not chrome."""
    if tag.name != "aside":
        return False
    if tag.attrs.get("role") in ("note", "doc-footnote", "doc-endnotes"):
        return True
    return any(c.startswith("footnote") for c in tag.attrs.get("class") or ())


def is_hidden(tag: Tag) -> bool:
    attrs = tag.attrs
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


class _Builder:
    """Collects lines; inline text accumulates until a block boundary flushes it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.inline: list[str] = []
        self.bullets: list[str | None] = []  # pending bullet per open list item (None = used)
        self.depth = 0  # list nesting

    def text(self, s: str) -> None:
        self.inline.append(s)

    def flush(self, blank: bool = False) -> None:
        text = collapse("".join(self.inline)).replace("\xa0", " ")
        self.inline.clear()
        if text:
            self.emit(text)
        if blank and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def emit(self, text: str, verbatim: bool = False) -> None:
        indent = "  " * max(self.depth - 1, 0)
        if self.bullets and self.bullets[-1] is not None:
            indent += self.bullets[-1]
            self.bullets[-1] = None
        elif self.bullets:
            indent += "  "
        if verbatim:
            self.lines.extend(indent + line if line else line for line in text.split("\n"))
        else:
            self.lines.append(indent + text)

    def result(self) -> str:
        self.flush()
        out = "\n".join(line.rstrip() for line in self.lines)
        return re.sub(r"\n{3,}", "\n\n", out).strip("\n")


def join_wide(parts: list[str]) -> str:
    """Join pieces with a space, or with nothing where both sides are wide (CJK) characters."""
    out = ""
    for part in parts:
        if out and part:
            out += "" if is_wide(out[-1]) and is_wide(part[0]) else " "
        out += part
    return out


def _cell_text(cell: Tag) -> str:
    """A table cell on one line: its own blocks joined (CJK-aware), so a row stays one line."""
    return join_wide([line.strip() for line in element_text(cell).split("\n") if line.strip()])


def element_text(root: Tag) -> str:
    """Readable text of `root` (a whole soup or one element); see the module docstring."""
    b = _Builder()
    # iterative walk (deeply nested real pages would exceed Python's recursion limit)
    stack: list[tuple[object, bool]] = [(root, True)]
    counters: list[int | None] = []  # per open list: last <ol> item number, None for <ul>
    while stack:
        node, entering = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, SKIP_STRINGS):
                b.text(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if not entering:
            if name == "li":
                b.flush()
                b.bullets.pop()
            elif name in ("ul", "ol"):
                b.flush(blank=b.depth == 1)
                b.depth -= 1
                counters.pop()
            elif name in PARAGRAPH or name in LINE:
                b.flush(blank=name in PARAGRAPH)
            continue
        if node is not root and ((name in DROP and not is_note(node)) or is_chrome(node)):
            continue
        if name == "br":
            b.flush()
            continue
        if name == "hr":
            b.flush(blank=True)
            continue
        if name == "pre":
            b.flush(blank=True)
            text = node.get_text()
            text = text[1:] if text.startswith("\n") else text
            if text.strip():
                b.emit(text.rstrip(), verbatim=True)
            b.flush(blank=True)
            continue
        if name == "tr" and node is not root:
            b.flush()
            cells = [_cell_text(c) for c in node.find_all(["td", "th"], recursive=False)]
            if any(cells):
                b.emit(" | ".join(cells))
            continue
        if name in ("td", "th") and node is not root:  # a stray cell outside a row
            b.flush()
            if cell := _cell_text(node):
                b.emit(cell)
            continue
        if name in ("ul", "ol"):
            b.flush(blank=b.depth == 0)
            b.depth += 1
            start = str(node.get("start", "1"))
            counters.append(int(start) - 1 if name == "ol" and start.isdigit() else None)
        elif name == "li":
            b.flush()
            if counters and counters[-1] is not None:
                counters[-1] += 1
                b.bullets.append(f"{counters[-1]}. ")
            else:
                b.bullets.append("- ")
        elif name in PARAGRAPH or name in LINE:
            b.flush(blank=name in PARAGRAPH)
        stack.append((node, False))
        stack.extend((child, True) for child in reversed(node.contents))
    return b.result()


def parse_html(text: str) -> BeautifulSoup:
    """Parse already-decoded text with lxml (never let BeautifulSoup guess a codec from bytes).

    XHTML pages (DocBook output, with an XML declaration) are still read as HTML, on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(text, "lxml")


def page_text(soup: BeautifulSoup) -> str:
    """Main text of a page: its one `<main>` / `role="main"` element when it has one with text
    (HTML allows one visible main: the page's dominant content), else the body (or the whole
    document if there is no body)."""
    mains = soup.find_all("main") or soup.find_all(attrs={"role": "main"})
    if len(mains) == 1 and not is_hidden(mains[0]):
        text = element_text(mains[0])
        if text.strip():
            return text
    return element_text(soup.body or soup)
