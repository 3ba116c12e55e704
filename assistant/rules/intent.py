"""What kind of answer a question wants (data/intents.yaml), and which clause text can carry it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from . import tables

TYPED = frozenset({"place", "phone", "email", "contact", "fee", "score", "money", "url", "channel", "format", "names", "agent", "duration", "date", "count", "ratio", "consequence"})


@dataclass(frozen=True)
class Kind:
    name: str
    question: re.Pattern[str]
    value: re.Pattern[str]
    cue: re.Pattern[str]
    silent: str = "这一点"
    asks_apart: bool = False


@cache
def kinds() -> tuple[Kind, ...]:
    return tuple(
        Kind(
            k.kind,
            re.compile(tables.expand(k.question)),
            re.compile(tables.expand(k.value), re.IGNORECASE),  # clause text keeps its case (PDF, Word)
            re.compile(tables.expand(k.cue), re.IGNORECASE),
            k.silent,
            k.asks_apart,
        )
        for k in tables.intents().kinds
    )


@cache
def by_name() -> dict[str, Kind]:
    return {k.name: k for k in kinds()}


GENERAL = Kind("general", re.compile(r"$^"), re.compile(r"."), re.compile(r"$^"))


# A yes/no question ("报名截止以后还能换人吗") mentions dates or counts without asking for one.
_YESNO_FRAME = re.compile(r"(?:能不能|能否|可不可以|可以|可否|是否|还能|能|允许|要不要|需不需要|需要|必须|算不算|行不行).{0,20}(?:吗|么|不|没|嘛)$")
_EXISTS = re.compile(r"有([^有，,]{1,14})吗$")  # canonical form folds 有没有X into 有X吗
_WHEN_WHERE = frozenset({"date", "place", "duration"})
_CONNECTIVES = frozenset({"之前", "以前"})
_INTERROGATIVE = re.compile(r"什么|啥|几|多少|哪|何|多久|多长")  # not 谁: 联系人是谁 asks the contact


def _match(kind: str, canonical: str) -> str:
    """Every stretch of the question a kind's cue matches, joined."""
    return " ".join(m.group(0) for m in by_name()[kind].question.finditer(canonical))


_AMOUNT_ASKED = re.compile(r"多少|几|金额|万|数额|咋算|多大|钱")
_ASKS = re.compile(r"什么|啥|几|多少|哪|何|多久|多长|谁|吗$|么$|呢$|不$|没$|怎")
_VALUE_ASKED = re.compile(r"几|多少|什么时候|啥时候|哪天|何时|哪里|哪儿|哪个|哪些|谁|多久|多长|什么|啥")


def clauses(text: str) -> list[str]:
    """The clauses of a question as typed (between commas and stops)."""
    return [c for c in _CLAUSE_END.split(text) if c.strip()]


def classify(canonical: str, clauses: Sequence[str] = ()) -> tuple[Kind, tuple[str, ...]]:
    """The first matching kind (table order) and every kind the question's wording matches;
    a yes/no question that asks for no value is a yes/no question whatever else it mentions.
    `clauses` (canonical, in order) let the last clause's value win over context before it."""
    hits = tuple(k.name for k in kinds() if k.question.search(canonical))
    if "date" in hits and all(m.group(0) in _CONNECTIVES for m in by_name()["date"].question.finditer(canonical)):
        hits = tuple(h for h in hits if h != "date")  # "公示之前还要审核啥": 之前 frames the time, 啥 asks what
    if not hits:
        return GENERAL, ()
    exists = _EXISTS.search(canonical)
    if exists:
        # "有没有能发邮件咨询的地址": whether there is a value is asked by asking for it
        asked = [k.name for k in kinds() if k.name in TYPED and k.question.search(exists.group(1))]
        if asked:
            return by_name()[asked[0]], hits
    if "yesno" in hits and _YESNO_FRAME.search(canonical) and not _VALUE_ASKED.search(canonical):
        return by_name()["yesno"], hits
    typed = [h for h in hits if h in TYPED]
    if typed and typed[0] == hits[0]:
        # "奖金领取一般多少天能拿到": 多少 is bound to 天 (how long), not to 奖金 (how much); a
        # when/how-long match that starts inside the first kind's match and runs past it asks
        first = [m.span() for m in by_name()[typed[0]].question.finditer(canonical)]
        for h in typed[1:]:
            if h in _WHEN_WHERE and any(
                s < e1 and e > e1 for s, e in (m.span() for m in by_name()[h].question.finditer(canonical)) for _, e1 in first
            ):
                return by_name()[h], hits
    if typed and typed[0] == hits[0] and not _INTERROGATIVE.search(_match(typed[0], canonical)):
        # "举报电话什么时候能打": 电话 names the subject; 什么时候 is what is asked
        # only to a when/where/how-long kind: "联系人一共几位" is answered by the contacts themselves,
        # "报名费多少钱" asks the fee (多少钱 is how a fee is asked too)
        asked = [h for h in typed[1:] if h in _WHEN_WHERE and _INTERROGATIVE.search(_match(h, canonical))]
        if asked:
            return by_name()[asked[0]], hits
    if hits[0] == "money" and not _AMOUNT_ASKED.search(canonical):
        # "获奖后去哪领奖金": 奖金 is the topic; the question word asks where, not how much
        other = [h for h in hits[1:] if h in TYPED]
        if other:
            return by_name()[other[0]], hits
    # "不方便打电话，想发邮件咨询…有官方邮箱吗": context comes first, the question last; the value
    # the last clause asks for is the one wanted.
    asked = [c for c in clauses if not ABOUT_APPLICANT.search(c)]  # "…，我们时间比较紧" is context
    if len(clauses) > 1 and asked and _ASKS.search(asked[-1]):
        # (a last clause that asks nothing, "平台报错想发截图给他", is context too)
        last = [k.name for k in kinds() if k.name in TYPED and k.question.search(asked[-1])]
        if last and last[0] != hits[0]:
            return by_name()[last[0]], hits
    return by_name()[hits[0]], hits


# A clause about the applicant (我们时间很紧, 咱们单位在西安) tells their situation; it asks for no
# value ("告诉我", "发我", "帮我查" are requests, not the applicant's situation).
ABOUT_APPLICANT = re.compile(r"(?<![诉给帮发教])我|咱|本人")
_CLAUSE_END = re.compile(r"[，,；;。！!？?\s]+")


def kind(name: str) -> Kind:
    return by_name().get(name, GENERAL)


def without_asking(canonical: str) -> str:
    """The question with the words that ask for a typed value blanked out (地点, 最多几人, 网址):
    what remains names the subject the value is asked of."""
    kind = classify(canonical)[0]
    if kind.name not in TYPED:
        return canonical
    return kind.question.sub(lambda m: " " * len(m.group(0)), canonical)
