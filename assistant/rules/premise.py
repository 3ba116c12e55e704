"""A question that asserts a value ("听说陕西一等奖5万，对吗？", "是不是7月31号截止") gets the
notice's value, and is told plainly whether it matches. An asserted value is never confirmed
unless the cited text carries it; the asserted value itself is never repeated."""

from __future__ import annotations

import re

from .grounding import Fact, extract_numbers
from .records.base import Finding

_ASSERT = re.compile(
    r"听说|我记得|记得是|据说|好像是|是不是|对吗|对不对|没错|是吧|对吧|确认一下|确认下|帮我确认|是这样吗|真的吗|吧$|是真的"
)
_YEARS = frozenset({"2024", "2025"})
_MONTH = re.compile(r"\d{1,2}\s*月(?:底|初|末|上旬|中旬|下旬|\d{1,2})|\d{1,2}\.\d{1,2}(?!\d)")


def asserted(text: str) -> list[Fact]:
    """The values a question asserts (none unless it asks to confirm something, or asks whether
    something is on a date it states: "都在7月底吗")."""
    tail = re.sub(r"[\s？?！!。，,]+$", "", text)
    if not _ASSERT.search(tail) and not (tail.endswith(("吗", "么")) and _MONTH.search(tail)):
        return []
    return [f for f in extract_numbers(text) if not (f.kind == "number" and f.forms & _YEARS)]


def kind_of(text: str, claims: list[Fact]) -> str | None:
    """What an asserted value is: an amount, a date or a count of people."""
    for c in claims:
        if c.kind == "date":
            return "date"
    if _MONTH.search(text):
        return "date"
    if re.search(r"\d+(?:\.\d+)?\s*(?:万|元)", text):
        return "money"
    if re.search(r"\d+\s*(?:个人|人|名)", text):
        return "count"
    return None


def judge(finding: Finding, claims: list[Fact]) -> None:
    """Say whether the notice's answer carries the asserted values."""
    if not claims:
        return
    if not finding.found:
        finding.note = "通知中没有写明相关数值，无法确认您所说的内容"
        return
    if not any(c.kind in ("date", "number") for c in claims) and not _MONTH.search(finding.text):
        return
    cited: set[str] = set()
    for s in finding.sources:
        for f in extract_numbers(s.quote):
            cited |= f.forms
    if all(c.need & cited for c in claims):
        finding.note = "与通知一致"
    else:
        finding.note = "与您所说的不一致，以通知原文为准"
