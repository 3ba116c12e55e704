"""Prize tables per division and award level: count, amount each, total, the pool, the form.

Read from the sentences that name an award ("一等奖 3 个 奖金 5 万元/个 总金额 15 万元",
"设置一等奖 4 名，二等奖 10 名，三等奖若干名", "按比例设置一等奖、二等奖、三等奖"); a notice that
gives counts but no amounts (or only 奖杯、证书) has records without amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import DivisionId

from .. import tables
from ..index import KnowledgeIndex
from .base import Source

AWARDS: tuple[str, ...] = tuple(sorted((a.word for a in tables.slots().awards), key=lambda w: (-len(w), w)))
_AWARD_RE = re.compile("|".join(AWARDS))
# "一、二、三等奖" / "一二三等奖" / "一、二等奖": several levels written once.
_GROUP_RE = re.compile(r"([一二三])(?:[、,，]?([一二三]))?(?:[、,，]?([一二三]))?等奖")
_SEGMENT_RE = re.compile(r"[^，,；;。、]+")
_COUNT_RE = re.compile(r"\d+\s*[个名项]|若干|按比例")
_AMOUNT_RE = re.compile(r"(?:奖金\s*)?\d+(?:\.\d+)?\s*万元\s*/\s*个|\d+(?:\.\d+)?\s*万元(?!\s*/)")
_TOTAL_RE = re.compile(r"总金额\s*\d+(?:\.\d+)?\s*万元")
_POOL_RE = re.compile(r"奖金总额|总奖金|奖金池")
_FORM_RE = re.compile(r"奖杯|证书|奖金")


@dataclass(frozen=True)
class PrizeClause:
    division: DivisionId
    levels: tuple[str, ...]
    source: Source
    count: str = ""  # "3 个", "4 名", "若干", "按比例"
    amount: str = ""  # "5 万元/个"
    total: str = ""  # "总金额 15 万元"
    in_prize_section: bool = False


def _levels(text: str) -> list[str]:
    found: list[str] = []
    for m in _GROUP_RE.finditer(text):
        for g in m.groups():
            if g and f"{g}等奖" not in found:
                found.append(f"{g}等奖")
    for m in _AWARD_RE.finditer(text):
        if m.group(0) not in found:
            found.append(m.group(0))
    return found


class Prizes:
    def __init__(self, index: KnowledgeIndex) -> None:
        self.clauses: dict[DivisionId, list[PrizeClause]] = {}
        self.pool: dict[DivisionId, Source] = {}
        self.form: dict[DivisionId, Source] = {}
        for row, chunk in enumerate(index.chunks):
            if "附件" in chunk.section.split(" > ")[0]:
                continue
            in_section = "奖" in chunk.section
            for unit in index.units[row]:
                text = unit.text
                if _POOL_RE.search(text) and _AMOUNT_RE.search(text) and chunk.division not in self.pool:
                    m = re.search(r"[^，。；]*(?:奖金总额|总奖金|奖金池)[^，。；]*", text)
                    self.pool[chunk.division] = Source(chunk, m.group(0).strip() if m else text)
                levels = _levels(text)
                if not levels:
                    continue
                if in_section and _FORM_RE.search(text) and chunk.division not in self.form:
                    self.form[chunk.division] = Source(chunk, text)
                self._parse(chunk.division, Source(chunk, text), levels, in_section)

    def _parse(self, division: DivisionId, unit: Source, levels: list[str], in_section: bool) -> None:
        out = self.clauses.setdefault(division, [])
        text = unit.quote
        if _GROUP_RE.search(text) and len(levels) > 1 and not re.search(r"\d+\s*[个名]", text):
            count = "按比例" if "按比例" in text else ""
            out.append(PrizeClause(division, tuple(levels), unit, count=count, in_prize_section=in_section))
            return
        for seg in _SEGMENT_RE.finditer(text):
            piece = seg.group(0).strip()
            seg_levels = _levels(piece)
            if not seg_levels:
                continue
            cm = _COUNT_RE.search(piece)
            am = _AMOUNT_RE.search(piece)
            tm = _TOTAL_RE.search(piece)
            out.append(
                PrizeClause(
                    division,
                    tuple(seg_levels),
                    Source(unit.chunk, piece),
                    count=cm.group(0) if cm else "",
                    amount=am.group(0) if am and (not tm or am.start() < tm.start()) else "",
                    total=tm.group(0) if tm else "",
                    in_prize_section=in_section,
                )
            )

    def of(self, division: DivisionId, level: str) -> list[PrizeClause]:
        """Clauses about one level, the prize section's first (they carry the amounts)."""
        found = [c for c in self.clauses.get(division, []) if level in c.levels]
        return sorted(found, key=lambda c: (not c.in_prize_section, not c.amount, not c.count))

    def levels(self, division: DivisionId) -> list[str]:
        seen: list[str] = []
        for c in self.clauses.get(division, []):
            for lv in c.levels:
                if lv not in seen:
                    seen.append(lv)
        return seen
