"""MinHash signatures of records for near-duplicate detection, without one Python object per shingle.

The shingles are those of `keys.shingles` (word n-grams over runs of words, character n-grams over
CJK runs, one shingle of a whole run shorter than n), as 64-bit hashes instead of strings: the
folded text's code points are classified by lookup tables (codepoints.py), each unit (word or CJK character) is
hashed from prefix sums, and each n-gram combines its units' hashes, all in numpy over many texts
joined at once. Equal shingles get equal hashes, so a record's hash set is its shingle set up to 64-bit
collisions (tests/test_clean_minhash.py checks both against `keys.shingles`). The signature is
rensa's R-MinHash (Rust) over those hashes, many texts per call; band keys mix each band's rows
in numpy.

Why by hand: building the shingle strings and hashing them one Python call each was ~80% of the
near-dedup cost (datasketch's per-shingle SHA-1 before that); xxhash and rensa have no call that
hashes the words inside one string, and a regex findall plus a per-word xxhash call still cost
more than this whole vectorized pass.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence

import numpy as np
from rensa import RMinHash

from pipeline.clean.codepoints import CJK_CHAR, WORD, code_points
from pipeline.clean.keys import fold

_M = 1 << 64
_BASE = 0x100000001B3  # FNV-64 prime (odd, so invertible mod 2^64): the per-code-point multiplier
_BASE_INV = pow(_BASE, -1, _M)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # the n-gram combiner's multiplier (odd)
_APOSTROPHE = 39
_CHUNK_CHARS = (
    1 << 17
)  # characters hashed per numpy pass: 1 MB per uint64 array, cache-sized (measured: 2^17 beat 2^16..2^21)
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


def count_units(text: str) -> int:
    """`len(keys.units(text))` without making the words: the units' starts found as for hashing,
    for long text (the style score, the document word minimum)."""
    return len(_units(fold(text))[1])


def _ngrams(
    units: np.ndarray, start: np.ndarray, width: np.ndarray, widths: list[int]
) -> np.ndarray:
    """Hash of each n-gram of `width[i]` consecutive unit hashes from `start[i]`: one Horner pass
    over contiguous slices per distinct width (`widths`: few), then one gather."""
    out = np.empty(len(start), np.uint64)
    for w in widths:
        g = units[: len(units) - w + 1].copy()
        for k in range(1, w):
            g *= _MIX
            g += units[k : k + len(g)]
        g += np.uint64(w)  # a short run's one shingle never equals a full n-gram
        if len(widths) == 1:
            out = g[start]
        else:
            at = np.flatnonzero(width == w)
            out[at] = g[start[at]]
    return _fmix(out)


def _chunks(texts: list[str], chars: int) -> Iterator[list[int]]:
    """Indices of the texts in groups of about `chars` characters, ASCII and other texts apart
    (ASCII takes the bytes fast path in `_units`)."""
    for ascii_only in (True, False):
        group: list[int] = []
        size = 0
        for i, text in enumerate(texts):
            if text.isascii() is ascii_only:
                group.append(i)
                size += len(text) + 1
                if size >= chars:
                    yield group
                    group, size = [], 0
        if group:
            yield group


def shingle_hashes_batch(
    texts: Sequence[str], word_n: int, char_n: int
) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of each text's `keys.shingles` (with repeats; a MinHash ignores them), flat,
    with offsets: text i's are `flat[offsets[i]:offsets[i + 1]]`. The folded texts are joined by
    a newline (never part of a unit) and hashed in a few numpy passes per group of texts, since a
    pass per text cost more in numpy's per-call overhead than in the work itself."""
    return folded_shingle_hashes([fold(t) for t in texts], word_n, char_n)


def folded_shingle_hashes(
    folded: Sequence[str], word_n: int, char_n: int
) -> tuple[np.ndarray, np.ndarray]:
    """`shingle_hashes_batch` of texts already folded (`keys.fold`)."""
    counts = np.zeros(len(folded), np.int64)
    parts: list[tuple[list[int], np.ndarray, np.ndarray]] = []
    for group in _chunks(folded, _CHUNK_CHARS):
        hashes, per_text = _joined_hashes([folded[i] for i in group], word_n, char_n)
        counts[group] = per_text
        parts.append((group, hashes, per_text))
    offsets = np.zeros(len(folded) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = np.empty(offsets[-1], np.uint64)
    for group, hashes, per_text in parts:  # each group's hashes to their texts' places
        first = np.zeros(len(group), np.int64)
        np.cumsum(per_text[:-1], out=first[1:])
        flat[np.repeat(offsets[group] - first, per_text) + np.arange(len(hashes))] = hashes
    return flat, offsets


def _joined_hashes(folded: list[str], word_n: int, char_n: int) -> tuple[np.ndarray, np.ndarray]:
    """(hashes in text order, count per text) of folded texts joined by newlines."""
    text_start = np.zeros(len(folded), np.int64)
    np.cumsum([len(t) + 1 for t in folded[:-1]], out=text_start[1:])
    cp, start, end, cjk = _units("\n".join(folded))
    if not len(start):
        return np.empty(0, np.uint64), np.zeros(len(folded), np.int64)
    up, down = _powers_of_base(len(cp) + 1)
    prefix = np.zeros(len(cp) + 1, np.uint64)
    np.cumsum(cp.astype(np.uint64) * up[: len(cp)], out=prefix[1:])
    # sum of cp[j] * BASE^(j - start) over the unit: the same value wherever the unit stands
    units = _fmix((prefix[end] - prefix[start]) * down[start] + (end - start).astype(np.uint64))
    # runs: consecutive units of one text that are all words or all CJK characters
    owner = np.searchsorted(text_start, start, side="right") - 1
    cuts = np.flatnonzero((owner[1:] != owner[:-1]) | (cjk[1:] != cjk[:-1])) + 1
    run_start = np.concatenate(([0], cuts))
    run_len = np.diff(np.concatenate((run_start, [len(units)])))
    width = np.minimum(np.where(cjk[run_start], char_n, word_n), run_len)
    per_run = run_len - width + 1  # n-grams per run; a run shorter than n gives one of all of it
    first = np.zeros(len(per_run), np.int64)
    np.cumsum(per_run[:-1], out=first[1:])
    gram_start = np.repeat(run_start - first, per_run) + np.arange(per_run.sum())
    widths = np.flatnonzero(np.bincount(width)).tolist()  # the few distinct widths (np.unique
    # would also import numpy.ma, 14 ms a process)
    hashes = _ngrams(units, gram_start, np.repeat(width, per_run), widths)
    return hashes, np.bincount(owner[run_start], weights=per_run, minlength=len(folded)).astype(
        np.int64
    )


def shingle_hashes(text: str, word_n: int, char_n: int) -> np.ndarray:
    """64-bit hashes of one text's `keys.shingles` (see `shingle_hashes_batch`)."""
    return shingle_hashes_batch([text], word_n, char_n)[0]


# rensa hashes a call's rows on rayon threads from RENSA_DOC_PAR_BATCH_SIZE rows on (default 256,
# at most 2048). rawtune runs its own worker processes, and on 2 cores those threads were no faster
# than one (0.07 s vs 0.09 s for 11k dialogs in 256-row batches) and sometimes stalled a whole
# process's first call for 0.2 s; so calls stay below the largest threshold, set unless the user
# set one.
os.environ.setdefault("RENSA_DOC_PAR_BATCH_SIZE", "2048")
_ONE_THREAD_ROWS = 2047


def signatures(flat: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """rensa's R-MinHash of each text's shingle hashes (`shingle_hashes_batch`'s flat and offsets),
    a few thousand texts per call: a (texts, num_perm) uint32 array of minima."""
    parts = []
    for at in range(0, max(len(offsets) - 1, 1), _ONE_THREAD_ROWS):
        cut = offsets[at : at + _ONE_THREAD_ROWS + 1]
        matrix = RMinHash.digest_matrix_from_flat_token_hashes(
            flat[cut[0] : cut[-1]], (cut - cut[0]).astype(np.uint64), num_perm, seed
        )
        parts.append(np.asarray(matrix.to_rows(), np.uint32).reshape(len(cut) - 1, num_perm))
    return np.concatenate(parts)


SKETCH_BITS = 4  # bits of each MinHash minimum kept in a record's similarity sketch


def sketch(sig: np.ndarray) -> np.ndarray:
    """b-bit minwise hashing (Li and Koenig, WWW 2010): the low SKETCH_BITS bits of each minimum,
    two to a byte, padded to whole uint64 words per row. Enough to estimate a pair's Jaccard
    (`sketch_jaccard`) as precisely as the full signature at the similarities dedup reports (its
    own sampling error dominates), in an eighth of the space."""
    nibbles = (sig & 0xF).astype(np.uint8)
    if nibbles.shape[-1] % 16:  # pad to a whole uint64 of nibbles
        pad = [(0, 0)] * (nibbles.ndim - 1) + [(0, 16 - nibbles.shape[-1] % 16)]
        nibbles = np.pad(nibbles, pad)
    packed = nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)
    return np.ascontiguousarray(packed).view(np.uint64)


def sketch_jaccard(a: np.ndarray, b: np.ndarray, num_perm: int) -> float:
    """Jaccard estimate from two records' sketches: the share of minima whose low bits agree,
    less the 1/16 that agree by chance when the minima differ."""
    x, y = a.view(np.uint8), b.view(np.uint8)
    same = np.count_nonzero((x & 0xF) == (y & 0xF)) + np.count_nonzero((x >> 4) == (y >> 4))
    same -= len(x) * 2 - num_perm  # padding nibbles are zero on both sides
    chance = 2.0**-SKETCH_BITS
    return min(max((same / num_perm - chance) / (1 - chance), 0.0), 1.0)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One odd 64-bit key per band of `rows` signature values (the last axis): the rows folded in
    with the n-gram combiner and MurmurHash3's finalizer after each, in numpy over all bands."""
    cells = sig.reshape(*sig.shape[:-1], bands, rows).astype(np.uint64)
    key = _fmix(cells[..., 0].copy())
    for r in range(1, rows):
        key *= _MIX
        key += cells[..., r]
        key = _fmix(key)
    return key | np.uint64(1)
