"""Who runs each division: the organiser roles (指导/主办/承办/协办/支持单位, 组委会) as the notices
list them ("主办单位：市数据局", or a heading "（三）承办单位" over its lines), and the track
supervisors' tables (赛道 → 指导单位 / 主管单位)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.models import DivisionId

from .. import divisions as div
from .. import patterns, tables
from ..index import KnowledgeIndex
from ..query import Part
from . import answers_guide
from .base import Finding, Source, heading
from .guide import Guides, named_tracks

_ROLES = tuple(r.word for r in tables.slots().roles)
_LINE = re.compile(r"^\**\s*(?:初赛|分赛)?(?P<role>" + "|".join(_ROLES) + r")\s*[：:]\s*\**")
_WHO = re.compile(r"谁|哪个|哪些|哪家|是什么|有哪|名称|分别|是哪|叫什么")
_OTHER = re.compile(r"住宿|食宿|费用|报销|管吗|负责吗|提供|安排|交通|联系|电话")
_HEAD = re.compile(r"^[（(]?[一二三四五六七八九十\d]*[）)、.]?\s*(?P<role>" + "|".join(_ROLES) + r")$")


@dataclass(frozen=True)
class RoleLine:
    role: str
    source: Source


class Organisers:
    def __init__(self, index: KnowledgeIndex) -> None:
        self.lines: dict[DivisionId, list[RoleLine]] = {}
        # table rows: 赛道 → 指导/主管单位; a row with the rows the notice merged into it
        self.supervisors: dict[DivisionId, list[list[Source]]] = {}
        for row, chunk in enumerate(index.chunks):
            units = index.units[row]
            if chunk.section.startswith("附件"):
                rows = [u for u in units if u.is_row]
                if rows and re.search(r"指导单位|主管单位", rows[0].text):
                    groups = self.supervisors.setdefault(chunk.division, [])
                    for u in rows[1:]:
                        if u.continues_row and groups:
                            groups[-1].append(Source(chunk, u.text))
                        else:
                            groups.append([Source(chunk, u.text)])
                continue
            out = self.lines.setdefault(chunk.division, [])
            m = _HEAD.match(heading(chunk))
            if m and units:
                out.append(RoleLine(m.group("role"), Source(chunk, chunk.text[units[0].start : units[-1].end])))
                continue
            for u in units:
                m2 = _LINE.match(u.text)
                if m2:
                    out.append(RoleLine(m2.group("role"), Source(chunk, u.text)))


_ASKING_UNIT = re.compile(r"(?:哪个|哪些|什么|哪家|啥)?(?:部门|单位|机构|厅局|处室)")
_UNIT_ASKS = re.compile(r"赛道|赛题|对口|负责|管|推荐|推几|几个项目|哪一块|哪块|什么工作")


def _unit_rows(part: Part, division: DivisionId, organisers: Organisers) -> list[Source]:
    """The supervisor rows of a unit the question names (市商务局 → "4 | 市商务局 | 负责商贸流通赛道
    报名参赛 | 不少于 2 个"); a unit named without its 市/省 prefix counts."""
    q = part.canonical
    out: list[Source] = []
    for group in organisers.supervisors.get(division, []):
        units = {u for s in group for u in patterns.UNIT.findall(s.quote)}
        names = {n for u in units for n in (u, re.sub(r"^[市省]", "", u)) if len(n) >= 3}
        if any(n in q for n in names):
            out += group
    return out


def answer(part: Part, division: DivisionId, organisers: Organisers, guides: Guides) -> Finding | None:
    if _UNIT_ASKS.search(part.canonical) and part.kind.name not in ("phone", "email", "contact"):
        rows = _unit_rows(part, division, organisers)
        if rows and len(rows) <= 4:
            # "我们商务局对口哪条赛道，要推几个": the unit's own row says both
            text = "；".join(re.sub(r"\s*\|\s*", " ", r.quote).strip() for r in rows)
            return Finding(division, True, text, rows, key=text)
    roles = part.of("role")
    if not roles or (_OTHER.search(part.canonical) and not _WHO.search(part.canonical)):
        return None
    role_words = {r.word for r in tables.slots().roles} | {r.short for r in tables.slots().roles}
    rest = [t for t in part.terms if t.known and t.text not in role_words and not any(w in t.text for w in role_words)]
    if rest and not _WHO.search(part.canonical):
        return None  # "支持单位的子公司可以参赛吗" is about 子公司, not about who the 支持单位 are
    cores = [t.core for t in named_tracks(part.canonical, guides.of(division))] or part.of("track")
    supervised = any(r in ("指导单位", "主管单位") for r in roles)
    via: list[Source] = []
    lead = ""
    if not cores and supervised and organisers.supervisors.get(division) and rest and part.kind.name in ("agent", "general"):
        # "做博物馆藏品数字化的项目，对口的指导部门是哪个": the project's track, then its row
        # the project's own words: not the role or the words asking who (指导部门是哪个)
        rest_text = part.canonical
        for slot in sorted((x for x in part.slots if x.cls == "role"), key=lambda x: x.start, reverse=True):
            rest_text = rest_text[: slot.start] + " " + rest_text[slot.end :]
        rest_text = _ASKING_UNIT.sub(" ", rest_text)
        project = replace(part, terms=[t for t in part.terms if t.text in rest_text])
        found = answers_guide.project_track(project, division, guides, div.COMPANIONS.get(division, ()))
        if found is not None:
            track, topic = found
            cores = [track.core]
            via = [topic.source]
            lead = f"按赛题指南，该项目对应{track.name}（{topic.title}）。"
    if cores and supervised:
        rows = [s for g in organisers.supervisors.get(division, []) for c in cores[:2] if c and c in g[0].quote for s in g]
        if rows:
            text = "；".join(re.sub(r"\s*\|\s*", " ", r.quote).strip() for r in rows)
            return Finding(division, True, lead + text, via + rows, key=text)
    lines = [ln for ln in organisers.lines.get(division, []) if ln.role in roles]
    if not lines:
        listed = organisers.lines.get(division, [])
        if listed and _WHO.search(part.canonical) and not rest:
            # "评审工作由谁负责" has a topic of its own: a clause about it answers, not the role list
            names = "、".join(dict.fromkeys(ln.role for ln in listed))
            text = f"通知中没有列出{'、'.join(roles)}；列出的是{names}"
            return Finding(division, False, text, [listed[0].source])
        return None
    text = "；".join(_display(ln) for ln in lines)
    return Finding(division, True, text, [ln.source for ln in lines], key=text)


def _display(line: RoleLine) -> str:
    body = line.source.quote.replace("**", "").strip()
    body = re.sub(r"\s*\n+\s*", "；", body)
    if body.startswith("|"):
        body = re.sub(r"\s*\|\s*", " ", body).strip()
    return body if body.startswith(line.role) else f"{line.role}：{body}"
