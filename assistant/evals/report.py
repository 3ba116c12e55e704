"""The run's outputs: `report.md` (with the dev-set section), the comparison with another run, the
side-by-side figures of both suites, and the files of a run directory."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import ConfigError
from .devset import DevItemResult, DevSummary
from .metrics import CaseResult, rate
from .summary import Metrics, Summary


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

LABELS = {
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
    "sentences_dropped_rate": "核实删句率（LLM）",
}


def fmt(v: object) -> str:
    return "—" if v is None else str(v)


def render_report(
    summary: Summary,
    results: Sequence[CaseResult],
    comparison: Comparison | None = None,
    *,
    devset: Sequence[DevItemResult] = (),
    devset_note: str | None = None,
) -> str:
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
    lines += [f"| {LABELS.get(k, k)} | {fmt(v)} |" for k, v in m.model_dump().items() if k not in ("cases", "queries")]
    for title, groups in (("按类型", summary.by_kind), ("按分赛", summary.by_division)):
        lines += ["", f"## {title}", "", "| 分组 | 用例 | 通过 | 通过率 | 答案准确率 | 事实召回 | 引用召回 |", "|---|---|---|---|---|---|---|"]
        lines += [
            f"| {k} | {g.cases} | {g.passed} | {fmt(g.pass_rate)} | {fmt(g.answer_accuracy)} | "
            f"{fmt(g.fact_recall)} | {fmt(g.citation_recall)} |"
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
            f"| {LABELS.get(k, k)} | {fmt(a)} | {fmt(b)} | {fmt(d)} |"
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
    lines += _devset_section(summary, results, devset, devset_note)
    return "\n".join(lines) + "\n"


# --- the dev set beside our cases ---------------------------------------------------------------

DEV_LABELS = {
    "overall_accuracy": "总体准确率",
    "answer_accuracy": "答案准确率（应答题：状态 answered 且事实齐全）",
    "decline_accuracy": "拒答准确率（not_found / out_of_scope）",
    "ambiguous_handled": "模糊问题处理率（澄清或逐一列举）",
    "false_refusal_rate": "误拒率",
    "citation_hit_rate": "引用命中标准分赛",
    "verbatim_quote_rate": "引文原文率",
    "paraphrase_consistency": "改写一致率（各写法判定相同）",
    "robust_pass_rate": "改写稳健率（各写法全部通过）",
}
SIDE_BY_SIDE_NOTE = (
    "our cases: answer accuracy on the original questions; paraphrase robustness = paraphrase_consistency "
    "(same status, cited sections and verdict across variants); form = kind template, original questions. "
    "dev set: paraphrase robustness = the question and every paraphrase pass."
)


def side_by_side(summary: Summary, results: Sequence[CaseResult]) -> list[tuple[str, str, str]]:
    """Rows (figure, our cases, dev set); n/a where a suite has no such category or did not run."""
    m, dev = summary.metrics, summary.devset

    def category(name: str) -> float | None:
        group = dev.by_category.get(name) if dev else None
        return group.accuracy if group else None

    template = [q.answer_correct for r in results if r.kind == "template" for q in r.queries if q.variant == 0]
    rows = [
        ("answer accuracy", m.answer_accuracy_original, dev.answer_accuracy if dev else None),
        ("decline accuracy", m.decline_accuracy, dev.decline_accuracy if dev else None),
        ("paraphrase robustness", m.paraphrase_consistency, dev.robust_pass_rate if dev else None),
        ("follow-ups", None, category("followup")),
        ("multi-part", None, category("multipart")),
        ("form", rate(sum(template), len(template)), category("form")),
    ]
    return [(label, _na(ours), _na(theirs)) for label, ours, theirs in rows]


def side_by_side_text(rows: Sequence[tuple[str, str, str]]) -> str:
    table = [("", "our cases", "dev set"), *rows]
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table)


def _na(v: float | None) -> str:
    return "n/a" if v is None else str(v)


def _devset_section(
    summary: Summary, results: Sequence[CaseResult], devset: Sequence[DevItemResult], note: str | None
) -> list[str]:
    lines = ["", "## 开发集（外部编写）", ""]
    dev: DevSummary | None = summary.devset
    if dev is None:
        return lines + [note or "未运行。"]
    lines += [
        f"`{dev.path}`：{dev.items} 个问题，{dev.queries} 次提问（含改写），由未见过本产品的人按通知编写；"
        "按 ../shared/questions/score.py 的规则评分，只报告、不设门槛。除改写两项外均按原问题计。",
        "",
        "| 指标 | 值 |",
        "|---|---|",
    ]
    lines += [f"| {label} | {fmt(getattr(dev, k))} |" for k, label in DEV_LABELS.items()]
    lines += ["", "### 按类别", "", "| 类别 | 问题 | 通过 | 准确率 |", "|---|---|---|---|"]
    lines += [f"| {c} | {g.items} | {g.passed} | {fmt(g.accuracy)} |" for c, g in dev.by_category.items()]
    lines += ["", "### 与本项目用例对照", "", "| | our cases | dev set |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in side_by_side(summary, results)]
    lines += ["", SIDE_BY_SIDE_NOTE, "", "### 开发集失败", ""]
    failing = [r for r in devset if any(not q.passed for q in r.queries)]
    if not failing:
        lines.append("无。")
    for r in sorted(failing, key=lambda r: (r.category, r.id)):
        lines += [f"#### {r.id}（{r.category}，期望 {r.expect}，分赛 {r.division or '未指明'}）", ""]
        if r.history:
            lines.append("- **此前的提问**：" + " → ".join(t.content for t in r.history))
        for q in r.queries:
            if q.passed:
                continue
            lines.append(f"- **{'问' if q.variant == 0 else f'改写 {q.variant}'}**：{q.question}（状态 {q.status}）")
            if q.missing_facts:
                lines.append("  - 缺少事实：" + "；".join(" / ".join(g) for g in q.missing_facts))
            if q.error:
                lines.append(f"  - 错误：{q.error}")
            lines.append("  - **答**：" + _start(q.answer))
        lines.append("")
    return lines


def _start(text: str, limit: int = 160) -> str:
    one = text.replace("\n", " ⏎ ")
    return one if len(one) <= limit else one[:limit] + "…"


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def write_outputs(
    out: Path,
    summary: Summary,
    results: Sequence[CaseResult],
    comparison: Comparison | None = None,
    *,
    devset: Sequence[DevItemResult] = (),
    devset_note: str | None = None,
) -> None:
    """summary.json, cases.json, report.md, and devset.json (removed when the dev set did not run,
    so a stale file never sits beside a new summary); compare.json with --compare."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(_dump(summary.model_dump()), encoding="utf-8")
    (out / "cases.json").write_text(_dump([r.model_dump() for r in results]), encoding="utf-8")
    report = render_report(summary, results, comparison, devset=devset, devset_note=devset_note)
    (out / "report.md").write_text(report, encoding="utf-8")
    if summary.devset is not None:
        (out / "devset.json").write_text(_dump([r.model_dump() for r in devset]), encoding="utf-8")
    else:
        (out / "devset.json").unlink(missing_ok=True)
    if comparison:
        (out / "compare.json").write_text(_dump(comparison.model_dump()), encoding="utf-8")

