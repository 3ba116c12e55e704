"""Approved answers that cite a clause an amendment in force has changed are 待复核: not served
until a secretariat approves them again (the engine answers afresh, amended, meanwhile)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from assistant.models import Answer, Citation, DivisionId
from assistant.rules.pipeline import ApprovedLookup

from .apply import Amender

PENDING_REVIEW = "待复核"


def needs_review(citations: list[Citation], amender: Amender, today: dt.date) -> bool:
    """Whether any citation points at a clause changed by an amendment in force today."""
    changed = {(ch.target.chunk_id, ch.target.doc_title, ch.target.section) for ch in amender.in_force(today)}
    ids = {c[0] for c in changed}
    places = {(c[1], c[2]) for c in changed}
    return any(c.chunk_id in ids or (c.doc_title, c.section) in places for c in citations)


class ReviewGate:
    """An `ApprovedLookup` that withholds approved answers 待复核."""

    def __init__(self, inner: ApprovedLookup, amender: Amender, clock: Callable[[], dt.date]) -> None:
        self.inner = inner
        self.amender = amender
        self.clock = clock

    def lookup(self, canonical: str, division: DivisionId | None) -> Answer | None:
        hit = self.inner.lookup(canonical, division)
        if hit is not None and needs_review(hit.citations, self.amender, self.clock()):
            return None
        return hit
