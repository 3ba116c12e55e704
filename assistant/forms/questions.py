"""What the applicant reads: each question with the template's hints, progress, the summary, a preview."""

from __future__ import annotations

from typing import Any

from assistant.forms.answers import options
from assistant.forms.render import format_value
from assistant.forms.review import Issue, review, section_words
from assistant.forms.schema import Field, FormSchema, block_path
from assistant.forms.state import DraftState, PendingKind
from assistant.forms.steps import Step, get_value, is_answered, progress, section_scope, walk
from assistant.forms.validators import is_empty
from assistant.forms.wordcount import count_text

HELP = (
    "可用命令：跳过、上一步、修改 <字段>（如“修改 项目名称”“修改 团队成员2·手机”）、"
    "进度、预览、导出、说明（解释当前字段）、帮助。"
)
LLM_HELP = "已配置大模型时，还可发送“提取：<一段介绍文字>”，从中识别本部分的多个字段供您确认。"
PENDING_PROMPTS: dict[PendingKind, str] = {
    "confirm_code": "上次输入的统一社会信用代码校验位不符，确认无误请回复“确认”，否则请重新输入。",
    "over_limit": "上次填写的内容超过字数限制：请发送精简后的全文，或回复“保留”。",
    "confirm_export": "确认导出请回复“确认”。",
    "accept_extraction": "回复“采用”保存上次识别出的内容，或直接回答当前问题。",
}
ISSUE_TITLES = {
    "missing": "未填写的必填项",
    "over_limit": "超过字数限制（原文保留，导出时标注）",
    "section_over_limit": "部分合计超过字数限制",
    "min_filled": "未满足数量要求",
    "rule": "不符合填写规则",
    "chars_over_limit": "字数未超限但字符数超限（部分网上平台按字符计）",
    "checksum": "校验位不符但已确认",
}


def short(text: str, limit: int = 60) -> str:
    """The start of a long value for a one-line display (the draft itself is never shortened)."""
    flat = text.replace("\n", " ")
    if len(flat) <= limit:
        return flat
    return f"{flat[:limit]}…（共 {count_text(text).words} 字）"


def question_text(answers: dict[str, Any], step: Step) -> str:
    """The question for a step: where it is, the template's words, how to answer, the current value."""
    blocks = block_path(step.section.fields, step.field.key) if step.field and step.table is None else []
    trail = "".join(
        f" › {b.number + ' ' if b.number else ''}{b.label}{('（' + b.constraint + '）') if b.constraint else ''}"
        for b in blocks
    )
    lines = [f"【{step.where}{trail}】"]
    if step.kind == "add":
        lines.append(add_question(step))
        return "\n".join(lines)
    f = step.field
    assert f is not None
    if f.heading:
        lines.append(f.heading)
    number = f"{f.number} " if f.number and not f.number.startswith("（") else f.number
    constraint = f"（{f.constraint}）" if f.constraint else ""
    need = "必填" if f.required else "选填"
    lines.append(f"{'*' if f.required else ''}{number}{step.display}{constraint}〔{need}〕")
    if f.prompt and f.prompt != step.display:
        lines.append(f.prompt)
    if f.hint:
        lines.append(f"说明：{f.hint}")
    if f.limit is not None:
        lines.append(f"字数要求：{f.limit_text}（按 Word 字数统计）。")
    section = step.section
    if section.limit is not None and f.kind == "longtext" and step.table is None:
        parts = "、".join(c.label for c in section.fields if c.kind == "longtext")
        used = section_words(section, section_scope(answers, section, step.unit))
        lines.append(
            f"字数要求：{section.number}{section.title}的 {parts} 合计{section.limit_text}"
            f"（按 Word 字数统计），目前已写 {used} 字。"
        )
    lines.extend(instructions(f))
    current = get_value(answers, step)
    if not is_empty(current):
        lines.append(f"当前已填：{short(format_value(f, current))}（发送新内容即可修改，回复“跳过”保持不变）")
    return "\n".join(lines)


def add_question(step: Step) -> str:
    """ "是否添加第 N …？" with the row limit when there is one."""
    n = (step.row or 0) + 1
    if step.field is None:
        rep = step.section.repeat
        assert rep is not None
        return f"是否添加第 {n} {rep.row_noun}？（{rep.label}最多 {rep.max} {rep.row_noun[:1]}）请回复“是”或“否”。"
    table = step.field
    limit = f"，{table.label}最多 {table.max_rows} {table.row_noun[:1]}" if table.max_rows else ""
    hint = f"（{table.hint}{limit}）" if table.hint else (f"（{limit.lstrip('，')}）" if limit else "")
    return f"{table.label}：是否添加第 {n} {table.row_noun}？{hint}请回复“是”或“否”。"


OPTIONS_HEAD = "选项："
_OPTION_ROW = "  "  # each listed row of options starts so (see `instructions`)


def without_options(message: str) -> str:
    """A message without its listed options, for a page that shows them as numbered buttons instead."""
    out: list[str] = []
    listing = False
    for line in message.split("\n"):
        if line == OPTIONS_HEAD:
            listing = True
            continue
        if listing and line.startswith(_OPTION_ROW):
            continue
        listing = False
        out.append(line)
    return "\n".join(out)


def instructions(f: Field) -> list[str]:
    """How to answer a field of this kind."""
    lines: list[str] = []
    if f.is_choice:
        lines.append(OPTIONS_HEAD)
        current = None
        row: list[str] = []
        for opt in options(f):
            if f.groups and opt.group is not current:
                if row:
                    lines.append(_OPTION_ROW + "  ".join(row))
                current = opt.group
                row = [f"【{opt.group.label if opt.group else ''}】"]
            row.append(f"{opt.number} {opt.choice.label}{'：____' if opt.choice.other else ''}")
        if row:
            lines.append(_OPTION_ROW + "  ".join(row))
        many = "多个用“、”分隔；" if f.kind == "multi" else ""
        other = "选“其他”请写成“编号：具体内容”；" if any(o.choice.other for o in options(f)) else ""
        lines.append(f"请回复编号或选项名称；{many}{other}".rstrip("；") + "。")
    elif f.kind == "group":
        items = "、".join(
            f"{s.label}{('（' + s.unit + '）') if s.unit else ''}{'*' if s.required else ''}"
            for s in f.subfields
        )
        example = "，".join(f"{s.label}：…" for s in f.subfields[:2])
        lines.append(f"本组包括：{items}{'（* 为必填）' if any(s.required for s in f.subfields) else ''}。")
        lines.append(f"请按“名称：值”填写，如“{example}”；也可按顺序用“、”分隔填写数值，不填的留空。")
    elif f.kind in KIND_HINTS:
        lines.append(KIND_HINTS[f.kind])
    elif f.kind in ("money", "number", "integer", "percent"):
        unit = f"单位：{f.unit}，" if f.unit else ""
        kind = {"integer": "整数", "percent": "0–100 的数字"}.get(f.kind, "数字")
        lines.append(f"{unit}请填写{kind}{'（亏损填负数）' if f.allow_negative else ''}。")
    if f.na_label:
        lines.append(f"不涉及请回复“{f.na_label}”。")
    return lines


KIND_HINTS = {
    "yesno": "请回复“是”或“否”。",
    "date": "格式如“2015年6月8日”或“2015-06”。",
    "month_range": "格式如“2023年1月—2024年6月”（结束可写“至今”）。",
    "uscc": "请填写 18 位统一社会信用代码（见营业执照）。",
    "id_number": "证件类型为居民身份证时，请填写 18 位身份证号码。",
    "mobile": "请填写 11 位手机号码。",
    "phone": "请填写手机号码或固定电话（如 0351-1234567）。",
    "longtext": "可分段填写；超出字数限制的内容会完整保留并提示您精简，不会被截断。",
}


def progress_text(schema: FormSchema, answers: dict[str, Any]) -> str:
    """Required fields done / shown, overall and per section."""
    steps = walk(schema, answers)
    overall = progress(schema, answers, steps)
    lines = [f"必填项进度：{overall.done}/{overall.total}（{overall.percent}%）。"]
    for part, section in schema.sections():
        own = [
            s for s in steps if s.section is section and s.kind == "field" and s.field and s.field.required
        ]
        if own:
            done = sum(1 for s in own if is_answered(answers, s))
            lines.append(f"· {part.title[:4]} {section.number}{section.title}：{done}/{len(own)}")
    return "\n".join(lines)


def summary(schema: FormSchema, state: DraftState, *, closing: bool = True) -> str:
    """The confirmation summary shown before export: progress and everything still to fix
    (`closing`: with the line saying how to export or change a field)."""
    issues = review(schema, state.answers, state.flags)
    p = progress(schema, state.answers)
    lines = [f"\n填写情况：必填项已完成 {p.done}/{p.total}（{p.percent}%）。"]
    grouped: dict[str, list[Issue]] = {}
    for issue in issues:
        grouped.setdefault(issue.kind, []).append(issue)
    for kind, title in ISSUE_TITLES.items():
        found = grouped.get(kind, [])
        if found:
            shown = "；".join(i.message if kind != "missing" else i.where for i in found[:15])
            more = f" 等 {len(found)} 项" if len(found) > 15 else ""
            lines.append(f"{title}（{len(found)}）：{shown}{more}")
    if not issues:
        lines.append("所有必填项均已填写，未发现问题。")
    if closing:
        lines.append("回复“导出”生成申报书（Word），或用“修改 <字段>”修改任一项。")
    return "\n".join(lines)


def preview(schema: FormSchema, answers: dict[str, Any]) -> str:
    lines = ["当前草稿预览（长文只显示开头）："]
    for step in walk(schema, answers):
        if step.kind == "field" and step.field is not None:
            value = get_value(answers, step)
            if not is_empty(value):
                lines.append(f"· {step.display}：{short(format_value(step.field, value))}")
    if len(lines) == 1:
        lines.append("（尚未填写任何内容）")
    return "\n".join(lines)
