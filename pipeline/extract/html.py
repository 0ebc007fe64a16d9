"""HTML pages -> Documents (main text) or Dialogs (configured selectors, FAQ and forum shapes).

Bytes are decoded here (pipeline.extract.encoding: BOM, declared charset with WHATWG labels, UTF-8,
detection) and the text handed to BeautifulSoup with lxml, so BeautifulSoup never picks a codec.

Units: in document mode one page; in dialog mode each dialog found on a page (a FAQ pair, a forum
thread) plus each page that yields none. A binary file, undecodable bytes, an empty page or a
page without a dialog shape is a Reject naming the file.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from pipeline.config import HtmlSource
from pipeline.extract.encoding import Undecodable, decode_html_bytes, sniff_bom
from pipeline.extract.files import read_bytes
from pipeline.extract.htmltext import element_text, page_text, parse_html
from pipeline.extract.rows import map_role
from pipeline.extract.units import Tally, guarded, record_id
from pipeline.records import Dialog, Document, Message

FORUM_POSTS = (".post", "[id^='post-']", ".message", ".reply", ".comment", "article")
AUTHORS = ".author, .username, .poster, [itemprop='author'], .user"
CONTENTS = (
    ".post-content, .message-content, .post-body, .content, .body, [itemprop='text'], "
    ".entry-content"
)
POST_CHROME = AUTHORS + ", .meta, .post-meta, .date, time, .signature"
QUESTION_CLASSES = ("question", "faq-q", "faq_question")
ANSWER_CLASSES = ("answer", "faq-a", "faq_answer")


@dataclass
class Turn:
    role: str | None
    text: str
    anchor: str


@dataclass
class Candidate:
    """One dialog found on a page: where it is (fragment) and its turns."""

    anchor: str | None
    turns: list[Turn] = field(default_factory=list)
    shape: str = ""


def html_files(src: HtmlSource, root: Path) -> list[tuple[Path, str]]:
    """(file, display path) pairs for a source path that is a file or a folder (sorted)."""
    from pipeline.extract.files import source_files

    return source_files(src.path, root, src.glob)


def looks_binary(data: bytes) -> bool:
    """NUL bytes in the head of a file without a UTF-16/32 BOM: not a text page."""
    return b"\x00" in data[:8192] and sniff_bom(data) not in ("utf-16", "utf-32")


def _anchor(el: Tag, fallback: str) -> str:
    for node in (el, el.parent):
        if isinstance(node, Tag) and node.get("id"):
            return str(node["id"])
    return fallback


def _outermost(els: list[Tag]) -> list[Tag]:
    """Drop elements nested inside another matched element (a quote inside a post)."""
    chosen = {id(e) for e in els}
    return [e for e in els if not any(id(p) in chosen for p in e.parents)]


def _has_class(el: Tag, names: tuple[str, ...]) -> bool:
    return any(any(n in c.lower() for n in names) for c in el.get("class", []) or [])


def _text_without(el: Tag, chrome: str) -> str:
    """Text of a copy of `el` with author/date chrome removed."""
    el = copy.copy(el)
    for junk in el.select(chrome):
        junk.decompose()
    return element_text(el)


# ---------------------------------------------------------------- shapes


def qa_pairs(soup: BeautifulSoup) -> list[Candidate]:
    """FAQ shapes: schema.org Question microdata, question/answer class blocks, <dl>, <details>."""
    found: list[Candidate] = []

    def pair(q_el: Tag, q: str, a: str, shape: str) -> None:
        anchor = _anchor(q_el, f"qa-{len(found) + 1}")
        found.append(
            Candidate(anchor, [Turn("user", q, anchor), Turn("assistant", a, anchor)], shape)
        )

    for el in soup.select("[itemtype$='Question']"):
        name = el.select_one("[itemprop='name']")
        answer = el.select_one("[itemprop='acceptedAnswer'] [itemprop='text']") or el.select_one(
            "[itemprop='acceptedAnswer']"
        )
        if name is not None:
            pair(el, element_text(name), element_text(answer) if answer else "", "schema.org")
    if found:
        return found
    questions = _outermost([e for e in soup.find_all(True) if _has_class(e, QUESTION_CLASSES)])
    for q in questions:
        answer = next(
            (s for s in q.find_next_siblings(True, limit=3) if _has_class(s, ANSWER_CLASSES)), None
        )
        pair(q, element_text(q), element_text(answer) if answer else "", "question/answer")
    if found:
        return found
    for dl in _outermost(soup.find_all("dl")):
        q_el: Tag | None = None
        qs: list[str] = []
        answers: list[str] = []
        for child in dl.find_all(["dt", "dd"], recursive=False):
            if child.name == "dt":
                if answers and q_el is not None:
                    pair(q_el, "\n".join(qs), "\n\n".join(answers), "dl")
                    qs, answers = [], []
                if not qs:
                    q_el = child
                qs.append(element_text(child))
            else:
                answers.append(element_text(child))
        if q_el is not None:
            pair(q_el, "\n".join(qs), "\n\n".join(answers), "dl")
    if found:
        return found
    for details in soup.find_all("details"):
        summary = details.find("summary")
        if summary is not None:
            pair(details, element_text(summary), _text_without(details, "summary"), "details")
    return found


def _post_author(post: Tag, selector: str) -> str | None:
    if post.get("data-author"):
        return str(post["data-author"]).strip()
    el = post.select_one(selector)
    return el.get_text(" ", strip=True) if el is not None else None


def forum_thread(soup: BeautifulSoup, src: HtmlSource) -> list[Candidate]:
    """A thread page as one dialog: the original poster's posts are user turns, others assistant
    (`forum_rule: author`), or the first post user and every reply assistant (`first_post`)."""
    posts: list[Tag] = []
    for selector in [src.turn_selector] if src.turn_selector else FORUM_POSTS:
        posts = _outermost(soup.select(selector))
        if len(posts) >= 2 or src.turn_selector:
            break
    if len(posts) < 2 and not src.turn_selector:
        return []
    authors = [_post_author(p, src.author_selector or AUTHORS) for p in posts]
    by_author = src.forum_rule == "author" and all(authors)
    turns = []
    for i, post in enumerate(posts):
        content = post.select_one(src.content_selector or CONTENTS)
        text = element_text(content) if content else _text_without(post, POST_CHROME)
        if by_author:
            role = "user" if authors[i] == authors[0] else "assistant"
        else:
            role = "user" if i == 0 else "assistant"
        turns.append(Turn(role, text, _anchor(post, f"post-{i + 1}")))
    return [Candidate(None, turns, f"forum/{'author' if by_author else 'first_post'}")]


def _selector_role(el: Tag, i: int, src: HtmlSource) -> str | None:
    if src.role_attribute:
        raw = el.get(src.role_attribute)
        raw = " ".join(raw) if isinstance(raw, list) else raw
        return map_role(raw, src.roles) if raw else None
    if src.role_classes:
        for cls in el.get("class", []) or []:
            if cls in src.role_classes:
                return map_role(src.role_classes[cls], src.roles)
        return None
    other = "assistant" if src.first_role == "user" else "user"
    return src.first_role if i % 2 == 0 else other


def selector_dialog(soup: BeautifulSoup, src: HtmlSource) -> list[Candidate]:
    """Turns by `turn_selector`, role from an attribute, a class map or alternation."""
    els = _outermost(soup.select(src.turn_selector or ""))
    turns = []
    for i, el in enumerate(els):
        content = el.select_one(src.content_selector) if src.content_selector else el
        text = element_text(content) if content is not None else ""
        turns.append(Turn(_selector_role(el, i, src), text, _anchor(el, f"turn-{i + 1}")))
    return [Candidate(None, turns, "selectors")] if turns else []


def find_dialogs(soup: BeautifulSoup, src: HtmlSource) -> list[Candidate]:
    """Dialog candidates on a page by the source's preset (auto: selectors, then FAQ, then forum)."""
    preset = src.preset or "auto"
    if preset == "selectors" or (preset == "auto" and src.turn_selector):
        return selector_dialog(soup, src)
    if preset == "qa":
        return qa_pairs(soup)
    if preset == "forum":
        return forum_thread(soup, src)
    return qa_pairs(soup) or forum_thread(soup, src)


# ---------------------------------------------------------------- extraction


def _dialog(cand: Candidate, src: HtmlSource, display: str, name: str, tally: Tally):
    """A Dialog from a candidate, or None after rejecting it (empty turns, no roles)."""
    where = f"{display}#{cand.anchor}" if cand.anchor else display
    messages: list[Message] = []
    if src.system:
        messages.append(Message(role="system", content=src.system))
    unroled = 0
    for turn in cand.turns:
        if not turn.text.strip():
            continue
        if turn.role is None:
            unroled += 1
            continue
        messages.append(Message(role=turn.role, content=turn.text))
    if unroled:
        tally.count_note(display, "turns_without_role", unroled)
    empty = [t.role or "?" for t in cand.turns if not t.text.strip()]
    if cand.shape in ("schema.org", "question/answer", "dl", "details") and empty:
        tally.reject(f"empty_{'question' if empty[0] == 'user' else 'answer'}", where,
                     detail=f"{cand.shape} pair with an empty {empty[0]} side")  # fmt: skip
        return None
    if not any(m.role != "system" for m in messages):
        tally.reject("empty_dialog", where, detail=f"{cand.shape}: no turn with text and a role")
        return None
    tally.keep()
    return Dialog(
        id=record_id(where),
        messages=messages,
        source=where,
        source_name=name,
        meta={"shape": cand.shape},
    )


def extract_page(
    path: Path, display: str, src: HtmlSource, tally: Tally, name: str
) -> Iterator[Dialog | Document]:
    """Records from one page; every failure is a Reject naming the file."""
    data = read_bytes(path)
    if looks_binary(data):
        tally.reject("binary_file", display, detail="NUL bytes in a file named like HTML")
        return
    try:
        text, decoding = decode_html_bytes(data, src.encoding)
    except Undecodable as e:
        tally.reject("undecodable", display, detail=str(e))
        return
    tally.note_file(display, decoding.note())
    try:
        soup = parse_html(text)
    except Exception as e:  # lxml/bs4 failures on garbage input are not ours to crash on
        tally.reject("unparseable", display, detail=f"{type(e).__name__}: {e}")
        return
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    if src.mode == "document":
        body = page_text(soup)
        if not body.strip():
            tally.reject("empty_page", display, detail="no text left after removing chrome")
            return
        tally.keep()
        meta = {"title": title} if title else {}
        yield Document(
            id=record_id(display), text=body, source=display, source_name=name, meta=meta
        )
        return
    candidates = find_dialogs(soup, src)
    if not candidates:
        tally.reject("no_dialog_found", display, detail=f"preset {src.preset or 'auto'}")
        return
    for cand in candidates:
        dialog = _dialog(cand, src, display, name, tally)
        if dialog is not None:
            if title:
                dialog.meta["title"] = title
            yield dialog


def extract_html(
    src: HtmlSource, tally: Tally, root: Path = Path("."), name: str | None = None
) -> Iterator[Dialog | Document]:
    """Every page of an HTML source (a file or a folder matched by `glob`), in path order."""
    name = name or src.name or src.path
    for path, display in html_files(src, root):
        yield from guarded(extract_page(path, display, src, tally, name), tally, display)
