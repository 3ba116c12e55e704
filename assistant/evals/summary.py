"""A run's figures: metrics over every scored query, breakdowns by kind and by division."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from ..rules.grounding import strip_citations
from .cases import DECLINES, Case
from .devset import DevSummary
from .metrics import CaseResult, percentile, rate


class Metrics(BaseModel):
    """All rates are in [0, 1]; None when a run has nothing to measure them on."""

    cases: int
    queries: int
    case_pass_rate: float | None
    critical_pass_rate: float | None
    answer_accuracy: float | None  # status right and all facts present (and nothing forbidden), all variants
    answer_accuracy_original: float | None  # the same, original questions only
    fact_recall: float | None  # fact groups found / fact groups expected
    citation_precision: float | None  # citations matching a gold clause / citations (cases with gold)
    citation_recall: float | None  # required gold clauses cited / required gold clauses
    verbatim_quote_rate: float | None  # quotes found in their division's notice / quotes
    number_grounding_rate: float | None  # answers with numbers, all of them in cited passages
    decline_accuracy: float | None  # expected not_found/out_of_scope, got an accepted status
    false_refusal_rate: float | None  # expected answered/clarify, got not_found/out_of_scope
    false_answer_rate: float | None  # expected not_found/out_of_scope, got answered/clarify
    clarify_accuracy: float | None  # expected clarify, got clarify or a per-division enumeration
    paraphrase_consistency: float | None  # cases whose variants agree (status, sections, verdict)
    repeat_stability: float | None  # queries whose second run is identical (see --repeat)
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    sentences_dropped_rate: float | None = None  # LLM mode: model sentences grounding dropped / checked


class Group(BaseModel):
    cases: int
    passed: int
    pass_rate: float | None
    answer_accuracy: float | None
    fact_recall: float | None
    citation_recall: float | None


class Summary(BaseModel):
    mode: str
    today: str
    metrics: Metrics
    by_kind: dict[str, Group]
    by_division: dict[str, Group]
    failed_cases: list[str]
    critical_failures: list[str]
    inconsistent_cases: list[str]
    unstable_queries: list[str]
    slowest: list[tuple[str, float]]
    gate: list[str] = Field(default_factory=list)  # violations; empty → the run passes
    gate_notes: list[str] = Field(default_factory=list)  # e.g. allowed failures that now pass
    devset: DevSummary | None = None  # the shared development set's figures; None when skipped


def _group(results: Sequence[CaseResult], cases: dict[str, Case]) -> Group:
    queries = [q for r in results for q in r.queries]
    groups = sum(len(cases[r.id].facts) * len(r.queries) for r in results)
    gold = [g for q in queries for g in q.gold_cited]
    return Group(
        cases=len(results),
        passed=sum(r.passed for r in results),
        pass_rate=rate(sum(r.passed for r in results), len(results)),
        answer_accuracy=rate(sum(q.answer_correct for q in queries), len(queries)),
        fact_recall=rate(sum(q.facts_found for q in queries), groups),
        citation_recall=rate(sum(gold), len(gold)),
    )


def summarize(results: Sequence[CaseResult], cases: Sequence[Case], *, mode: str, today: str) -> Summary:
    by_id = {c.id: c for c in cases}
    queries = [(by_id[r.id], q) for r in results for q in r.queries]
    answerable = [(c, q) for c, q in queries if c.expected_status in ("answered", "clarify")]
    declines = [(c, q) for c, q in queries if c.expected_status in DECLINES]
    clarify = [q for c, q in queries if c.expected_status == "clarify"]
    with_gold = [q for c, q in queries if c.gold]
    numbered = [q for _, q in queries if q.status not in ("out_of_scope", "error") and _has_number(q.answer)]
    stable = [q.stable for _, q in queries if q.stable is not None]
    latencies = [q.latency_ms for _, q in queries if q.error is None]
    critical = [r for r in results if r.severity == "critical"]
    metrics = Metrics(
        cases=len(results),
        queries=len(queries),
        case_pass_rate=rate(sum(r.passed for r in results), len(results)),
        critical_pass_rate=rate(sum(r.passed for r in critical), len(critical)),
        answer_accuracy=rate(sum(q.answer_correct for _, q in queries), len(queries)),
        answer_accuracy_original=rate(sum(q.answer_correct for _, q in queries if q.variant == 0), len(results)),
        fact_recall=rate(sum(q.facts_found for _, q in queries), sum(len(c.facts) for c, _ in queries)),
        citation_precision=rate(sum(c.gold for q in with_gold for c in q.citations), sum(len(q.citations) for q in with_gold)),
        citation_recall=rate(sum(g for q in with_gold for g in q.gold_cited), sum(len(q.gold_cited) for q in with_gold)),
        verbatim_quote_rate=rate(
            sum(c.verbatim for _, q in queries for c in q.citations), sum(len(q.citations) for _, q in queries)
        ),
        number_grounding_rate=rate(sum(not q.ungrounded for q in numbered), len(numbered)),
        decline_accuracy=rate(sum(q.status_ok for _, q in declines), len(declines)),
        false_refusal_rate=rate(sum(q.status in DECLINES for _, q in answerable), len(answerable)),
        false_answer_rate=rate(sum(q.status in ("answered", "clarify") for _, q in declines), len(declines)),
        clarify_accuracy=rate(sum(q.status_ok for q in clarify), len(clarify)),
        paraphrase_consistency=rate(sum(r.consistent for r in results), len(results)),
        repeat_stability=rate(sum(stable), len(stable)),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
    )
    by_kind: dict[str, list[CaseResult]] = {}
    by_division: dict[str, list[CaseResult]] = {}
    for r in results:
        by_kind.setdefault(r.kind, []).append(r)
        for d in r.divisions:
            by_division.setdefault(d, []).append(r)
    slow = sorted(((f"{r.id}#{q.variant}", q.latency_ms) for r in results for q in r.queries), key=lambda x: -x[1])
    return Summary(
        mode=mode,
        today=today,
        metrics=metrics,
        by_kind={k: _group(v, by_id) for k, v in sorted(by_kind.items())},
        by_division={k: _group(v, by_id) for k, v in sorted(by_division.items())},
        failed_cases=[r.id for r in results if not r.passed],
        critical_failures=[r.id for r in critical if not r.passed],
        inconsistent_cases=[r.id for r in results if not r.consistent],
        unstable_queries=[f"{r.id}#{q.variant}" for r in results for q in r.queries if q.stable is False],
        slowest=[(k, round(v, 1)) for k, v in slow[:5]],
    )


def _has_number(text: str) -> bool:
    return bool(re.search(r"\d", strip_citations(text)))

