"""Exact and near-duplicate removal; the first record in input order is kept, and a duplicate's Reject
names the id it duplicates. Memory holds hashes and MinHash signatures, never texts.

Near duplicates: datasketch MinHash LSH (default 112 permutations as 14 bands x 8 rows, a threshold
near 0.72, the FineWeb/datatrove setting) over script-aware shingles (word 5-grams, CJK character
5-grams; see keys.shingles), optionally confirmed by exact Jaccard of the shingle sets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

import numpy as np
import xxhash
from datasketch import MinHash, MinHashLSH

from pipeline.clean.keys import exact_key, record_text, shingles
from pipeline.config import DedupConfig
from pipeline.records import Dialog, Document
from pipeline.stage import RejectSink

STAGE = "clean"
# datasketch's default hash is SHA-1 cut to 32 bits, a Python call chain per shingle that was most
# of the signature cost; xxHash32 is one C call with the same 32-bit range the permutations expect.
_hash32 = xxhash.xxh32_intdigest


def exact_dedup(
    records: Iterable[Dialog | Document], cfg: DedupConfig, sink: RejectSink
) -> Iterator[Dialog | Document]:
    seen: dict[bytes, str] = {}
    for record in records:
        key = hashlib.blake2b(
            exact_key(record_text(record, cfg.exact_key)).encode(), digest_size=16
        ).digest()
        first = seen.get(key)
        if first is not None:
            sink.reject(record, STAGE, "dedup.exact", f"duplicate of {first}")
            continue
        seen[key] = record.id
        yield record


class NearDedup:
    """Streaming MinHash LSH: query each record against the kept ones, then index it if kept."""

    def __init__(self, cfg: DedupConfig) -> None:
        self.cfg = cfg
        self.lsh = MinHashLSH(num_perm=cfg.num_perm, params=(cfg.bands, cfg.rows))
        self.template = MinHash(num_perm=cfg.num_perm, seed=cfg.seed, hashfunc=_hash32)
        self.signatures: dict[str, np.ndarray] = {}  # kept records' hash values, for the estimate
        self.shingle_sets: dict[str, set[str]] = {}  # only with verify_jaccard

    def signature(self, items: set[str]) -> MinHash:
        m = MinHash(
            num_perm=self.cfg.num_perm,
            seed=self.cfg.seed,
            hashfunc=_hash32,
            permutations=self.template.permutations,  # shared, not redrawn per record
            scheme=self.template.scheme,
        )
        m.update_batch([s.encode("utf-8") for s in items])  # a minimum: the order is irrelevant
        return m

    def run(
        self, records: Iterable[Dialog | Document], sink: RejectSink
    ) -> Iterator[Dialog | Document]:
        for n, record in enumerate(records):
            items = shingles(record_text(record), self.cfg.word_ngram, self.cfg.cjk_char_ngram)
            if not items:
                yield record
                continue
            sig = self.signature(items)
            match = self.duplicate_of(sig, items)
            if match is not None:
                sink.reject(
                    record,
                    STAGE,
                    "dedup.near",
                    f"near-duplicate of {match[0]} (jaccard {match[1]:.2f})",
                )
                continue
            key = f"{n}\x00{record.id}"  # unique even if ids repeat
            self.lsh.insert(key, sig)
            if self.cfg.verify_jaccard is not None:
                self.shingle_sets[key] = items
            self.signatures[key] = sig.hashvalues
            yield record

    def duplicate_of(self, sig: MinHash, items: set[str]) -> tuple[str, float] | None:
        """The earliest kept record this one near-duplicates, with the (estimated or exact) Jaccard."""
        candidates = sorted(self.lsh.query(sig), key=lambda k: int(k.split("\x00", 1)[0]))
        for key in candidates:
            estimate = float(np.mean(self.signatures[key] == sig.hashvalues))
            if self.cfg.verify_jaccard is None:
                return key.split("\x00", 1)[1], estimate
            other = self.shingle_sets[key]
            jaccard = len(items & other) / len(items | other)
            if jaccard >= self.cfg.verify_jaccard:
                return key.split("\x00", 1)[1], jaccard
        return None
