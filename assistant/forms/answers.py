"""Turn one reply into a validated value for one field (deterministic, offline).

Choices are picked by number ("3", "1.2" for grouped options) or by label; several
picks are separated by 、，；. A group is answered "名称：值" pair by pair or with
the values in order. Each problem raises `InvalidAnswer` naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from assistant.forms.schema import Choice, ChoiceGroup, Field, choice_id
from assistant.forms.validators import (
    InvalidAnswer,
    check_choice_count,
    check_exactly_one,
    check_id_number,
    check_mobile,
    check_per_group,
    check_percent,
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

SEPARATORS = "、，,；;\n"
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


def _key(text: str) -> str:
    """Compare labels ignoring width, spaces and case."""
    return re.sub(r"\s", "", nfkc(text)).lower()


def _base(label: str) -> str:
    """A label without its parenthetical: "产融协同 (供应链金融…)" → "产融协同"."""
    return re.split(r"[(（]", nfkc(label), maxsplit=1)[0].strip()


@dataclass(frozen=True)
class _Option:
    number: str  # "3" or "1.2"
    group: ChoiceGroup | None
    choice: Choice

    @property
    def id(self) -> str:
        return choice_id(self.group, self.choice)


def options(f: Field) -> list[_Option]:
    """Every option of a choice field with the number shown to the applicant."""
    if f.groups:
        return [
            _Option(f"{gi}.{ci}", group, choice)
            for gi, group in enumerate(f.groups, start=1)
            for ci, choice in enumerate(group.choices, start=1)
        ]
    return [_Option(str(i), None, choice) for i, choice in enumerate(f.choices, start=1)]


def _match_option(f: Field, token: str, opts: list[_Option]) -> _Option:
    key = _key(token)
    number = re.sub(r"[-－—．。·]", ".", key)
    for opt in opts:
        if number == opt.number:
            return opt
    if f.groups and number.isdigit():
        # a group with a single option may be picked by its own number (赛道九)
        group_hits = [o for o in opts if o.number.split(".")[0] == number]
        if len(group_hits) == 1:
            return group_hits[0]
    hits = [o for o in opts if key in (_key(o.id), _key(o.choice.label), _key(_base(o.choice.label)))]
    if not hits and f.groups:
        hits = [o for o in opts if o.group and len(o.group.choices) == 1 and key == _key(o.group.label)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        numbers = "、".join(o.number for o in hits)
        raise InvalidAnswer(f"“{token}”在多个类别中都有，请用编号选择（{numbers}）。")
    raise InvalidAnswer(f"无法识别选项“{token}”，请回复选项编号或选项名称。")


def _protect(text: str, opts: list[_Option]) -> tuple[str, dict[str, str]]:
    """Hide labels that contain separators ("数学模型建模、仿真") before splitting."""
    saved: dict[str, str] = {}
    for i, opt in enumerate(opts):
        label = nfkc(opt.choice.label)
        if any(sep in label for sep in SEPARATORS) and label in text:
            marker = f"\x00{i}\x00"
            text = text.replace(label, marker)
            saved[marker] = label
    return text, saved


def parse_choices(f: Field, text: str) -> list[str]:
    """Picked option ids; an "其他" option carries its text as "…其他：内容"."""
    opts = options(f)
    protected, saved = _protect(nfkc(text).strip(), opts)
    picked: list[str] = []
    last_other: int | None = None
    for raw in re.split(f"[{SEPARATORS}]", protected):
        token = raw.strip()
        for marker, label in saved.items():
            token = token.replace(marker, label)
        if not token:
            continue
        m = re.match(r"(.*?)([:：])(.*)", token, re.S)
        head, sep, tail = (m.group(1), m.group(2), m.group(3)) if m else (token, "", "")
        try:
            opt = _match_option(f, head, opts)
        except InvalidAnswer:
            if last_other is not None:  # "其他：甲、乙" — the text went on after a separator
                picked[last_other] += "、" + token
                continue
            raise
        if opt.choice.other:
            if not tail.strip():
                raise InvalidAnswer(
                    f"选择“{opt.choice.label}”时请写明内容，例如“{opt.number}：具体内容”或“其他：具体内容”。"
                )
            picked.append(f"{opt.id}：{tail.strip()}")
            last_other = len(picked) - 1
            continue
        if sep:
            raise InvalidAnswer(f"选项“{opt.choice.label}”不需要填写内容，只有“其他”可以补充说明。")
        if opt.id not in picked:
            picked.append(opt.id)
        last_other = None
    return picked


def split_pick(f: Field, pick: str) -> tuple[ChoiceGroup | None, Choice, str]:
    """A stored pick back to its group, option and "其他" text."""
    for opt in options(f):
        if pick == opt.id:
            return opt.group, opt.choice, ""
        if opt.choice.other and pick.startswith(opt.id + "："):
            return opt.group, opt.choice, pick[len(opt.id) + 1 :]
    raise InvalidAnswer(f"“{pick}”不是“{f.label}”的选项。")


def check_picks(f: Field, picks: list[str]) -> None:
    """Count rules for a list of stored picks (also used when importing)."""
    groups = [split_pick(f, p)[0] for p in picks]
    check_choice_count(
        label=f.label,
        single=f.kind == "choice",
        picked=len(picks),
        constraint=f.constraint,
        min_select=f.min_select,
        max_select=f.max_select,
    )
    if f.per_group:
        counts = {g.label: 0 for g in f.groups}
        for g in groups:
            if g is not None:
                counts[g.label] += 1
        check_per_group(label=f.label, constraint=f.constraint, counts=counts, per_group=f.per_group)


def _subfield_patterns(f: Field) -> list[tuple[Field, re.Pattern[str]]]:
    pats = []
    for sub in f.subfields:
        names = {_base(sub.label), sub.label}
        if re.fullmatch(r"\d{4}\s*年.*", sub.label):
            names |= {sub.label[:4] + "年", sub.label[:4]}
        alternatives = sorted(
            ("\\s*".join(re.escape(ch) for ch in re.sub(r"\s", "", nfkc(n))) for n in names),
            key=len,
            reverse=True,
        )
        pats.append((sub, re.compile(f"(?:{'|'.join(alternatives)})\\s*(?:[（(][^）)]*[）)])?\\s*[:：=]")))
    return pats


def parse_group(f: Field, text: str) -> dict[str, str]:
    """Raw text per subfield, from "名称：值" pairs or values in order."""
    raw = nfkc(text).strip()
    hits: list[tuple[int, int, Field]] = []
    for sub, pat in _subfield_patterns(f):
        for m in pat.finditer(raw):
            if not any(start <= m.start() < end for start, end, _ in hits):
                hits.append((m.start(), m.end(), sub))
    if hits:
        hits.sort(key=lambda h: h[0])
        out: dict[str, str] = {}
        for i, (_, end, sub) in enumerate(hits):
            stop = hits[i + 1][0] if i + 1 < len(hits) else len(raw)
            out[sub.key] = raw[end:stop].strip().strip(SEPARATORS + " ")
        return out
    parts = re.split(f"[{SEPARATORS}]", raw)
    if len(parts) == 1 and len(f.subfields) > 1:
        parts = raw.split()
    if len(parts) != len(f.subfields):
        names = "、".join(s.label for s in f.subfields)
        raise InvalidAnswer(
            f"这一组需要 {len(f.subfields)} 项（{names}），您给了 {len(parts)} 项。"
            "可按“名称：值”逐项填写，或按顺序用“、”分隔，不填的项留空。"
        )
    return {sub.key: part.strip() for sub, part in zip(f.subfields, parts, strict=True)}


def _scalar(f: Field, text: str, ctx: Context) -> Interpretation:
    """One value of a non-choice, non-group kind."""
    stripped = text.strip()
    kind = f.kind
    if f.na_label and _key(stripped) == _key(f.na_label):
        return Interpretation(f.na_label)
    if kind in ("text", "longtext"):
        value = stripped.replace("\r\n", "\n")
        if kind == "text":
            value = re.sub(r"\s*\n\s*", " ", value)
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
    raw = parse_group(f, text)
    value: dict[str, Any] = {}
    notes: list[str] = []
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
    if table.exactly_one:
        rule = table.exactly_one
        check_exactly_one(
            label=f"{table.label}中的{rule.label}", rows=rows, column=rule.column, value=rule.value
        )


def interpret(f: Field, text: str, ctx: Context) -> Interpretation:
    """The validated value for a reply to field `f`."""
    if not text.strip():
        raise InvalidAnswer("回复为空。请填写内容，或回复“跳过”。")
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
