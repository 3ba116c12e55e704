"""Pydantic types shared by every interface (CLI, API, page, evaluation)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DivisionId = Literal["xinjiang", "yiyang", "shaanxi", "shanxi", "national-2025", "national-2024"]
DIVISION_IDS: tuple[DivisionId, ...] = (
    "shanxi",
    "shaanxi",
    "xinjiang",
    "yiyang",
    "national-2025",
    "national-2024",
)
Status = Literal["answered", "not_found", "out_of_scope", "clarify"]
Mode = Literal["extractive", "llm"]


class Document(BaseModel):
    """One notice (or one annex group carried by a notice) from `knowledge/`."""

    doc_id: str  # file stem, e.g. "shanxi"
    division: DivisionId
    title: str
    issuer: str | None = None
    doc_number: str | None = None
    date: str | None = None
    source_file: str
    body: str  # Markdown body without front matter


class Chunk(BaseModel):
    """A structure-aware piece of a notice: one section (or a table row group with its header)."""

    chunk_id: str  # stable: f"{doc_id}:{ordinal:04d}"
    doc_id: str
    division: DivisionId
    doc_title: str
    section: str  # full section path joined with " > "
    text: str  # verbatim Markdown text of the chunk (headings excluded)
    ordinal: int


class Citation(BaseModel):
    n: int
    division: DivisionId
    doc_title: str
    section: str
    quote: str = Field(description="verbatim knowledge text, at most ~120 characters")
    chunk_id: str | None = None
    context: str | None = Field(default=None, description="surrounding text of the chunk")
    role: Literal["superseded"] | None = Field(default=None, description="a clause a later notice has changed")


class Turn(BaseModel):
    """One earlier turn of a conversation, as clients send it."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=5000)


class AnswerPart(BaseModel):
    """One question of a message: the standalone question answered, its status and its text."""

    question: str
    status: Status
    divisions: list[DivisionId] = Field(default_factory=list)
    answer: str
    citations: list[int] = Field(default_factory=list, description="numbers of the citations this part uses")


class Answer(BaseModel):
    id: str | None = None
    question: str
    answer: str
    status: Status
    divisions: list[DivisionId] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    mode: Mode = "extractive"
    latency_ms: float = 0.0
    note: str | None = None
    approved: bool = False
    resolved_question: str = Field(default="", description="the standalone question actually answered")
    understood: str | None = Field(default=None, description="shown when the resolved question differs from what was typed")
    parts: list[AnswerPart] = Field(default_factory=list)

    def public(self) -> dict[str, object]:
        """The JSON answer contract shared by CLI `--json`, `--jsonl` and the HTTP API."""
        data = self.model_dump(exclude={"note", "approved"})
        for c in data["citations"]:
            c.pop("chunk_id", None)
            c.pop("context", None)
            if c.get("role") is None:
                c.pop("role", None)
        if self.note:
            data["note"] = self.note
        if self.approved:
            data["approved"] = True
        return data
