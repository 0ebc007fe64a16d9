"""One JSON-like record (a JSON line or array item, a Parquet row, a datasets row) -> a Dialog or
a Document.

Formats (`format:` of a json / parquet / hf source; `fields:` renames keys, `roles:` maps roles):
- messages: OpenAI style, `{"messages": [{"role", "content", "reasoning_content"?}, ...]}`;
  content may also be a list of `{"type": "text", "text"}` parts;
- sharegpt: `{"conversations": [{"from", "value"}, ...], "system"?}`, roles human/gpt/system;
- alpaca: `instruction`, optional `input` (joined as in CSV/SQL alpaca rows), `output`, optional
  `system`, and `history` (earlier `[user, assistant]` pairs, oldest first) as earlier turns;
- text: `{"text"}` -> a Document;
- auto: chosen per record by its keys, in that order.
An assistant turn's reasoning (`reasoning_content`, `reasoning` or `thinking`) is kept in
`Message.reasoning_content`. A record that does not fit raises `ShapeError(reason, detail)`, which
the reader turns into a Reject at the record's line or row; nothing is coerced silently (a number
where text belongs is an error, not its str()).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.config import RecordSource
from pipeline.extract.rows import map_role
from pipeline.extract.units import Tally, record_id, snippet
from pipeline.records import Dialog, Document

DEFAULT_KEYS = {
    "messages": {"messages": "messages", "role": "role", "content": "content"},
    "sharegpt": {"messages": "conversations", "role": "from", "content": "value"},
}
# ShareGPT exports also name turns by the product that wrote them; both are assistant turns.
EXTRA_ROLES = {
    "bing": "assistant",
    "bard": "assistant",
    "chatgpt": "assistant",
    "observation": "tool",
}
REASONING_KEYS = ("reasoning_content", "reasoning", "thinking")


class ShapeError(ValueError):
    """A record that does not have the shape its format asks for: bad input, one Reject."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _string(value: Any, what: str, optional: bool = False) -> str:
    """`value` if it is text; ShapeError naming the field and the type found otherwise."""
    if isinstance(value, str):
        return value
    if value is None and optional:
        return ""
    raise ShapeError("wrong_type", f"{what} must be a string (got {_kind(value)})")


def _content(value: Any, what: str) -> str:
    """A turn's text: a string, or OpenAI content parts of type text joined in order."""
    if isinstance(value, list):
        parts = []
        for i, part in enumerate(value):
            if not isinstance(part, dict) or part.get("type", "text") != "text":
                got = part.get("type") if isinstance(part, dict) else _kind(part)
                raise ShapeError("unsupported_content", f"{what}[{i}] is not a text part ({got})")
            parts.append(_string(part.get("text"), f"{what}[{i}].text"))
        return "".join(parts)
    return _string(value, what)


@dataclass
class Shape:
    """How one source's records map to Dialogs/Documents (built once from its config)."""

    format: str = "auto"
    keys: dict[str, str] = field(default_factory=dict)  # configured key renames only
    roles: dict[str, str] = field(default_factory=dict)
    system: str | None = None

    @classmethod
    def of(cls, src: RecordSource) -> Shape:
        keys = {k: v for k, v in src.fields.model_dump().items() if v}
        return cls(src.format, keys, {**EXTRA_ROLES, **src.roles}, src.system)

    def key(self, name: str, default: str) -> str:
        return self.keys.get(name, default)

    def detect(self, obj: dict[str, Any]) -> str:
        """The format of one record: the configured one, else by which keys it has."""
        if self.format != "auto":
            return self.format
        probes = (
            ("messages", self.key("messages", "messages")),
            ("sharegpt", self.key("messages", "conversations")),
            ("alpaca", self.key("instruction", "instruction")),
            ("alpaca", self.key("output", "output")),
            ("text", self.key("text", "text")),
        )
        for fmt, key in probes:
            if key in obj:
                return fmt
        keys = ", ".join(sorted(map(str, obj))[:12])
        raise ShapeError(
            "unknown_shape", f"no messages, conversations, instruction/output or text key ({keys})"
        )

    def record(self, obj: Any, loc: str, name: str) -> Dialog | Document:
        """The record at `loc` (provenance, also hashed into the id) of source `name`."""
        if not isinstance(obj, dict):
            raise ShapeError("not_an_object", f"expected a JSON object, got {_kind(obj)}")
        fmt = self.detect(obj)
        meta: dict[str, Any] = {"format": fmt}
        own_id = obj.get(self.key("id", "id"))
        if isinstance(own_id, str | int) and not isinstance(own_id, bool):
            meta["id"] = str(own_id)
        if fmt == "text":
            text = _string(obj.get(self.key("text", "text")), self.key("text", "text"))
            if not text.strip():
                raise ShapeError("empty_text", "the text is empty")
            return Document(id=record_id(loc), text=text, source=loc, source_name=name, meta=meta)
        turns = self._alpaca(obj) if fmt == "alpaca" else self._turns(obj, fmt)
        return Dialog(id=record_id(loc), messages=self._system(obj, turns) + turns, source=loc,
                      source_name=name, meta=meta)  # fmt: skip

    def _system(self, obj: dict[str, Any], turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The record's own system prompt; else the source's `system:` when no turn is one."""
        key = self.key("system", "system")
        text = _string(obj.get(key), key, optional=True)
        if not text.strip() and not any(t["role"] == "system" for t in turns):
            text = self.system or ""
        return [{"role": "system", "content": text}] if text.strip() else []

    def _turns(self, obj: dict[str, Any], fmt: str) -> list[dict[str, Any]]:
        defaults = DEFAULT_KEYS[fmt]
        list_key = self.key("messages", defaults["messages"])
        turns = obj.get(list_key)
        if not isinstance(turns, list):
            raise ShapeError("wrong_type", f"{list_key} must be a list (got {_kind(turns)})")
        if not turns:
            raise ShapeError("no_turns", f"{list_key} is empty")
        role_keys = (self.key("role", defaults["role"]), "role", "from")
        content_keys = (self.key("content", defaults["content"]), "content", "value")
        reasoning_keys = (self.keys["reasoning"],) if "reasoning" in self.keys else REASONING_KEYS
        out: list[dict[str, Any]] = []
        for i, turn in enumerate(turns):
            where = f"{list_key}[{i}]"
            if not isinstance(turn, dict):
                raise ShapeError("wrong_type", f"{where} must be an object (got {_kind(turn)})")
            rk = next((k for k in role_keys if k in turn), role_keys[0])
            raw_role = _string(turn.get(rk), f"{where}.{rk}")
            role = map_role(raw_role, self.roles)
            if role is None:
                raise ShapeError("unknown_role", f"{where}.{rk} {snippet(raw_role, 40)!r}")
            ck = next((k for k in content_keys if k in turn), content_keys[0])
            message: dict[str, Any] = {
                "role": role,
                "content": _content(turn.get(ck), f"{where}.{ck}"),
            }
            rk = next((k for k in reasoning_keys if turn.get(k) is not None), None)
            if rk is not None and role == "assistant":
                message["reasoning_content"] = _string(turn[rk], f"{where}.{rk}")
            out.append(message)
        return out

    def _alpaca(self, obj: dict[str, Any]) -> list[dict[str, Any]]:
        ik, xk, ok, hk = (self.key(k, k) for k in ("instruction", "input", "output", "history"))
        instruction = _string(obj.get(ik), ik, optional=True)
        extra = _string(obj.get(xk), xk, optional=True)
        output = _string(obj.get(ok), ok, optional=True)
        for key, value in ((ik, instruction), (ok, output)):
            if not value.strip():
                raise ShapeError(
                    f"empty_{'instruction' if key == ik else 'output'}", f"{key} is empty"
                )
        out: list[dict[str, Any]] = []
        history = obj.get(hk)
        if history is not None and not isinstance(history, list):
            raise ShapeError("wrong_type", f"{hk} must be a list of pairs (got {_kind(history)})")
        for i, pair in enumerate(history or []):
            if not (isinstance(pair, list | tuple) and len(pair) == 2):
                raise ShapeError("wrong_type", f"{hk}[{i}] must be a [user, assistant] pair")
            out.append({"role": "user", "content": _string(pair[0], f"{hk}[{i}][0]")})
            out.append({"role": "assistant", "content": _string(pair[1], f"{hk}[{i}][1]")})
        user = f"{instruction}\n\n{extra}" if extra.strip() else instruction
        out += [{"role": "user", "content": user}, {"role": "assistant", "content": output}]
        return out


def to_record(
    shape: Shape, obj: Any, loc: str, name: str, tally: Tally
) -> Dialog | Document | None:
    """The record for one raw item, counted kept; or None after counting it as one Reject."""
    try:
        record = shape.record(obj, loc, name)
    except ShapeError as e:
        tally.reject(e.reason, loc, detail=e.detail, record=obj if isinstance(obj, dict) else None)
        return None
    tally.keep()
    return record
