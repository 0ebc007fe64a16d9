"""Which CJK legacy codec an undeclared file is in: GBK/GB18030, Big5, Shift_JIS or EUC-KR.

These codecs share byte ranges, so a short file decodes without error in several of them, and
charset-normalizer's ranking is then close to a coin toss: on chatterbot's short dialogs saved
without a declaration it read 20% of the GBK files as cp949 (Korean) and 10% of the Shift_JIS
files as cp949 too, silently garbling them. Text in each language is mostly a small set of
characters, and each legacy table lists its common characters first, so a decoding is judged by
how much of it is its own language's everyday text:
- 1 point for a very frequent character of that language (the top 100 Chinese characters in the
  codec's script, kana for Japanese, the most frequent Hangul syllables) or CJK punctuation;
- 1/2 point for a character of the table's common block (GB2312 level-1 hanzi, Big5's
  frequent-use block, JIS X 0208 level-1 kanji, KS X 1001's 2,350 Hangul);
- nothing for anything else (rare hanzi, Hanja in a Korean decoding, symbols, Latin letters).
Korean bytes read as GB2312 land in level-1 hanzi and Chinese bytes read as EUC-KR often land in
common Hangul, so the first tier is what separates those two. Measured (each line a small CSV):
chatterbot's Chinese/traditional/Japanese/Korean lines 467/467, 450/451, 564/564, 451/454 right
(charset-normalizer's ranking alone: 366, 411, 503, 437); on held-out real ShareGPT lines cut to
40 characters, GBK 198 of 207 (was 184) and EUC-KR 109 of 110 (was 99). Single-byte codecs are
left in the detector's order; short undeclared single-byte text stays a guess, so set `encoding:`.
Hand-written because no library ranks decodings this way (charset-normalizer's language models
need far more text).
"""

from __future__ import annotations

import codecs
from functools import lru_cache

# the hundred most frequent characters of modern written Chinese (the classic 现代汉语 list)
_HANS = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发"
    "后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开"
    "但因只从想实吗呢吧啊什很"
)
_HANT = (
    "的一是不了在人有我他這個們中來上大為和國地到以說時要就出會可也你對生能而子那得於著下自之年過發"
    "後作裡用道行所然家種事成方多經麼去法學如都同現當沒動面起看定天分還進好小部其些主樣理心她本前開"
    "但因只從想實嗎呢吧啊什很"
)
# the most frequent Hangul syllables of running Korean text (particles, endings, common stems)
_HANGUL = (
    "이다는의에가하고을를지서한로기도으사리어자대나시니정수아인해게요있면것그일내부우주라만들적전제"
    "보상장와과안말없였았했습까데생중성거러마동소국무구문경미모조비여원화실회연공위관개계통방발현유"
    "되된될은음던너저우리좋않입할들"
)

FAMILIES = {"gb18030": "zh-hans", "big5hkscs": "zh-hant", "cp932": "ja", "cp949": "ko"}
_ALIASES = {
    "gbk": "gb18030", "gb2312": "gb18030", "hz": "gb18030",
    "big5": "big5hkscs", "cp950": "big5hkscs",
    "shift_jis": "cp932", "shift_jis_2004": "cp932", "shift_jisx0213": "cp932",
    "euc_jp": "cp932", "euc_jis_2004": "cp932", "euc_jisx0213": "cp932", "iso2022_jp": "cp932",
    "euc_kr": "cp949", "johab": "cp949",
}  # fmt: skip
SCORE_BYTES = 1 << 18  # of the detection sample, decoded per candidate to score it
SCORE_CHARS = 20_000  # non-ASCII characters looked at: plenty to decide, bounded cost


def family(codec: str) -> str | None:
    """The language family of a CJK codec (Python codec name), None for any other codec."""
    return FAMILIES.get(_ALIASES.get(codec, codec))


@lru_cache(maxsize=1 << 16)
def _weight(ch: str, fam: str) -> float:
    o = ord(ch)
    if 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or 0x2018 <= o <= 0x2026:
        return 1.0  # CJK and fullwidth punctuation, curly quotes, ellipsis
    try:
        if fam == "zh-hans":
            if ch in _HANS:
                return 1.0
            b = ch.encode("gb2312")
            if len(b) == 2 and b[0] == 0xA8 and b[1] <= 0xBA:
                return 0.5  # pinyin letters with tone marks (dà gē)
            return 0.5 if len(b) == 2 and 0xB0 <= b[0] <= 0xD7 else 0.0
        if fam == "zh-hant":
            if ch in _HANT:
                return 1.0
            b = ch.encode("big5")
            return 0.5 if len(b) == 2 and 0xA440 <= int.from_bytes(b, "big") <= 0xC67E else 0.0
        if fam == "ja":
            if 0x3041 <= o <= 0x30FF:
                return 1.0
            b = ch.encode("shift_jis")
            return 0.5 if len(b) == 2 and 0x889F <= int.from_bytes(b, "big") <= 0x9872 else 0.0
        if fam == "ko":
            if ch in _HANGUL:
                return 1.0
            if not 0xAC00 <= o <= 0xD7A3:
                return 0.0
            b = ch.encode("euc_kr")
            return 0.5 if 0xB0 <= b[0] <= 0xC8 else 0.0
    except UnicodeEncodeError:
        return 0.0
    return 0.0


def score(text: str, codec: str) -> float:
    """How much of `text` (decoded with `codec`) is everyday text of the codec's language, 0..1."""
    fam = family(codec)
    chars = [c for c in text if ord(c) > 0x7F][:SCORE_CHARS]
    if fam is None or not chars:
        return 0.0
    return sum(_weight(c, fam) for c in chars) / len(chars)


def rank(sample: bytes, order: list[str]) -> list[str]:
    """`order` (codec names, best first) with CJK codecs re-ranked by `score`.

    The four table codecs are always scored. When the detector proposed a CJK codec, the scored
    ones take the place of the first it proposed, best first; a clear CJK decoding (score >= 0.6)
    goes before any single-byte guess, and is added in front when the detector proposed none.
    UTF-16/32 are dropped for a sample without NUL bytes (CSV and HTML always hold some ASCII,
    which UTF-16 would store with NULs)."""
    if b"\x00" not in sample:
        order = [c for c in order if not c.startswith(("utf_16", "utf_32", "utf-16", "utf-32"))]
    proposed = [c for c in order if family(c)]
    scores: dict[str, float] = {}
    for codec in dict.fromkeys([*FAMILIES, *proposed]):
        try:  # not final: the sample may end inside a character (the file is verified later)
            text = codecs.getincrementaldecoder(codec)().decode(sample[:SCORE_BYTES], final=False)
        except UnicodeDecodeError:
            continue
        scores[codec] = score(text, codec)
    # stable sort: a tie goes to the table codecs in FAMILIES order, GB18030 first (the most
    # common legacy codec of this tool's users), then to the detector's order
    ranked = sorted(scores, key=lambda c: -scores[c])
    clear = bool(ranked) and scores[ranked[0]] >= 0.6
    if not proposed:
        return ranked[:1] + order if clear else order
    first = 0 if clear else order.index(proposed[0])
    rest = [c for c in order if c not in scores]
    return rest[:first] + ranked + rest[first:]
