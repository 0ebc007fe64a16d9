"""Record types that flow between stages: dialogs, documents and the rejects explaining every drop."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

Role = Literal["system", "user", "assistant", "tool"]


class Message(BaseModel):
    """One turn of a conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Role
    content: str
    # An assistant turn's reasoning kept apart from its answer (Qwen3/DeepSeek-R1 templates take it
    # as `reasoning_content`); None when the turn has none.
    reasoning_content: str | None = None

    @model_serializer(mode="wrap")
    def _omit_absent_reasoning(self, handler: Any) -> dict[str, Any]:
        # Records without reasoning serialize exactly as before the field existed.
        data = handler(self)
        if data.get("reasoning_content") is None:
            data.pop("reasoning_content", None)
        return data


class Dialog(BaseModel):
    """A multi-turn conversation; `source` locates the original (file + row/statement/element)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    messages: list[Message]
    source: str
    meta: dict[str, Any] = Field(default_factory=dict)


class Document(BaseModel):
    """Plain text for pretraining-style blocks."""

    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    source: str
    meta: dict[str, Any] = Field(default_factory=dict)


class Reject(BaseModel):
    """Why a record (or an input unit that never became one) was removed, and by which stage."""

    model_config = ConfigDict(extra="forbid")
    id: str
    stage: str
    reason: str
    source: str
    record: dict[str, Any] | None = None
    detail: str | None = None


Record = Dialog | Document


def record_from_dict(data: dict[str, Any]) -> Record:
    """Parse one JSONL object as a Dialog (has `messages`) or a Document (has `text`)."""
    if "messages" in data:
        return Dialog.model_validate(data)
    return Document.model_validate(data)
