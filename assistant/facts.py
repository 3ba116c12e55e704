"""Structured facts read from the notices: per-division timeline, prizes and contacts, each cited.

Everything here is located in the knowledge text by pattern, never typed in by hand, so a
corrected notice corrects the facts.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from .index import KnowledgeIndex
from .models import Chunk, DivisionId
from .units import Unit

_STAGE_RE = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]?\s*)?"
    r"(?P<name>[\u4e00-\u9fff]{2,14}?)\s*[（(](?P<when>[^（）()]{0,40}?(?:\d{1,2}\s*月|月[底初]|[上中下]旬)[^（）()]{0,30}?)[）)]"
)
_POINT_RE = re.compile(r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*(?:月\s*(?:(?P<d>\d{1,2})\s*日|(?P<x>底|初|上旬|中旬|下旬))?|(?=\s*[-—–至到]))")
_DATE_ONLY_RE = re.compile(r"^\s*(\d{4}\s*年\s*\d{1,2}\s*月[^。；，]{0,8})\s*$")
_PHONE_RE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}|[\w.+-]+@[\w.-]+\.\w+")
_BARE_LABEL = re.compile(r"^[（(]?[一二三四五六七八九十\d]*[）)]?\s*联系(方式|人|电话)[。：:]?$")
_CONTACT_HEAD = re.compile(r"联系人|联系方式|联系电话|赛事联系")
_PRIZE_RE = re.compile(r"[一二三]等奖|优秀奖|单项奖|优秀组织奖|突出贡献奖")
_TOPIC_RE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:赛题\s*\d+\s*[：:]\s*(?P<a>[^。：:]{2,50})[。：:]"
    r"|\d+\s*[.．、·]\s*\**(?P<b>[^：:。*]{2,40}?)\**\s*[：:])"
)
_TRACK_SUMMARY_RE = re.compile(r"\d+\s*(?:个|大)\s*赛道")
_TRACK_RE = re.compile(r"^\**赛道[一二三四五六七八九十\d]+|^\**[^>]{0,8}创新赛道")


@dataclass(frozen=True)
class Located:
    """A verbatim piece of knowledge text and where it is."""

    chunk: Chunk
    quote: str


@dataclass(frozen=True)
class Stage:
    division: DivisionId
    name: str
    when: str  # verbatim date expression
    start: date | None
    end: date | None
    source: Located

    def status(self, today: date) -> str:
        if self.end and today > self.end:
            return "已结束"
        if self.start and today < self.start:
            return "尚未开始"
        if self.start and self.end:
            return "进行中"
        return "时间以通知为准"


@dataclass
class Track:
    """A track (赛道) of a division's guide with its topics (赛题)."""

    division: DivisionId
    name: str  # heading text, e.g. 赛道一：数据要素×能源低碳领域赛题
    source: Located
    topics: list[tuple[str, Located]]


@dataclass(frozen=True)
class Prize:
    division: DivisionId
    text: str  # readable form of the clause
    source: Located


def _year_of(chunk: Chunk) -> int:
    m = re.search(r"(20\d{2})\s*年", chunk.doc_title)
    return int(m.group(1)) if m else date.today().year


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
    if not points:
        return None, None
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


def _clause(text: str, pattern: re.Pattern[str]) -> str:
    """The sentence-internal clause run (split at ，) that holds a match, verbatim."""
    m = pattern.search(text)
    if not m:
        return text
    start = max(text.rfind("，", 0, m.start()) + 1, 0) if m.start() > 100 else 0
    end_candidates = [i for i in (text.find("。", m.end()), text.find("，", m.end() + 30)) if i != -1]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    return text[start:end].strip()


class Facts:
    """Facts of one knowledge index, extracted once."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self.index = index
        self.stages: dict[DivisionId, list[Stage]] = {}
        self.prizes: dict[DivisionId, list[Prize]] = {}
        self.contacts: dict[DivisionId, list[Located]] = {}
        self.tracks: dict[DivisionId, list[Track]] = {}
        self.track_summary: dict[DivisionId, Located] = {}
        self._extract()
        self._extract_tracks()

    def _extract(self) -> None:
        seen_heads: set[tuple[str, str]] = set()
        for row, chunk in enumerate(self.index.chunks):
            units = self.index.units[row]
            if "附件" in chunk.section.split(" > ")[0]:
                continue
            head = chunk.section.split(" > ")[-1]
            if (chunk.doc_id, head) not in seen_heads:
                seen_heads.add((chunk.doc_id, head))
                self._stage_from(chunk, head)
                if head.endswith("时间") and units and _DATE_ONLY_RE.match(units[0].text):
                    self._add_stage(chunk, re.sub(r"^[一二三四五六七八九十]+、", "", head), units[0].text, units[0].text)
            for unit in units:
                self._stage_from(chunk, unit.text)
                if _TRACK_SUMMARY_RE.search(unit.text) and chunk.division not in self.track_summary:
                    self.track_summary[chunk.division] = Located(chunk, _clause(unit.text, _TRACK_SUMMARY_RE))
                if _PRIZE_RE.search(unit.text) and re.search(r"奖", chunk.section):
                    self.prizes.setdefault(chunk.division, []).append(
                        Prize(chunk.division, unit.body, Located(chunk, unit.text))
                    )
            self._contacts_from(chunk, units)

    def _stage_from(self, chunk: Chunk, text: str) -> None:
        m = _STAGE_RE.match(text.strip())
        if m:
            self._add_stage(chunk, m.group("name"), m.group("when"), m.group(0))

    def _add_stage(self, chunk: Chunk, name: str, when: str, quote: str) -> None:
        start, end = parse_when(when, _year_of(chunk))
        stages = self.stages.setdefault(chunk.division, [])
        if any(s.name == name and s.when == when for s in stages):
            return
        stages.append(Stage(chunk.division, name, when.strip(), start, end, Located(chunk, quote.strip())))

    def _contacts_from(self, chunk: Chunk, units: list[Unit]) -> None:
        for i, unit in enumerate(units):
            head = _CONTACT_HEAD.search(unit.text)
            # The applicants' contact clause starts with its label (联系人：/联系方式：…).
            if not head or head.start() > 8 or "附件" in unit.text or chunk.division in self.contacts:
                continue
            block = [unit]
            if _BARE_LABEL.match(unit.text) and i + 1 < len(units):  # a bare label such as "(四)联系方式。"
                block = [units[i + 1]]
                i += 1
            for nxt in units[i + 1 : i + 8]:
                if "附件" in nxt.text or (len(nxt.text) > 40 and not _PHONE_RE.search(nxt.text)):
                    break
                block.append(nxt)
            text = chunk.text[block[0].start : block[-1].end]
            self.contacts[chunk.division] = [Located(chunk, text)]

    def _extract_tracks(self) -> None:
        for row, chunk in enumerate(self.index.chunks):
            parts = chunk.section.split(" > ")
            for depth, part in enumerate(parts):
                if not _TRACK_RE.match(part):
                    continue
                tracks = self.tracks.setdefault(chunk.division, [])
                if not tracks or tracks[-1].name != part:
                    tracks.append(Track(chunk.division, part, Located(chunk, part), []))
                track = tracks[-1]
                if depth + 1 < len(parts):
                    topic = parts[depth + 1]
                    if all(t != topic for t, _ in track.topics):
                        track.topics.append((topic, Located(chunk, topic)))
                else:
                    for unit in self.index.units[row]:
                        m = _TOPIC_RE.match(unit.text)
                        if m:
                            title = (m.group("a") or m.group("b")).strip()
                            track.topics.append((title, Located(chunk, unit.text)))
                break

    def contact(self, division: DivisionId) -> Located | None:
        found = self.contacts.get(division)
        return found[0] if found else None

    def timeline(self, division: DivisionId) -> list[Stage]:
        return list(self.stages.get(division, []))
