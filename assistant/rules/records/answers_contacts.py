"""Contact questions answered from the contact lines: phones, e-mails, names, hours.

A phone asked of a notice that lists names only is not_found, and the answer says which names
it lists; e-mail questions may also be answered by an address given elsewhere in the notice.
A question about one person or role of the block (许知行, 技术支持, 举报电话) is answered from
that entry alone: what the notice gives for it, or that it does not give what is asked
(技术支持 has a phone and no e-mail; only 监督举报电话 has 受理时间).
"""

from __future__ import annotations

import re
from functools import cache

from assistant.models import DivisionId

from .. import patterns, tables
from ..query import Part
from .base import Finding, Source
from .contacts import ContactLine, Contacts

_HOURS = "受理时间"


@cache
def _roles() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((r.label, tables.alternation(r.words)) for r in tables.slots().contact_roles)


@cache
def _attributes() -> dict[str, str]:
    return {a.kind: a.says for a in tables.slots().contact_attributes}


def _role_named(q: str, label: str) -> bool:
    return any(label_word in label and words.search(q) for label_word, words in _roles() if label_word != _HOURS)


def _asks_hours(part: Part) -> bool:
    words = dict(_roles()).get(_HOURS)
    return part.kind.name in ("date", "duration") or bool(words and words.search(part.canonical))


def _wanted_lines(part: Part, lines: list[ContactLine]) -> list[ContactLine]:
    """The lines whose label the question names (技术支持, 举报…), else the consultation lines."""
    q = part.canonical
    special = [ln for ln in lines if _role_named(q, ln.label)]
    if special:
        return special
    return [ln for ln in lines if not re.search(r"举报|受理时间|技术支持|邮箱", ln.label)] or lines


_CONTACT_KINDS = frozenset({"phone", "email", "contact"})


def _subject(part: Part, lines: list[ContactLine]) -> tuple[str, bool, list[ContactLine]]:
    """The person or role the question asks about, whether it is a person, and its entry's lines
    (('', False, []) when it names none). A role counts only in a question about contacting it
    (平台什么时候上线 asks no 技术支持 line)."""
    q = re.sub(r"\s+", "", part.canonical)
    for ln in lines:
        for name in ln.names:
            if name in q:
                return name, True, [ln]
    if _CONTACT_KINDS & {part.kind.name, *part.kinds}:
        for ln in lines:
            if ln.label != _HOURS and _role_named(q, ln.label):
                return ln.label, False, [x for x in lines if x.entry == ln.entry and x.label != _HOURS]
    return "", False, []


def _about(part: Part, division: DivisionId, contacts: Contacts) -> Finding | None:
    """A question about one person or role: that entry's value, or that the notice lacks it."""
    lines = contacts.of(division)
    name, person, entry = _subject(part, lines)
    if not entry:
        return None
    kind = part.kind.name
    if person and kind in _CONTACT_KINDS:
        # "联系人乔春蕾在哪个部门上班": 联系人 names who is asked about; the department is what is asked
        kind = next((k for k in part.kinds if k in ("agent", "place")), kind)
    sources = [ln.source for ln in entry]
    given = "；".join(ln.text for ln in entry)

    def lacks(attr: str) -> Finding:
        return Finding(division, False, f"通知中没有写明{name}的{attr}，只写了：{given}", sources)

    if kind != "email" and _asks_hours(part):
        hours = [ln for ln in lines if ln.label == _HOURS and ln.entry == entry[0].entry]
        if not hours:
            return lacks(_HOURS)
        shown = entry + hours
        return Finding(division, True, "；".join(ln.text for ln in shown), [ln.source for ln in shown])
    if kind == "email":
        if any(ln.emails for ln in entry):
            return None  # the entry has an address: the general e-mail answer gives it
        return lacks(_attributes().get("email", "邮箱"))
    if kind in ("phone", "contact"):
        if not person:
            return None  # a role's phone: the general answer picks the role's lines
        if kind == "phone" and not any(ln.phones for ln in entry):
            return lacks(_attributes().get("phone", "电话"))
        return Finding(division, True, given, sources, key="|".join(p for ln in entry for p in ln.phones))
    attr = _attributes().get(kind)
    if attr is None or not person:
        return None
    if kind == "agent" and any(patterns.UNIT.search(ln.text) for ln in entry):
        return Finding(division, True, given, sources)  # "联系方式：市数据局 胡焕华": the unit is given
    return lacks(attr)


def answer(part: Part, division: DivisionId, contacts: Contacts) -> Finding | None:
    kind = part.kind.name
    about = _about(part, division, contacts)
    if about is not None:
        return about
    if kind not in ("phone", "email", "contact"):
        return None
    lines = contacts.of(division)
    if kind == "email":
        with_mail = [ln for ln in lines if ln.emails]
        if with_mail:
            return Finding(division, True, "；".join(ln.text for ln in with_mail), [ln.source for ln in with_mail])
        elsewhere = contacts.emails.get(division, [])
        if elsewhere:
            return Finding(division, True, elsewhere[0].quote, [elsewhere[0]])
        return None
    chosen = _wanted_lines(part, lines)
    if "email" in part.kinds:
        chosen += [ln for ln in lines if ln.emails and ln not in chosen]
    if not chosen:
        return None
    sources: list[Source] = [ln.source for ln in chosen]
    text = "；".join(ln.text for ln in chosen)
    if kind == "phone" and not any(ln.phones for ln in chosen):
        names = "、".join(ln.text.split("：")[-1] for ln in chosen)
        return Finding(division, False, f"通知中没有写明联系电话，只列出了联系人：{names}", sources)
    return Finding(division, True, text, sources, key="|".join(p for ln in chosen for p in ln.phones))
