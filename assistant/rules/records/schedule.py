"""Schedule stages read from the notices: name, verbatim date expression, parsed span, status.

Stages are found by their shape in the text ("初赛（2025 年 7 月底）。…", a heading such as
"（一）报名阶段（5月至7月10日）", or "二、初赛时间" followed by a date line), never typed in.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from assistant.models import Chunk, DivisionId

from ..index import KnowledgeIndex
from .base import Source, heading

_STAGE_RE = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]?\s*)?"
    r"(?P<name>[\u4e00-\u9fff]{2,14}?)\s*[（(](?P<when>[^（）()]{0,40}?(?:\d{1,2}\s*月|月[底初]|[上中下]旬)[^（）()]{0,30}?)[）)]"
)
_POINT_RE = re.compile(
    r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*(?:月\s*(?:(?P<d>\d{1,2})\s*日|(?P<x>底|初|上旬|中旬|下旬))?|(?=\s*[-—–至到]))"
)
_DATE_ONLY_RE = re.compile(r"^\s*(\d{4}\s*年\s*\d{1,2}\s*月[^。；，]{0,8})\s*$")


@dataclass(frozen=True)
class Stage:
    division: DivisionId
    name: str
    when: str  # verbatim date expression
    start: date | None
    end: date | None
    source: Source
    body: tuple[str, ...] = field(default=())  # the stage's description, verbatim sentences

    def status(self, today: date) -> str:
        if self.end and today > self.end:
            return "已结束"
        if self.start and today < self.start:
            return "尚未开始"
        if self.start and self.end:
            return "进行中"
        return "时间以通知为准"


def _year_of(chunk: Chunk) -> int:
    m = re.search(r"(20\d{2})\s*年", chunk.doc_title)
    return int(m.group(1)) if m else 2025


def _point(year: int, month: int, day: str | None, part: str | None, *, end: bool) -> date:
    last = calendar.monthrange(year, month)[1]
    if day:
        return date(year, month, min(int(day), last))
    if part in ("底", "下旬"):
        return date(year, month, last if end else 21)
    if part == "中旬":
        return date(year, month, 20 if end else 11)
    if part in ("初", "上旬"):
        return date(year, month, 10 if end else 1)
    return date(year, month, last if end else 1)


def parse_when(when: str, default_year: int) -> tuple[date | None, date | None]:
    """First and last day a date expression such as "2025 年 5-7 月" or "7月10日至7月31日" spans."""
    points = list(_POINT_RE.finditer(when))
    year = default_year
    parsed: list[tuple[int, int, str | None, str | None]] = []
    for m in points:
        if m.group("y"):
            year = int(m.group("y"))
        month = int(m.group("m"))
        if 1 <= month <= 12:
            parsed.append((year, month, m.group("d"), m.group("x")))
    if not parsed:
        return None, None
    first, last = parsed[0], parsed[-1]
    open_start = len(parsed) == 1 and ("即日起" in when or when.rstrip().endswith("前"))
    start = None if open_start else _point(*first, end=False)
    return start, _point(*last, end=True)


class Schedule:
    """Every division's stages, in notice order."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self.stages: dict[DivisionId, list[Stage]] = {}
        seen_heads: set[tuple[str, str]] = set()
        for row, chunk in enumerate(index.chunks):
            if "附件" in chunk.section.split(" > ")[0]:
                continue
            units = index.units[row]
            head = heading(chunk)
            if (chunk.doc_id, head) not in seen_heads:
                seen_heads.add((chunk.doc_id, head))
                self._from_text(chunk, head, tuple(u.text for u in units))
                if head.endswith("时间") and units and _DATE_ONLY_RE.match(units[0].text):
                    name = re.sub(r"^[一二三四五六七八九十]+、", "", head)
                    self._add(chunk, name, units[0].text, units[0].text, ())
            for i, unit in enumerate(units):
                rest = tuple(u.text for u in units[i + 1 :] if u.line == unit.line)
                self._from_text(chunk, unit.text, rest)

    def _from_text(self, chunk: Chunk, text: str, body: tuple[str, ...]) -> None:
        m = _STAGE_RE.match(text.strip())
        if m:
            rest = text.strip()[m.end() :].lstrip("。．. ")
            self._add(chunk, m.group("name"), m.group("when"), m.group(0), ((rest,) if rest else ()) + body)

    def _add(self, chunk: Chunk, name: str, when: str, quote: str, body: tuple[str, ...]) -> None:
        start, end = parse_when(when, _year_of(chunk))
        stages = self.stages.setdefault(chunk.division, [])
        if any(s.name == name and s.when == when.strip() for s in stages):
            return
        stages.append(Stage(chunk.division, name, when.strip(), start, end, Source(chunk, quote.strip()), body))

    def timeline(self, division: DivisionId) -> list[Stage]:
        return list(self.stages.get(division, []))
