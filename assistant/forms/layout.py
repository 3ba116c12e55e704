"""The filled 申报书 as a list of layout blocks in template order, shared by Word and Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from assistant.forms import marks
from assistant.forms.marks import MISSING
from assistant.forms.render import BLANK, checkbox_lines, format_value, na_box, share_boxes, with_unit
from assistant.forms.review import Issue, review, section_words
from assistant.forms.schema import Field, FormSchema, Section
from assistant.forms.state import Flag
from assistant.forms.steps import count_filled, section_scope, unit_count, visible
from assistant.forms.validators import is_empty
from assistant.forms.wordcount import count_words

CASE_CHUNK = 6  # the template prints the case table six columns at a time
CONTENTS_TITLE = "目 录"  # the template's spacing
CONTENTS_LEVELS = (1, 2)  # parts and sections, as the template's 目录


@dataclass
class Heading:
    text: str
    level: int  # 0 title, 1 part, 2 section, 3 field


@dataclass
class Para:
    text: str
    style: Literal["normal", "missing", "note"] = "normal"


@dataclass
class FormRow:
    label: str
    lines: list[str]
    missing: bool = False


@dataclass
class FormTable:
    rows: list[FormRow] = field(default_factory=list)


@dataclass
class GridTable:
    headers: list[str]
    rows: list[list[str]]
    chunk: int | None = None  # print the columns in slices of this width, header above values


@dataclass
class PageBreak:
    """The next block starts a new page (after the cover, after the 目录)."""


@dataclass
class Contents:
    """The 目录: Word builds it from the headings; `entries` are shown until it does."""

    title: str
    entries: list[Heading] = field(default_factory=list)


Block = Heading | Para | FormTable | GridTable | PageBreak | Contents


def _label(f: Field, *, star: bool = True) -> str:
    mark = "*" if f.required and star else ""
    return f"{mark}{f.label}"


def _scalar_lines(f: Field, value: Any, *, plain_choices: bool = False) -> list[str]:
    if f.is_choice:
        if plain_choices or f.dropdown:  # a drop-down in the template: print the pick only
            return [format_value(f, value)] if not is_empty(value) else []
        return checkbox_lines(f, value)
    if f.kind == "group" and f.sum_max is not None:
        return [share_boxes(f, value)]
    if f.na_label:
        return [na_box(f, value)]
    if f.kind == "group":
        parts = []
        group = value if isinstance(value, dict) else {}
        for sub in f.subfields:
            item = group.get(sub.key)
            shown = with_unit(item, sub.unit) if not is_empty(item) else BLANK
            parts.append(f"{sub.label}：{shown}")
        return ["  ".join(parts)]
    text = format_value(f, value)
    return text.split("\n") if text else []


class _Builder:
    def __init__(
        self,
        schema: FormSchema,
        answers: dict[str, Any],
        flags: dict[str, list[Flag]],
        issues: list[Issue],
        today: date,
    ) -> None:
        self.schema = schema
        self.answers = answers
        self.flags = flags
        self.today = today
        self.missing = {i.step_id for i in issues if i.kind == "missing"}
        self.blocks: list[Block] = []
        self.table = FormTable()

    def flush(self) -> None:
        if self.table.rows:
            self.blocks.append(self.table)
        self.table = FormTable()

    def add(self, block: Block) -> None:
        self.flush()
        self.blocks.append(block)

    def value_lines(
        self, f: Field, scope: dict[str, Any], step_id: str, *, cell: bool = False
    ) -> tuple[list[str], bool]:
        if step_id in self.missing:
            return [MISSING], True
        value = scope.get(f.key)
        lines = _scalar_lines(f, value, plain_choices=cell)
        if (
            f.kind == "longtext"
            and f.limit is not None
            and isinstance(value, str)
            and count_words(value) > f.limit
        ):
            lines.append(marks.over_limit(count_words(value), f.limit))
        confirmed = "checksum_confirmed" in self.flags.get(step_id, [])
        problem = marks.code_problem(f, value, scope, self.today, confirmed=confirmed)
        if problem:
            lines.append(problem)
        if lines:
            return lines, False
        return ([BLANK] if cell or not f.is_choice else checkbox_lines(f, None)), False

    def fields(self, section: Section, fields: list[Field], scope: dict[str, Any], prefix: str) -> None:
        for f in fields:
            if not visible(f, scope):
                continue
            step_id = f"{prefix}.{f.key}"
            if f.kind == "block":
                lines = self.block_lines(f, scope, prefix, titled=False)
                self.table.rows.append(FormRow(_label(f), lines, any(MISSING in ln for ln in lines)))
                for child in f.fields:
                    if child.kind == "table":
                        self.grid(child, scope, prefix)
                    if child.kind == "block":
                        for grand in child.fields:
                            if grand.kind == "table":
                                self.grid(grand, scope, prefix)
            elif f.kind == "table":
                self.table.rows.append(
                    FormRow(
                        _label(f),
                        [f"见下表（{f.constraint or f.hint}）"] if f.constraint or f.hint else ["见下表"],
                    )
                )
                self.grid(f, scope, prefix)
            else:
                lines, missing = self.value_lines(f, scope, step_id)
                self.table.rows.append(FormRow(_label(f), lines, missing))

    def block_lines(self, block: Field, scope: dict[str, Any], prefix: str, *, titled: bool) -> list[str]:
        """A block's children as lines; `titled` when the caller's title already carries its rule."""
        out: list[str] = []
        if block.constraint and not titled:
            out.append(f"（{block.constraint}）")
        if block.min_filled is not None:
            filled = count_filled(block, scope)
            if filled < block.min_filled:
                out.append(marks.min_filled(block.constraint or f"至少填{block.min_filled}项", filled))
        for child in block.fields:
            if not visible(child, scope):
                continue
            if child.heading:
                out.append(child.heading)
            number = f"{child.number} " if child.number else ""
            title = f"{number}{child.label}" + (f"（{child.constraint}）" if child.constraint else "")
            if child.unit and child.kind in ("group", "money", "number", "integer", "percent"):
                title += f"（{child.unit}）"
            if child.kind == "block":
                out.append(title)
                out.extend("  " + line for line in self.block_lines(child, scope, prefix, titled=True))
                continue
            if child.kind == "table":
                rows = scope.get(child.key)
                count = len(rows) if isinstance(rows, list) else 0
                out.append(f"{title}：见下表（共 {count} 行）")
                continue
            lines, _ = self.value_lines(child, scope, f"{prefix}.{child.key}")
            if len(lines) == 1:
                out.append(f"{title}：{lines[0]}")
            else:
                out.append(f"{title}：")
                out.extend("  " + line for line in lines)
        return out

    def grid(self, table: Field, scope: dict[str, Any], prefix: str) -> None:
        rows = scope.get(table.key)
        rows = rows if isinstance(rows, list) else []
        headers = [c.label + (f"（{c.limit_text}）" if c.limit_text else "") for c in table.columns]
        body: list[list[str]] = []
        count = max(len(rows), table.min_rows)
        for r in range(count):
            row = rows[r] if r < len(rows) else {}
            cells = []
            for c in table.columns:
                step_id = f"{prefix}.{table.key}[{r}].{c.key}"
                if not visible(c, row):
                    cells.append("—")
                    continue
                lines, _ = self.value_lines(c, row, step_id, cell=True)
                cells.append("\n".join(lines))
            body.append(cells)
        if table.key in ("patents", "software"):
            self.add(Para(f"{table.label}数量：{len(rows)} 个"))
        self.add(GridTable(headers, body, CASE_CHUNK if len(table.columns) > 8 else None))

    def cover(self) -> None:
        self.add(Heading(self.schema.title, 0))
        for item in self.schema.cover:
            self.add(Para(f"{item.label}：{self.cover_value(item.source) or BLANK}"))

    def cover_value(self, source: str) -> str:
        if source == "@date":
            return f"{self.today.year} 年 {self.today.month} 月 {self.today.day} 日"
        section_key, key = source.split(".", 1)
        section = self.schema.section(section_key)
        if section.repeat:
            names = [
                str(section_scope(self.answers, section, u).get(key) or "")
                for u in range(unit_count(self.answers, section))
            ]
            return "、".join(n for n in names if n)
        return str(section_scope(self.answers, section, None).get(key) or "")

    def narrative(self, section: Section) -> None:
        scope = section_scope(self.answers, section, None)
        self.add(Heading(section.heading_text(), 2))
        if section.limit is not None:
            words = section_words(section, scope)
            if words > section.limit:
                self.add(Para(marks.section_over_limit(words, section.limit), "note"))
        for f in section.fields:
            step_id = f"{section.key}.{f.key}"
            if f.kind == "table":
                if f.heading:
                    self.add(Para(f.heading))
                elif f.number:
                    self.add(Para(f"{f.number}. {f.label}（{f.hint}）"))
                self.grid(f, scope, section.key)
                continue
            self.add(Heading(f"{f.number}{f.heading_text()}", 3))
            value = scope.get(f.key)
            if step_id in self.missing:
                self.add(Para(MISSING, "missing"))
                continue
            if is_empty(value):
                continue
            for para in str(value).split("\n"):
                if para.strip():
                    self.add(Para(para.strip()))
            if f.limit is not None and count_words(str(value)) > f.limit:
                self.add(Para(marks.over_limit(count_words(str(value)), f.limit), "note"))

    def build(self) -> list[Block]:
        self.cover()
        contents = Contents(CONTENTS_TITLE)
        self.add(PageBreak())
        self.add(contents)
        self.add(PageBreak())
        for part in self.schema.parts:
            self.add(Heading(part.title, 1))
            for section in part.sections:
                if part.key == "part2":
                    self.narrative(section)
                    continue
                title = f"{section.number} {section.title}" + (f"（{section.note}）" if section.note else "")
                self.add(Heading(title, 2))
                if section.repeat:
                    for unit in range(unit_count(self.answers, section)):
                        self.add(Heading(f"{section.repeat.label} {unit + 1}", 3))
                        scope = section_scope(self.answers, section, unit)
                        self.fields(section, section.fields, scope, f"{section.key}[{unit}]")
                        self.flush()
                else:
                    self.fields(
                        section, section.fields, section_scope(self.answers, section, None), section.key
                    )
                    self.flush()
        self.flush()
        contents.entries = [b for b in self.blocks if isinstance(b, Heading) and b.level in CONTENTS_LEVELS]
        return self.blocks


def build_layout(
    schema: FormSchema, answers: dict[str, Any], flags: dict[str, list[Flag]] | None, today: date
) -> list[Block]:
    """The whole 申报书 in template order: cover, 目录, parts; what needs attention marked (【未填写】…)."""
    flags = flags or {}
    return _Builder(schema, answers, flags, review(schema, answers, flags), today).build()
