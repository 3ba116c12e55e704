"""The template in order as steps for the current answers; where each value lives; progress.

A step is one question: a field (or a small group, or one table cell) or an
"add another row?" question. The list depends on the answers, because rows can
be added and follow-up fields appear only when their condition holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from assistant.forms.schema import Field, FormSchema, Part, Section, scope_fields
from assistant.forms.validators import is_empty

StepKind = Literal["field", "add"]


@dataclass(frozen=True)
class Step:
    id: str  # "basic.name", "units[1].uscc", "team.members[0].mobile", "team.members[+1]"
    kind: StepKind
    part: Part
    section: Section
    field: Field | None  # the field asked; for an "add" step the table (None for a repeated section)
    unit: int | None = None  # index within a repeated section
    table: Field | None = None  # the table of a cell step
    row: int | None = None  # row of a cell step, or the index an "add" step would create

    @property
    def display(self) -> str:
        """A name the applicant can use with 修改, e.g. "团队成员2·姓名" or "参赛单位1·单位名称"."""
        prefix = ""
        if self.unit is not None and self.section.repeat:
            prefix = f"{self.section.repeat.label}{self.unit + 1}·"
        if self.kind == "add":
            noun = (
                self.field.label if self.field else (self.section.repeat.label if self.section.repeat else "")
            )
            return f"{prefix}添加{noun}"
        assert self.field is not None
        if self.table is not None and self.row is not None:
            return f"{prefix}{self.table.label}{self.row + 1}·{self.field.label}"
        return f"{prefix}{self.field.prompt if self.field.label == '其他' and self.field.prompt else self.field.label}"

    @property
    def where(self) -> str:
        return f"{self.part.title} › {self.section.number}{self.section.title}"


def _prefix(section: Section, unit: int | None) -> str:
    return f"{section.key}[{unit}]" if unit is not None else section.key


def visible(field: Field, scope: dict[str, Any]) -> bool:
    """A follow-up shows only when its condition on a sibling holds."""
    cond = field.show_if
    if cond is None:
        return True
    value = scope.get(cond.field)
    if cond.equals is not None:
        return value == cond.equals
    if cond.includes is not None and isinstance(value, list):
        return any(item == cond.includes or str(item).startswith(cond.includes + "：") for item in value)
    return False


def unit_count(answers: dict[str, Any], section: Section) -> int:
    """Units shown for a repeated section: those saved, and at least its minimum."""
    assert section.repeat is not None
    saved = answers.get(section.key)
    return max(len(saved) if isinstance(saved, list) else 0, section.repeat.min)


def row_count(scope: dict[str, Any], table: Field) -> int:
    rows = scope.get(table.key)
    return max(len(rows) if isinstance(rows, list) else 0, table.min_rows)


def section_scope(
    answers: dict[str, Any], section: Section, unit: int | None, *, create: bool = False
) -> dict[str, Any]:
    """The dict holding a section's values (one unit's dict for a repeated section)."""
    if section.repeat is None:
        if create:
            made: dict[str, Any] = answers.setdefault(section.key, {})
            return made
        found = answers.get(section.key)
        return found if isinstance(found, dict) else {}
    assert unit is not None
    if create:
        units: list[dict[str, Any]] = answers.setdefault(section.key, [])
        while len(units) <= unit:
            units.append({})
        return units[unit]
    stored = answers.get(section.key)
    if isinstance(stored, list) and unit < len(stored) and isinstance(stored[unit], dict):
        item: dict[str, Any] = stored[unit]
        return item
    return {}


def step_scope(answers: dict[str, Any], step: Step, *, create: bool = False) -> dict[str, Any]:
    """The dict holding the value of a field or cell step."""
    scope = section_scope(answers, step.section, step.unit, create=create)
    if step.table is None or step.row is None:
        return scope
    if create:
        rows: list[dict[str, Any]] = scope.setdefault(step.table.key, [])
        while len(rows) <= step.row:
            rows.append({})
        return rows[step.row]
    stored = scope.get(step.table.key)
    if isinstance(stored, list) and step.row < len(stored):
        row: dict[str, Any] = stored[step.row]
        return row
    return {}


def get_value(answers: dict[str, Any], step: Step) -> Any:
    if step.field is None or step.kind != "field":
        return None
    return step_scope(answers, step).get(step.field.key)


def set_value(answers: dict[str, Any], step: Step, value: Any) -> None:
    assert step.field is not None
    scope = step_scope(answers, step, create=True)
    if value is None:
        scope.pop(step.field.key, None)
    else:
        scope[step.field.key] = value


def _field_steps(
    part: Part, section: Section, fields: list[Field], scope: dict[str, Any], unit: int | None
) -> Iterator[Step]:
    prefix = _prefix(section, unit)
    for f in fields:
        if not visible(f, scope):
            continue
        if f.kind == "block":
            yield from _field_steps(part, section, f.fields, scope, unit)
        elif f.kind == "table":
            count = row_count(scope, f)
            rows = scope.get(f.key) if isinstance(scope.get(f.key), list) else []
            for r in range(count):
                row = rows[r] if rows and r < len(rows) else {}
                for col in f.columns:
                    if visible(col, row):
                        yield Step(
                            f"{prefix}.{f.key}[{r}].{col.key}", "field", part, section, col, unit, f, r
                        )
            if f.max_rows is None or count < f.max_rows:
                yield Step(f"{prefix}.{f.key}[+{count}]", "add", part, section, f, unit, None, count)
        else:
            yield Step(f"{prefix}.{f.key}", "field", part, section, f, unit)


def walk(schema: FormSchema, answers: dict[str, Any]) -> list[Step]:
    """Every question for the current answers, in template order."""
    steps: list[Step] = []
    for part, section in schema.sections():
        if section.repeat is None:
            steps.extend(
                _field_steps(part, section, section.fields, section_scope(answers, section, None), None)
            )
            continue
        count = unit_count(answers, section)
        for unit in range(count):
            scope = section_scope(answers, section, unit)
            steps.extend(_field_steps(part, section, section.fields, scope, unit))
        if count < section.repeat.max:
            steps.append(Step(f"{section.key}[+{count}]", "add", part, section, None, None, None, count))
    return steps


def find_step(steps: list[Step], step_id: str | None) -> int | None:
    if step_id is None:
        return None
    for i, step in enumerate(steps):
        if step.id == step_id:
            return i
    return None


def is_answered(answers: dict[str, Any], step: Step) -> bool:
    """A field step holds a value; a group counts when every required subfield is filled."""
    if step.kind != "field" or step.field is None:
        return False
    value = get_value(answers, step)
    if step.field.kind == "group":
        if not isinstance(value, dict):
            return False
        needed = [sub.key for sub in step.field.subfields if sub.required]
        if needed:
            return all(not is_empty(value.get(key)) for key in needed)
    return not is_empty(value)


@dataclass(frozen=True)
class MinFilledBlock:
    """A block such as 项目应用成效（至少填2项）, with its filled item count."""

    section: Section
    unit: int | None
    block: Field
    filled: int
    last_step_id: str

    @property
    def ok(self) -> bool:
        return self.filled >= (self.block.min_filled or 0)


def count_filled(field: Field, scope: dict[str, Any]) -> int:
    """Leaf items filled below a field (a group counts each subfield)."""
    if field.kind == "block":
        return sum(count_filled(child, scope) for child in field.fields if visible(child, scope))
    value = scope.get(field.key)
    if field.kind == "group" and isinstance(value, dict):
        return sum(1 for sub in field.subfields if not is_empty(value.get(sub.key)))
    return 0 if is_empty(value) else 1


def min_filled_blocks(schema: FormSchema, answers: dict[str, Any]) -> list[MinFilledBlock]:
    out: list[MinFilledBlock] = []
    for _, section in schema.sections():
        units: list[int | None] = list(range(unit_count(answers, section))) if section.repeat else [None]
        for unit in units:
            scope = section_scope(answers, section, unit)
            for f in scope_fields(section.fields):
                if f.kind == "block" and f.min_filled and visible(f, scope):
                    leaves = [c for c in scope_fields(f.fields) if c.kind != "block" and visible(c, scope)]
                    last = f"{_prefix(section, unit)}.{leaves[-1].key}" if leaves else ""
                    out.append(MinFilledBlock(section, unit, f, count_filled(f, scope), last))
    return out


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def progress(schema: FormSchema, answers: dict[str, Any], steps: list[Step] | None = None) -> Progress:
    """Required questions answered / required questions shown (plus blocks with a 至少填 rule)."""
    steps = walk(schema, answers) if steps is None else steps
    required = [s for s in steps if s.kind == "field" and s.field is not None and s.field.required]
    done = sum(1 for s in required if is_answered(answers, s))
    blocks = min_filled_blocks(schema, answers)
    return Progress(done=done + sum(1 for b in blocks if b.ok), total=len(required) + len(blocks))
