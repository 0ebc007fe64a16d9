"""JSON files as a stream of (line, value) items: a top-level array or JSON Lines, told apart by
content.

A file whose first non-blank character is `[` is an array; its items are decoded one at a time from
a growing buffer, so a large export is never parsed whole and a file cut off mid-array (as real
exports are) yields every complete item before the cut, then one `truncated` item. Anything else is
JSON Lines: each line is decoded on its own, so a line that is not JSON, not UTF-8, or longer than
`max_bytes` is one bad item with its line number and the next line is read as usual.

Hand-written over `json.JSONDecoder.raw_decode` (a generalisation of the first ShareGPT reader)
because a streaming parser such as ijson stops for good at the first error, with no position to
go on from, while the stdlib decoder resumes at any offset and names the line and column of every
error; the same reader serves `kind: json` sources and every records JSONL a command reads.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pipeline.config import JsonSource
from pipeline.extract.encoding import Decoding, bom_or_forced
from pipeline.extract.files import open_bytes
from pipeline.extract.shapes import Shape, to_record
from pipeline.extract.units import Tally
from pipeline.records import Dialog, Document

CHUNK = 1 << 20
MAX_BYTES = 32 << 20
SNIFF = 1 << 16
_NEAR_END = 64  # a decode error this close to the buffer's end may just be a cut-off value
_RAW_SURROGATE = re.compile("[\ud800-\udfff]")
UTF8_HINT = "JSON is UTF-8; a legacy export needs `encoding:` on its source"


@dataclass
class Item:
    """One unit of a JSON file: a decoded value, or why the text at `line` is not one."""

    line: int
    value: Any = None
    # invalid_json | invalid_text | undecodable | too_large | truncated
    reason: str | None = None
    detail: str = ""
    index: int | None = None  # position in a top-level array (a one-line array has one line)

    @property
    def where(self) -> str:
        """`line N`, and for an array item `line N item K` (K counts from 0, as data[K])."""
        return f"line {self.line}" + (f" item {self.index}" if self.index is not None else "")


def choose_encoding(head: bytes, forced: str | None) -> Decoding:
    """BOM, then the configured codec, then UTF-8 (RFC 8259); never guessed, so one bad line
    cannot turn a whole UTF-8 file into another codec's mojibake."""
    return bom_or_forced(head, forced) or Decoding("utf-8", "json-default", 1.0)


def is_array(head: bytes, codec: str) -> bool:
    """True when the first non-blank character is `[` (JSON Lines otherwise)."""
    text = codecs.getincrementaldecoder(codec)("replace").decode(head)
    stripped = text.lstrip("\ufeff \t\r\n")
    return stripped.startswith("[")


# `fast(line)`: a caller's whole parse of one UTF-8 JSON Lines line (bytes) into its final value, or
# None for anything it does not take, which the careful decoder then reads (and explains)
Fast = Callable[[bytes], Any]


def iter_items(
    path: Path, encoding: str | None = None, max_bytes: int = MAX_BYTES, fast: Fast | None = None
) -> Iterator[Item]:
    """Every item of a .json / .jsonl file (compressed or not), in order (see the module doc).
    With `fast`, a UTF-8 JSON Lines line it parses is an item whose value is what it returned."""
    yield from read(path, encoding, max_bytes, fast)[1]


def read(
    path: Path, encoding: str | None = None, max_bytes: int = MAX_BYTES, fast: Fast | None = None
) -> tuple[dict[str, Any], Iterator[Item]]:
    """(file facts for the report: encoding, method, confidence, layout; the items)."""
    with open_bytes(path) as fh:
        head = fh.read(SNIFF)
    decoding = choose_encoding(head, encoding)
    note = {**decoding.note(), "layout": "jsonl"}
    if is_array(head, decoding.encoding):
        return {**note, "layout": "array"}, _array(path, decoding.encoding, max_bytes)
    if codecs.lookup(decoding.encoding).name != "utf-8":
        fast = None
    return note, _lines(path, decoding.encoding, max_bytes, fast)


def _ascii_compatible(codec: str) -> bool:
    return '\n{}[]"'.encode(codec) == b'\n{}[]"'


def _lines(path: Path, codec: str, max_bytes: int, fast: Fast | None = None) -> Iterator[Item]:
    decoder = json.JSONDecoder()
    with open_bytes(path) as raw:
        fh: IO[bytes] = raw
        if not _ascii_compatible(codec):  # UTF-16/32: lines are found in its UTF-8 recoding
            fh = codecs.EncodedFile(raw, "utf-8", codec)  # type: ignore[assignment]
            codec = "utf-8"
        lineno = 0
        try:
            for line, size in _physical_lines(fh, max_bytes):
                lineno += 1
                if line is None:
                    yield Item(
                        lineno,
                        reason="too_large",
                        detail=f"line of {size} bytes exceeds max_record_bytes ({max_bytes})",
                    )
                    continue
                if fast is not None and lineno > 1:  # (the first line may start with a BOM)
                    value = fast(line)
                    if value is not None:
                        yield Item(lineno, value)
                        continue
                yield from _line_item(decoder, line, lineno, codec)
        except UnicodeDecodeError as e:  # only from a recoded UTF-16/32 stream
            yield Item(
                lineno + 1, reason="undecodable", detail=f"{e.reason}; rest of file not read"
            )


def _physical_lines(fh: IO[bytes], max_bytes: int) -> Iterator[tuple[bytes | None, int]]:
    """(line, size) per line; a line longer than max_bytes is (None, size), skipped in blocks."""
    while line := fh.readline(max_bytes + 1):
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield line, len(line)
            continue
        size = len(line)
        while more := fh.readline(CHUNK):
            size += len(more)
            if more.endswith(b"\n"):
                break
        yield None, size


def _line_item(decoder: json.JSONDecoder, line: bytes, lineno: int, codec: str) -> Iterator[Item]:
    try:
        text = line.decode(codec)
    except UnicodeDecodeError as e:
        yield Item(
            lineno,
            reason="undecodable",
            detail=f"invalid {codec} at byte {e.start} of the line ({UTF8_HINT})",
        )
        return
    if lineno == 1:
        text = text.lstrip("\ufeff")
    yield from _text_item(decoder, text, lineno)


def _text_item(decoder: json.JSONDecoder, text: str, lineno: int) -> Iterator[Item]:
    """The item of one decoded line (nothing for a blank line)."""
    if not text.strip():
        return
    try:
        value, end = decoder.raw_decode(text, len(text) - len(text.lstrip()))
    except json.JSONDecodeError as e:
        yield Item(lineno, reason="invalid_json", detail=f"{e.msg} at column {e.colno}")
        return
    except RecursionError:
        yield Item(lineno, reason="invalid_json", detail="nested too deeply")
        return
    if text[end:].strip():
        yield Item(lineno, reason="invalid_json", detail=f"extra data at column {end + 1}")
        return
    yield _checked(Item(lineno, value), text)


def _checked(item: Item, text: str) -> Item:
    """The item, or a bad one: `undecodable` when its text holds bytes the codec could not decode
    (kept as lone surrogates by the array reader), `invalid_text` when a \\uD800-style escape left
    a lone surrogate (valid JSON, but text no UTF-8 file can hold)."""
    if _RAW_SURROGATE.search(text):
        return Item(
            item.line,
            reason="undecodable",
            detail=f"bytes not in the file's encoding ({UTF8_HINT})",
        )
    if "\\ud" not in text and "\\uD" not in text:
        return item
    try:
        json.dumps(item.value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        return Item(item.line, reason="invalid_text", detail=f"lone surrogate escape ({e.reason})")
    return item


class _Buffer:
    """Decoded text of a file read in chunks, with the line number of any position (counted
    incrementally, so numbering costs one pass over the text)."""

    def __init__(self, fh: IO[bytes], codec: str) -> None:
        self.fh = fh
        # undecodable bytes become lone surrogates, so they spoil only the item they are in
        self.dec = codecs.getincrementaldecoder(codec)("surrogateescape")
        self.text = ""
        self.eof = False
        self._line, self._at = 1, 0  # line number at self._at

    def more(self, n: int | None = None) -> bool:
        """Append about n (default CHUNK) more bytes of text; False at the end of the file."""
        if self.eof:
            return False
        block = self.fh.read(n or CHUNK)
        self.text += self.dec.decode(block, final=not block)
        self.eof = not block
        return True

    def line_at(self, i: int) -> int:
        if i < self._at:
            return self._line - self.text.count("\n", i, self._at)
        self._line += self.text.count("\n", self._at, i)
        self._at = i
        return self._line

    def drop(self, i: int) -> None:
        """Forget text before position i (positions shift down by i)."""
        self.line_at(i)
        self.text = self.text[i:]
        self._at = 0


def _rest_as_lines(buf: _Buffer, pos: int, decoder: json.JSONDecoder) -> Iterator[Item]:
    """Items of the lines from `pos` on, when more text follows a closed top-level array."""
    while True:
        nl = buf.text.find("\n", pos)
        while nl < 0 and buf.more():
            nl = buf.text.find("\n", pos)
        line = buf.line_at(pos)
        yield from _text_item(decoder, buf.text[pos : nl if nl >= 0 else len(buf.text)], line)
        if nl < 0:
            return
        pos = nl + 1
        if pos > CHUNK:
            buf.drop(pos)
            pos = 0


def _array(path: Path, codec: str, max_bytes: int) -> Iterator[Item]:
    decoder = json.JSONDecoder()
    with open_bytes(path) as fh:
        buf = _Buffer(fh, codec)
        yield from _array_items(buf, decoder, max_bytes)


def _skip_blank(buf: _Buffer, pos: int, also: str = "") -> int:
    """Position of the next character that is not blank (or in `also`), reading on as needed."""
    while True:
        n = len(buf.text)
        while pos < n and buf.text[pos] in " \t\r\n\ufeff" + also:
            pos += 1
        if pos < n or not buf.more():
            return pos


def _array_items(buf: _Buffer, decoder: json.JSONDecoder, max_bytes: int) -> Iterator[Item]:
    """The array's items with their index; then, if text follows the closing ], its lines (a
    JSON Lines file whose first line is an array)."""
    values = _array_values(buf, decoder, max_bytes)
    index = 0
    while True:
        try:
            item = next(values)
        except StopIteration as stop:
            rest = stop.value
            break
        item.index = index
        index += 1
        yield item
    if rest is not None:
        yield from _rest_as_lines(buf, rest, decoder)


def _array_values(
    buf: _Buffer, decoder: json.JSONDecoder, max_bytes: int
) -> Generator[Item, None, int | None]:
    """Items up to the closing ]; returns where non-blank text after it starts, if any."""
    pos = _skip_blank(buf, 0) + 1  # past the "["
    while True:
        pos = _skip_blank(buf, pos, ",")
        if pos >= len(buf.text):
            yield Item(
                buf.line_at(pos),
                reason="truncated",
                detail="the file ends before the array's closing ]",
            )
            return
        if buf.text[pos] == "]":
            end = _skip_blank(buf, pos + 1)
            return end if end < len(buf.text) else None
        if pos > CHUNK:
            buf.drop(pos)
            pos = 0
        try:
            value, end = decoder.raw_decode(buf.text, pos)
        except RecursionError:
            yield Item(
                buf.line_at(pos),
                reason="invalid_json",
                detail="nested too deeply; rest of file not read",
            )
            return
        except json.JSONDecodeError as e:
            cut_off = e.msg.startswith("Unterminated string") or e.pos >= len(buf.text) - _NEAR_END
            if cut_off and not buf.eof:
                if len(buf.text) - pos > max_bytes:
                    yield Item(
                        buf.line_at(pos),
                        reason="too_large",
                        detail=f"item over max_record_bytes ({max_bytes}); rest of file not read",
                    )
                    return
                buf.more(max(CHUNK, len(buf.text) - pos))  # doubling: each retry re-decodes
                continue
            line = buf.line_at(pos)
            if cut_off:
                yield Item(
                    line,
                    reason="truncated",
                    detail=f"the file ends inside this item ({e.msg}); items before it are kept",
                )
            else:
                yield Item(
                    line,
                    reason="invalid_json",
                    detail=f"{e.msg} at line {buf.line_at(e.pos)}; rest of file not read",
                )
            return
        if end - pos > max_bytes:  # read whole (the buffer held it already), still over the limit
            yield Item(
                buf.line_at(pos),
                reason="too_large",
                detail=f"item of {end - pos} characters exceeds max_record_bytes ({max_bytes})",
            )
        else:
            yield _checked(Item(buf.line_at(pos), value), buf.text[pos:end])
        pos = end


def json_file(
    path: Path, display: str, src: JsonSource, tally: Tally, name: str
) -> Iterator[Dialog | Document]:
    """Records of one JSON / JSONL file; provenance `file:line N` (the line an item starts on)."""
    note, items = read(path, src.encoding, src.max_record_bytes)
    tally.note_file(display, note)
    shape = Shape.of(src)
    for item in items:
        loc = f"{display}:{item.where}"
        if item.reason is not None:
            tally.reject(item.reason, loc, detail=item.detail)
            continue
        record = to_record(shape, item.value, loc, name, tally)
        if record is not None:
            yield record
