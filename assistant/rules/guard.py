"""What the assistant refuses, by mechanism:

- the message tries to change the assistant's role or the rules (data/guards.yaml: ways of giving
  orders, not sentences seen before);
- the question is about a competition year no notice covers (the years are read from the notices:
  "2025 年“数据要素×”大赛", "2024年“数据要素×”大赛"), or about the next edition;
- the question's key concepts are absent from the notices (decided in the pipeline, after the
  terms are weighed: `off_topic`).
"""

from __future__ import annotations

import re
from functools import cache

from . import intent, tables
from .index import KnowledgeIndex
from .query import Part

_COMPETITION_YEAR = re.compile(r"(20\d{2})\s*年?\s*(?:“|\")?\s*数据要素")
_YEAR_ASKED = re.compile(r"(20\d{2})\s*(?:年|届|版)?")
_COMPETITION_CONTEXT = re.compile(r"大赛|比赛|赛事|届|报名|分赛|初赛|决赛|参赛|启动|举办|开赛|赛")


@cache
def _injection() -> tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...]:
    return tuple(
        (re.compile(e.pattern, re.I), re.compile(e.with_, re.I) if e.with_ else None) for e in tables.guards().injection
    )


def is_injection(canonical: str) -> bool:
    for pattern, companion in _injection():
        m = pattern.search(canonical)
        if m and (companion is None or companion.search(canonical[m.start() :]) or companion.search(canonical)):
            return True
    return False


def competition_years(index: KnowledgeIndex) -> frozenset[int]:
    """The years whose competition the notices speak of."""
    years: set[int] = set()
    for c in index.chunks:
        years.update(int(m.group(1)) for m in _COMPETITION_YEAR.finditer(c.doc_title + c.text))
    return frozenset(years)


def uncovered_year(canonical: str, covered: frozenset[int]) -> bool:
    """A question about the competition of a year (or the next edition) that no notice covers."""
    if not _COMPETITION_CONTEXT.search(canonical):
        return False
    if re.search(tables.guards().next_edition, canonical):
        return True
    asked = {int(m.group(1)) for m in _YEAR_ASKED.finditer(canonical)}
    return bool(asked) and not (asked & covered) and max(asked) > max(covered, default=0)


@cache
def _anchors() -> re.Pattern[str]:
    words = [re.escape(a.word) for a in tables.guards().anchors]
    return re.compile("|".join(words + [p.pattern for p in tables.guards().anchor_patterns]))


def anchored(canonical: str) -> bool:
    """Names the competition or one of its concepts."""
    return bool(_anchors().search(canonical))


def key_unknown(part: Part, index: KnowledgeIndex) -> list[str]:
    """Words of the question the notices never use and that are not everyday glue: a concept
    (缴税, 概念股, 挑战杯) the notices do not speak of."""
    return [t.text for t in part.terms if not t.known and len(t.text) >= 2 and t.text not in index.plain_text]


def unknown_share(part: Part, index: KnowledgeIndex) -> float:
    """Share of the question's topic weight carried by key concepts the notices never use (the
    words that only say what is asked, 入口 or 电话, are not its topic)."""
    asked = [k.question for k in intent.kinds()]
    topic = [t for t in part.terms if not any(q.fullmatch(t.text) or q.search(t.text) and len(t.text) <= 2 for q in asked)]
    total = sum(t.weight for t in topic)
    if not total:
        return 0.0
    unknown = set(key_unknown(part, index))
    return sum(t.weight for t in topic if t.text in unknown) / total
