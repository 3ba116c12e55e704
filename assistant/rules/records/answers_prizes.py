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


def applies(part: Part) -> bool:
    """Amount and count questions about awards, and what awards a division sets. A question about
    what winners get, how awards are judged, or who may enter is a question for the clauses."""
    q = part.canonical
    kind = part.kind.name
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


def _silent(division: DivisionId, what: str, nearest: Source | None) -> Finding:
    text = f"通知中没有写明{what}"
    sources: list[Source] = []
    if nearest is not None:
        text += f"。相关条款：{nearest.quote.rstrip('。')}"
        sources.append(nearest)
    return Finding(division, False, text, sources)
