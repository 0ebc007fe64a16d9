"""A dump's text encoding (BOM, declared charset) and a cheap incremental reader."""

from __future__ import annotations

import re

from pipeline.extract.encoding import Decoding, bom_or_forced, whatwg_codec

_RAW_BYTE = re.compile("[\udc80-\udcff]")
_DECLARED = re.compile(
    rb"SET\s+NAMES\s+'?(\w+)|SET\s+client_encoding\s*=\s*'(\w+)'|character_set_client\s*=\s*(\w+)",
    re.IGNORECASE,
)
_DB_CHARSETS = {"utf8mb4": "utf-8", "utf8mb3": "utf-8", "utf8": "utf-8", "sql_ascii": "utf-8",
                "latin1": "cp1252", "gbk": "gb18030", "gb2312": "gb18030"}  # fmt: skip


class DecodedReader:
    """`read(n)` of text from a binary file: an incremental decoder, no newline translation.

    Cheaper than TextIOWrapper for big reads; undecodable bytes become surrogates
    (surrogateescape) so a raw BLOB cannot stop the scan."""

    def __init__(self, raw, encoding: str) -> None:
        import codecs

        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.dirty = False  # set once any undecodable byte has been read

    def read(self, n: int) -> str:
        while True:
            data = self.raw.read(n)
            try:
                text = self.decoder.decode(data, final=not data)
            except UnicodeDecodeError:  # the decoder keeps its state when it raises
                self.dirty = True
                self.decoder.errors = "surrogateescape"
                text = self.decoder.decode(data, final=not data)
            if text or not data:
                return text


def dump_encoding(head: bytes, forced: str | None = None) -> Decoding:
    """A dump's text encoding from its first bytes: BOM, the source's `encoding:`, then what the
    dump declares (`SET NAMES`, `client_encoding`), else UTF-8. Bytes that do not decode are kept
    as surrogates (a raw BLOB in a mysqldump is not text and is skipped anyway); a text value
    holding them is rejected, never guessed."""
    fixed = bom_or_forced(head, forced)
    if fixed:
        return fixed
    m = _DECLARED.search(head)
    if m:
        label = next(g for g in m.groups() if g).decode("ascii").lower()
        codec = _DB_CHARSETS.get(label) or whatwg_codec(label)
        if codec:
            return Decoding(codec, "declared", 1.0, declared=label)
    return Decoding("utf-8", "utf-8", 1.0)
