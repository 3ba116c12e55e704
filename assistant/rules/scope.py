"""Which divisions a question part is answered for.

- the divisions it names (after resolving follow-ups); the national 2025/2024 guides by name;
- a question about the 申报书 template → shanxi, the only template in the knowledge (said so);
- a question about evaluation indicators that names no division → the divisions with indicator trees;
- otherwise the page's selected division, or every regional division (then: one answer when
  they agree, a question back when they differ).
A page scope is a preference: a question naming another division is answered for that one,
and the answer says the scope was switched. A widget scope is a lock: nothing from another
division is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import DivisionId

from . import divisions as div
from .query import Part
from .records import Records
from .records.answers_template import aspects
from .text import plain

_INDICATOR_Q = re.compile(r"评价指标|评审指标|评分指标|一级指标|二级指标|三级指标|指标体系")


@dataclass(frozen=True)
class Scope:
    preferred: DivisionId | None = None  # the page's selection
    locked: DivisionId | None = None  # a widget's division

    def allowed(self) -> set[DivisionId] | None:
        if self.locked is None:
            return None
        return {self.locked, *div.COMPANIONS.get(self.locked, ())}


@dataclass(frozen=True)
class Decision:
    targets: list[DivisionId]
    note: str = ""
    refused: str = ""  # a widget asked about another division
    named: bool = False  # the targets were named (not a default spread)


def is_template(part: Part, records: Records) -> bool:
    """A question about the 申报书 template: it says so, or it names a field and asks what fields have."""
    if any(d != records.template.division for d in part.named if d in div.REGIONAL):
        return False
    if part.template:
        return True
    if part.of("track") or part.of("stage") or part.of("award"):
        return False
    if part.named and {"contact", "phone", "email"} & {part.kind.name, *part.kinds}:
        return False  # "山西分赛联系人有哪几位" asks the division's contacts, not the form's 联系人 field
    matches = records.template.match(part.canonical)
    strong = [it for score, it in matches if score >= 4]
    asked = aspects(part.canonical)
    if not strong or not asked:
        return False
    q = plain(part.canonical)
    names = [name for it in strong for name in (it.label, *it.aliases) if plain(name) and plain(name) in q]
    if any(not records.template.rule_word(name) for name in names):
        return True
    # A field named only by a word the rules use too (参赛单位, a run of 参赛单位基本信息):
    # "知识产权必须归参赛单位吗" asks a rule; a form aspect (字数, 选几项) makes it the form's.
    return any(a not in _RULE_ASPECTS for a in asked) or bool(_FILLING.search(part.canonical))


_RULE_ASPECTS = frozenset({"required", "content"})
_FILLING = re.compile(r"填")  # "还得填啥": filling in is what only the form is for


def decide(part: Part, scope: Scope, records: Records) -> Decision:
    named = list(part.named)
    template_div: DivisionId = records.template.division
    allowed = scope.allowed()
    if not named and is_template(part, records) and (allowed is None or template_div in allowed):
        note = "" if template_div in named else "申报书模板只附在山西分赛通知中（附件2），以下按山西分赛的模板回答。"
        if scope.preferred and scope.preferred != template_div and not named:
            note = "申报书模板只附在山西分赛通知中（附件2），以下按山西分赛的模板回答，而不是当前选择的" + div.NAMES[scope.preferred] + "。"
        return Decision([template_div], note=note, named=True)
    if named:
        if allowed is not None and any(d not in allowed for d in named):
            assert scope.locked is not None
            return Decision([], refused=f"本助手只回答{div.NAMES[scope.locked]}的问题，无法提供其他分赛的规定。")
        note = ""
        if scope.preferred and scope.preferred not in named and (scope.locked is None):
            note = f"您问的是{'、'.join(div.NAMES[d] for d in named)}，已按此回答（当前选择的是{div.NAMES[scope.preferred]}）。"
        return Decision(named, note=note, named=True)
    if scope.locked:
        return Decision([scope.locked], named=True)
    if scope.preferred:
        return Decision([scope.preferred], named=True)
    owner = _only_guide_with_track(part, records)
    if owner is not None:
        return Decision([owner])
    person = records.contacts.owner(part.canonical)
    if person is not None:
        return Decision([person])  # "许知行有邮箱吗": a person only one division's contact block names
    if _INDICATOR_Q.search(part.canonical) or part.of("indicator"):
        with_trees = [d for d in div.REGIONAL + div.NATIONAL if records.indicators.of(d) is not None]
        return Decision(with_trees or list(div.REGIONAL))
    return Decision(list(div.REGIONAL))


def _only_guide_with_track(part: Part, records: Records) -> DivisionId | None:
    """A track named by its full title that only one guide has (能源低碳 is a 山西 track): that
    guide answers. Every guide has an open track under some title (开放性创新赛道, 开创性创新赛道,
    创新赛道), so naming one of those still asks every division."""
    owners: set[DivisionId] = set()
    for d in div.REGIONAL + div.NATIONAL:
        if any(len(t.core) >= 4 and not t.is_open and t.core in part.canonical for t in records.guides.of(d)):
            owners.add(d)
    return next(iter(owners)) if len(owners) == 1 else None
