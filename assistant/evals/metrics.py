"""Scoring one answer against its case, and a case's variants together (pure functions).

No LLM judge: every figure comes from the answer text, its status and its citations against
the notices (`Corpus`), so a run is reproducible and cheap enough for CI.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from ..models import Answer
from ..rules.divisions import NAMES
from ..rules.grounding import normalize, strip_citations, ungrounded_facts
from ..rules.knowledge import load_chunks, load_documents
from .cases import DECLINES, Case, GoldCitation


def norm(text: str) -> str:
    """Fact/quote comparison form: citations and Markdown emphasis removed, width, brackets and
    whitespace folded (grounding.normalize), lower-case."""
    return normalize(strip_citations(text).replace("**", "")).lower()


class Corpus:
    """Normalised knowledge text per division and verbatim text per (division, section)."""

    def __init__(self, knowledge_dir: Path) -> None:
        self.by_division: dict[str, str] = {}
        for doc in load_documents(knowledge_dir):
            self.by_division[doc.division] = self.by_division.get(doc.division, "") + norm(doc.body)
        self.all_text = "".join(self.by_division.values())
        self.sections: dict[tuple[str, str], str] = {}
        for c in load_chunks(knowledge_dir):
            key = (c.division, c.section)
            self.sections[key] = self.sections.get(key, "") + "\n" + c.text

    def contains(self, text: str, division: str | None = None) -> bool:
        hay = self.by_division.get(division, "") if division else self.all_text
        return norm(text) in hay


# --- metric functions (pure) -----------------------------------------------------------------------


def fact_hits(groups: Sequence[Sequence[str]], text: str) -> list[bool]:
    """For each group of acceptable variants: does one of them occur in `text`?"""
    hay = norm(text)
    return [any(norm(v) in hay for v in group) for group in groups]


def forbidden_hits(forbidden: Iterable[str], text: str) -> list[str]:
    hay = norm(text)
    return [f for f in forbidden if norm(f) in hay]


def section_matches(gold: GoldCitation, division: str, section: str) -> bool:
    return gold.division == division and normalize(gold.section) in normalize(section)


def status_ok(case: Case, answer: Answer) -> bool:
    """Expected status (or an accepted alternative); a clarify case also accepts an answer that
    enumerates every required gold division with a citation."""
    if answer.status == case.expected_status or answer.status in case.also_accept:
        return True
    if case.expected_status == "clarify" and answer.status == "answered":
        wanted = {g.division for g in case.gold if not g.optional}
        return wanted <= {c.division for c in answer.citations}
    return False


def ungrounded(answer: Answer, corpus: Corpus) -> list[str]:
    """Numbers, dates, amounts, phones, e-mails and URLs of the answer that occur in none of its
    cited passages (quote, the cited section's text, its document title and section path)."""
    if answer.status == "out_of_scope":
        return []
    sources: list[str] = []
    for c in answer.citations:
        sources += [c.quote, c.context or corpus.sections.get((c.division, c.section), ""), c.doc_title, c.section]
    text = strip_citations(answer.answer)
    if answer.note:  # a system note (e.g. "LLM unreachable, extract follows") is not a claim
        text = text.replace(answer.note, " ")
    for label in NAMES.values():  # division labels ("全国大赛2025年…") are not claims
        text = text.replace(label, " ")
    return list(dict.fromkeys(f.text for f in ungrounded_facts(text, sources)))


def signature(answer: Answer) -> str:
    """What must be identical between two runs of the same question."""
    data = answer.public()
    data.pop("latency_ms", None)
    data.pop("id", None)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class Cited(BaseModel):
    n: int
    division: str
    section: str
    quote: str = Field(exclude=True)  # checked (verbatim), not stored: keeps committed results small
    gold: bool  # matches a gold citation of the case
    verbatim: bool


class QueryResult(BaseModel):
    """One variant (0 = the question, 1.. = paraphrases) of a case, scored."""

    variant: int
    question: str
    status: str
    answer: str
    citations: list[Cited] = Field(default_factory=list)
    status_ok: bool
    missing_facts: list[list[str]] = Field(default_factory=list)
    facts_found: int = 0
    forbidden_found: list[str] = Field(default_factory=list)
    gold_cited: list[bool] = Field(default_factory=list)  # per required gold citation
    cites_gold: bool = True  # cites a gold clause (required or optional), where one is expected
    ungrounded: list[str] = Field(default_factory=list)
    answer_correct: bool
    passed: bool
    stable: bool | None = None
    latency_ms: float = Field(default=0.0, exclude=True)  # in the summary only, to keep diffs quiet
    error: str | None = None

    @property
    def problems(self) -> list[str]:
        out: list[str] = []
        if self.error:
            out.append(f"错误：{self.error}")
        if not self.status_ok:
            out.append(f"状态为 {self.status}")
        if self.missing_facts:
            out.append("缺少事实：" + "；".join(" / ".join(g) for g in self.missing_facts))
        if self.forbidden_found:
            out.append("出现不应出现的内容：" + "、".join(self.forbidden_found))
        if not self.cites_gold:
            out.append("未引用标准条款")
        if self.ungrounded:
            out.append("引文中找不到的数字：" + "、".join(self.ungrounded))
        if any(not c.verbatim for c in self.citations):
            out.append("引文不是原文")
        if self.stable is False:
            out.append("两次运行结果不同")
        return out


def score(case: Case, variant: int, answer: Answer, corpus: Corpus) -> QueryResult:
    """Score one answer against its case. A query passes when the status is right, every fact group
    is present, nothing forbidden appears, a required gold clause is cited, every number is grounded
    in the cited passages and every quote is verbatim."""
    hits = fact_hits(case.facts, answer.answer)
    required = [g for g in case.gold if not g.optional]
    cited = [
        Cited(
            n=c.n,
            division=c.division,
            section=c.section,
            quote=c.quote,
            gold=any(section_matches(g, c.division, c.section) for g in case.gold),
            verbatim=corpus.contains(c.quote, c.division),
        )
        for c in answer.citations
    ]
    gold_cited = [any(section_matches(g, c.division, c.section) for c in answer.citations) for g in required]
    forbidden = forbidden_hits(case.forbidden, answer.answer)
    loose = ungrounded(answer, corpus)
    ok = status_ok(case, answer)
    correct = ok and all(hits) and not forbidden
    cites_gold = not case.gold or answer.status in DECLINES or any(c.gold for c in cited)
    passed = correct and cites_gold and not loose and all(c.verbatim for c in cited)
    return QueryResult(
        variant=variant,
        question=case.variants[variant],
        status=answer.status,
        answer=answer.answer,
        citations=cited,
        status_ok=ok,
        missing_facts=[list(g) for g, h in zip(case.facts, hits, strict=True) if not h],
        facts_found=sum(hits),
        forbidden_found=forbidden,
        gold_cited=gold_cited,
        cites_gold=cites_gold,
        ungrounded=loose,
        answer_correct=correct,
        passed=passed,
        latency_ms=answer.latency_ms,
    )


def error_result(case: Case, variant: int, message: str) -> QueryResult:
    return QueryResult(
        variant=variant,
        question=case.variants[variant],
        status="error",
        answer="",
        status_ok=False,
        missing_facts=[list(g) for g in case.facts],
        gold_cited=[False for g in case.gold if not g.optional],
        cites_gold=not case.gold,
        answer_correct=False,
        passed=False,
        error=message,
    )


class CaseResult(BaseModel):
    id: str
    kind: str
    severity: str
    divisions: list[str]
    expected_status: str
    passed: bool
    consistent: bool  # same status, cited sections and verdict across paraphrases
    queries: list[QueryResult]


def case_result(case: Case, queries: list[QueryResult]) -> CaseResult:
    def sig(q: QueryResult) -> tuple[str, frozenset[tuple[str, str]], bool]:
        return q.status, frozenset((c.division, c.section) for c in q.citations), q.answer_correct

    return CaseResult(
        id=case.id,
        kind=case.kind,
        severity=case.severity,
        divisions=case.divisions,
        expected_status=case.expected_status,
        passed=all(q.passed for q in queries),
        consistent=len({sig(q) for q in queries}) == 1,
        queries=queries,
    )


# --- run-level helpers ------------------------------------------------------------------------------


def rate(num: float, den: float) -> float | None:
    """num / den rounded to 4 places; None when there is nothing to measure."""
    return round(num / den, 4) if den else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)

