"""What every record and clause answer is made of: verbatim sources and per-division findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.models import Chunk, DivisionId

from ..index import KnowledgeIndex
from ..text import plain
from ..units import Unit


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


def unit_source(chunk: Chunk, units: list[Unit]) -> Source:
    """The verbatim span from the first to the last unit."""
    return Source(chunk, chunk.text[units[0].start : units[-1].end])


def heading(chunk: Chunk) -> str:
    return chunk.section.split(" > ")[-1]


def find_unit(index: KnowledgeIndex, rows: list[int], needle: str) -> tuple[int, int] | None:
    """(row, unit) of the first unit in `rows` whose plain text contains `needle` (plain)."""
    want = plain(needle)
    for row in rows:
        for i, text in enumerate(index.plain_units[row]):
            if want in text:
                return row, i
    return None


def rows_of(index: KnowledgeIndex, division: DivisionId) -> list[int]:
    return [r for r, c in enumerate(index.chunks) if c.division == division]
