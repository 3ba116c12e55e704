"""Turn one reply into a validated value for one field (deterministic, offline).

Choices are parsed in `choices.py`. A group is answered "名称：值" pair by pair (a shortened
name is taken when it fits one item only; a name that is not in the group is reported, never
glued onto the item before it) or with the values in order, where optional trailing items may
be left out. Each problem raises `InvalidAnswer` naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from assistant.forms.choices import (
    SEPARATORS,
    base_label,
    check_picks,
    key,
    options,
    parse_choices,
    split_pick,
)
from assistant.forms.schema import Field
from assistant.forms.validators import (
    InvalidAnswer,
    check_control_chars,
    check_exactly_one,
    check_id_number,
    check_mobile,
    check_one_line,
    check_percent,
    check_person_name,
    check_phone,
    check_sum_le,
    check_sum_max,
    check_uscc,
    count_matching,
    is_empty,
    nfkc,
    parse_date,
    parse_month_range,
    parse_number,
    parse_yesno,
)
from assistant.forms.wordcount import count_text

__all__ = [
    "Context",
    "Interpretation",
    "check_group",
    "check_picks",
    "check_siblings",
    "check_table_rule",
    "interpret",
    "options",
    "parse_group",
    "split_pick",
]

ID_CARD = "居民身份证"


@dataclass
class Context:
    """What a field's checks may look at besides the reply."""

    today: date
    scope: dict[str, Any] = field(default_factory=dict)  # sibling values
    rows: list[dict[str, Any]] | None = None  # the whole table, for a cell
    row: int | None = None
    table: Field | None = None
    labels: dict[str, str] = field(default_factory=dict)  # sibling key → label, for messages


@dataclass
class Interpretation:
    value: Any
    confirm: str | None = None  # a warning the applicant must confirm (统一社会信用代码校验位)
    notes: list[str] = field(default_factory=list)
    over_limit: tuple[int, int] | None = None  # (字数, limit): kept but flagged


_LABELLED = re.compile(r"\s*([^:：=]+?)\s*(?:[(（][^)）]*[)）])?\s*[:：=]\s*(.*)", re.S)


def _names(sub: Field) -> set[str]:
    """What an item of a group may be called: its label, without its parenthetical, a bare year."""
    names = {base_label(sub.label), sub.label}
    if re.fullmatch(r"\d{4}\s*年.*", sub.label):
        names |= {sub.label[:4] + "年", sub.label[:4]}
    return {key(n) for n in names}


def _subfield(f: Field, name: str) -> tuple[Field, bool]:
    """The item `name` stands for, and whether it was a shortened name; else the reason why not."""
    k = key(name)
    for sub in f.subfields:
        if k in _names(sub):
            return sub, False
    partial = [sub for sub in f.subfields if any(k in n or n in k for n in _names(sub))]
    if len(partial) == 1:
        return partial[0], True
    items = "、".join(sub.label for sub in f.subfields)
    if partial:
        listed = "、".join(f"“{sub.label}”" for sub in partial)
        raise InvalidAnswer(f"“{name}”可能是 {listed}，请写全名称，例如“{partial[0].label}：…”。")
    raise InvalidAnswer(
        f"“{name}”不是这一组的项目（本组包括：{items}）。请按“名称：值”逐项填写；"
        "如果它是上一项内容的一部分，请去掉它后面的冒号。"
    )


def _in_order(f: Field, raw: str) -> dict[str, str]:
    """Values typed in the template's order; optional items at the end may be left out."""
    parts = re.split(f"[{SEPARATORS}]", raw)
    if len(parts) == 1 and len(f.subfields) > 1:
        parts = raw.split()
    missing = f.subfields[len(parts) :]
    if len(parts) > len(f.subfields) or any(sub.required for sub in missing):
        names = "、".join(s.label for s in f.subfields)
        raise InvalidAnswer(
            f"这一组需要 {len(f.subfields)} 项（{names}），您给了 {len(parts)} 项。"
            "可按“名称：值”逐项填写，或按顺序用“、”分隔，不填的项留空。"
        )
    return {sub.key: part.strip() for sub, part in zip(f.subfields, parts, strict=False)}


def parse_group(f: Field, text: str) -> tuple[dict[str, str], list[str]]:
    """Raw text per item, from "名称：值" pairs or values in order; notes say how a short name was read."""
    raw = nfkc(text).strip()
    chunks = re.split(f"([{SEPARATORS}])", raw)
    segments = [(chunks[i - 1] if i else "", chunks[i]) for i in range(0, len(chunks), 2)]
    if not any(_LABELLED.fullmatch(seg) for _, seg in segments):
        return _in_order(f, raw), []
    out: dict[str, str] = {}
    notes: list[str] = []
    current: Field | None = None
    for sep, seg in segments:
        m = _LABELLED.fullmatch(seg)
        if m:
            current, shortened = _subfield(f, m.group(1))
            if current.key in out:
                raise InvalidAnswer(f"“{current.label}”填写了两次，请只保留一个值。")
            out[current.key] = m.group(2).strip()
            if shortened:
                notes.append(f"“{m.group(1).strip()}”按“{current.label}”记录。")
            continue
        if not seg.strip():
            continue
        if current is None:
            raise InvalidAnswer(f"“{seg.strip()}”不知道是哪一项，请按“名称：值”逐项填写。")
        thousands = sep == "," and re.fullmatch(r"\d{3}(\.\d+)?\S*", seg.strip()) and out[current.key][-1:].isdigit()
        if current.kind == "text" or thousands:
            out[current.key] += ("" if thousands else sep) + seg.strip()  # 山西数据交易中心、北京…; 1,200
            continue
        raise InvalidAnswer(
            f"“{seg.strip()}”不知道属于哪一项（前一项“{current.label}”只能填一个值）。请按“名称：值”逐项填写。"
        )
    return out, notes


def _scalar(f: Field, text: str, ctx: Context) -> Interpretation:
    """One value of a non-choice, non-group kind."""
    stripped = text.strip()
    kind = f.kind
    if f.na_label and key(stripped) == key(f.na_label):
        return Interpretation(f.na_label)
    if kind == "person_name":
        try:
            return Interpretation(check_person_name(stripped))
        except InvalidAnswer as exc:
            if ctx.table is None:
                raise
            rows = f"（最多 {ctx.table.max_rows} 名）" if ctx.table.max_rows else ""
            raise InvalidAnswer(
                f"{exc.message}{ctx.table.label}逐名填写{rows}：每次只填一名成员，"
                "填完这名成员的各项后，会问您是否添加下一名。"
            ) from None
    if kind in ("text", "longtext"):
        value = stripped.replace("\r\n", "\n")
        if kind == "text":
            value = re.sub(r"\s*\n\s*", " ", value)
            check_one_line(f.label, value)
        result = Interpretation(value)
        if f.limit is not None:
            counts = count_text(value)
            if counts.words > f.limit:
                result.over_limit = (counts.words, f.limit)
            elif counts.chars > f.limit:
                result.notes.append(
                    f"提示：按 Word 计为 {counts.words} 字，未超限；但字符数为 {counts.chars}，"
                    f"超过 {f.limit}。部分网上报名平台按字符数计算，请留意。"
                )
        return result
    if kind in ("number", "integer", "money", "percent"):
        number = parse_number(
            stripped, unit=f.unit, integer=kind == "integer", allow_negative=f.allow_negative
        )
        if kind == "percent":
            check_percent(number)
        return Interpretation(number)
    if kind == "date":
        return Interpretation(parse_date(stripped, ctx.today))
    if kind == "month_range":
        return Interpretation(parse_month_range(stripped, ctx.today))
    if kind == "yesno":
        return Interpretation(parse_yesno(stripped))
    if kind == "uscc":
        code = check_uscc(stripped)
        if code.checksum_ok:
            return Interpretation(code.code)
        return Interpretation(
            code.code,
            confirm=(
                f"统一社会信用代码 {code.code} 的校验位不符：按前 17 位计算第 18 位应为 {code.expected}。"
                "请核对营业执照；少数早期代码确实不符合校验规则。确认无误请回复“确认”，否则请重新输入。"
            ),
        )
    if kind == "id_number":
        id_type = ctx.scope.get(f.id_type_field) if f.id_type_field else ID_CARD
        if id_type == ID_CARD:
            return Interpretation(check_id_number(stripped, ctx.today))
        if not re.fullmatch(r"[A-Za-z0-9()（）\-]{5,30}", nfkc(stripped)):
            raise InvalidAnswer("证件号码应为 5–30 位字母或数字。")
        return Interpretation(nfkc(stripped).upper())
    if kind == "mobile":
        return Interpretation(check_mobile(stripped))
    if kind == "phone":
        return Interpretation(check_phone(stripped))
    raise InvalidAnswer(f"暂不支持的字段类型：{kind}")


def _group(f: Field, text: str, ctx: Context) -> Interpretation:
    raw, notes = parse_group(f, text)
    value: dict[str, Any] = {}
    for sub in f.subfields:
        item = raw.get(sub.key, "")
        if is_empty(item):
            continue
        try:
            part = _scalar(sub, item, ctx)
        except InvalidAnswer as exc:
            raise InvalidAnswer(f"{sub.label}：{exc.message}") from None
        value[sub.key] = part.value
        notes.extend(part.notes)
    check_group(f, value)
    return Interpretation(value, notes=notes)


def check_group(f: Field, value: dict[str, Any]) -> None:
    """Required subfields and the group's sum rules (also used when importing)."""
    missing = [sub.label for sub in f.subfields if sub.required and is_empty(value.get(sub.key))]
    if missing:
        raise InvalidAnswer(f"请填写：{'、'.join(missing)}（没有请填 0）。")

    def num(key: str) -> float:
        item = value.get(key)
        return float(item) if isinstance(item, int | float) else 0.0

    if f.sum_max:
        check_sum_max(label=f.sum_max.label, values=[num(k) for k in f.sum_max.fields], maximum=f.sum_max.max)
    labels = {sub.key: sub.label for sub in f.subfields}
    for rule in f.sum_le:
        check_sum_le(
            label=rule.label,
            parts=[num(k) for k in rule.parts],
            total=num(rule.total),
            total_label=labels[rule.total],
        )


def check_siblings(f: Field, value: Any, ctx: Context) -> None:
    """Rules across fields: AI 投入 ≤ 研发投入; only one 团队联络人."""
    if f.max_field and isinstance(value, int | float):
        limit = ctx.scope.get(f.max_field)
        if isinstance(limit, int | float) and value > limit:
            other = ctx.labels.get(f.max_field, f.max_field)
            raise InvalidAnswer(f"{f.label}（{value:g} {f.unit}）不能大于{other}（{limit:g} {f.unit}）。")
    table = ctx.table
    if table and f.unique and ctx.rows is not None and not is_empty(value):
        for i, row in enumerate(ctx.rows):
            if i != ctx.row and row.get(f.key) == value:
                raise InvalidAnswer(
                    f"与{table.label}{i + 1}的{f.label}相同（{value}）。每名成员的{f.label}应不同，请核对后重新输入。"
                )
    if table and table.exactly_one and table.exactly_one.column == f.key and ctx.rows is not None:
        rule = table.exactly_one
        others = [row for i, row in enumerate(ctx.rows) if i != ctx.row]
        if value == rule.value and count_matching(others, rule.column, rule.value) >= 1:
            holder = next(
                i for i, row in enumerate(ctx.rows) if i != ctx.row and row.get(rule.column) == rule.value
            )
            raise InvalidAnswer(
                f"{rule.label}只能有 1 名，{table.label}{holder + 1}已是{rule.label}。"
                f"如需更换，请先用“修改 {table.label}{holder + 1}·{f.label}”改为“否”。"
            )


def check_table_rule(table: Field, rows: list[dict[str, Any]]) -> None:
    """Rules over a whole table: no repeated 证件号码/手机, exactly one 团队联络人."""
    for col in table.columns:
        if not col.unique:
            continue
        seen: dict[str, int] = {}
        for i, row in enumerate(rows):
            item = row.get(col.key)
            if is_empty(item):
                continue
            if str(item) in seen:
                first = seen[str(item)] + 1
                raise InvalidAnswer(f"{table.label}{first}和{table.label}{i + 1}的{col.label}相同（{item}），请核对。")
            seen[str(item)] = i
    if table.exactly_one:
        rule = table.exactly_one
        check_exactly_one(
            label=f"{table.label}中的{rule.label}", rows=rows, column=rule.column, value=rule.value
        )


def interpret(f: Field, text: str, ctx: Context) -> Interpretation:
    """The validated value for a reply to field `f`."""
    if not text.strip():
        raise InvalidAnswer("回复为空。请填写内容，或回复“跳过”。")
    check_control_chars(text)
    if f.is_choice:
        picks = parse_choices(f, text)
        check_picks(f, picks)
        result = Interpretation(picks[0] if f.kind == "choice" else picks)
    elif f.kind == "group":
        result = _group(f, text, ctx)
    else:
        result = _scalar(f, text, ctx)
    check_siblings(f, result.value, ctx)
    return result
