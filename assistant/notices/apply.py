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

from .convert import tidy
from .model import Amendment, NoticeMeta, published_text

_LABEL_RE = re.compile(r"^((?:（[一二三四五六七八九十]+）)?[^：。\[\n]{0,20}?(?:分赛|指南|国家|全国)[^：。\[\n]{0,6}：)")
_MARK_RE = re.compile(r"\[(\d+)\]")
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

    def in_force(self, today: dt.date) -> list[Change]:
        return [c for c in self._changes if c.notice.meta.published <= today]

    def __call__(self, answer: Answer, today: dt.date) -> Answer:
        """The answer with every cited clause an amendment in force changed rewritten; a notice not
        yet published is never cited for what it will change (the clause in force is, instead)."""
        if not self._changes or not answer.citations:
            return answer
        citations = list(answer.citations)
        by_chunk = {c.chunk_id: c for c in citations if c.chunk_id}
        rewrites: dict[int, tuple[str, list[int]]] = {}  # citation n -> new line text and its markers
        for ch in self._changes:
            if ch.notice.meta.published <= today:
                continue
            early = by_chunk.get(ch.source.chunk_id)
            if early is not None and ch.target.chunk_id not in by_chunk:
                current = self._citation(ch.target, early.n, ch.amendment.old)
                citations[citations.index(early)] = current
                by_chunk[ch.target.chunk_id] = current
                rewrites[early.n] = (current.quote, [early.n])
        for ch in self.in_force(today):
            old_cite = by_chunk.get(ch.target.chunk_id)
            new_cite = by_chunk.get(ch.source.chunk_id)
            if old_cite is None and new_cite is None:
                continue
            if new_cite is None and old_cite is not None and ch.amendment.old not in old_cite.quote:
                continue  # the answer quotes another sentence of the clause, which still stands
            if new_cite is None:
                new_cite = self._citation(ch.source, len(citations) + 1, ch.amendment.new)
                citations.append(new_cite)
                by_chunk[ch.source.chunk_id] = new_cite
            if old_cite is None:
                old_cite = self._citation(ch.target, len(citations) + 1, ch.amendment.old)
                citations.append(old_cite)
                by_chunk[ch.target.chunk_id] = old_cite
            old_cite.role = "superseded"
            line = (sentence(ch), [new_cite.n, old_cite.n])
            rewrites[old_cite.n] = line
            rewrites[new_cite.n] = line
        if not rewrites:
            return answer
        answer.citations = citations
        answer.answer = _rewrite(answer.answer, rewrites)
        for part in answer.parts:
            part.answer = _rewrite(part.answer, rewrites)
            for n in list(part.citations):
                if n in rewrites:
                    part.citations = sorted(set(part.citations) | set(rewrites[n][1]))
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


def _rewrite(text: str, rewrites: dict[int, tuple[str, list[int]]]) -> str:
    """Each line citing a changed clause becomes the amendment's sentence with both markers."""
    out: list[str] = []
    for line in text.split("\n"):
        marks = [int(m) for m in _MARK_RE.findall(line)]
        hit = next((rewrites[n] for n in marks if n in rewrites), None)
        if hit is None:
            out.append(line)
            continue
        m = _LABEL_RE.match(line)
        label = m.group(1) if m else ""
        out.append(f"{label}{hit[0]}{''.join(f'[{n}]' for n in hit[1])}")
    return "\n".join(out)
