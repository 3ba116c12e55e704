"""Check stored answers against the schema (an imported JSON file must fit before it becomes a draft)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from assistant.forms.answers import Context, check_group, check_picks, interpret, split_pick
from assistant.forms.render import number_text
from assistant.forms.schema import NUMERIC_KINDS, Field, FormSchema, Section, scope_fields
from assistant.forms.validators import (
    ONGOING,
    InvalidAnswer,
    check_control_chars,
    check_rows,
    control_char_at,
    is_empty,
)

# Characters XML 1.0 cannot hold (python-docx refuses them): stripped from drafts stored before they were refused.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def bad_text(value: Any) -> bool:
    """A string anywhere in `value` holds a control character (NUL…) or a non-character."""
    if isinstance(value, str):
        return control_char_at(value) is not None  # the one rule answers are checked by
    if isinstance(value, list):
        return any(bad_text(v) for v in value)
    if isinstance(value, dict):
        return any(bad_text(v) for v in value.values())
    return False


def xml_safe(value: Any) -> Any:
    """`value` without the characters a Word file cannot hold (for drafts stored before they were refused)."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    return value


def _as_text(f: Field, value: Any) -> str:
    if f.kind in NUMERIC_KINDS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            if value == f.na_label and f.na_label:
                return str(value)
            raise InvalidAnswer("应为数字")
        return number_text(value)
    if f.kind == "month_range":
        if not isinstance(value, dict) or not isinstance(value.get("start"), str):
            raise InvalidAnswer("应为 {start, end} 起止年月")
        end = value.get("end")
        return f"{value['start']}{ONGOING}" if end == ONGOING else f"{value['start']}至{end}"
    if not isinstance(value, str):
        raise InvalidAnswer("应为文字")
    return value


def _check_value(f: Field, value: Any, ctx: Context) -> list[str]:
    """Problems with one stored value; returns the warnings that do not block."""
    warnings: list[str] = []
    if f.kind in ("text", "longtext"):
        if not isinstance(value, str):
            raise InvalidAnswer("应为文字")
        check_control_chars(value)
    elif f.kind == "choice":
        if not isinstance(value, str):
            raise InvalidAnswer("应为一个选项")
        split_pick(f, value)
        check_picks(f, [value])
    elif f.kind == "multi":
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            raise InvalidAnswer("应为选项列表")
        for pick in value:
            split_pick(f, pick)
        check_picks(f, value)
    elif f.kind == "group":
        if not isinstance(value, dict):
            raise InvalidAnswer("应为一组数值")
        known = {sub.key: sub for sub in f.subfields}
        unknown = set(value) - set(known)
        if unknown:
            raise InvalidAnswer(f"包含未知项 {sorted(unknown)}")
        for key, item in value.items():
            if not is_empty(item):
                try:
                    _check_value(known[key], item, ctx)
                except InvalidAnswer as exc:
                    raise InvalidAnswer(f"{known[key].label}{exc.message}") from None
        check_group(f, value)
    else:
        result = interpret(f, _as_text(f, value), ctx)
        if result.value != value:
            raise InvalidAnswer(f"格式不规范（应为 {result.value}）")
        if result.confirm:
            warnings.append(result.confirm)
    return warnings


def check_scope(
    fields: list[Field], scope: Any, where: str, today: date, errors: list[str], warnings: list[str]
) -> None:
    if not isinstance(scope, dict):
        errors.append(f"{where}：应为对象")
        return
    known = {f.key: f for f in scope_fields(fields) if f.kind != "block"}
    for key in set(scope) - set(known):
        errors.append(f"{where}：未知字段“{key}”")
    labels = {f.key: f.label for f in known.values()}
    for key, value in scope.items():
        f = known.get(key)
        if f is None or is_empty(value):
            continue
        if f.kind == "table":
            if not isinstance(value, list):
                errors.append(f"{where}.{key}：应为行的列表")
                continue
            try:
                check_rows(label=f.label, rows=len(value), max_rows=f.max_rows, row_noun=f.row_noun)
            except InvalidAnswer as exc:
                errors.append(exc.message)
                continue
            for r, row in enumerate(value):
                check_scope(f.columns, row, f"{where}.{key}[{r}]", today, errors, warnings)
            continue
        if bad_text(value):
            errors.append(f"{where}.{key}（{f.label}）：含有无法识别的控制字符")
            continue
        ctx = Context(today=today, scope=scope, labels=labels)
        try:
            warnings.extend(_check_value(f, value, ctx))
        except InvalidAnswer as exc:
            errors.append(f"{where}.{key}（{f.label}）：{exc.message}")


def check_answers(schema: FormSchema, answers: Any, today: date) -> tuple[list[str], list[str]]:
    """(errors, warnings) for a whole answers dict; errors block an import."""
    errors: list[str] = []
    warnings: list[str] = []
    if not isinstance(answers, dict):
        return ["answers 应为对象"], []
    sections: dict[str, Section] = {s.key: s for _, s in schema.sections()}
    for key in set(answers) - set(sections):
        errors.append(f"未知部分“{key}”")
    for key, section in sections.items():
        value = answers.get(key)
        if value is None:
            continue
        if section.repeat is None:
            check_scope(section.fields, value, key, today, errors, warnings)
            continue
        if not isinstance(value, list):
            errors.append(f"{key}：应为列表")
            continue
        try:
            check_rows(
                label=section.repeat.label,
                rows=len(value),
                max_rows=section.repeat.max,
                row_noun=section.repeat.row_noun,
            )
        except InvalidAnswer as exc:
            errors.append(exc.message)
            continue
        for unit, scope in enumerate(value):
            check_scope(section.fields, scope, f"{key}[{unit}]", today, errors, warnings)
    return errors, warnings
