"""Hand-written source content for the sample data in data/raw/ (see scripts/build_sample_data.py).

Dialogs are written in a small text format so they read like the conversations they are:

    ## some-id            starts a dialog (the id is only used by the build script)
    S: system prompt      optional
    U: user turn          continuation lines (code, lists) belong to the turn above
    A: assistant turn

Everything here was written for rawtune; nothing is downloaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROLE_PREFIX = {"S": "system", "U": "user", "A": "assistant"}
_TURN = re.compile(r"^([SUA]): ?(.*)$")


@dataclass(frozen=True)
class Dialog:
    id: str
    turns: tuple[tuple[str, str], ...]  # (role, content)

    @property
    def question(self) -> str:
        return next(c for r, c in self.turns if r == "user")

    @property
    def answer(self) -> str:
        return next(c for r, c in self.turns if r == "assistant")


def parse(text: str) -> list[Dialog]:
    """Parse the `## id` / `U:` / `A:` format into dialogs (content is stripped of outer blanks)."""
    dialogs: list[Dialog] = []
    did: str | None = None
    turns: list[list[str]] = []

    def flush() -> None:
        if did is not None:
            dialogs.append(Dialog(did, tuple((r, "\n".join(ls).strip()) for r, *ls in turns)))

    for line in text.splitlines():
        if line.startswith("## "):
            flush()
            did, turns = line[3:].strip(), []
        elif m := _TURN.match(line):
            turns.append([ROLE_PREFIX[m.group(1)], m.group(2)])
        elif turns:
            turns[-1].append(line)
        elif line.strip():
            raise ValueError(f"text outside a turn: {line!r}")
    flush()
    ids = [d.id for d in dialogs]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate dialog ids: {sorted(dupes)}")
    return dialogs
