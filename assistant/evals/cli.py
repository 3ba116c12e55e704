"""`python -m assistant eval` (the regression evaluation) and `python -m assistant audit`.

`eval [--mode extractive|llm] [--cases PATH] [--out DIR] [--compare DIR] [--devset PATH | --no-devset]`
runs our case set (gated: exit 1 when `evals/thresholds.yaml` fails) and the shared development set
(reported only), writes the run directory and prints both suites' figures side by side.
`audit QUESTIONS.txt [--out FILE] [--division ID] [--strict]` runs the consistency audit.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..settings import ROOT, Settings
from .audit import read_questions, run_audit
from .cases import DEFAULT_CASES, load_cases
from .devset import DEFAULT_DEVSET, DevItemResult, load_devset, load_sources, skip_reason
from .gate import DEFAULT_THRESHOLDS, gate, gate_notes, load_thresholds, suggest_thresholds
from .metrics import CaseResult, Corpus
from .report import (
    LABELS,
    SIDE_BY_SIDE_NOTE,
    Comparison,
    compare,
    fmt,
    side_by_side,
    side_by_side_text,
    write_outputs,
)
from .runner import evaluate, evaluate_devset
from .summary import Summary

DEFAULT_OUT = ROOT / "evals" / "results"
# Deadline answers say whether a stage has passed, so a run pins "today" to stay reproducible.
DEFAULT_TODAY = "2026-11-21"


def add_subparser(sub: Any) -> tuple[str, ...]:
    """Register `eval` and `audit`; `run` dispatches on the command name."""
    _add_eval(sub)
    _add_audit(sub)
    return ("eval", "audit")


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_audit_command(args, settings) if args.command == "audit" else run_eval(args, settings)


def _add_eval(sub: Any) -> None:
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
    p.add_argument(
        "--devset", type=Path, default=DEFAULT_DEVSET, help="共享开发集 JSONL（默认 ../shared/questions/dev.jsonl）"
    )
    p.add_argument("--no-devset", action="store_true", help="不运行开发集")


def _add_audit(sub: Any) -> None:
    p = sub.add_parser("audit", help="一致性审计：同一问题的不同写法是否得到相同回答")
    p.add_argument("questions", type=Path, help="问题文件，每行一个问题")
    p.add_argument("--out", type=Path, help="报告文件（.md 为 Markdown，.json 为 JSON；默认打印到屏幕）")
    p.add_argument("--division", help="限定分赛：shanxi / shaanxi / xinjiang / yiyang / national-2025 / national-2024")
    p.add_argument("--strict", action="store_true", help="有不一致时以退出码 1 结束")


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from ..services import build_assistant, build_index

    if args.mode == "llm" and not settings.llm_enabled:
        print("LLM 模式评测已跳过：未配置 LLM_BASE_URL 和 LLM_MODEL（可在 .env 中填写）。")
        return 0
    update: dict[str, object] = {"today": args.today}
    if args.mode == "extractive":
        update |= {"llm_base_url": "", "llm_model": ""}
    settings = settings.model_copy(update=update)
    cases = load_cases(args.cases)
    thresholds = load_thresholds(args.thresholds)
    devset_note = skip_reason(args.devset, enabled=not args.no_devset)
    dev_items = load_devset(args.devset) if devset_note is None else []
    started = time.perf_counter()
    index = build_index(settings, progress=sys.stderr.isatty())
    assistant = build_assistant(settings, index=index)
    if assistant.mode != args.mode:
        raise ConfigError(f"助手工厂构建的是 {assistant.mode} 模式，而评测要求 {args.mode} 模式。")
    summary, results = evaluate(
        assistant.ask, cases, Corpus(settings.knowledge_dir), mode=args.mode, today=args.today, repeat=args.repeat
    )
    summary.metrics.sentences_dropped_rate = _dropped_share(assistant)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    dev_results: list[DevItemResult] = []
    if dev_items:
        summary.devset, dev_results = evaluate_devset(assistant.ask, dev_items, load_sources(), path=args.devset)
    dev_seconds = time.perf_counter() - started
    summary.gate = gate(summary, thresholds, strict=args.strict)
    summary.gate_notes = gate_notes(summary, thresholds, (c.id for c in cases))
    comparison = compare(summary, results, args.compare) if args.compare else None
    out = args.out or DEFAULT_OUT / ("latest" if args.mode == "extractive" else "llm-latest")
    write_outputs(out, summary, results, comparison, devset=dev_results, devset_note=devset_note)
    _print_summary(summary, comparison, out, seconds)
    _print_devset(summary, results, out, dev_seconds, devset_note)
    if args.suggest_thresholds:
        print("\n# 建议阈值（审阅后再写入 evals/thresholds.yaml）：")
        print(yaml.safe_dump(suggest_thresholds(summary).model_dump(), allow_unicode=True, sort_keys=False))
    return 1 if summary.gate else 0


def _dropped_share(assistant: Any) -> float | None:
    """LLM mode: the share of the model's sentences that grounding dropped during our cases."""
    if assistant.llm is None:
        return None
    from ..llm.path import LLMPath

    return assistant.llm.stats.dropped_share if isinstance(assistant.llm, LLMPath) else None


def _print_summary(summary: Summary, comparison: Comparison | None, out: Path, seconds: float) -> None:
    m = summary.metrics
    print(f"评测完成（{summary.mode}）：{m.cases} 个用例、{m.queries} 次提问，用时 {seconds:.1f} 秒")
    for k, v in m.model_dump().items():
        if k not in ("cases", "queries"):
            print(f"  {LABELS.get(k, k):<16} {fmt(v)}")
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


def _print_devset(
    summary: Summary, results: Sequence[CaseResult], out: Path, seconds: float, note: str | None
) -> None:
    """One line when the dev set was skipped; otherwise its size and both suites side by side."""
    d = summary.devset
    if d is None:
        print(note)
        return
    print(f"\n开发集（外部编写，不设门槛）：{d.items} 个问题、{d.queries} 次提问，用时 {seconds:.1f} 秒，"
          f"总体准确率 {fmt(d.overall_accuracy)}；逐题结果：{out / 'devset.json'}")
    print(side_by_side_text(side_by_side(summary, results)))
    print(SIDE_BY_SIDE_NOTE)


def run_audit_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..rules.divisions import parse
    from ..services import build_assistant

    questions = read_questions(args.questions)
    parse(args.division)  # fail fast on an unknown division
    assistant = build_assistant(settings, progress=sys.stderr.isatty())
    report = run_audit(assistant, questions, args.division)
    if args.out:
        text = report.model_dump_json(indent=2) if args.out.suffix == ".json" else report.to_markdown()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"已审计 {len(report.items)} 个问题，不一致 {len(report.diverged)} 个；报告：{args.out}")
    else:
        sys.stdout.write(report.to_markdown())
    return 1 if args.strict and report.diverged else 0
