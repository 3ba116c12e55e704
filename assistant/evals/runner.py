"""Running both suites through an `ask` callable (the Assistant's, or any stand-in with its signature):
our cases as `ask(text, case.division)`, dev items as `ask(text, None, history=item.history)`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from ..errors import AssistantError
from ..models import Answer
from .cases import Case
from .devset import DevItem, DevItemResult, DevQuery, DevSummary, grade, item_result, summarize_devset
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



def run_devset(
    ask: Ask, items: Sequence[DevItem], sources: dict[str, str], *, progress: bool = False
) -> list[DevItemResult]:
    """Ask every dev item's question and paraphrases with its earlier turns and grade them.

    No explicit division, as score.py's batch lines carry none: the item's `division` is what the
    grading expects, and a follow-up has to find it in the history."""
    results: list[DevItemResult] = []
    for i, item in enumerate(items, start=1):
        history = item.history_dicts()
        queries: list[DevQuery] = []
        for v, text in enumerate(item.variants):
            try:
                queries.append(grade(item, v, ask(text, None, history=history), sources))
            except AssistantError as exc:
                queries.append(grade(item, v, None, sources, error=exc.message))
        results.append(item_result(item, queries))
        if progress:
            sys.stderr.write(f"\r开发集 {i}/{len(items)}")
    if progress:
        sys.stderr.write("\n")
    return results


def evaluate_devset(
    ask: Ask, items: Sequence[DevItem], sources: dict[str, str], *, path: Path
) -> tuple[DevSummary, list[DevItemResult]]:
    results = run_devset(ask, items, sources, progress=sys.stderr.isatty())
    return summarize_devset(results, path), results
