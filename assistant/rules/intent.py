"""What kind of answer a question wants (data/intents.yaml), and which clause text can carry it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import tables

TYPED = frozenset({"place", "phone", "email", "contact", "fee", "score", "money", "url", "channel", "duration", "date", "count"})


@dataclass(frozen=True)
class Kind:
    name: str
    question: re.Pattern[str]
    value: re.Pattern[str]
    cue: re.Pattern[str]
    silent: str = "这一点"


@cache
def kinds() -> tuple[Kind, ...]:
    return tuple(
        Kind(
            k.kind,
            re.compile(tables.expand(k.question)),
            re.compile(tables.expand(k.value)),
            re.compile(tables.expand(k.cue)),
            k.silent,
        )
        for k in tables.intents().kinds
    )


@cache
def by_name() -> dict[str, Kind]:
    return {k.name: k for k in kinds()}


GENERAL = Kind("general", re.compile(r"$^"), re.compile(r"."), re.compile(r"$^"))


def classify(canonical: str) -> tuple[Kind, tuple[str, ...]]:
    """The first matching kind (table order) and every kind the question's wording matches."""
    hits = tuple(k.name for k in kinds() if k.question.search(canonical))
    if not hits:
        return GENERAL, ()
    return by_name()[hits[0]], hits


def kind(name: str) -> Kind:
    return by_name().get(name, GENERAL)
