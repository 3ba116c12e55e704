"""Division ids, display names, aliases, and detection of the divisions a question names.

Patterns and names come from data/divisions.yaml; detection runs on the canonical question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.errors import InputError
from assistant.models import DIVISION_IDS, DivisionId

from . import tables

_TABLE = tables.divisions()
NAMES: dict[DivisionId, str] = {d.id: d.name for d in _TABLE.divisions}
SHORT: dict[DivisionId, str] = {d.id: d.short for d in _TABLE.divisions}
REGIONAL: tuple[DivisionId, ...] = tuple(_TABLE.regional)
NATIONAL: tuple[DivisionId, ...] = ("national-2025", "national-2024")
COMPANIONS: dict[DivisionId, tuple[DivisionId, ...]] = {c.division: tuple(c.uses) for c in _TABLE.companions}
_PATTERNS: dict[DivisionId, re.Pattern[str]] = {
    d.id: re.compile(d.pattern) for d in _TABLE.divisions if d.pattern
}
_GUIDE = re.compile(_TABLE.national.guide_words)
_NATIONAL = re.compile(_TABLE.national.national_words)
_FINAL_ONLY = re.compile(_TABLE.national.final_only)
_YEARS: dict[int, re.Pattern[str]] = {y.year: re.compile(y.pattern) for y in _TABLE.national.years}
# A year names a guide when a guide word follows within 10 characters or precedes within 6.
_AFTER, _BEFORE = 10, 6
_JOINED = re.compile(r"^(?:年|版)?(?:的)?(?:和|与|跟|、|及|还有|以及)")

ALIASES: dict[str, DivisionId] = {
    **{d: d for d in DIVISION_IDS},
    **{SHORT[d]: d for d in DIVISION_IDS},
    **{NAMES[d]: d for d in DIVISION_IDS},
    "山西分赛": "shanxi",
    "陕西分赛": "shaanxi",
    "新疆分赛": "xinjiang",
    "益阳初赛": "yiyang",
    "湖南": "yiyang",
    "全国": "national-2025",
    "national": "national-2025",
}
_NO_SCOPE = {"全部", "all", "所有"}
# "2024年赛题指南" names the 2024 guide even beside a division name ("新疆和2024年指南比").
_NATIONAL_2024_ONLY = re.compile(r"(?:2024|24)年?(?:版|的)?(?:全国|国家|大赛)?(?:赛题)?指南")


@dataclass(frozen=True)
class Mention:
    """Where a question names a division (for substitution in follow-ups)."""

    division: DivisionId
    start: int
    end: int


def mentions(canonical: str) -> list[Mention]:
    """Every span of a canonical question that names a regional division, in text order."""
    found: list[Mention] = []
    for d, pat in _PATTERNS.items():
        found.extend(Mention(d, m.start(), m.end()) for m in pat.finditer(canonical))
    return sorted(found, key=lambda m: (m.start, m.end))


def years(canonical: str) -> list[int]:
    """Guide years a question names (2024 / 2025), in text order."""
    hits = [(m.start(), y) for y, pat in _YEARS.items() for m in pat.finditer(canonical)]
    out: list[int] = []
    for _, y in sorted(hits):
        if y not in out:
            out.append(y)
    return out


def without_final(canonical: str) -> str:
    """The question without its mentions of the national final (国赛决赛, 全国总决赛): a 决赛 left
    over is a division's own round."""
    return _FINAL_ONLY.sub("", canonical)


def national(canonical: str, *, regional_named: bool) -> list[DivisionId]:
    """The national documents a question names: 2024/2025 guide or the national indicators."""
    text = _FINAL_ONLY.sub("", canonical)
    spans = sorted((m.start(), m.end(), y) for y, pat in _YEARS.items() for m in pat.finditer(text))
    guide_years: set[int] = set()
    for i, (start, end, y) in reversed(list(enumerate(spans))):
        near = _GUIDE.search(text[end : end + _AFTER]) or _GUIDE.search(text[max(0, start - _BEFORE) : start])
        # "2024和2025国家赛题指南": a year joined to the next one names the same kind of document.
        joined = i + 1 < len(spans) and _JOINED.match(text[end : spans[i + 1][0]]) and spans[i + 1][2] in guide_years
        if near or joined:
            guide_years.add(y)
    found: list[DivisionId] = []
    national_named = bool(_NATIONAL.search(text)) and bool(_GUIDE.search(text))
    if (2025 in guide_years and not regional_named) or (national_named and 2024 not in guide_years):
        found.append("national-2025")
    elif national_named and _YEARS[2025].search(text):
        found.append("national-2025")
    if 2024 in guide_years and not (regional_named and not national_named and not _NATIONAL_2024_ONLY.search(text)):
        found.append("national-2024")
    return found


def detect(canonical: str) -> list[DivisionId]:
    """Divisions named in a canonical question, in a stable order."""
    regional = {m.division for m in mentions(canonical)}
    found = set(regional) | set(national(canonical, regional_named=bool(regional)))
    return [d for d in DIVISION_IDS if d in found]


def parse(value: str | None) -> DivisionId | None:
    """An explicit division parameter: an id or a Chinese name; None/''/全部 mean no scope."""
    if value is None or not str(value).strip():
        return None
    key = str(value).strip()
    if key.lower() in _NO_SCOPE:
        return None
    hit = ALIASES.get(key) or ALIASES.get(key.lower())
    if hit is None:
        known = "、".join(f"{d}（{SHORT[d]}）" for d in DIVISION_IDS)
        raise InputError(f"未知的分赛：{value}。可选：{known}。")
    return hit
