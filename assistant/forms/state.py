"""The saved state of one draft: answers, flags, and where the conversation stands."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Flag = Literal["skipped", "checksum_confirmed", "over_limit_kept"]
PendingKind = Literal["confirm_code", "over_limit", "confirm_export", "accept_extraction"]


class Pending(BaseModel):
    """A question the flow asked that is not about the current field's value itself."""

    kind: PendingKind
    step_id: str | None = None
    value: Any = None  # confirm_code: the code; over_limit: a proposed shorter text (or None)
    extracted: dict[str, Any] = Field(default_factory=dict)  # accept_extraction: step id → value


class DraftState(BaseModel):
    schema_id: str
    schema_version: int
    answers: dict[str, Any] = Field(default_factory=dict)
    flags: dict[str, list[Flag]] = Field(default_factory=dict)  # step id → flags
    cursor: str | None = None  # the step being asked; None before the start or after the end
    started: bool = False
    finished: bool = False
    history: list[str] = Field(default_factory=list)  # steps answered, for 上一步
    return_to: str | None = None  # after 修改, resume here
    pending: Pending | None = None

    def add_flag(self, step_id: str, flag: Flag) -> None:
        flags = self.flags.setdefault(step_id, [])
        if flag not in flags:
            flags.append(flag)

    def drop_flag(self, step_id: str, flag: Flag) -> None:
        flags = self.flags.get(step_id, [])
        if flag in flags:
            flags.remove(flag)
        if not flags:
            self.flags.pop(step_id, None)
