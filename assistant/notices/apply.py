"""Amendments in force rewrite the answers that cite the clauses they change.

An amendment is in force when its notice's `published` date is on or before today (the
injectable clock), so answers stay a pure function of (question, history, division, knowledge,
today). The answer line gives the current value, what it replaced and by which notice, and cites
both clauses; the citation of the changed clause is marked `role: "superseded"`. A repealed
clause is never given as current.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from assistant.models import Answer, Chunk, Citation

from .amendments import find_verbatim
from .convert import tidy
from .model import Amendment, NoticeMeta, published_text

_LABEL_RE = re.compile(r"^((?:（[一二三四五六七八九十]+）)?[^：。\[\n]{0,20}?(?:分赛|指南|国家|全国)[^：。\[\n]{0,6}：)")
_MARK_RE = re.compile(r"\[(\d+)\]")
_MARKS_END_RE = re.compile(r"(?:\[\d+\])+\s*$")
_STATUS = r"(?:（(?:已结束|进行中|尚未开始|时间以通知为准)）)?"
_QUOTE_MAX = 120


@dataclass(frozen=True)
class Notice:
    """An added notice as loaded: its id (the document id of its chunks), front matter and body."""

    notice_id: str
    meta: NoticeMeta
    body: str


@dataclass(frozen=True)
class Change:
    notice: Notice
    amendment: Amendment
    target: Chunk  # the clause changed
    source: Chunk  # the clause of the notice that says so


def _quote(text: str, needle: str) -> str:
    """The sentence of `text` holding `needle`, verbatim, cut to about _QUOTE_MAX characters around it."""
    pos = text.find(needle)
    start = max(text.rfind(p, 0, pos) for p in "。；\n") + 1
    ends = [e for e in (text.find(p, pos + len(needle)) for p in "。；\n") if e >= 0]
    end = min(ends) + 1 if ends else len(text)
    if end - start > _QUOTE_MAX:
        spare = max(_QUOTE_MAX - len(needle), 0) // 2
        start, end = max(start, pos - spare), min(end, pos + len(needle) + spare)
    return text[start:end].strip()


def sentence(change: Change) -> str:
    """“根据2025年7月25日《…》，报名截止时间延期至2025年8月10日（原定2025年7月31日）”."""
    meta, a = change.notice.meta, change.amendment
    by = f"根据{published_text(meta.published)}《{meta.title}》，"
    fact = a.target.fact or "该项规定"
    old = tidy(a.old)
    if a.type == "repeal":
        return f"{by}原规定“{old}”已废止，不再适用"
    if a.type == "insertion":
        return f"{by}{fact}新增：{a.new}"
    if a.type == "correction":
        return f"{by}{fact}更正为{a.new}（原为{old}）"
    verb = "延期至" if meta.kind == "postponement" or "延期" in change.source.text else "调整为"
    return f"{by}{fact}{verb}{a.new}（原定{old}）"


class Amender:
    """Built once per corpus from the added notices and the index's chunks."""

    def __init__(self, notices: list[Notice], chunks: list[Chunk]) -> None:
        self._changes: list[Change] = []
        self._notices = list(notices)
        for n in sorted(notices, key=lambda n: n.meta.published):
            own = [c for c in chunks if c.doc_id == n.notice_id]
            for a in n.meta.amendments:
                target = next(
                    (c for c in chunks if c.doc_id == a.target.document and c.section == a.target.section and a.old in c.text),
                    None,
                )
                source = next((c for c in own if a.new in c.text), None)
                if target is not None and source is not None:
                    self._changes.append(Change(n, a, target, source))

    def pending(self, today: dt.date) -> frozenset[str]:
        """The added notices not yet published on `today`: their own text is not cited yet."""
        return frozenset(n.notice_id for n in self._notices if n.meta.published > today)

    def in_force(self, today: dt.date) -> list[Change]:
        return [c for c in self._changes if c.notice.meta.published <= today]

    def __call__(self, answer: Answer, today: dt.date) -> Answer:
        """The answer with every line quoting a value an amendment in force changed rewritten; a
        notice not yet published is never cited for what it will change (the clause in force is)."""
        if not self._changes or not answer.citations:
            return answer
        citations = list(answer.citations)
        lines = answer.answer.split("\n")
        edits: dict[int, _Edit] = {}  # citation n -> the edit of the lines citing it
        for ch in self._changes:
            if ch.notice.meta.published <= today:
                continue
            early = next((c for c in citations if c.chunk_id == ch.source.chunk_id), None)
            if early is not None and all(c.chunk_id != ch.target.chunk_id for c in citations):
                current = self._citation(ch.target, early.n, ch.amendment.old)
                citations[citations.index(early)] = current
                edits[early.n] = _Edit(None, current.quote, [early.n], ())
        for ch in self.in_force(today):
            new_cite = next((c for c in citations if c.chunk_id == ch.source.chunk_id), None)
            old_cite = next(
                (
                    c
                    for c in citations
                    if c.chunk_id == ch.target.chunk_id and (_quotes(lines, c.n, ch.amendment.old) or _newest(edits, c.n))
                ),
                None,
            )  # the clause as quoted, or an earlier notice's clause this one changes again
            if new_cite is None and old_cite is None:
                continue  # the answer quotes no sentence this amendment changes
            if new_cite is None:
                new_cite = self._citation(ch.source, len(citations) + 1, ch.amendment.new)
                citations.append(new_cite)
            if old_cite is None:
                old_cite = next((c for c in citations if c.chunk_id == ch.target.chunk_id), None)
            if old_cite is None:
                old_cite = self._citation(ch.target, len(citations) + 1, ch.amendment.old)
                citations.append(old_cite)
            old_cite.role = "superseded"
            edit = _Edit(ch, sentence(ch), [new_cite.n, old_cite.n], (ch.amendment.old,))
            for n, earlier in list(edits.items()):
                if earlier.markers[0] == old_cite.n:  # a later notice changes an earlier one: the latest wins, the chain is cited
                    markers = [new_cite.n, *(m for m in earlier.markers if m != new_cite.n)]
                    edits[n] = edit = _Edit(ch, sentence(ch), markers, (*earlier.olds, ch.amendment.old))
            edits[old_cite.n] = edit
            edits[new_cite.n] = edit
        if not edits:
            return answer
        answer.citations = citations
        answer.answer = _rewrite(answer.answer, edits)
        for part in answer.parts:
            part.answer = _rewrite(part.answer, edits)
            for n in list(part.citations):
                if n in edits:
                    part.citations = sorted(set(part.citations) | set(edits[n].markers))
        return answer

    @staticmethod
    def _citation(chunk: Chunk, n: int, needle: str) -> Citation:
        return Citation(
            n=n,
            division=chunk.division,
            doc_title=chunk.doc_title,
            section=chunk.section,
            quote=_quote(chunk.text, needle),
            chunk_id=chunk.chunk_id,
        )


@dataclass(frozen=True)
class _Edit:
    change: Change | None  # None: a notice not yet in force, replaced by the clause in force
    text: str  # the whole line's new text
    markers: list[int]
    olds: tuple[str, ...]  # the values replaced along the chain, earliest first


def _newest(edits: dict[int, _Edit], n: int) -> bool:
    """Whether citation n is the amending clause of an earlier edit (which a later notice may change again)."""
    return n in edits and edits[n].markers[0] == n


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _quotes(lines: list[str], n: int, value: str) -> bool:
    """Whether a line citing [n] gives `value` (spaces aside)."""
    return any(f"[{n}]" in line and _compact(value) in _compact(line) for line in lines)


def _inline(segment: str, ch: Change) -> str:
    """One item of a list line (a timeline stage) with the amended value in place, and what it replaced."""
    meta, a = ch.notice.meta, ch.amendment
    by = f"根据{published_text(meta.published)}《{meta.title}》"
    spelled = find_verbatim(a.old, segment) or a.old
    if a.type == "repeal":
        return f"{by}，原规定“{tidy(a.old)}”已废止"
    verb = "更正" if a.type == "correction" else "延期" if meta.kind == "postponement" or "延期" in ch.source.text else "调整"
    was = "原为" if a.type == "correction" else "原定"
    return re.sub(re.escape(spelled) + _STATUS, f"{a.new}（{by}{verb}，{was}{tidy(a.old)}）", segment, count=1)


def _rewrite(text: str, edits: dict[int, _Edit]) -> str:
    """Each line citing a changed clause and giving the changed value: in place inside a list line
    (a timeline), else the whole line becomes the amendment's sentence; both clauses cited."""
    out: list[str] = []
    for line in text.split("\n"):
        marks = [int(m) for m in _MARK_RE.findall(line)]
        edit = next((edits[n] for n in marks if n in edits), None)
        if edit is None:
            out.append(line)
            continue
        body = _MARKS_END_RE.sub("", line)
        extra = "".join(f"[{n}]" for n in edit.markers if n not in marks)
        ch = edit.change
        if ch is not None and len(edit.olds) == 1 and "；" in body and _compact(ch.amendment.old) in _compact(body):
            segments = body.split("；")
            i = next(i for i, seg in enumerate(segments) if _compact(ch.amendment.old) in _compact(seg))
            segments[i] = _inline(segments[i], ch)
            out.append("；".join(segments) + line[len(body) :] + extra)
            continue
        if ch is not None and edit.markers[0] not in marks and not any(_compact(o) in _compact(line) for o in edit.olds):
            out.append(line)  # cites the clause for a sentence the amendment leaves standing
            continue
        m = _LABEL_RE.match(line)
        label = m.group(1) if m else ""
        out.append(f"{label}{edit.text}{''.join(f'[{n}]' for n in edit.markers)}")
    return "\n".join(out)
