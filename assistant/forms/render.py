"""Values as text: one line for a summary, and checkbox lines (☑/☐) for documents."""

from __future__ import annotations

from typing import Any

from assistant.forms.answers import options, split_pick
from assistant.forms.schema import ChoiceGroup, Field
from assistant.forms.validators import InvalidAnswer, is_empty

CHECKED = "☑"
UNCHECKED = "☐"
BLANK = "____"


def number_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def with_unit(value: Any, unit: str) -> str:
    text = number_text(value)
    if not unit or not isinstance(value, int | float):
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def pick_text(f: Field, pick: str) -> str:
    """A stored option as the applicant reads it, e.g. "赛道一：… 2.煤炭关键工序数字改造"."""
    try:
        group, choice, other = split_pick(f, pick)
    except InvalidAnswer:
        return pick
    label = (
        f"{choice.code}.{choice.label}" if choice.code and group and len(group.choices) > 1 else choice.label
    )
    if other:
        label = f"{label}：{other}"
    if group is None:
        return label
    if len(group.choices) == 1:
        return group.label
    return f"{group.label} {label}"


def format_value(f: Field, value: Any) -> str:
    """One readable line (or paragraphs for long text)."""
    if is_empty(value):
        return ""
    if f.kind == "choice" and isinstance(value, str):
        return pick_text(f, value)
    if f.kind == "multi" and isinstance(value, list):
        return "、".join(pick_text(f, str(p)) for p in value)
    if f.kind == "group" and isinstance(value, dict):
        parts = []
        for sub in f.subfields:
            item = value.get(sub.key)
            if not is_empty(item):
                parts.append(f"{sub.label}：{with_unit(item, sub.unit)}")
        return "；".join(parts)
    if f.kind == "month_range" and isinstance(value, dict):
        return f"{value.get('start', '')} — {value.get('end', '')}"
    if f.kind == "table" and isinstance(value, list):
        return f"{len(value)} 行"
    return with_unit(value, f.unit)


def checkbox_lines(f: Field, value: Any) -> list[str]:
    """The template's checkbox rows with the applicant's picks ticked, "其他：内容" filled in."""
    picks = [value] if isinstance(value, str) else list(value or [])
    chosen: dict[tuple[str, str], str] = {}
    for pick in picks:
        try:
            group, choice, other = split_pick(f, str(pick))
        except InvalidAnswer:
            continue
        chosen[(group.label if group else "", choice.label)] = other
    lines: list[str] = []
    current: ChoiceGroup | None = None
    items: list[str] = []
    for opt in options(f):
        if opt.group is not current and items:
            lines.append(_line(current, items))
            items = []
        current = opt.group
        key = (opt.group.label if opt.group else "", opt.choice.label)
        mark = CHECKED if key in chosen else UNCHECKED
        label = (
            f"{opt.choice.code}.{opt.choice.label}"
            if opt.choice.code and opt.group and len(opt.group.choices) > 1
            else opt.choice.label
        )
        if opt.choice.other:
            label = f"{label}：{chosen.get(key) or BLANK}"
        items.append(f"{mark}{label}")
    if items:
        lines.append(_line(current, items))
    return lines


def _line(group: ChoiceGroup | None, items: list[str]) -> str:
    body = "  ".join(items)
    return f"{group.label}：{body}" if group else body


def _given(value: Any) -> bool:
    return not is_empty(value) and value != 0


def share_boxes(f: Field, value: Any) -> str:
    """A group of shares of one whole (数据交易形式) as the template prints it: a box per share,
    ticked when a share is given, its details (交易机构名称) after it."""
    shares = f.sum_max.fields if f.sum_max else []
    group = value if isinstance(value, dict) else {}
    items: list[str] = []
    for sub in f.subfields:
        item = group.get(sub.key)
        shown = f"{sub.label}：{with_unit(item, sub.unit) if not is_empty(item) else BLANK}"
        if sub.key in shares:
            items.append(f"{CHECKED if _given(item) else UNCHECKED}{shown}")
        elif items:
            items[-1] += f"，{shown}"
        else:
            items.append(shown)
    return "  ".join(items)


def na_box(f: Field, value: Any) -> str:
    """A value with the template's "☐ 不涉及" box beside it, e.g. "____  ☑不涉及" or "20 MB  ☐不涉及"."""
    na = value == f.na_label
    shown = BLANK if na or is_empty(value) else format_value(f, value)
    return f"{shown}  {CHECKED if na else UNCHECKED}{f.na_label}"
