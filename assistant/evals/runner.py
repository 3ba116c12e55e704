"""Running cases through an `ask` callable (the Assistant's, or any stand-in with its signature)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Literal

from ..errors import AssistantError
from ..models import Answer
from .cases import Case
from .metrics import CaseResult, Corpus, QueryResult, case_result, error_result, score, signature
from .summary import Summary, summarize

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

