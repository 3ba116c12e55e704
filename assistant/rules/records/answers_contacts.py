"""Contact questions answered from the contact lines: phones, e-mails, names, hours.

A phone asked of a notice that lists names only is not_found, and the answer says which names
it lists; e-mail questions may also be answered by an address given elsewhere in the notice.
"""

from __future__ import annotations

import re

from assistant.models import DivisionId

from ..query import Part
from .base import Finding, Source
from .contacts import ContactLine, Contacts

_SPECIAL = re.compile(r"技术支持|技术|系统|平台|网站|登录|举报|监督|投诉|邮箱|受理时间")


def _wanted_lines(part: Part, lines: list[ContactLine]) -> list[ContactLine]:
    """The lines whose label the question names (技术支持, 举报…), else the consultation lines."""
    q = part.canonical
    special: list[ContactLine] = []
    for ln in lines:
        label = ln.label
        if ("技术" in label and re.search(r"技术|系统|平台|网站|登录", q)) or (
            "举报" in label and re.search(r"举报|监督|投诉", q)
        ):
            special.append(ln)
        elif "受理时间" in label and re.search(r"受理时间|几点|工作时间|什么时间打", q):
            special.append(ln)
    if special:
        return special
    return [ln for ln in lines if not re.search(r"举报|受理时间|技术支持|邮箱", ln.label)] or lines


def answer(part: Part, division: DivisionId, contacts: Contacts) -> Finding | None:
    kind = part.kind.name
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
