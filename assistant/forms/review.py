"""What still needs attention in a draft: missing required fields, over-limit text, broken rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from assistant.forms.answers import check_table_rule
from assistant.forms.schema import FormSchema, Section
from assistant.forms.state import Flag
from assistant.forms.steps import (
    get_value,
    is_answered,
    min_filled_blocks,
    section_scope,
    unit_count,
    walk,
)
from assistant.forms.validators import InvalidAnswer
from assistant.forms.wordcount import count_text

IssueKind = Literal[
    "missing", "over_limit", "section_over_limit", "min_filled", "rule", "chars_over_limit", "checksum"
]


@dataclass(frozen=True)
class Issue:
    kind: IssueKind
    step_id: str
    where: str
    message: str

    @property
    def blocking(self) -> bool:
        """Issues the template would reject; the others are notices."""
        return self.kind in ("missing", "over_limit", "section_over_limit", "min_filled", "rule")


def section_words(section: Section, scope: dict[str, Any]) -> int:
    """字数 of all long-text fields of a section (三、应用成效 counts its three parts together)."""
    return sum(count_text(str(scope.get(f.key) or "")).words for f in section.fields if f.kind == "longtext")


def review(
    schema: FormSchema, answers: dict[str, Any], flags: dict[str, list[Flag]] | None = None
) -> list[Issue]:
    flags = flags or {}
    steps = walk(schema, answers)
    issues: list[Issue] = []
    for step in steps:
        if step.kind != "field" or step.field is None:
            continue
        f = step.field
        if f.required and not is_answered(answers, step):
            issues.append(Issue("missing", step.id, step.display, f"{step.display}：必填，尚未填写"))
            continue
        value = get_value(answers, step)
        if f.kind == "longtext" and f.limit is not None and isinstance(value, str):
            counts = count_text(value)
            if counts.words > f.limit:
                issues.append(
                    Issue(
                        "over_limit",
                        step.id,
                        step.display,
                        f"{step.display}：{counts.words} 字，超出“{f.limit_text}”的要求 {counts.words - f.limit} 字",
                    )
                )
            elif counts.chars > f.limit:
                issues.append(
                    Issue(
                        "chars_over_limit",
                        step.id,
                        step.display,
                        f"{step.display}：字数 {counts.words} 未超限，但字符数 {counts.chars} 超过 {f.limit}",
                    )
                )
        if "checksum_confirmed" in flags.get(step.id, []):
            issues.append(
                Issue("checksum", step.id, step.display, f"{step.display}：校验位不符，已由申请人确认无误")
            )
    issues.extend(_section_issues(schema, answers))
    issues.extend(_rule_issues(schema, answers))
    return issues


def _section_issues(schema: FormSchema, answers: dict[str, Any]) -> list[Issue]:
    out = []
    for _, section in schema.sections():
        if section.limit is None or section.repeat:
            continue
        words = section_words(section, section_scope(answers, section, None))
        if words > section.limit:
            title = f"{section.number}{section.title}"
            out.append(
                Issue(
                    "section_over_limit",
                    section.key,
                    title,
                    f"{title}：各部分合计 {words} 字，超出“{section.limit_text}”的要求 {words - section.limit} 字",
                )
            )
    return out


def _rule_issues(schema: FormSchema, answers: dict[str, Any]) -> list[Issue]:
    out = []
    for block in min_filled_blocks(schema, answers):
        if not block.ok:
            out.append(
                Issue(
                    "min_filled",
                    block.last_step_id,
                    block.block.label,
                    f"{block.block.label}{block.block.constraint}，目前填了 {block.filled} 项",
                )
            )
    for _, section in schema.sections():
        units: list[int | None] = list(range(unit_count(answers, section))) if section.repeat else [None]
        for unit in units:
            scope = section_scope(answers, section, unit)
            for f in section.fields:
                rows = scope.get(f.key)
                if f.kind == "table" and f.exactly_one and isinstance(rows, list) and rows:
                    try:
                        check_table_rule(f, rows)
                    except InvalidAnswer as exc:
                        out.append(Issue("rule", f"{section.key}.{f.key}", f.label, exc.message.rstrip("。")))
    return out


def missing_count(issues: list[Issue]) -> int:
    return sum(1 for i in issues if i.kind == "missing")
