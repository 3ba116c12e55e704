"""The shared development set (`../shared/questions/dev.jsonl`), graded in-process as
`../shared/questions/score.py` grades the batch contract.

Questions written from the notices by people who had not seen the product: colloquial, some
with several questions in one message, some follow-ups that need the earlier turns (`history`).
Reported beside our cases and never gated: a larger set of the same kind is kept elsewhere, so
use this one to find kinds of failure, not to tune wording.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigError
from ..models import Answer, DivisionId
from ..settings import ROOT
from .metrics import rate

DEFAULT_DEVSET = ROOT.parent / "shared" / "questions" / "dev.jsonl"
DEFAULT_SEEDS = ROOT / "tests" / "seeds"  # the vendored ../shared/seeds (a test keeps them equal)

Expect = Literal["answer", "decline", "clarify_or_enumerate"]
# Our division ids, and the spellings of the national guides the hidden set uses.
DevDivision = Literal[DivisionId, "national2025", "national2024"]
SeedFile = Literal[
    "000_d2a138442f4e7653.txt",
    "001_9353c53a7b511560.txt",
    "002_180715a1def6fcf8.txt",
    "003_22111ded05495491.txt",
    "004_dfffbdba3c31c784.txt",
]
# As in score.py: the division each source notice belongs to, for quotes and gold citations.
DOC_DIV: dict[str, DivisionId] = {
    "000_d2a138442f4e7653.txt": "xinjiang",
    "001_9353c53a7b511560.txt": "yiyang",
    "002_180715a1def6fcf8.txt": "shaanxi",
    "003_22111ded05495491.txt": "shanxi",
    "004_dfffbdba3c31c784.txt": "national-2024",
}
# An item's division → the citation divisions that count as a hit. The 2025 national guide is an
# annex of the Yiyang notice, so a citation of either counts.
GOLD_DIV: dict[str, frozenset[str]] = {
    "xinjiang": frozenset({"xinjiang"}),
    "yiyang": frozenset({"yiyang"}),
    "shaanxi": frozenset({"shaanxi"}),
    "shanxi": frozenset({"shanxi"}),
    "national-2025": frozenset({"national-2025", "yiyang"}),
    "national2025": frozenset({"national-2025", "yiyang"}),
    "national-2024": frozenset({"national-2024"}),
    "national2024": frozenset({"national-2024"}),
}
DECLINE = frozenset({"not_found", "out_of_scope"})


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Source(BaseModel):
    doc: SeedFile
    quote: str


class DevItem(BaseModel):
    """One line of dev.jsonl. The file is written outside this project, so unknown fields are
    ignored (as score.py ignores them) rather than rejected."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    paraphrases: list[str] = Field(default_factory=list)
    division: DevDivision | None = None  # the division the question is about (a label, not a parameter)
    category: str
    expect: Expect
    facts: list[list[str]] = Field(default_factory=list)  # each inner list: one fact's surface forms
    source: list[Source] = Field(default_factory=list)
    history: list[Turn] = Field(default_factory=list)  # earlier turns, oldest first

    @property
    def variants(self) -> list[str]:
        return [self.question, *self.paraphrases]

    def history_dicts(self) -> list[dict[str, str]]:
        return [t.model_dump() for t in self.history]


def load_devset(path: Path) -> list[DevItem]:
    """Items of a JSONL file (blank lines skipped); ids must be unique."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"无法读取开发集 {path}：{exc.strerror or exc}") from exc
    items: list[DevItem] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(DevItem.model_validate_json(line))
        except ValidationError as exc:
            raise ConfigError(f"开发集 {path} 第 {lineno} 行无效：{exc}") from exc
    ids = [i.id for i in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"开发集 {path} 中 id 重复：{', '.join(duplicates)}")
    if not items:
        raise ConfigError(f"开发集 {path} 中没有问题。")
    return items


def skip_reason(path: Path, *, enabled: bool = True) -> str | None:
    """Why the dev set does not run (one line for the console and the report), or None."""
    if not enabled:
        return "开发集已跳过（--no-devset）。"
    if not path.is_file():
        return f"开发集已跳过：未找到 {path}（可用 --devset PATH 指定）。"
    return None


# --- grading, as score.py does it ---------------------------------------------------------------


def norm(s: str) -> str:
    """score.py's comparison form: NFKC, the knowledge files' conversion repairs undone, whitespace
    and Markdown marks removed."""
    s = unicodedata.normalize("NFKC", s or "")
    s = re.sub(r'<input type="checkbox"\s*/?>', "☐", s)
    s = re.sub(r"</?(p|br|td|tr|table|tbody|thead|th)\s*/?>", "", s)
    s = s.replace("\\_", "_").replace("\\*", "*")
    s = re.sub(r"[\s*#|>`_]+", "", s)
    return s.replace("—", "-").replace("～", "~")


def load_sources(seeds_dir: Path = DEFAULT_SEEDS) -> dict[str, str]:
    """Normalised text of the source notices per division, for the verbatim-quote check."""
    text: dict[str, str] = {}
    for name, division in DOC_DIV.items():
        try:
            body = (seeds_dir / name).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"无法读取核对引文用的通知原文 {seeds_dir / name}：{exc.strerror or exc}") from exc
        text[division] = text.get(division, "") + norm(body)
    text["national-2025"] = text["yiyang"]  # the 2025 guide is an annex of the Yiyang notice
    return text


def facts_seen(answer: str, facts: Sequence[Sequence[str]]) -> list[bool]:
    a = norm(answer)
    return [any(norm(v) in a for v in alts) for alts in facts]


def gold_divisions(item: DevItem) -> set[str]:
    """Citation divisions that hit: the item's division, else each source notice's division."""
    gold: set[str] = set()
    for s in item.source:
        gold |= GOLD_DIV.get(item.division or "") or {DOC_DIV[s.doc]}
    return gold


class DevQuery(BaseModel):
    """One variant (0 = the question, 1.. = paraphrases) of a dev item, graded."""

    variant: int
    question: str
    status: str  # the answer's status, or "error" when ask() refused the input
    answer: str
    citations: list[str] = Field(default_factory=list)  # "division · section"
    passed: bool
    false_refusal: bool = False  # expect=answer, declined
    cite_hit: bool  # a citation in a gold division
    n_cits: int
    n_verified: int  # citations whose quote occurs in their division's notice
    facts_seen: list[bool]
    missing_facts: list[list[str]] = Field(default_factory=list)
    error: str | None = None


def grade(item: DevItem, variant: int, answer: Answer | None, sources: dict[str, str], error: str | None = None) -> DevQuery:
    """score.py's rules: expect=answer needs status answered and every fact; decline needs
    not_found or out_of_scope; clarify_or_enumerate needs clarify, or an answer with every fact."""
    text = answer.answer if answer else ""
    status = answer.status if answer else "error"
    cits = answer.citations if answer else []
    seen = facts_seen(text, item.facts)
    if item.expect == "answer":
        passed = status == "answered" and all(seen)
    elif item.expect == "decline":
        passed = status in DECLINE
    else:
        passed = status == "clarify" or (bool(item.facts) and all(seen))
    gold = gold_divisions(item)
    verified = [c for c in cits if norm(c.quote) and norm(c.quote) in sources.get(c.division, "")]
    return DevQuery(
        variant=variant,
        question=item.variants[variant],
        status=status,
        answer=text,
        citations=[f"{c.division} · {c.section}" for c in cits],
        passed=passed,
        false_refusal=item.expect == "answer" and status in DECLINE,
        cite_hit=bool(gold) and any(c.division in gold for c in cits),
        n_cits=len(cits),
        n_verified=len(verified),
        facts_seen=seen,
        missing_facts=[list(alts) for alts, ok in zip(item.facts, seen, strict=True) if not ok],
        error=error,
    )


class DevItemResult(BaseModel):
    id: str
    category: str
    expect: Expect
    division: str | None
    history: list[Turn]
    passed: bool  # the original question
    consistent: bool | None  # every paraphrase has the original's verdict (None: no paraphrases)
    robust: bool | None  # the original and every paraphrase pass
    queries: list[DevQuery]


def item_result(item: DevItem, queries: list[DevQuery]) -> DevItemResult:
    first, rest = queries[0], queries[1:]
    return DevItemResult(
        id=item.id,
        category=item.category,
        expect=item.expect,
        division=item.division,
        history=item.history,
        passed=first.passed,
        consistent=all(q.passed == first.passed for q in rest) if rest else None,
        robust=first.passed and all(q.passed for q in rest) if rest else None,
        queries=queries,
    )


# --- the dev set's figures ----------------------------------------------------------------------


class DevGroup(BaseModel):
    items: int
    passed: int
    accuracy: float | None


class DevSummary(BaseModel):
    """score.py's figures, as rates in [0, 1] (None when a run has nothing to measure them on);
    all on the original questions except the two paraphrase figures."""

    path: str
    items: int
    queries: int  # with paraphrases
    overall_accuracy: float | None
    answer_accuracy: float | None  # expect=answer: status answered and every fact
    decline_accuracy: float | None  # expect=decline: not_found or out_of_scope
    ambiguous_handled: float | None  # expect=clarify_or_enumerate
    false_refusal_rate: float | None  # expect=answer, declined
    citation_hit_rate: float | None  # expect=answer, a citation in a gold division
    verbatim_quote_rate: float | None  # quotes found in their division's notice / quotes
    paraphrase_consistency: float | None  # same verdict across variants
    robust_pass_rate: float | None  # every variant passes
    by_category: dict[str, DevGroup]
    failed: list[str]  # ids whose original question fails


def summarize_devset(results: Sequence[DevItemResult], path: Path) -> DevSummary:
    answer = [r for r in results if r.expect == "answer"]
    decline = [r for r in results if r.expect == "decline"]
    ambiguous = [r for r in results if r.expect == "clarify_or_enumerate"]
    firsts = [r.queries[0] for r in results]
    with_variants = [r for r in results if r.consistent is not None]
    by_category: dict[str, list[DevItemResult]] = {}
    for r in results:
        by_category.setdefault(r.category, []).append(r)
    return DevSummary(
        path=str(path),
        items=len(results),
        queries=sum(len(r.queries) for r in results),
        overall_accuracy=rate(sum(r.passed for r in results), len(results)),
        answer_accuracy=rate(sum(r.passed for r in answer), len(answer)),
        decline_accuracy=rate(sum(r.passed for r in decline), len(decline)),
        ambiguous_handled=rate(sum(r.passed for r in ambiguous), len(ambiguous)),
        false_refusal_rate=rate(sum(r.queries[0].false_refusal for r in answer), len(answer)),
        citation_hit_rate=rate(sum(r.queries[0].cite_hit for r in answer), len(answer)),
        verbatim_quote_rate=rate(sum(q.n_verified for q in firsts), sum(q.n_cits for q in firsts)),
        paraphrase_consistency=rate(sum(bool(r.consistent) for r in with_variants), len(with_variants)),
        robust_pass_rate=rate(sum(bool(r.robust) for r in with_variants), len(with_variants)),
        by_category={
            c: DevGroup(items=len(rs), passed=sum(r.passed for r in rs), accuracy=rate(sum(r.passed for r in rs), len(rs)))
            for c, rs in sorted(by_category.items())
        },
        failed=[r.id for r in results if not r.passed],
    )
