"""Prize questions answered from the prize records: per level count and amount, the pool, the form.

A level asked for an amount where the notice gives none is not_found, and the answer shows what
the notice does give for prizes (奖杯、证书, or counts only).
"""

from __future__ import annotations

import re

from assistant.models import DivisionId

from ..query import Part
from .base import Finding, Source
from .prizes import PrizeClause, Prizes, _levels

_PRIZE_Q = re.compile(r"奖金|奖项|设.{0,3}奖|几等奖|哪些奖|什么奖|奖励|发钱|有钱|钱")
_OTHER_SUBJECT = re.compile(r"权益|好处|除了|宣传|推荐|公示|领|评选|评定|条件|怎么评|标准|案例集")


_NOT_PRIZE = re.compile(r"获奖|颁奖|领奖|得奖|拿奖")


_SETTING = re.compile(r"设.{0,4}奖|哪些奖|什么奖|几等奖|奖项(?:设置|有哪些|怎么设|是什么)|有哪几个奖|奖怎么设")
_ENTRY = re.compile(r"报名|参赛|参加|申报|还能报|能报|再报")


# "除了一二三等奖还有别的奖吗": the awards the question does not name are asked for.
_EXCLUDE = re.compile(r"除了|除去|以外|之外")
_OTHER_AWARDS = re.compile(r"(?:别的|其他|其它|另外|还有|还设).{0,4}(?:奖|奖项)|(?:啥|什么|哪些)奖")


def _asks_other_awards(q: str) -> bool:
    return bool(_levels(q)) and bool(_EXCLUDE.search(q)) and bool(_OTHER_AWARDS.search(q))


def applies(part: Part) -> bool:
    """Amount and count questions about awards, and what awards a division sets. A question about
    what winners get, how awards are judged, or who may enter is a question for the clauses."""
    q = part.canonical
    kind = part.kind.name
    if _asks_other_awards(q):
        return True
    if kind in ("money", "count"):
        return bool(_levels(q)) or bool(_PRIZE_Q.search(_NOT_PRIZE.sub("", q)))
    if _OTHER_SUBJECT.search(q) or _ENTRY.search(q):
        return False
    return kind in ("list", "general", "yesno") and bool(_SETTING.search(q) or re.search(r"有没有奖金|有奖金吗|发不发奖金|有钱吗", q))


def _row(c: PrizeClause) -> str:
    return re.sub(r"^\s*\d+\s*[.．、]\s*", "", c.source.quote)


def answer(part: Part, division: DivisionId, prizes: Prizes) -> Finding | None:
    if not applies(part):
        return None
    levels = _levels(part.canonical)
    if _asks_other_awards(part.canonical) or (part.kind.name in ("list", "general") and _SETTING.search(part.canonical) and not levels):
        return _awards(division, prizes, exclude=levels)
    kind = part.kind.name
    form = prizes.form.get(division)
    pool = prizes.pool.get(division)
    setting = [c for c in prizes.clauses.get(division, []) if c.in_prize_section and len(c.levels) > 1]
    if levels and setting and not any(prizes.of(division, lv) for lv in levels):
        # 新疆 sets no 优秀奖: say so beside the awards it does set.
        return _silent(division, "、".join(f"“{lv}”" for lv in levels), setting[0].source)
    if kind == "money" or re.search(r"有没有奖金|有奖金吗|发不发奖金|有钱吗", part.canonical):
        if part.total or not levels:
            rows = [c for c in prizes.clauses.get(division, []) if c.amount and c.in_prize_section]
            if pool or rows:
                sources = ([pool] if pool else []) + [r.source for r in rows]
                text = "；".join(([pool.quote] if pool else []) + [_row(r) for r in rows])
                return Finding(division, True, text, sources, key=text)
        else:
            found: list[PrizeClause] = []
            for lv in levels:
                with_amount = [c for c in prizes.of(division, lv) if c.amount]
                if with_amount:
                    found.append(with_amount[0])
            if found:
                return Finding(division, True, "；".join(_row(c) for c in found), [c.source for c in found], key="|".join(c.amount for c in found))
        if form is not None and _choice_named(part, form.quote):
            # "有奖金还是就给奖杯": the notice answers the choice (拟以奖杯、证书等形式发放)
            return Finding(division, True, form.quote, [form], key=form.quote)
        return _silent(division, "奖金金额", form)
    if kind == "count":
        if not levels:
            return None
        found = []
        for lv in levels:
            counted = [c for c in prizes.of(division, lv) if c.count]
            if counted:
                found.append(counted[0])
        if found:
            key = "|".join(f"{c.levels}{c.count}" for c in found)
            return Finding(division, True, "；".join(_row(c) for c in found), [c.source for c in found], key=key)
        mentioned = [c for lv in levels for c in prizes.of(division, lv)]
        if mentioned:
            return _silent(division, "具体数量", form or mentioned[0].source)
        return None
    if not setting:
        return None
    first = setting[0]
    return Finding(division, True, first.source.quote, [first.source], key=first.source.quote)


def _choice_named(part: Part, quote: str) -> bool:
    """An either-or question whose second choice the clause names (…还是就给奖杯 → 奖杯)."""
    m = re.search(r"还是", part.canonical)
    if m is None:
        return False
    right = part.canonical[m.end() :]
    return any(a in quote for t in part.terms if t.text in right for a in (t.alternatives[:1] if t.fallback else t.alternatives))


def _awards(division: DivisionId, prizes: Prizes, exclude: list[str]) -> Finding | None:
    """Every award the division sets but those excluded, each quoted from the clause of its prize
    section that first names it (一、二、三等奖及优秀奖; 优秀组织奖; 突出贡献奖)."""
    clauses = [c for c in prizes.clauses.get(division, []) if c.in_prize_section]
    if not clauses:
        return None
    named: list[str] = []
    sources: list[Source] = []
    for c in clauses:
        new = [lv for lv in c.levels if lv not in named and lv not in exclude]
        if new:
            named += new
            sources.append(c.source)
    if not sources:
        return _silent(division, "其他奖项", clauses[0].source)
    text = "\n".join(f"- {_row_text(s.quote)}" for s in sources) if len(sources) > 1 else _row_text(sources[0].quote)
    return Finding(division, True, text, sources, key="|".join(named))


def _row_text(quote: str) -> str:
    return re.sub(r"^\s*\d+\s*[.．、]\s*", "", quote)


def _silent(division: DivisionId, what: str, nearest: Source | None) -> Finding:
    text = f"通知中没有写明{what}"
    sources: list[Source] = []
    if nearest is not None:
        text += f"。相关条款：{nearest.quote.rstrip('。')}"
        sources.append(nearest)
    return Finding(division, False, text, sources)
