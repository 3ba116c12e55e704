"""Each division's schedule from the notices, every date cited, marked against today."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from assistant.models import DIVISION_IDS, Citation, DivisionId
from assistant.rules import divisions as div
from assistant.rules.pipeline import Engine

Phase = Literal["passed", "current", "upcoming", "unknown"]
_PHASE: dict[str, Phase] = {"已结束": "passed", "进行中": "current", "尚未开始": "upcoming"}


class StageView(BaseModel):
    name: str
    when: str  # verbatim date expression from the notice
    start: date | None
    end: date | None
    status: str  # as the assistant says it: 已结束 / 进行中 / 尚未开始 / 时间以通知为准
    phase: Phase  # passed / current / upcoming relative to today
    citation: Citation


class DivisionTimeline(BaseModel):
    id: DivisionId
    name: str
    stages: list[StageView]


class Timeline(BaseModel):
    today: date
    divisions: list[DivisionTimeline]


def build_timeline(assistant: Engine, division: DivisionId | None = None) -> Timeline:
    """Stages of one division, or of every division whose notice lists a schedule."""
    today = assistant.clock()
    targets = [division] if division else list(DIVISION_IDS)
    out: list[DivisionTimeline] = []
    n = 0
    for d in targets:
        stages = assistant.records.schedule.timeline(d)
        if not stages and division is None:
            continue
        views: list[StageView] = []
        for s in stages:
            n += 1
            status = s.status(today)
            phase: Phase = _PHASE.get(status, "unknown")
            if phase == "unknown" and s.end is not None:
                # "即日起至 7 月 31 日" has begun; "9月30日前" is still ahead.
                phase = "passed" if today > s.end else ("current" if "即日起" in s.when else "upcoming")
            views.append(
                StageView(
                    name=s.name,
                    when=s.when,
                    start=s.start,
                    end=s.end,
                    status=status,
                    phase=phase,
                    citation=Citation(
                        n=n,
                        division=d,
                        doc_title=s.source.chunk.doc_title,
                        section=s.source.chunk.section,
                        quote=s.source.quote,
                        chunk_id=s.source.chunk.chunk_id,
                        context=s.source.chunk.text,
                    ),
                )
            )
        out.append(DivisionTimeline(id=d, name=div.NAMES[d], stages=views))
    return Timeline(today=today, divisions=out)
