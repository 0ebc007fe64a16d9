"""tiktoken in place of the tokenizers library, for GPT-2-style byte-level BPE tokenizers it
encodes exactly alike (SmolLM2's among them): the same ids and the same char offsets, 2.5x faster.

Why not tiktoken as it is: it merges the adjacent pair whose joined bytes have the lowest rank,
where tokenizers merges the pair ranked lowest in the merges list, and its regex engine has Unicode
tables of its own. `fast_encoder` builds an encoder only where the two provably agree:

- Merges. Take vocab ids as ranks. Where each merge's result has a larger id than the one before
  (no token made twice), the two pick the same pair from any sequence of tokens unless it holds a
  "stray" pair: x, y adjacent with x+y a token but (x, y) not its merge. Such a state is never
  reached if BPE on every token's own bytes gives back that token. Proof: the merges inside the
  bytes of z = x+y are applied, whatever surrounds them, in the order BPE of z alone applies them
  (each is the lowest inside z when it is applied, and nothing inside changes between), so reaching
  x, y there means BPE of z alone stops at [x, y]. The same check covers tiktoken taking a whole
  pre-token found in the vocab as one token. It is checked for every token (0.2 s).
- Pre-tokens. The GPT-2 regex is given to tiktoken with `\\p{L}`, `\\p{N}` and `\\s` spelled out
  as the code point ranges the tokenizers library's own regex engine (Oniguruma) matches, read
  from it at start, so both split alike whatever their Unicode versions.
- Texts the tokenizers library must handle itself go to it: those with a character whose UTF-8
  holds a byte the vocab lacks (tokenizers drops it; tiktoken fails), a surrogate, or a code point
  beyond the ranges read (planes 4-13, 15, 16: unassigned or private use).
Offsets are the tokens' byte spans mapped to characters (every token of a character split over
several tokens covers that whole character), as the tokenizers library reports them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.render.bounds import plain_added

GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
# the code points whose classes are read from the tokenizers library's regex engine: planes 0-3
# and 14 (planes 4-13 are unassigned, 15-16 private use); texts with others go to that library
PROBED = ((0, 0x3FFFF), (0xE0000, 0xE0FFF))


def byte_chars() -> list[str]:
    """GPT-2's byte -> printable character map, as byte-level BPE vocabularies spell bytes."""
    keep = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    out = [""] * 256
    extra = 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + extra)
            extra += 1
    return out


def _probe_points() -> np.ndarray:
    """The probed code points, surrogates left out (they cannot reach the tokenizer)."""
    points = np.concatenate([np.arange(a, b + 1) for a, b in PROBED])
    return points[(points < 0xD800) | (points > 0xDFFF)]


def _probe_text(points: np.ndarray) -> str:
    """The probed code points as one string, in order (a char's index is its index in points)."""
    return "".join(map(chr, points.tolist()))


def _cache_dir() -> Path:
    """Where verdicts and engine classes are kept between runs ($RAWTUNE_CACHE, else
    $XDG_CACHE_HOME/rawtune or ~/.cache/rawtune)."""
    if os.environ.get("RAWTUNE_CACHE"):
        return Path(os.environ["RAWTUNE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rawtune"


def _cached(name: str, compute: Callable[[], Any]) -> Any:
    """compute(), kept as JSON under the cache dir by a name that holds every input it depends on
    (a cache that cannot be read or written is computed anew)."""
    path = _cache_dir() / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value))
        tmp.replace(path)
    except OSError:
        pass
    return value


def _read_engine_classes() -> dict[str, list[list[int]]]:
    """For `\\p{L}`, `\\p{N}` and `\\s`: the probed code points the tokenizers library's regex
    engine puts in each, as runs, read by splitting all of them in one string (0.7 s in all)."""
    from tokenizers import Regex, pre_tokenizers

    points = _probe_points()
    text = _probe_text(points)
    out = {}
    for name, pattern in (("L", r"\p{L}+"), ("N", r"\p{N}+"), ("S", r"\s+")):
        split = pre_tokenizers.Split(Regex(pattern), behavior="removed")
        member = np.ones(len(points), dtype=bool)
        for _, (a, b) in split.pre_tokenize_str(text):  # the pieces left are the non-members
            member[a:b] = False
        out[name] = [list(r) for r in _ranges(points[member])]
    return out


@cache
def engine_classes() -> dict[str, list[list[int]]]:
    """`_read_engine_classes`, once per tokenizers version (kept in the cache dir)."""
    import tokenizers

    return _cached(f"engine-classes-tokenizers-{tokenizers.__version__}", _read_engine_classes)


def _ranges(points: np.ndarray) -> list[tuple[int, int]]:
    """Sorted code points as inclusive (first, last) runs."""
    if not len(points):
        return []
    breaks = np.flatnonzero(np.diff(points) != 1)
    firsts = np.concatenate([[points[0]], points[breaks + 1]])
    lasts = np.concatenate([points[breaks], [points[-1]]])
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def _class_body(runs: Iterable[Sequence[int]], python: bool = False) -> str:
    """The inside of a regex character class holding the code point runs, in tiktoken's (Rust)
    syntax or Python's."""

    def point(c: int) -> str:
        return f"\\U{c:08X}" if python else f"\\x{{{c:X}}}"

    return "".join(point(a) if a == b else f"{point(a)}-{point(b)}" for a, b in runs)


def spelled_pattern() -> str:
    """GPT2_PATTERN (ByteLevel's built-in regex) with its classes spelled out as the tokenizers
    library's engine matches them."""
    cls = engine_classes()
    letters, numbers, spaces = (_class_body(cls[k]) for k in "LNS")
    return (
        GPT2_PATTERN.replace(r"[^\s\p{L}\p{N}]", f"[^{spaces}{letters}{numbers}]")
        .replace(r"(?!\S)", f"(?![^{spaces}])")
        .replace(r"\p{L}", f"[{letters}]")
        .replace(r"\p{N}", f"[{numbers}]")
        .replace(r"\s", f"[{spaces}]")
    )


def _routed(missing: set[int]) -> re.Pattern[str]:
    """Characters the tokenizers library must encode: beyond the probed ranges, surrogates, and
    any whose UTF-8 holds one of the `missing` bytes (no single-byte token)."""
    points = _probe_points()
    raw = np.frombuffer(_probe_text(points).encode("utf-8"), dtype=np.uint8)
    starts = np.flatnonzero((raw & 0xC0) != 0x80)
    lacking = np.isin(raw, np.fromiter(missing, dtype=np.uint8, count=len(missing)))
    routed = np.ones(0x110000, dtype=bool)  # surrogates and unprobed planes
    routed[points] = np.logical_or.reduceat(lacking, starts)
    return re.compile(f"[{_class_body(_ranges(np.flatnonzero(routed)), python=True)}]")


def unsupported(tokenizer: Any) -> str | None:
    """Why the tokenizer's configuration rules out the tiktoken path (None: it allows it); reads the
    backend's parts, not its vocab."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return "not a fast tokenizer"
    if backend.normalizer is not None:
        return "has a normalizer"
    pre = json.loads(backend.pre_tokenizer.__getstate__()) if backend.pre_tokenizer else {}
    if pre.get("type") != "ByteLevel" or pre.get("add_prefix_space") or not pre.get("use_regex"):
        return "pre-tokenizer is not GPT-2's ByteLevel regex"
    post = json.loads(backend.post_processor.__getstate__()) if backend.post_processor else {}
    if post.get("type", "TemplateProcessing") != "TemplateProcessing":
        return f"post-processor {post.get('type')} may move offsets"
    model = backend.model
    if type(model).__name__ != "BPE" or model.dropout or model.unk_token is not None:
        return "model is not a plain BPE (dropout or unk token)"
    if model.byte_fallback or model.ignore_merges:
        return "BPE with byte_fallback or ignore_merges"
    if model.continuing_subword_prefix or model.end_of_word_suffix:
        return "BPE with subword prefix or suffix"
    if not all(plain_added(t) for t in tokenizer.added_tokens_decoder.values()):
        return "added tokens with stripping or normalizing"
    added = [t.content for t in tokenizer.added_tokens_decoder.values()]
    if any(a != b and b.startswith(a) for a in added for b in added):
        return "an added token is a prefix of another (matched longest vs first listed)"
    return None


def merge_check(tokenizer: Any) -> str | None:
    """Why BPE by id order may merge differently from the merges list (None: it cannot): merge
    results out of id order, or a token its own bytes do not rebuild (see the module doc)."""
    backend = tokenizer.backend_tokenizer
    state = json.loads(backend.to_str())["model"]
    vocab: dict[str, int] = state["vocab"]
    added = {t.content for t in tokenizer.added_tokens_decoder.values()}
    last = -1
    for merge in state["merges"]:
        a, b = merge.split(" ", 1) if isinstance(merge, str) else merge
        if a + b not in added:
            if vocab[a + b] <= last:
                return f"merge {a!r} + {b!r} makes an id below an earlier merge's"
            last = vocab[a + b]
    for z, i in vocab.items():
        if z not in added and [t.id for t in backend.model.tokenize(z)] != [i]:
            return f"token {z!r} is not rebuilt from its own bytes"
    return None


class FastEncoding:
    """The part of a tokenizers Encoding the renderer reads: ids, length, char <-> token."""

    __slots__ = ("ends", "ids", "starts")

    def __init__(self, ids: list[int], starts: np.ndarray, ends: np.ndarray) -> None:
        self.ids, self.starts, self.ends = ids, starts, ends

    def __len__(self) -> int:
        return len(self.ids)

    def char_to_token(self, c: int) -> int | None:
        """The first token covering char c (tokens cover every char, in order)."""
        i = int(np.searchsorted(self.ends, c, side="right"))
        return i if i < len(self.ids) and self.starts[i] <= c else None

    def token_to_chars(self, i: int) -> tuple[int, int]:
        return int(self.starts[i]), int(self.ends[i])


def hf_encode(tokenizer: Any, texts: Sequence[str]) -> list[Any]:
    """The tokenizers library's Encodings of texts, added tokens matched and none added around."""
    batch = tokenizer(list(texts), add_special_tokens=False, return_attention_mask=False)
    return batch.encodings


class FastEncoder:
    """Encodes texts (added tokens matched, none added around) as the tokenizer would, through
    tiktoken where provably the same and through the tokenizer itself for the rest."""

    def __init__(self, tokenizer: Any, core: Any, byte_lens: np.ndarray, route: re.Pattern[str]):
        self.tokenizer, self.core, self.byte_lens, self.route = tokenizer, core, byte_lens, route
        # the cores, unless told to keep to one thread as the tokenizers library is (pool workers)
        one = os.environ.get("TOKENIZERS_PARALLELISM", "").lower() in ("0", "false", "off", "no")
        self.threads = 1 if one else max(1, min(8, os.cpu_count() or 1))

    def __call__(self, texts: Sequence[str]) -> list[Any]:
        slow: list[int] = []
        fast: list[int] = []
        for i, t in enumerate(texts):
            (slow if self.route.search(t) else fast).append(i)
        out: list[Any] = [None] * len(texts)
        if slow:
            encoded = hf_encode(self.tokenizer, [texts[i] for i in slow])
            for i, enc in zip(slow, encoded, strict=True):
                out[i] = enc
        ids = self.core.encode_batch(
            [texts[i] for i in fast], num_threads=self.threads, allowed_special="all"
        )
        for i, t_ids in zip(fast, ids, strict=True):
            out[i] = self.encoding(texts[i], t_ids)
        return out

    def encoding(self, text: str, ids: list[int]) -> FastEncoding:
        """Char offsets of `ids` (tiktoken's encoding of text): byte spans mapped to characters."""
        lens = self.byte_lens[ids]
        ends = np.cumsum(lens)
        starts = ends - lens
        if not text.isascii():
            raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
            char_of = np.cumsum((raw & 0xC0) != 0x80) - 1
            starts, ends = char_of[starts], char_of[ends - 1] + 1
        return FastEncoding(ids, starts, ends)


def fast_encoder(tokenizer: Any) -> FastEncoder | None:
    """A FastEncoder for the tokenizer, or None where the tiktoken path is not provably exact. The
    merge check (0.3 s) is kept in the cache dir by a hash of the tokenizer's whole state."""
    if unsupported(tokenizer) is not None:
        return None
    try:
        import tiktoken
        import tokenizers
    except ImportError:
        return None
    backend = tokenizer.backend_tokenizer
    digest = hashlib.sha256(backend.to_str().encode("utf-8")).hexdigest()[:24]
    key = f"merge-check-{digest}-tokenizers-{tokenizers.__version__}"
    if _cached(key, lambda: {"why": merge_check(tokenizer)})["why"] is not None:
        return None
    added = {t.content: i for i, t in tokenizer.added_tokens_decoder.items()}
    chars = byte_chars()
    to_bytes = str.maketrans({c: chr(b) for b, c in enumerate(chars)})
    vocab = backend.get_vocab(with_added_tokens=False)
    if any(ord(c) > 0xFF for z in vocab for c in z.translate(to_bytes)):
        return None  # a vocab entry not spelled in the byte map
    ranks = {z.translate(to_bytes).encode("latin-1"): i for z, i in vocab.items() if z not in added}
    missing = {b for b in range(256) if chars[b] not in vocab}
    if any(0x80 <= b < 0xC0 for b in missing):
        return None  # a continuation byte would route most non-ASCII text
    core = tiktoken.Encoding(
        "rawtune", pat_str=spelled_pattern(), mergeable_ranks=ranks, special_tokens=added
    )
    byte_lens = np.zeros(max([*vocab.values(), *added.values()]) + 1, dtype=np.int64)
    for z, i in ranks.items():
        byte_lens[i] = len(z)
    for z, i in added.items():
        byte_lens[i] = len(z.encode("utf-8"))
    return FastEncoder(tokenizer, core, byte_lens, _routed(missing))


_ENCODERS: weakref.WeakKeyDictionary[Any, tuple[int, FastEncoder | None]] = (
    weakref.WeakKeyDictionary()
)


def encoder_for(tokenizer: Any, fast: bool = True) -> Callable[[Sequence[str]], list[Any]]:
    """texts -> Encodings for the renderer: the FastEncoder where the tokenizer allows it (built
    once per tokenizer and size), else the tokenizer itself."""
    encoder = None
    if fast:
        size = len(tokenizer)
        kept = _ENCODERS.get(tokenizer)
        if kept is not None and kept[0] == size:
            encoder = kept[1]
        else:
            encoder = fast_encoder(tokenizer)
            _ENCODERS[tokenizer] = (size, encoder)
    return encoder if encoder is not None else partial(hf_encode, tokenizer)
