"""Exact and near-duplicate removal as global steps: the first record in input order is kept, and a
duplicate's Reject names the id it duplicates. Decisions hold hashes, never texts.

Exact: a 128-bit hash of the folded text per record; records are grouped by it (sorted on the key,
the single-node form of partitioning on the key hash) and every member but the first is dropped.

Near, datatrove's four stages: (1) signature: a MinHash per record (rensa's R-MinHash, default
112 slots, FineWeb/datatrove setting) over script-aware shingles (word 5-grams, CJK character
5-grams; keys.shingles, hashed in numpy by minhash.py), cut into band hashes (14 bands x 8 rows, a threshold near 0.72);
(2) buckets: records sharing a band hash; (3) clusters: each bucket member linked to the bucket's
first record (optionally only when the exact Jaccard of their shingle sets passes
`verify_jaccard`), connected components by union-find; (4) filter: every member of a cluster but
its first in input order is dropped. Only (1) looks at text, so it runs on the workers next to
the per-record steps; (2)-(4) see nothing but band hashes, and a 4-bit sketch of each signature
(minhash.sketch) gives the Jaccard a reject reports without reading any record again.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Sequence

import numpy as np

from pipeline.clean.keys import (
    exact_key_bytes,
    fold,
    folded_exact_key_bytes,
    record_text,
    shingles,
)
from pipeline.clean.minhash import (
    NO_KEY,
    band_keys,
    folded_shingle_hashes,
    signatures,
    sketch,
    sketch_jaccard,
)
from pipeline.config import DedupConfig
from pipeline.records import Dialog, Document
from pipeline.steps import Drops, GlobalStep

STAGE = "clean"

Loader = Callable[[Sequence[int]], list[Dialog | Document]]


class _FoldedTexts:
    """`fold(record_text(r))` of each record of the batch last asked for. Both dedup steps key the
    same batch one after the other (`steps.run_global`, prepare's record tasks), and folding (NFKC,
    casefold) plus joining the turns was a third of exact dedup's cost: the second step reuses the
    first's. The batch is recognized by its records' identity, which holding them keeps unique."""

    def __init__(self) -> None:
        self._records: list[Dialog | Document] = []
        self._texts: list[str] = []

    def __call__(self, records: Sequence[Dialog | Document]) -> list[str]:
        same = len(records) == len(self._records) and all(map(operator.is_, records, self._records))
        if not same:
            self._records = list(records)
            self._texts = [fold(record_text(r)) for r in records]
        return self._texts


folded_texts = _FoldedTexts()


def _first_of_groups(keys: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows of `keys` (2-D, one key per row) at record `index`: (members, first) pairs, each
    member of a group of equal keys paired with the group's smallest index; singletons omitted."""
    if len(index) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.lexsort((index, *keys.T[::-1]))  # by key, then input order
    k, ix = keys[order], index[order]
    new_group = np.ones(len(ix), bool)
    new_group[1:] = np.any(k[1:] != k[:-1], axis=1)
    group_first = ix[np.maximum.accumulate(np.where(new_group, np.arange(len(ix)), 0))]
    dup = ~new_group
    return ix[dup], group_first[dup]


class ExactDedup(GlobalStep):
    """Drop records whose folded text equals an earlier record's (`dedup.exact`)."""

    name = "dedup.exact"
    stage = STAGE

    def __init__(self, cfg: DedupConfig) -> None:
        self.cfg = cfg

    def keys(self, records: Sequence[Dialog | Document]) -> list[np.ndarray]:
        """A 128-bit hash of each record's exact key."""
        if self.cfg.exact_key == "dialog":  # the folded texts near dedup reads too
            keys = [folded_exact_key_bytes(t) for t in folded_texts(records)]
        else:
            keys = [exact_key_bytes(record_text(r, self.cfg.exact_key)) for r in records]
        return [np.frombuffer(hashlib.blake2b(k, digest_size=16).digest(), np.uint64) for k in keys]

    def decide(
        self, keys: Sequence[np.ndarray], ids: Sequence[str], alive: Sequence[bool], load: Loader
    ) -> Drops:
        table = np.asarray(keys, np.uint64).reshape(len(ids), 2)
        index = np.flatnonzero(np.asarray(alive, bool))
        members, first = _first_of_groups(table[index], index)
        return {
            int(m): ("dedup.exact", f"duplicate of {ids[f]}")
            for m, f in zip(members.tolist(), first.tolist(), strict=True)
        }


class NearDedup(GlobalStep):
    """Drop records in a MinHash-LSH cluster with an earlier record (`dedup.near`)."""

    name = "dedup.near"
    stage = STAGE

    def __init__(self, cfg: DedupConfig) -> None:
        self.cfg = cfg

    def signatures(self, records: Sequence[Dialog | Document]) -> list[np.ndarray | None]:
        """The records' MinHashes (None for one without shingles), hashed together."""
        sigs, empty = self._signatures(records)
        return [None if e else s for s, e in zip(sigs, empty.tolist(), strict=True)]

    def shingles(self, record: Dialog | Document) -> set[str]:
        return shingles(record_text(record), self.cfg.word_ngram, self.cfg.cjk_char_ngram)

    def keys(self, records: Sequence[Dialog | Document]) -> list[np.ndarray]:
        """Stage 1: each record's band keys (NO_KEY for a record without shingles), then its
        signature's sketch (for the Jaccard its reject reports), in one uint64 row."""
        sigs, empty = self._signatures(records)
        row = np.hstack((band_keys(sigs, self.cfg.bands, self.cfg.rows), sketch(sigs)))
        row[empty] = NO_KEY  # no shingles: never bucketed, nothing to compare
        return list(row)

    def _signatures(self, records: Sequence[Dialog | Document]) -> tuple[np.ndarray, np.ndarray]:
        """(signature per record, which records have no shingles)."""
        flat, offsets = folded_shingle_hashes(
            folded_texts(records), self.cfg.word_ngram, self.cfg.cjk_char_ngram
        )
        sigs = signatures(flat, offsets, self.cfg.num_perm, self.cfg.seed)
        return sigs, offsets[1:] == offsets[:-1]

    def decide(
        self, keys: Sequence[np.ndarray], ids: Sequence[str], alive: Sequence[bool], load: Loader
    ) -> Drops:
        if not ids:
            return {}
        rows = np.asarray(keys, np.uint64).reshape(len(ids), -1)
        table, sketches = rows[:, : self.cfg.bands], rows[:, self.cfg.bands :]
        live = np.asarray(alive, bool)
        edges = self._buckets(table, live)
        if self.cfg.verify_jaccard is not None:
            edges = self._verified(edges, load)
        root = _clusters(edges)
        dropped = sorted(i for i in root if root[i] != i)
        if not dropped:
            return {}
        similarity = self._similarity([(i, root[i]) for i in dropped], sketches, load)
        return {
            i: ("dedup.near", f"near-duplicate of {ids[root[i]]} (jaccard {s:.2f})")
            for i, s in zip(dropped, similarity, strict=True)
        }

    def _buckets(self, table: np.ndarray, live: np.ndarray) -> list[tuple[int, int]]:
        """Stage 2: per band, records sharing a hash, each paired with the bucket's first."""
        edges: set[tuple[int, int]] = set()
        for b in range(self.cfg.bands):
            index = np.flatnonzero(live & (table[:, b] != NO_KEY))
            members, first = _first_of_groups(table[index, b : b + 1], index)
            edges.update(zip(members.tolist(), first.tolist(), strict=True))
        return sorted(edges)

    def _verified(self, edges: list[tuple[int, int]], load: Loader) -> list[tuple[int, int]]:
        """Only the edges whose shingle sets reach `verify_jaccard` (exact Jaccard)."""
        sets = self._shingle_sets({i for e in edges for i in e}, load)
        return [(a, b) for a, b in edges if _jaccard(sets[a], sets[b]) >= self.cfg.verify_jaccard]

    def _similarity(
        self, pairs: list[tuple[int, int]], sketches: np.ndarray, load: Loader
    ) -> list[float]:
        """Jaccard of each (dropped, kept) pair for the reject detail: exact when verifying,
        else estimated from the signatures' sketches (re-hashing the pairs' records cost 13% of
        near dedup)."""
        if self.cfg.verify_jaccard is not None:
            sets = self._shingle_sets({i for p in pairs for i in p}, load)
            return [_jaccard(sets[a], sets[b]) for a, b in pairs]
        n = self.cfg.num_perm
        return [sketch_jaccard(sketches[a], sketches[b], n) for a, b in pairs]

    def _shingle_sets(self, wanted: set[int], load: Loader) -> dict[int, set[str]]:
        index = sorted(wanted)
        return {i: self.shingles(r) for i, r in zip(index, load(index), strict=True)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _clusters(edges: list[tuple[int, int]]) -> dict[int, int]:
    """Stage 3: union-find over the edges; every linked record -> its cluster's smallest index."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in list(parent)}
