"""Track guides as trees: division → tracks → topics, read from the guides' headings and lists.

A track is a heading "赛道N：…" (or "…创新赛道"); its topics are its sub-headings or its
numbered items ("赛题 1：…。", "1.…：", "- 1· **…**：", "#### 一、…"). Each node keeps its
verbatim source, so a list of topics is a list of quotes and a topic's track is cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.models import DivisionId

from .. import tables
from ..index import KnowledgeIndex
from ..text import plain
from .base import Source

_TRACK_RE = re.compile(r"^\**赛道[一二三四五六七八九十\d]+|^\**[^>]{0,8}创新赛道")
_TOPIC_RE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:(?P<la>赛题\s*\d+)\s*[：:]\s*(?P<a>[^。：:]{2,50})[。：:]"
    r"|(?P<lb>\d+)\s*[.．、·]\s*\**(?P<b>[^：:。*]{2,40}?)\**\s*[：:])"
)
_HEAD_TOPIC_RE = re.compile(r"^(?P<l>[一二三四五六七八九十]+)、\s*(?P<t>.+)$")
_SUMMARY_RE = re.compile(r"\d+\s*(?:个|大)\s*赛道")
_GENERIC = frozenset({"数据", "创新", "服务", "管理", "领域", "数字"})


@dataclass
class Topic:
    title: str
    label: str  # the notice's own number: "赛题 1", "3", "五"
    source: Source  # the topic's line (or heading)
    body: str  # title + description, plain, for matching
    detail: Source | None = None  # the topic's whole description, verbatim


@dataclass
class Track:
    division: DivisionId
    name: str  # heading text, e.g. 赛道一：数据要素×能源低碳领域赛题
    source: Source
    intro: Source | None = None
    topics: list[Topic] = field(default_factory=list)

    @property
    def core(self) -> str:
        return core_name(self.name)

    @property
    def is_open(self) -> bool:
        return "创新赛道" in self.name or "开放" in self.name


def core_name(track_name: str) -> str:
    """"赛道一：数据要素×能源低碳领域赛题" → "能源低碳"; "赛道九：开创性创新赛道" → "开创性创新"."""
    name = re.sub(r"^\**赛道[一二三四五六七八九十\d]+\s*[：:]\s*", "", track_name).strip("* ")
    name = re.sub(r"^数据要素\s*[×x]\s*", "", name)
    return re.sub(r"(领域)?(赛题指南|赛题|赛道)$", "", name)


class Guides:
    """Every division's tracks, topics and the notice's own summary sentence ("9 大赛道")."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self.tracks: dict[DivisionId, list[Track]] = {}
        self.summary: dict[DivisionId, Source] = {}
        self.open_note: dict[DivisionId, Source] = {}  # the body's sentence on the open track
        for row, chunk in enumerate(index.chunks):
            parts = chunk.section.split(" > ")
            if "附件" not in parts[0]:
                for unit in index.units[row]:
                    if _SUMMARY_RE.search(unit.text) and chunk.division not in self.summary:
                        self.summary[chunk.division] = Source(chunk, unit.text)
                    if "开放性" in unit.text and "赛道" in unit.text and chunk.division not in self.open_note:
                        self.open_note[chunk.division] = Source(chunk, unit.text)
            for depth, part in enumerate(parts):
                if not _TRACK_RE.match(part):
                    continue
                tracks = self.tracks.setdefault(chunk.division, [])
                if not tracks or tracks[-1].name != part:
                    tracks.append(Track(chunk.division, part, Source(chunk, part)))
                track = tracks[-1]
                units = index.units[row]
                if depth + 1 < len(parts):
                    title = parts[depth + 1]
                    m = _HEAD_TOPIC_RE.match(title)
                    if all(t.source.quote != title for t in track.topics):
                        body = plain(title + "".join(u.text for u in units))
                        detail = Source(chunk, units[0].text) if units else None
                        track.topics.append(
                            Topic(m.group("t") if m else title, m.group("l") if m else "", Source(chunk, title), body, detail)
                        )
                else:
                    for i, unit in enumerate(units):
                        m2 = _TOPIC_RE.match(unit.text)
                        if m2:
                            title = (m2.group("a") or m2.group("b")).strip()
                            label = re.sub(r"\s+", " ", m2.group("la") or m2.group("lb"))
                            same_line = [u for u in units[i:] if u.line == unit.line]
                            line = chunk.text[same_line[0].start : same_line[-1].end]
                            track.topics.append(
                                Topic(title, label, Source(chunk, unit.text), plain(line), Source(chunk, line))
                            )
                        elif track.intro is None and not track.topics:
                            track.intro = Source(chunk, unit.text)
                break

    def of(self, division: DivisionId) -> list[Track]:
        return list(self.tracks.get(division, []))


def abbreviations() -> list[tuple[str, str]]:
    return [(a.short.lower(), a.full) for a in tables.slots().track_abbreviations]


def named_tracks(canonical: str, tracks: list[Track]) -> list[Track]:
    """Tracks a question names: by full core name, a common short name, or a distinctive half."""
    q = canonical
    cores = [t.core for t in tracks if t.core and t.core in canonical]
    for short, full in abbreviations():
        if short in q and full not in q and not any(short in c for c in cores):
            q = q + full
    exact = [t for t in tracks if t.core and t.core in q]
    if exact:
        # "科技创新" names one track, not every track whose core ends in 创新.
        longest = max(len(t.core) for t in exact)
        return [t for t in exact if len(t.core) == longest or t.core not in max(exact, key=lambda x: len(x.core)).core]
    if re.search(r"创新赛道|开放性|开放赛道|x赛道|开创性", q):
        opened = [t for t in tracks if t.is_open]
        if opened:
            return opened
    hits: list[Track] = []
    for t in tracks:
        core = t.core
        halves = {core[i : i + 2] for i in range(0, len(core) - 1, 2)} - _GENERIC if len(core) >= 4 else set()
        # A half names the track only as a track ("金融赛道", "农业领域"), not in passing ("城市").
        if any(re.search(f"{h}(?:类)?(?:赛道|领域|赛题|方向)", q) for h in halves):
            hits.append(t)
        elif initials(core) and re.search(initials(core) + f"(?:{tables.slots().abbreviated_track_suffixes})", q):
            hits.append(t)  # 科创赛道
    return hits


def initials(core: str) -> str:
    """A four-character track name by the first character of each half (科技创新 → 科创, 文化旅游 →
    文旅); '' for other names."""
    if len(core) == 4 and all("\u4e00" <= c <= "\u9fff" for c in core):
        return core[0] + core[2]
    return ""
