"""Pydantic types shared by every interface (CLI, API, page, evaluation)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

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

    def public(self) -> dict[str, object]:
        """The JSON answer contract shared by CLI `--json`, `--jsonl` and the HTTP API."""
        data = self.model_dump(exclude={"note", "approved"})
        for c in data["citations"]:
            c.pop("chunk_id", None)
            c.pop("context", None)
        if self.note:
            data["note"] = self.note
        if self.approved:
            data["approved"] = True
        return data
