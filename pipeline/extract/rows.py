"""Tabular rows -> Dialogs or Documents; the one mapping shared by CSV files and SQL tables.

Layouts (`layout:` in the source config; `columns:` maps record fields to column names, and
unmapped fields fall back to the usual header names below):
- wide: `user` / `assistant` / optional `system` columns; several turn pairs either as
  comma-separated lists (`{user: "q1,q2", assistant: "a1,a2"}`) or detected from headers such as
  q1,a1,q2,a2 / question_1,answer_1. One row -> one Dialog.
- alpaca: `instruction`, optional `input`, `output` -> user (instruction + input) / assistant.
- long: `conversation_id`, optional `turn`, `role`, `content`; rows of one conversation need not
  be adjacent, so conversations are grouped until the table ends: in memory up to a size, then
  in a temporary file on disk (extract.spill), so memory stays flat.
- text: one column (`text`) -> a Document per row.
Units are rows: a row that ends in a record is kept, every other row is a Reject with its
location. A configured column missing from the header rejects the whole table as one unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from pipeline.config import TabularSource
from pipeline.extract.spill import Conversations
from pipeline.extract.units import Tally, record_id
from pipeline.records import Dialog, Document

ROLES = ("system", "user", "assistant", "tool")
ROLE_ALIASES = {
    "human": "user", "user": "user", "question": "user", "q": "user", "prompt": "user",
    "customer": "user", "client": "user", "gpt": "assistant", "bot": "assistant",
    "ai": "assistant", "model": "assistant", "assistant": "assistant", "answer": "assistant",
    "a": "assistant", "agent": "assistant", "chatgpt": "assistant", "response": "assistant",
    "system": "system", "tool": "tool", "function": "tool",
}  # fmt: skip

DEFAULTS = {
    "user": ("user", "question", "prompt", "query", "input", "q", "问题"),
    "assistant": ("assistant", "answer", "response", "reply", "output", "a", "回答", "答案"),
    "system": ("system", "system_prompt"),
    "instruction": ("instruction",),
    "input": ("input", "context"),
    "output": ("output", "response"),
    "conversation_id": ("conversation_id", "conv_id", "dialog_id", "thread_id", "session_id"),
    "turn": ("turn", "turn_idx", "turn_index", "position", "seq", "idx"),
    "role": ("role", "speaker", "from", "sender", "author"),
    "content": ("content", "text", "message", "value", "body"),
    "text": ("text", "content", "body", "document"),
}
REQUIRED = {
    "wide": ("user", "assistant"),
    "alpaca": ("instruction", "output"),
    "long": ("conversation_id", "role", "content"),
    "text": ("text",),
}
OPTIONAL = {"wide": ("system",), "alpaca": ("input", "system"), "long": ("turn",), "text": ()}
_PAIR_Q = re.compile(r"^(?:q|question|user|prompt|human)[_ -]?(\d+)$", re.IGNORECASE)
_PAIR_A = re.compile(r"^(?:a|answer|assistant|response|gpt|bot)[_ -]?(\d+)$", re.IGNORECASE)

Value = str | None
# values in header order (None = SQL NULL / missing), location. A list, not a dict by column: a
# dict per row was a tenth of extracting a big long-layout table
Row = tuple[Sequence[Value], str]


def map_role(raw: str | None, roles: dict[str, str]) -> str | None:
    """A raw role value -> system|user|assistant|tool via the config map, then common aliases."""
    if raw is None:
        return None
    key = raw.strip()
    mapped = roles.get(key) or roles.get(key.lower()) or key.lower()
    mapped = ROLE_ALIASES.get(mapped, mapped)
    return mapped if mapped in ROLES else None


class MissingColumns(ValueError):
    """The header lacks columns the layout needs; the message names them and the header."""


@dataclass
class Plan:
    """Which columns feed which record fields for one table."""

    layout: str
    header: list[str]
    cols: dict[str, str] = field(default_factory=dict)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # wide: (user col, assistant col)

    def __post_init__(self) -> None:
        # column -> index in a row, built once (looked up per row); the last of repeated names
        # wins, as it did in a dict by name
        self._index = {c: i for i, c in enumerate(self.header)}

    def at(self, col: str) -> int:
        """Index of column `col` in a row."""
        return self._index[col]

    def value(self, values: Sequence[Value], fld: str) -> str:
        """The text of record field `fld` in a row ("" for NULL or an unmapped optional field)."""
        col = self.cols.get(fld)
        return _text(values[self.at(col)]) if col is not None else ""

    def by_name(self, values: Sequence[Value]) -> dict[str, Value]:
        """A row as column -> value, as rejects record it."""
        return dict(zip(self.header, values, strict=True))


def _find(header: list[str], names: Iterable[str]) -> str | None:
    lower = {h.strip().lower(): h for h in header}
    return next((lower[n] for n in names if n in lower), None)


def plan_columns(header: list[str], src: TabularSource) -> Plan:
    """Resolve configured and default column names against the header (MissingColumns if not)."""
    plan = Plan(src.layout, header)
    configured = dict(src.columns)
    missing: list[str] = []
    if src.layout == "wide":
        users = [c.strip() for c in configured.pop("user", "").split(",") if c.strip()]
        assistants = [c.strip() for c in configured.pop("assistant", "").split(",") if c.strip()]
        if not users and not assistants:
            qs = {m.group(1): h for h in header if (m := _PAIR_Q.match(h.strip()))}
            ans = {m.group(1): h for h in header if (m := _PAIR_A.match(h.strip()))}
            nums = sorted(set(qs) & set(ans), key=int)
            if nums:
                users, assistants = [qs[n] for n in nums], [ans[n] for n in nums]
            else:
                users = [c] if (c := _find(header, DEFAULTS["user"])) else []
                assistants = [c] if (c := _find(header, DEFAULTS["assistant"])) else []
        if not users or not assistants or len(users) != len(assistants):
            missing.append(f"user/assistant columns (got user={users}, assistant={assistants})")
        missing += [c for c in users + assistants if c not in header]
        plan.pairs = list(zip(users, assistants, strict=False))
    for fld in REQUIRED[src.layout] if src.layout != "wide" else ():
        col = configured.pop(fld, None) or _find(header, DEFAULTS[fld])
        if col is None or col not in header:
            missing.append(col or fld)
        else:
            plan.cols[fld] = col
    used = set(plan.cols.values()) | {c for pair in plan.pairs for c in pair}
    for fld in OPTIONAL[src.layout]:
        col = configured.pop(fld, None)
        if col is not None and col not in header:
            missing.append(col)
        elif col is not None:
            plan.cols[fld] = col
        elif (found := _find(header, DEFAULTS[fld])) is not None and found not in used:
            plan.cols[fld] = found
    if configured:
        missing.append(f"unknown fields for layout {src.layout}: {sorted(configured)}")
    if missing:
        raise MissingColumns(f"missing {', '.join(missing)}; header is {header}")
    return plan


def _text(value: Value) -> str:
    return "" if value is None else value


def _blank(text: str) -> bool:
    """Empty or only whitespace (no copy, unlike `not text.strip()`: cells can be long)."""
    return not text or text.isspace()


def _system(values: Sequence[Value], plan: Plan, src: TabularSource) -> list[dict[str, str]]:
    content = plan.value(values, "system") or (src.system or "")
    return [{"role": "system", "content": content}] if not _blank(content) else []


def _wide(values, loc, plan, src, tally, name) -> Dialog | None:
    # messages as dicts: the Dialog validates them in one pass (a Message each costs 3x more)
    messages = _system(values, plan, src)
    users = 0
    for ucol, acol in plan.pairs:
        u, a = _text(values[plan.at(ucol)]), _text(values[plan.at(acol)])
        u_blank, a_blank = _blank(u), _blank(a)
        if u_blank and a_blank:
            continue
        if u_blank or a_blank:
            tally.reject("incomplete_pair", loc, detail=f"{ucol if u_blank else acol} is empty",
                         record={"row": plan.by_name(values)})  # fmt: skip
            return None
        messages += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
        users += 1
    if not users:
        tally.reject("empty_row", loc, detail="no user/assistant text",
                     record={"row": plan.by_name(values)})  # fmt: skip
        return None
    tally.keep()
    return Dialog(id=record_id(loc), messages=messages, source=loc, source_name=name)


def _alpaca(values, loc, plan, src, tally, name) -> Dialog | None:
    instruction = plan.value(values, "instruction")
    extra = plan.value(values, "input")
    output = plan.value(values, "output")
    if _blank(instruction) or _blank(output):
        which = "instruction" if _blank(instruction) else "output"
        tally.reject(f"empty_{which}", loc, detail=f"{plan.cols[which]} is empty",
                     record={"row": plan.by_name(values)})  # fmt: skip
        return None
    user = f"{instruction}\n\n{extra}" if not _blank(extra) else instruction
    messages = _system(values, plan, src)
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": output}]
    tally.keep()
    return Dialog(id=record_id(loc), messages=messages, source=loc, source_name=name)


def _text_row(values, loc, plan, src, tally, name) -> Document | None:
    text = plan.value(values, "text")
    if _blank(text):
        tally.reject(
            "empty_text",
            loc,
            detail=f"{plan.cols['text']} is empty",
            record={"row": plan.by_name(values)},
        )
        return None
    tally.keep()
    return Document(id=record_id(loc), text=text, source=loc, source_name=name)


def _turn_key(value: Value, seq: int) -> tuple[int, float | str, int]:
    """Sort key: numeric turns numerically, others as text, ties (and no turn) by row order."""
    if value is None or not value.strip():
        return (2, "", seq)
    try:
        return (0, float(value), seq)
    except ValueError:
        return (1, value, seq)


def rows_source(locs: list[str]) -> str:
    """Every row of a long-layout dialog in one string, in file order and compact:
    `c.csv:line 2-4, 9` or `d.sql:stmt 5 row 1-3; stmt 6 row 1`, so each row can be found again."""
    groups: list[tuple[str, list[str]]] = []  # (location head, its row numbers as written)
    tails: list[str] = []
    head = None
    for loc in locs:
        h, _, tail = loc.rpartition(" ")
        if h != head:
            head, tails = h, []
            groups.append((h, tails))
        tails.append(tail)
    parts, prev_file = [], None
    for head, tails in groups:
        file, _, unit = head.rpartition(":")
        parts.append(f"{unit if file and file == prev_file else head} {_ranges(tails)}")
        prev_file = file
    return "; ".join(parts)


def _ranges(tails: list[str]) -> str:
    """`2-4, 9` for ["2", "3", "4", "9"]: consecutive numbers as one range."""
    if len(tails) == 1:  # one row of a statement or line: most rows of a one-row-INSERT dump
        return tails[0]
    runs: list[list[int | str]] = []
    for tail in tails:
        n = int(tail) if tail.isdigit() else tail
        last = runs[-1][1] if runs else None
        if isinstance(n, int) and isinstance(last, int) and n == last + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _long(rows: Iterable[Row], plan: Plan, src: TabularSource, tally: Tally, name: str, where: str):
    """Group rows by conversation (any order; spilled to disk past a size, see extract.spill),
    then yield one Dialog per conversation."""
    convs = Conversations()
    add = convs.add
    c, at = plan.cols, plan.at
    cid_col = c["conversation_id"]
    i_cid, i_role, i_content = at(cid_col), at(c["role"]), at(c["content"])
    i_turn = at(c["turn"]) if "turn" in c else None
    roles: dict[Value, str | None] = {}  # few distinct raw roles: map each once
    for seq, (values, loc) in enumerate(rows):
        cid = values[i_cid]
        if cid is None or _blank(cid):
            tally.reject("no_conversation_id", loc, record={"row": plan.by_name(values)})
            continue
        raw_role = values[i_role]
        role = roles.get(raw_role, "")
        if role == "":
            role = roles[raw_role] = map_role(raw_role, src.roles)
        if role is None:
            tally.reject("unknown_role", loc, detail=f"role {raw_role!r}",
                         record={"row": plan.by_name(values)})  # fmt: skip
            continue
        content = values[i_content]
        if content is None or _blank(content):
            tally.reject("empty_content", loc, record={"row": plan.by_name(values)})
            continue
        add(cid, _turn_key(values[i_turn] if i_turn is not None else None, seq), role, content, loc)
    for cid, turns in convs:
        # messages as dicts: the Dialog validates them in one pass (a Message each costs 3x more)
        messages = [{"role": "system", "content": src.system}] if src.system else []
        messages += [{"role": role, "content": content} for _, role, content, _ in turns]
        in_file_order = sorted([(key[2], loc) for key, _, _, loc in turns])  # key[2]: row order
        source = f"{rows_source([loc for _, loc in in_file_order])} ({cid_col}={cid})"
        tally.keep(len(turns))
        yield Dialog(
            id=record_id(f"{where}\x00{cid}"),  # per table: one id in two files is two dialogs
            messages=messages,
            source=source,
            source_name=name,
            meta={"conversation_id": cid, "rows": len(turns)},
        )


def rows_to_records(
    header: list[str],
    rows: Iterable[Row],
    src: TabularSource,
    tally: Tally,
    name: str,
    where: str,
) -> Iterator[Dialog | Document]:
    """Map `rows` (values in `header` order, location) of one table to records per `src.layout`.

    `where` names the table for a table-level Reject (missing columns); the rows are then still
    drained so their count appears in the notes."""
    try:
        plan = plan_columns(header, src)
    except MissingColumns as e:
        tally.reject("missing_columns", where, detail=str(e))
        tally.count_note(where, "rows_not_mapped", sum(1 for _ in rows))
        return
    if src.layout == "long":
        yield from _long(rows, plan, src, tally, name, where)
        return
    one = {"wide": _wide, "alpaca": _alpaca, "text": _text_row}[src.layout]
    for values, loc in rows:
        record = one(values, loc, plan, src, tally, name)
        if record is not None:
            yield record
