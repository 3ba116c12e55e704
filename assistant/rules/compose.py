"""Composing an answer: per part, per division; agreement said once with every citation; silence
said in place with the contact; citations numbered across the whole answer, quotes verbatim."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from assistant.models import AnswerPart, Citation, DivisionId, Status

from . import divisions as div
from .records.base import Finding, Source

QUOTE_MAX = 120
_NUM = re.compile(r"\d+(?:\.\d+)?")
_CLARIFY_TAIL = "请告诉我您参加的是哪个分赛（山西、陕西、新疆或益阳），以便给出准确答复。"
_ORDINALS = "一二三四五六七八九十"


@dataclass
class PartResult:
    """What one part of a message came to, before numbering citations."""

    question: str
    status: Status
    findings: list[Finding] = field(default_factory=list)
    named: bool = False
    note: str = ""
    text: str = ""  # a fixed text (refusals), used instead of findings
    extra: list[Finding] = field(default_factory=list)  # lines after the findings (differences)
    contacts: bool = True  # give a silent division's contact (not in a spread over every division)


class Citations:
    def __init__(self) -> None:
        self.items: list[Citation] = []

    def cite(self, src: Source, focus: str) -> int:
        quote = _quote(src.quote, focus)
        for c in self.items:
            if c.chunk_id == src.chunk.chunk_id and c.quote == quote:
                return c.n
        c = Citation(
            n=len(self.items) + 1,
            division=src.chunk.division,
            doc_title=src.chunk.doc_title,
            section=src.chunk.section,
            quote=quote,
            chunk_id=src.chunk.chunk_id,
            context=src.chunk.text,
        )
        self.items.append(c)
        return c.n

    def marks(self, finding: Finding, *, contact: bool = False) -> tuple[str, list[int]]:
        nums: list[int] = []
        for s in finding.sources + (finding.contact if contact else []):
            n = self.cite(s, finding.text)
            if n not in nums:
                nums.append(n)
        return "".join(f"[{n}]" for n in nums), nums


def _quote(text: str, focus: str) -> str:
    """A verbatim slice of at most ~120 characters, placed to hold the values the answer states."""
    text = text.strip()
    if len(text) <= QUOTE_MAX:
        return text
    want = [m.group(0) for m in _NUM.finditer(focus)]
    words = [w for w in re.findall(r"[\u4e00-\u9fff]{2,}", focus)][:20]
    best, best_score = text[:QUOTE_MAX], -1.0
    for start in range(0, len(text) - QUOTE_MAX + 1, 5):
        window = text[start : start + QUOTE_MAX]
        score = 5 * sum(1 for v in want if v in window) + sum(1 for w in words if w in window) - start / 10000
        if score > best_score:
            best, best_score = window, score
    return best


def _line(f: Finding, cites: Citations, prefix: bool, contact: bool = True) -> tuple[str, list[int]]:
    show = contact and bool(f.contact)
    marks, nums = cites.marks(f, contact=show)
    head = f"{div.NAMES[f.division]}：" if prefix else ""
    note = f"{f.note}。" if f.note else ""
    tail = f"。{f.contact_text}" if show else ""
    return f"{head}{note}{f.text}{tail}{marks}", nums


def render_part(result: PartResult, cites: Citations) -> tuple[str, list[int], Status]:
    """The text of one part, its citation numbers and its status."""
    if result.text:
        return result.text, [], result.status
    findings = result.findings
    nums: list[int] = []
    lines: list[str] = []
    status: Status
    if result.note:
        lines.append(f"（{result.note}）")
    found = [f for f in findings if f.found]
    if len(findings) == 1 or result.named:
        for f in findings:
            text, ns = _line(f, cites, prefix=True, contact=result.contacts)
            lines.append(text)
            nums += ns
        status = "answered" if found else "not_found"
    elif any(not f.weak for f in found) and any(f.weak for f in found):
        # A topic one division's guide names and the others only come near: answer where it is.
        for f in (f for f in found if not f.weak):
            text, ns = _line(f, cites, prefix=True)
            lines.append(text)
            nums += ns
        others = "、".join(div.NAMES[f.division] for f in findings if f.weak or not f.found)
        lines.append(f"{others}的赛题指南中没有与此直接对应的赛题。")
        status = "answered"
    elif found and len(found) == len(findings) and len({f.key for f in found}) == 1 and found[0].key:
        marks = ""
        for f in found:
            m, ns = cites.marks(f)
            marks += m
            nums += ns
        names = "、".join(div.NAMES[f.division] for f in found)
        lines.append(f"各分赛规定一致（{names}）：{found[0].text}{marks}")
        status = "answered"
    elif not found:
        lines.append("各分赛通知都没有写明这一点。")
        for f in findings:
            text, ns = _line(f, cites, prefix=True, contact=result.contacts)
            lines.append(text)
            nums += ns
        status = "not_found"
    else:
        lines.append("您没有说明是哪个分赛，各分赛的规定不同：")
        for f in findings:
            text, ns = _line(f, cites, prefix=True, contact=result.contacts)
            lines.append(text)
            nums += ns
        lines.append(_CLARIFY_TAIL)
        status = "clarify"
    for i, f in enumerate(result.extra):
        marks, ns = cites.marks(f)
        lines.insert(i + (1 if result.note else 0), f"{f.text}{marks}")  # a comparison's differences come first
        nums += ns
    return "\n".join(lines), nums, status


def compose(results: list[PartResult]) -> tuple[str, list[Citation], list[AnswerPart], Status]:
    cites = Citations()
    blocks: list[str] = []
    parts: list[AnswerPart] = []
    seen: dict[str, int] = {}
    notes = {r.note for r in results if not r.text}
    shared = next(iter(notes)) if len(results) > 1 and len(notes) == 1 else ""
    if shared:  # every part was scoped the same way (申报书 → 山西): said once, above the parts
        results = [replace(r, note="") if not r.text else r for r in results]
    for i, r in enumerate(results):
        text, nums, status = render_part(r, cites)
        divisions: list[DivisionId] = [f.division for f in r.findings]
        parts.append(AnswerPart(question=r.question, status=status, divisions=divisions, answer=text, citations=nums))
        if text in seen:
            continue  # two parts that came to the same answer are said once
        seen[text] = i
        blocks.append(text)
    if len(blocks) > 1:
        blocks = [f"（{_ORDINALS[i] if i < len(_ORDINALS) else i + 1}）{b}" for i, b in enumerate(blocks)]
    if shared:
        blocks.insert(0, f"（{shared}）")
    statuses = [p.status for p in parts]
    overall: Status
    if "answered" in statuses:
        overall = "answered"
    elif "clarify" in statuses:
        overall = "clarify"
    elif "not_found" in statuses:
        overall = "not_found"
    else:
        overall = "out_of_scope"
    return "\n\n".join(blocks), cites.items, parts, overall
