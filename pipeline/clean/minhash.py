"""MinHash signatures of records for near-duplicate detection, without one Python object per shingle.

The shingles are those of `keys.shingles` (word n-grams over runs of words, character n-grams over
CJK runs, one shingle of a whole run shorter than n), as 64-bit hashes instead of strings: the
folded text's code points are classified by lookup tables (codepoints.py), each unit (word or CJK character) is
hashed from prefix sums, and each n-gram combines its units' hashes, all in numpy over the whole
text. Equal shingles get equal hashes, so a record's hash set is its shingle set up to 64-bit
collisions (tests/test_clean_minhash.py checks both against `keys.shingles`). The signature is
rensa's R-MinHash (Rust) over those hashes; band keys are XXH3-64 of each band's rows.

Why by hand: building the shingle strings and hashing them one Python call each was ~80% of the
near-dedup cost (datasketch's per-shingle SHA-1 before that); xxhash and rensa have no call that
hashes the words inside one string, and a regex findall plus a per-word xxhash call still cost
more than this whole vectorized pass.
"""

from __future__ import annotations

import re

import numpy as np
import xxhash
from rensa import RMinHash

from pipeline.clean.codepoints import CJK_CHAR, WORD, code_points
from pipeline.clean.keys import fold

_M = 1 << 64
_BASE = 0x100000001B3  # FNV-64 prime (odd, so invertible mod 2^64): the per-code-point multiplier
_BASE_INV = pow(_BASE, -1, _M)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # the n-gram combiner's multiplier (odd)
_APOSTROPHE = 39
NO_KEY = 0  # band key of a record with no shingles: never bucketed (real keys are odd)


_powers = (np.ones(1, np.uint64), np.ones(1, np.uint64))


def _powers_of_base(n: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE^i and BASE^-i mod 2^64 for i < n (grown by doubling, kept between calls)."""
    global _powers
    if len(_powers[0]) < n:
        size = max(n, 2 * len(_powers[0]))
        up = np.full(size, _BASE, np.uint64)
        down = np.full(size, _BASE_INV, np.uint64)
        up[0] = down[0] = 1
        _powers = (np.multiply.accumulate(up), np.multiply.accumulate(down))
    return _powers[0][:n], _powers[1][:n]


_SHIFT, _FMIX1, _FMIX2 = np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)


def _fmix(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: every input bit reaches every output bit. (Array integer
    arithmetic wraps mod 2^64 without a warning, so no np.errstate is needed here or below.)"""
    h ^= h >> _SHIFT
    h *= _FMIX1
    h ^= h >> _SHIFT
    h *= _FMIX2
    h ^= h >> _SHIFT
    return h


# ASCII bytes that can be in a unit (\w and the apostrophe) kept, every other byte a space
_ASCII_UNIT_BYTES = bytes(c if c == _APOSTROPHE or re.match(rb"\w", bytes([c])) else 32
                          for c in range(256))  # fmt: skip


def _ascii_units(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`_units` of ASCII text: bytes.translate in C, an apostrophe without a word character on
    each side made a space, then every byte that is not a space belongs to a unit."""
    cp = np.frombuffer(bytearray(text.encode("ascii").translate(_ASCII_UNIT_BYTES)), np.uint8)
    n = len(cp)
    if "'" in text:
        at = np.flatnonzero(cp == _APOSTROPHE)
        before, after = cp[np.maximum(at - 1, 0)], cp[np.minimum(at + 1, n - 1)]
        lone = (at == 0) | (at == n - 1)
        for side in (before, after):
            lone |= (side == 32) | (side == _APOSTROPHE)
        cp[at[lone]] = 32
    padded = np.zeros(n + 2, bool)
    np.not_equal(cp, 32, out=padded[1:-1])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    start, end = edges[0::2], edges[1::2]
    return cp, start, end, np.zeros(len(start), bool)


def _units(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(code points, start, end, is_cjk) of each unit of keys._UNITS: a CJK character, or a run of
    non-CJK word characters in which an apostrophe between two of them also counts (`don't`)."""
    if text.isascii():
        return _ascii_units(text)
    cp = code_points(text)
    word = WORD[cp]
    cjk = CJK_CHAR[cp]
    word &= ~cjk
    n = len(cp)
    padded = np.zeros(n + 2, bool)
    padded[1:-1] = word
    if n > 2:
        padded[2:-2] |= (cp[1:-1] == _APOSTROPHE) & word[:-2] & word[2:]
    inside = padded[1:-1]
    starts = inside & ~padded[:-2]
    ends = inside & ~padded[2:]
    if cjk.any():
        starts |= cjk
        ends |= cjk
    start, end = np.flatnonzero(starts), np.flatnonzero(ends) + 1
    return cp, start, end, cjk[start]


def _ngrams(units: np.ndarray, n: int) -> np.ndarray:
    """Hash of each n-gram of consecutive unit hashes (one of all of them if there are <= n)."""
    m = len(units)
    n = min(n, m)
    g = units[: m - n + 1].copy()
    for k in range(1, n):
        g *= _MIX
        g += units[k : k + len(g)]
    g += n  # a short run's one shingle never equals a full n-gram
    return _fmix(g)


def shingle_hashes(text: str, word_n: int, char_n: int) -> np.ndarray:
    """64-bit hashes of `keys.shingles(text, word_n, char_n)` (with repeats; a MinHash ignores
    them), from the folded text in a few numpy passes."""
    cp, start, end, cjk = _units(fold(text))
    if not len(start):
        return np.empty(0, np.uint64)
    up, down = _powers_of_base(len(cp) + 1)
    prefix = np.zeros(len(cp) + 1, np.uint64)
    np.cumsum(cp.astype(np.uint64) * up[: len(cp)], out=prefix[1:])
    # sum of cp[j] * BASE^(j - start) over the unit: the same value wherever the unit stands
    units = _fmix((prefix[end] - prefix[start]) * down[start] + (end - start).astype(np.uint64))
    if not cjk.any():
        return _ngrams(units, word_n)
    cuts = np.flatnonzero(cjk[1:] != cjk[:-1]) + 1  # runs of words / of CJK characters
    bounds = [0, *cuts.tolist(), len(units)]
    return np.concatenate(
        [
            _ngrams(units[a:b], char_n if cjk[a] else word_n)
            for a, b in zip(bounds, bounds[1:], strict=False)
        ]
    )


def signature(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """rensa's R-MinHash of the shingle hashes: num_perm uint32 minima."""
    offsets = np.array([0, len(hashes)], np.uint64)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(hashes, offsets, num_perm, seed)
    return np.asarray(matrix.to_rows()[0], np.uint32)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One odd 64-bit key per band of `rows` signature values (XXH3-64 of the band's bytes)."""
    raw, width = sig.tobytes(), rows * sig.itemsize
    keys = [xxhash.xxh3_64_intdigest(raw[b * width : (b + 1) * width]) for b in range(bands)]
    return np.array(keys, np.uint64) | np.uint64(1)
