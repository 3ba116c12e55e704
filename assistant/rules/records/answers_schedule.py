"""Date questions answered from the stage records, with the status of each stage today."""

from __future__ import annotations

import re
from datetime import date

from assistant.models import DivisionId

from .. import intent, tables
from ..query import Part
from .base import Finding, Source
from .schedule import Schedule, Stage

_DEADLINE = re.compile(r"截止|最晚|之前|以前|几号前|哪天前|ddl|deadline|前要|为止|到几号|到哪天")
# kinds whose value a stage timeline does not give (几个阶段 is still answered by the timeline)
_OTHER_VALUE = intent.TYPED - {"count", "duration", "date"}
_OVERVIEW = re.compile(r"赛程|时间安排|日程|时间表|流程|几个阶段|哪些阶段|各阶段|什么阶段|安排")
_REGISTRATION = ("报名", "申报", "提交", "注册")
_DATE_WORDS = re.compile(
    r"截止|时间|日期|几号|哪天|几月|啥时候|什么时候|开始|结束|阶段|起止|最晚|ddl|deadline|之前|以前|为止"
    r"|举行|举办|进行|开展|召开|比赛|比|办|开|评审|安排|环节|时间段|时候|哪段|定|完成|公布"
)


_STAGE_WORDS = "|".join(sorted({w.word for w in tables.slots().stages}, key=len, reverse=True))
_ONLY_DATE_WORDS = re.compile(f"(?:{_DATE_WORDS.pattern}|{_STAGE_WORDS})+")


def _chosen(part: Part, stages: list[Stage]) -> list[Stage]:
    wanted = part.of("stage")
    if _DEADLINE.search(part.canonical) and (not wanted or any(w in _REGISTRATION for w in wanted)):
        wanted = list(_REGISTRATION)
    if not wanted:
        return stages if _OVERVIEW.search(part.canonical) or _about_the_event(part) else []
    return [s for s in stages if any(w in s.name for w in wanted)]


def _about_the_event(part: Part) -> bool:
    """"新疆分赛什么时候举行": a date question with no topic beyond the division (or its round) asks
    when the competition itself runs; its answer is the whole timeline."""
    return part.kind.name == "date" and all(_ONLY_DATE_WORDS.fullmatch(t.text) for t in part.terms)


def _explained(part: Part, chosen: list[Stage]) -> bool:
    """Every distinctive known word of the question is about the chosen stages (or a date)."""
    text = "".join(s.name + s.when + "".join(s.body) + s.source.chunk.section for s in chosen)
    named = {part.canonical[s.start : s.end] for s in part.slots if s.cls == "stage"} | set(part.of("stage"))
    for t in part.terms:
        if not t.known or t.fallback or len(t.text) < 2 or _ONLY_DATE_WORDS.fullmatch(t.text) or t.text in named:
            continue  # the words that named the stage (名单 for 推选) are explained by it
        if t.weight < 2.0:
            continue  # a common word of every rule
        if not any(a in text for a in t.alternatives):
            return False
    return True


_HOW = re.compile(r"怎么|如何|方式|形式|线上|线下|怎样|流程|准备|需要什么|要什么|做什么|干什么|查什么|审什么|评什么|看什么")


def describe(part: Part, division: DivisionId, schedule: Schedule) -> Finding | None:
    """How a named stage is run, from the stage's own sentences (初赛评审方式为盲评盲审…)."""
    wanted = part.of("stage")
    if not wanted or not _HOW.search(part.canonical) or part.kind.name in intent.TYPED:
        return None  # "线下决赛地点在哪": a value (a place, a date) is asked, not how the stage runs
    stages = [s for s in schedule.timeline(division) if any(w in s.name for w in wanted) and s.body]
    if len(stages) != 1:
        return None
    stage = stages[0]
    body = [b for b in stage.body if b.strip()][:3]
    if not body:
        return None
    text = f"{stage.name}（{stage.when}）：" + "".join(body)
    chunk = stage.source.chunk
    sources = [stage.source] + [Source(chunk, b) for b in body if b in chunk.text]
    return Finding(division, True, text, sources, key=text)


_NEXT = tables.alternation(tables.slots().next_markers)
_PREVIOUS = tables.alternation(tables.slots().previous_markers)


def neighbour(part: Part, division: DivisionId, schedule: Schedule, today: date) -> Finding | None:
    """"资格审查后面是哪个环节": the stage after (or before) the one named, in the notice's own
    order, with its date and what it is."""
    if part.kind.name == "yesno":
        return None
    named = [s for s in part.slots if s.cls == "stage"]
    after = _NEXT.search(part.canonical)
    before = _PREVIOUS.search(part.canonical)
    marker = after or before
    if len(named) != 1 or marker is None or named[0].start > marker.start():
        return None
    stages = schedule.timeline(division)
    at = [i for i, s in enumerate(stages) if named[0].value in s.name]
    if len(at) != 1:
        return None
    i = at[0] + (1 if after else -1)
    if not 0 <= i < len(stages):
        return None
    here, there = stages[at[0]], stages[i]
    body = ""
    for b in (b for b in there.body if b.strip()):
        if body and len(body) + len(b) > 160:
            break
        body += b  # whole sentences of the stage's description
    text = f"{here.name}{'之后' if after else '之前'}是{there.name}：{there.when}（{there.status(today)}）" + (f"。{body}" if body else "")
    sources = [there.source] + [Source(there.source.chunk, b) for b in there.body if b.strip() and b in there.source.chunk.text][:1]
    return Finding(division, True, text, sources, key=there.when)


def answer(part: Part, division: DivisionId, schedule: Schedule, today: date) -> Finding | None:
    """The asked stages of one division, or None when the question is not about its stages."""
    following = neighbour(part, division, schedule, today)
    if following is not None:
        return following
    described = describe(part, division, schedule)
    if described is not None:
        return described
    if part.kind.name != "date" and (not _OVERVIEW.search(part.canonical) or part.kind.name in _OTHER_VALUE):
        return None  # "路演的评委谁来安排": 安排 frames a who-question, not a request for the timeline
    stages = schedule.timeline(division)
    chosen = _chosen(part, stages)
    if not chosen or not _explained(part, chosen):
        return None
    chosen = chosen[:6]
    lines = [f"{s.name}：{s.when}（{s.status(today)}）" for s in chosen]
    sources = []
    for s in chosen:
        if s.source not in sources:
            sources.append(s.source)
    return Finding(division, True, "；".join(lines), sources, key="|".join(s.when for s in chosen))
