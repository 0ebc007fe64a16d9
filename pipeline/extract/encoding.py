"""Bytes -> text for CSV and HTML: BOM, then the declared charset, then UTF-8, then detection.

Latin-1/cp1252 decode any byte string without error, so a GBK file read that way becomes mojibake
silently; they are therefore never a default. A legacy codec is used only when a BOM, a declaration
(WHATWG label rules: `gb2312` means GB18030, `iso-8859-1` means cp1252), the user's config, or
charset-normalizer's detection chose it, and the choice plus its confidence is returned so the
caller can put it in the extract report. Bytes no candidate decodes confidently raise
`Undecodable` naming every candidate tried.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.extract import cjk
from pipeline.extract.files import open_bytes

SAMPLE_BYTES = 2 << 20  # detection sample; the chosen codec is then verified on the whole input
BLOCK = 1 << 20

# (BOM, Python codec). UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"\x84\x31\x95\x33", "gb18030"),
]

# WHATWG Encoding Standard labels whose meaning differs from Python's codec of the same name
# (https://encoding.spec.whatwg.org/#names-and-labels). Hand-written because the only library
# with the table (webencodings) is not a dependency here and we need just these overrides; any
# other label goes through Python's codec lookup.
_WHATWG: dict[str, tuple[str, ...]] = {
    "gb18030": ("gb2312", "gbk", "x-gbk", "chinese", "csgb2312", "csiso58gb231280", "gb_2312",
                "gb_2312-80", "iso-ir-58", "gb18030"),
    "cp1252": ("iso-8859-1", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "latin1",
               "l1", "ascii", "us-ascii", "ansi_x3.4-1968", "cp819", "ibm819", "csisolatin1",
               "iso-ir-100", "windows-1252", "x-cp1252", "cp1252"),
    "big5hkscs": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "cp932": ("shift_jis", "shift-jis", "sjis", "ms_kanji", "csshiftjis", "ms932", "windows-31j",
              "x-sjis"),
    "cp949": ("euc-kr", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601", "ksc_5601", "korean",
              "iso-ir-149", "csksc56011987", "windows-949", "cseuckr"),
    "cp1254": ("iso-8859-9", "iso8859-9", "iso88599", "iso_8859-9", "latin5", "l5",
               "windows-1254", "iso-ir-148", "csisolatin5"),
    "cp874": ("iso-8859-11", "iso8859-11", "tis-620", "dos-874", "windows-874"),
    "utf-8": ("utf8", "utf-8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8",
              "x-unicode20utf8"),
    "utf-16-le": ("utf-16", "utf-16le", "ucs-2", "unicode", "csunicode", "iso-10646-ucs-2",
                  "unicodefeff"),
    "utf-16-be": ("utf-16be", "unicodefffe"),
}  # fmt: skip
_LABELS = {label: codec for codec, labels in _WHATWG.items() for label in labels}


class Undecodable(ValueError):
    """No candidate encoding decodes the bytes confidently; `candidates` says what was tried."""

    def __init__(self, candidates: list[str], detail: str = "") -> None:
        self.candidates = candidates
        self.detail = detail
        super().__init__(f"cannot decode confidently (tried: {', '.join(candidates) or 'none'})"
                         + (f"; {detail}" if detail else ""))  # fmt: skip


@dataclass
class Decoding:
    """The codec chosen for one input, how it was chosen, and how sure we are (0..1)."""

    encoding: str
    method: str  # bom | forced | declared | utf-8 | detected
    confidence: float
    declared: str | None = None
    tried: list[str] = field(default_factory=list)

    def note(self) -> dict[str, object]:
        out: dict[str, object] = {
            "encoding": self.encoding,
            "method": self.method,
            "confidence": round(self.confidence, 3),
        }
        if self.declared:
            out["declared"] = self.declared
        if self.tried:
            out["tried"] = self.tried
        return out


def whatwg_codec(label: str) -> str | None:
    """The Python codec for an encoding label as browsers read it, or None if unknown."""
    label = label.strip().strip("'\"").lower()
    if label in _LABELS:
        return _LABELS[label]
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def sniff_bom(data: bytes) -> str | None:
    for bom, codec in BOMS:
        if data.startswith(bom):
            return codec
    return None


_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:\-]+)""")


def bom_or_forced(head: bytes, forced: str | None) -> Decoding | None:
    """The codec a BOM or the source's `encoding:` fixes, or None when neither does (for readers
    that never guess: JSON, SQL dumps). An unknown label is a config error."""
    from pipeline.errors import UserError

    bom = sniff_bom(head)
    if bom:
        return Decoding(bom, "bom", 1.0)
    if forced:
        codec = whatwg_codec(forced)
        if codec is None:
            raise UserError(f"encoding: unknown encoding {forced!r}")
        return Decoding(codec, "forced", 1.0)
    return None


def declared_html_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first 1024 bytes (meta charset, http-equiv
    content, or XML declaration), as the WHATWG prescan looks for it."""
    head = data[:4096]
    m = _XML_DECL.match(head) or _META_CHARSET.search(head[:1024]) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


def decodes(codec: str, data: bytes) -> bool:
    try:
        data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def file_decodes(codec: str, path: Path) -> bool:
    """Strictly decode the whole file in blocks (memory stays flat); True if no byte fails."""
    try:
        dec = codecs.getincrementaldecoder(codec)("strict")
        with open_bytes(path) as fh:
            while block := fh.read(BLOCK):
                dec.decode(block)
            dec.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect(sample: bytes, verify) -> Decoding:
    """charset-normalizer's ranking with CJK codecs re-ranked by `cjk.rank`, each candidate
    verified by `verify(codec)`; Undecodable if none."""
    from charset_normalizer import from_bytes

    chaos: dict[str, float] = {}
    for match in from_bytes(sample):
        chaos.setdefault(codecs.lookup(match.encoding).name, float(match.chaos))
    tried = ["utf-8"]
    for codec in cjk.rank(sample, list(chaos)):
        if codec in tried:
            continue
        tried.append(codec)
        if verify(codec):
            return Decoding(codec, "detected", 1.0 - chaos.get(codec, 0.0), tried=tried)
    raise Undecodable(tried, "charset-normalizer found no coherent decoding")


def decode_html_bytes(data: bytes, forced: str | None = None) -> tuple[str, Decoding]:
    """Decode a whole page: BOM, forced (config), declared charset, UTF-8, then detection."""
    tried: list[str] = []
    bom = sniff_bom(data)
    if bom:
        return data.decode(bom), Decoding(bom, "bom", 1.0)
    if forced:
        codec = whatwg_codec(forced)
        if codec and decodes(codec, data):
            return data.decode(codec), Decoding(codec, "forced", 1.0)
        raise Undecodable([forced], "the configured encoding does not decode this file")
    label = declared_html_charset(data)
    codec = whatwg_codec(label) if label else None
    if codec in ("utf-16-le", "utf-16-be"):
        codec = "utf-8"  # WHATWG: a UTF-16 declaration inside ASCII-compatible bytes means UTF-8
    if codec:
        tried.append(codec)
        if decodes(codec, data):
            return data.decode(codec), Decoding(codec, "declared", 1.0, declared=label)
    if "utf-8" not in tried:
        tried.append("utf-8")
        if decodes("utf-8", data):
            return data.decode("utf-8"), Decoding("utf-8", "utf-8", 1.0, declared=label)
    try:
        found = detect(data[:SAMPLE_BYTES], lambda c: decodes(c, data))
    except Undecodable as e:
        raise Undecodable(tried + [c for c in e.candidates if c not in tried], e.detail) from None
    found.declared = label
    found.tried = tried + [c for c in found.tried if c not in tried]
    return data.decode(found.encoding), found


def choose_file_encoding(path: Path, forced: str | None = None) -> Decoding:
    """Pick the codec for a text file (CSV) without loading it: BOM, forced, UTF-8, detection.

    UTF-8 and any detected codec are verified by decoding the whole file in blocks, so a GBK
    byte late in a big file cannot slip through a sample-only check."""
    with open_bytes(path) as fh:
        sample = fh.read(SAMPLE_BYTES)
    bom = sniff_bom(sample)
    if bom:
        return Decoding(bom, "bom", 1.0)
    if forced:
        codec = whatwg_codec(forced)
        if codec and file_decodes(codec, path):
            return Decoding(codec, "forced", 1.0)
        raise Undecodable([forced], "the configured encoding does not decode this file")
    if file_decodes("utf-8", path):
        return Decoding("utf-8", "utf-8", 1.0)
    if len(sample) == SAMPLE_BYTES:  # cut at a line end so no multibyte character is split
        cut = sample.rfind(b"\n")
        sample = sample[: cut + 1] if cut > 0 else sample
    return detect(sample, lambda c: file_decodes(c, path))
