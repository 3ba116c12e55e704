"""Regression evaluation: the case set in `evals/cases/`, deterministic metrics, reports, baseline diffs, a gate.

`python -m assistant eval [--mode extractive|llm] [--cases PATH] [--out DIR] [--compare DIR]`.
No LLM judge: every metric is computed from the answer text, its status and its citations
against the notices, so a run is reproducible and cheap enough for CI.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .divisions import NAMES
from .errors import AssistantError, ConfigError
from .grounding import normalize, strip_citations, ungrounded_facts
from .knowledge import load_chunks, load_documents
from .models import Answer, DivisionId, Status
from .settings import ROOT, Settings

DEFAULT_CASES = ROOT / "evals" / "cases"
DEFAULT_THRESHOLDS = ROOT / "evals" / "thresholds.yaml"
DEFAULT_OUT = ROOT / "evals" / "results"
# Deadline answers say whether a stage has passed, so a run pins "today" to stay reproducible.
DEFAULT_TODAY = "2026-11-21"

Kind = Literal[
    "deadline",  # deadlines and stage dates
    "channel",  # registration channel
    "eligibility",  # legal entity, blacklists, organisers' affiliates, government bodies, 2024 winners
    "limits",  # team and project limits
    "submission",  # what to submit
    "tracks",  # tracks and topics
    "prizes",  # prizes and recommendations to the national final
    "organisers",  # track supervisors and responsible units
    "contacts",
    "indicators",  # evaluation indicators
    "fees",
    "publicity",  # publicity and reporting
    "ip",  # intellectual property, logo use
    "template",  # the 申报书 template's limits
    "comparison",  # cross-division comparisons
    "clarify",  # no division named where divisions differ
    "not_found",  # the notices do not answer
    "out_of_scope",
    "injection",
]
Severity = Literal["critical", "normal"]
DECLINES: tuple[Status, ...] = ("not_found", "out_of_scope")
_ID_RE = r"^[a-z0-9][a-z0-9-]*$"


# --- the case schema -------------------------------------------------------------------------


class GoldCitation(BaseModel):
    """A clause the answer should cite: matched when divisions agree and `section` is contained in
    the cited section path; `quote` (optional) documents the supporting text and is checked against
    the notices by the tests. `optional` citations count for precision only."""

    model_config = ConfigDict(extra="forbid")

    division: DivisionId
    section: str = Field(min_length=1)
    quote: str | None = None
    optional: bool = False


class Case(BaseModel):
    """One applicant question, its paraphrases and what a correct answer must contain."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID_RE)
    question: str = Field(min_length=1)
    paraphrases: list[str] = Field(min_length=2)
    division: DivisionId | None = None  # explicit division parameter passed to ask()
    expected_status: Status
    also_accept: list[Status] = Field(default_factory=list)
    facts: list[list[str]] = Field(default_factory=list)  # every group needs one variant in the answer
    forbidden: list[str] = Field(default_factory=list)  # must not appear (e.g. another division's amount)
    gold: list[GoldCitation] = Field(default_factory=list)
    kind: Kind
    tags: list[str] = Field(default_factory=list)
    severity: Severity = "normal"
    note: str | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Case:
        if any(not group or any(not v.strip() for v in group) for group in self.facts):
            raise ValueError(f"{self.id}: every fact group needs at least one non-empty variant")
        texts = [self.question, *self.paraphrases]
        if len(set(texts)) < len(texts):
            raise ValueError(f"{self.id}: paraphrases must differ from the question and from each other")
        if self.expected_status in ("answered", "clarify") and not any(not g.optional for g in self.gold):
            raise ValueError(f"{self.id}: an {self.expected_status} case needs a required gold citation")
        if self.expected_status == "out_of_scope" and (self.facts or self.gold):
            raise ValueError(f"{self.id}: an out_of_scope case has no facts or gold citations")
        return self

    @property
    def variants(self) -> list[str]:
        return [self.question, *self.paraphrases]

    @property
    def divisions(self) -> list[str]:
        """For the breakdown: required gold divisions, else any gold division, else the explicit one."""
        found = [g.division for g in self.gold if not g.optional] or [g.division for g in self.gold]
        found = found or ([self.division] if self.division else [])
        return list(dict.fromkeys(found)) or ["(none)"]


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cases: list[Case]


def load_cases(path: Path) -> list[Case]:
    """Cases from one YAML file or every `*.yaml` in a folder (sorted); ids must be unique."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise ConfigError(f"没有找到评测用例文件：{path}（应为 YAML 文件或包含 *.yaml 的目录）。")
    cases: list[Case] = []
    for f in files:
        try:
            cases.extend(CaseFile.model_validate(yaml.safe_load(f.read_text(encoding="utf-8"))).cases)
        except (ValidationError, yaml.YAMLError) as exc:
            raise ConfigError(f"评测用例文件 {f.name} 无效：{exc}") from exc
    seen: set[str] = set()
    for c in cases:
        if c.id in seen:
            raise ConfigError(f"评测用例 id 重复：{c.id}")
        seen.add(c.id)
    return cases


# --- the notices as the metrics see them ---------------------------------------------------------


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


# --- the summary -----------------------------------------------------------------------------------


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


def rate(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)


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


# --- thresholds and the gate ------------------------------------------------------------------------


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: dict[str, float] = Field(default_factory=dict)
    max: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known(self) -> Limits:
        unknown = (set(self.min) | set(self.max)) - set(Metrics.model_fields)
        if unknown:
            raise ValueError(f"unknown metrics in thresholds: {sorted(unknown)}")
        return self


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extractive: Limits = Field(default_factory=Limits)
    llm: Limits = Field(default_factory=Limits)
    # Critical cases known to fail when the thresholds were set; each is a bug to fix, not a waiver
    # for new failures. `--strict` ignores this list.
    allowed_critical_failures: list[str] = Field(default_factory=list)


def load_thresholds(path: Path) -> Thresholds:
    if not path.exists():
        return Thresholds()
    try:
        return Thresholds.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (ValidationError, yaml.YAMLError) as exc:
        raise ConfigError(f"阈值文件 {path} 无效：{exc}") from exc


def gate(summary: Summary, thresholds: Thresholds, *, strict: bool = False) -> list[str]:
    """Violations: failing critical cases (not on the allow-list unless strict) and metrics past their limits."""
    limits = thresholds.llm if summary.mode == "llm" else thresholds.extractive
    allowed = set() if strict else set(thresholds.allowed_critical_failures)
    out = [f"关键用例失败：{cid}" for cid in summary.critical_failures if cid not in allowed]
    values = summary.metrics.model_dump()
    for name, low in limits.min.items():
        if values[name] is not None and values[name] < low:
            out.append(f"{name} = {values[name]} 低于阈值 {low}")
    for name, high in limits.max.items():
        if values[name] is not None and values[name] > high:
            out.append(f"{name} = {values[name]} 高于阈值 {high}")
    return out


_MAX_METRICS = ("false_refusal_rate", "false_answer_rate", "latency_p95_ms")
_LATENCY_CEILING_MS = 500.0  # CI machines are shared; the product latency target is checked by `make bench`


def suggest_thresholds(summary: Summary, margin: float = 0.02) -> Thresholds:
    """Limits a little below (above, for the max metrics) this run, and its failing critical cases.

    Printed by `--suggest-thresholds` for a reviewer to copy into the thresholds file; a rate at 1.0
    stays 1.0, so contracts such as byte-identical repeats are never loosened by a suggestion."""
    values = summary.metrics.model_dump()
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    for name, v in values.items():
        if v is None or name in ("cases", "queries", "latency_p50_ms"):
            continue
        if name == "latency_p95_ms":
            high[name] = max(_LATENCY_CEILING_MS, math.ceil(v * 1.5))
        elif name in _MAX_METRICS:
            high[name] = round(min(1.0, math.ceil((v + margin) * 100) / 100), 2)
        else:
            low[name] = 1.0 if v >= 1.0 else round(max(0.0, math.floor((v - margin) * 100) / 100), 2)
    return Thresholds(
        extractive=Limits(min=low, max=high) if summary.mode != "llm" else Limits(),
        llm=Limits(min=low, max=high) if summary.mode == "llm" else Limits(),
        allowed_critical_failures=sorted(summary.critical_failures),
    )


def gate_notes(summary: Summary, thresholds: Thresholds, ran: Iterable[str]) -> list[str]:
    """Allow-listed critical cases of this run that pass now: remove them from the list."""
    passing = set(ran) - set(summary.critical_failures)
    return [
        f"允许清单中的 {cid} 已通过，请从 thresholds.yaml 的 allowed_critical_failures 中删除"
        for cid in thresholds.allowed_critical_failures
        if cid in passing
    ]


# --- running ------------------------------------------------------------------------------------------

Ask = Callable[..., Answer]
Repeat = Literal["all", "original", "none"]


def run_cases(
    ask: Ask, cases: Sequence[Case], corpus: Corpus, *, repeat: Repeat = "original", progress: bool = False
) -> list[CaseResult]:
    """Ask every variant of every case and score it; ask again (all variants, or the original
    questions only) to measure repeat stability."""
    results: list[CaseResult] = []
    for i, case in enumerate(cases, start=1):
        queries: list[QueryResult] = []
        for v, text in enumerate(case.variants):
            try:
                answer = ask(text, case.division)
            except AssistantError as exc:
                queries.append(error_result(case, v, exc.message))
                continue
            result = score(case, v, answer, corpus)
            if repeat == "all" or (repeat == "original" and v == 0):
                try:
                    result.stable = signature(ask(text, case.division)) == signature(answer)
                except AssistantError:
                    result.stable = False
            queries.append(result)
        results.append(case_result(case, queries))
        if progress:
            sys.stderr.write(f"\r评测 {i}/{len(cases)}")
    if progress:
        sys.stderr.write("\n")
    return results


def evaluate(
    ask: Ask, cases: Sequence[Case], corpus: Corpus, *, mode: str, today: str, repeat: Repeat = "original"
) -> tuple[Summary, list[CaseResult]]:
    results = run_cases(ask, cases, corpus, repeat=repeat, progress=sys.stderr.isatty())
    return summarize(results, cases, mode=mode, today=today), results


# --- comparing two runs ------------------------------------------------------------------------------


class Comparison(BaseModel):
    against: str
    pass_to_fail: list[str]
    fail_to_pass: list[str]
    new_cases: list[str]
    removed_cases: list[str]
    deltas: dict[str, tuple[float | None, float | None, float | None]]  # metric → (before, after, delta)


def compare(summary: Summary, results: Sequence[CaseResult], other_dir: Path) -> Comparison:
    """Flips and metric deltas against another run directory (summary.json + cases.json)."""
    try:
        before = Summary.model_validate_json((other_dir / "summary.json").read_text(encoding="utf-8"))
        old_cases = json.loads((other_dir / "cases.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"无法读取对比结果目录 {other_dir}：需要 summary.json 和 cases.json（{exc}）") from exc
    old = {c["id"]: bool(c["passed"]) for c in old_cases}
    new = {r.id: r.passed for r in results}
    deltas: dict[str, tuple[float | None, float | None, float | None]] = {}
    b, a = before.metrics.model_dump(), summary.metrics.model_dump()
    for name in Metrics.model_fields:
        x, y = b.get(name), a.get(name)
        deltas[name] = (x, y, round(y - x, 4) if x is not None and y is not None else None)
    return Comparison(
        against=str(other_dir),
        pass_to_fail=sorted(k for k in new if k in old and old[k] and not new[k]),
        fail_to_pass=sorted(k for k in new if k in old and not old[k] and new[k]),
        new_cases=sorted(set(new) - set(old)),
        removed_cases=sorted(set(old) - set(new)),
        deltas=deltas,
    )


# --- reports -----------------------------------------------------------------------------------------

_LABELS = {
    "case_pass_rate": "用例通过率",
    "critical_pass_rate": "关键用例通过率",
    "answer_accuracy": "答案准确率（含改写）",
    "answer_accuracy_original": "答案准确率（原问题）",
    "fact_recall": "事实召回率",
    "citation_precision": "引用精确率",
    "citation_recall": "引用召回率",
    "verbatim_quote_rate": "引文原文率",
    "number_grounding_rate": "数字有据率",
    "decline_accuracy": "拒答准确率",
    "false_refusal_rate": "误拒率",
    "false_answer_rate": "误答率",
    "clarify_accuracy": "澄清处理率",
    "paraphrase_consistency": "改写一致率",
    "repeat_stability": "重复稳定率",
    "latency_p50_ms": "延迟 p50 (ms)",
    "latency_p95_ms": "延迟 p95 (ms)",
}


def _fmt(v: object) -> str:
    return "—" if v is None else str(v)


def render_report(summary: Summary, results: Sequence[CaseResult], comparison: Comparison | None = None) -> str:
    m = summary.metrics
    lines = [
        f"# 评测报告（{summary.mode}，today={summary.today}）",
        "",
        f"{m.cases} 个用例，{m.queries} 次提问（含改写）；失败 {len(summary.failed_cases)} 个，"
        f"其中关键用例 {len(summary.critical_failures)} 个。",
        "",
    ]
    lines += ["## 结论", ""]
    lines += [f"- ❌ {v}" for v in summary.gate] or ["- ✅ 通过门槛"]
    lines += [f"- ℹ️ {v}" for v in summary.gate_notes]
    lines += ["", "## 指标", "", "| 指标 | 值 |", "|---|---|"]
    lines += [f"| {_LABELS.get(k, k)} | {_fmt(v)} |" for k, v in m.model_dump().items() if k not in ("cases", "queries")]
    for title, groups in (("按类型", summary.by_kind), ("按分赛", summary.by_division)):
        lines += ["", f"## {title}", "", "| 分组 | 用例 | 通过 | 通过率 | 答案准确率 | 事实召回 | 引用召回 |", "|---|---|---|---|---|---|---|"]
        lines += [
            f"| {k} | {g.cases} | {g.passed} | {_fmt(g.pass_rate)} | {_fmt(g.answer_accuracy)} | "
            f"{_fmt(g.fact_recall)} | {_fmt(g.citation_recall)} |"
            for k, g in groups.items()
        ]
    if comparison:
        lines += ["", f"## 与 {comparison.against} 对比", ""]
        lines += [f"- 通过→失败：{', '.join(comparison.pass_to_fail) or '无'}"]
        lines += [f"- 失败→通过：{', '.join(comparison.fail_to_pass) or '无'}"]
        if comparison.new_cases or comparison.removed_cases:
            lines += [f"- 新增用例：{len(comparison.new_cases)}，删除用例：{len(comparison.removed_cases)}"]
        lines += ["", "| 指标 | 之前 | 现在 | 变化 |", "|---|---|---|---|"]
        lines += [
            f"| {_LABELS.get(k, k)} | {_fmt(a)} | {_fmt(b)} | {_fmt(d)} |"
            for k, (a, b, d) in comparison.deltas.items()
            if d
        ]
    if summary.inconsistent_cases:
        lines += ["", "## 改写不一致", "", ", ".join(summary.inconsistent_cases)]
    lines += ["", "## 失败用例", ""]
    failed = [r for r in results if not r.passed]
    if not failed:
        lines.append("无。")
    for r in sorted(failed, key=lambda r: (r.severity != "critical", r.id)):
        lines += [f"### {r.id}（{r.kind}，{r.severity}，期望 {r.expected_status}）", ""]
        for q in r.queries:
            if q.passed:
                continue
            lines += [f"- **问**：{q.question}", f"  - 问题：{'；'.join(q.problems)}"]
            lines += [f"  - **答**（{q.status}）：" + q.answer.replace("\n", " ⏎ ")]
            lines += [
                f"  - [{c.n}] {c.division} · {c.section}{'' if c.gold else '（非标准条款）'}" for c in q.citations
            ]
        lines.append("")
    return "\n".join(lines) + "\n"


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def write_outputs(
    out: Path, summary: Summary, results: Sequence[CaseResult], comparison: Comparison | None = None
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(_dump(summary.model_dump()), encoding="utf-8")
    (out / "cases.json").write_text(_dump([r.model_dump() for r in results]), encoding="utf-8")
    (out / "report.md").write_text(render_report(summary, results, comparison), encoding="utf-8")
    if comparison:
        (out / "compare.json").write_text(_dump(comparison.model_dump()), encoding="utf-8")


# --- CLI -------------------------------------------------------------------------------------------------


def add_subparser(sub: Any) -> str:
    p = sub.add_parser("eval", help="运行回归评测（用例、指标、报告、门槛）")
    p.add_argument("--mode", choices=["extractive", "llm"], default="extractive", help="默认 extractive")
    p.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="用例文件或目录（默认 evals/cases）")
    p.add_argument("--out", type=Path, help="结果目录（默认 evals/results/latest 或 llm-latest）")
    p.add_argument("--compare", type=Path, help="与另一次运行的结果目录对比，例如 evals/results/baseline")
    p.add_argument("--thresholds", type=Path, default=DEFAULT_THRESHOLDS, help="阈值文件")
    p.add_argument("--today", default=DEFAULT_TODAY, help=f"固定的“今天”（默认 {DEFAULT_TODAY}）")
    p.add_argument("--strict", action="store_true", help="任何关键用例失败都判为不通过（忽略允许清单）")
    p.add_argument("--suggest-thresholds", action="store_true", help="按本次结果打印建议的阈值（YAML），供人工审阅")
    p.add_argument(
        "--repeat",
        choices=["original", "all", "none"],
        default="original",
        help="重复稳定率：再问一遍原问题（默认）、全部改写，或不测",
    )
    return "eval"


def run(args: argparse.Namespace, settings: Settings) -> int:
    from .services import build_assistant, build_index

    if args.mode == "llm" and not settings.llm_enabled:
        print("LLM 模式评测已跳过：未配置 LLM_BASE_URL 和 LLM_MODEL（可在 .env 中填写）。")
        return 0
    update: dict[str, object] = {"today": args.today}
    if args.mode == "extractive":
        update |= {"llm_base_url": "", "llm_model": ""}
    settings = settings.model_copy(update=update)
    cases = load_cases(args.cases)
    thresholds = load_thresholds(args.thresholds)
    started = time.perf_counter()
    index = build_index(settings, progress=sys.stderr.isatty())
    assistant = build_assistant(settings, index=index)
    if assistant.mode != args.mode:
        raise ConfigError(f"助手工厂构建的是 {assistant.mode} 模式，而评测要求 {args.mode} 模式。")
    summary, results = evaluate(
        assistant.ask, cases, Corpus(settings.knowledge_dir), mode=args.mode, today=args.today, repeat=args.repeat
    )
    summary.gate = gate(summary, thresholds, strict=args.strict)
    summary.gate_notes = gate_notes(summary, thresholds, (c.id for c in cases))
    comparison = compare(summary, results, args.compare) if args.compare else None
    out = args.out or DEFAULT_OUT / ("latest" if args.mode == "extractive" else "llm-latest")
    write_outputs(out, summary, results, comparison)
    _print_summary(summary, comparison, out, time.perf_counter() - started)
    if args.suggest_thresholds:
        print("\n# 建议阈值（审阅后再写入 evals/thresholds.yaml）：")
        print(yaml.safe_dump(suggest_thresholds(summary).model_dump(), allow_unicode=True, sort_keys=False))
    return 1 if summary.gate else 0


def _print_summary(summary: Summary, comparison: Comparison | None, out: Path, seconds: float) -> None:
    m = summary.metrics
    print(f"评测完成（{summary.mode}）：{m.cases} 个用例、{m.queries} 次提问，用时 {seconds:.1f} 秒")
    for k, v in m.model_dump().items():
        if k not in ("cases", "queries"):
            print(f"  {_LABELS.get(k, k):<16} {_fmt(v)}")
    if comparison:
        print(f"对比 {comparison.against}：通过→失败 {len(comparison.pass_to_fail)} 个"
              f"{'（' + ', '.join(comparison.pass_to_fail) + '）' if comparison.pass_to_fail else ''}，"
              f"失败→通过 {len(comparison.fail_to_pass)} 个")
    print(f"报告：{out / 'report.md'}")
    for note in summary.gate_notes:
        print(f"注意：{note}")
    if summary.gate:
        print("未通过门槛：")
        for v in summary.gate:
            print(f"  - {v}")
    else:
        print("通过门槛。")
