"""Special-token text typed inside a message (a user writing `<|im_end|>`) must not become a control token.

Policy `special_tokens_in_content`:
- `escape` (default): such text is encoded as ordinary characters; only the tokens the template
  writes itself are control tokens. This is exactly what transformers does with
  `apply_chat_template(..., sanitize_control_tokens=True)` (the audit compares against it): the
  control tokens in each message are wrapped in the same private-use markers before rendering,
  and the rendered text is encoded piece by piece, marked pieces as plain text.
- `reject`: the dialog becomes a Reject (`special_token_text`).
- `allow`: the text is tokenized as-is and may turn into control tokens (the unsafe, naive way).

Control tokens are those transformers uses for sanitizing: the tokenizer's special tokens, plus
added tokens that appear in the template's literal text (or `tokenizer.chat_control_tokens`).
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.render.templates import template_literals

# The marker characters transformers uses (chat_template_utils), so both sanitize the same way.
MARK_START = "\U000f0000"
MARK_END = "\U000f0001"


class UnescapableTokenError(ValueError):
    """The tokenizer produces a control token from its plain text, so it cannot be escaped."""


class ControlTokens:
    """Finds, marks and safely encodes control-token text in message contents, for one tokenizer + template."""

    def __init__(self, tokenizer: Any, template: str) -> None:
        self.tokenizer = tokenizer
        added = list(tokenizer.added_tokens_decoder.values())
        listed = getattr(tokenizer, "chat_control_tokens", None)
        if listed is not None:
            tokens = [t.content for t in added if t.special or t.content in set(listed)]
        else:
            literal = "\0".join(template_literals(template))  # no match across two
            tokens = [
                t.content
                for t in added
                if t.special or (t.content in literal and not t.content.isspace())
            ]
        longest_first = sorted(set(tokens), key=len, reverse=True)
        self.tokens = tuple(longest_first)
        alternation = "|".join(map(re.escape, longest_first)) or "(?!)"
        self._token_re = re.compile(alternation)
        # A dialog needs the careful path if it holds a control token or a forged marker.
        self._find_re = re.compile(f"{alternation}|[{MARK_START}{MARK_END}]")
        self._markers_re = re.compile(
            f"{MARK_START}({alternation}){MARK_END}|[{MARK_START}{MARK_END}]"
        )
        self._newline_ids: list[int] | None = None
        # cheap substring pre-check before the regex (most contents hold none of these chars)
        self._first_chars = {t[0] for t in longest_first} | {MARK_START, MARK_END}

    def first_in(self, messages: list[dict[str, str]]) -> str | None:
        """The first control-token text found in any message field (content, reasoning), or None."""
        for m in messages:
            for value in m.values():
                if not isinstance(value, str) or not any(ch in value for ch in self._first_chars):
                    continue
                found = self._find_re.search(value)
                if found:
                    return found.group(0)
        return None

    def mark(self, messages: list[dict[str, str]]) -> list[dict[str, str]]:
        """Wrap control tokens in every string field with the markers (dropping forged markers
        first), as transformers' `mark_control_tokens` does."""
        return [
            {k: self._mark(v) if isinstance(v, str) else v for k, v in m.items()} for m in messages
        ]

    def _mark(self, text: str) -> str:
        text = text.replace(MARK_START, "").replace(MARK_END, "")
        return self._token_re.sub(f"{MARK_START}\\g<0>{MARK_END}", text)

    def encode_marked(self, marked: str) -> tuple[str, list[int], list[tuple[int, int]], list[int]]:
        """Encode a chat rendered from marked messages.

        Returns the text without markers, its ids and char offsets (in that text), and the sorted
        positions (in the marked text) of the removed marker characters, for mapping spans.
        Pieces are encoded as transformers' `encode_marked_chat` does, marked ones as plain text.
        """
        tok = self.tokenizer
        if self._newline_ids is None:
            self._newline_ids = tok("\n", add_special_tokens=False)["input_ids"]
        removed = [i for i, ch in enumerate(marked) if ch in (MARK_START, MARK_END)]
        pieces = self._markers_re.split(marked)
        ids: list[int] = []
        offsets: list[tuple[int, int]] = []
        pos = 0  # position in the unmarked text
        for i, piece in enumerate(pieces):
            if not piece:
                continue
            as_text = i % 2 == 1
            p_ids, p_offs = self._encode_piece(piece, as_text, first=i == 0)
            if as_text and tok.convert_tokens_to_ids(piece) in p_ids:
                raise UnescapableTokenError(
                    f"cannot escape {piece!r}: the tokenizer makes it from plain text"
                )
            ids += p_ids
            offsets += [(s + pos, e + pos) for s, e in p_offs]
            pos += len(piece)
        text = "".join(p for p in pieces if p)
        return text, ids, offsets, removed

    def _encode_piece(
        self, piece: str, as_text: bool, first: bool
    ) -> tuple[list[int], list[tuple[int, int]]]:
        """One piece; later pieces are encoded after a newline (then removed) as transformers does,
        so SentencePiece tokenizers do not add their start-of-text prefix space mid-chat."""

        def encode(text: str) -> tuple[list[int], list[tuple[int, int]]]:
            enc = self.tokenizer(
                text,
                add_special_tokens=False,
                split_special_tokens=as_text,
                return_offsets_mapping=True,
                return_attention_mask=False,
            )
            return list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]]

        if first:
            return encode(piece)
        nl = self._newline_ids or []
        ids, offs = encode("\n" + piece)
        if ids[: len(nl)] == nl:
            return ids[len(nl) :], [(max(s - 1, 0), max(e - 1, 0)) for s, e in offs[len(nl) :]]
        return encode(piece)
