"""What every record and clause answer is made of: verbatim sources and per-division findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.models import Chunk, DivisionId


@dataclass(frozen=True)
class Source:
    """A verbatim piece of knowledge text and where it is."""

    chunk: Chunk
    quote: str  # a verbatim slice of chunk.text (or the chunk's own heading)


@dataclass
class Finding:
    """What one division's notices say in answer to one question part.

    `found` is False when the notice is silent on what was asked (the text then says so and
    `sources` hold the nearest clause and the division's contact). `key` is the substance of
    the answer, used to tell whether several divisions say the same thing.
    """

    division: DivisionId
    found: bool
    text: str
    sources: list[Source] = field(default_factory=list)
    key: str = ""
    note: str = ""  # shown before the text (a correction, a scope remark)
    contact: list[Source] = field(default_factory=list)  # who to ask, when the notice is silent
    weak: bool = False  # only a near match (a track close to a project that no topic names)
    contact_text: str = ""


def heading(chunk: Chunk) -> str:
    return chunk.section.split(" > ")[-1]
