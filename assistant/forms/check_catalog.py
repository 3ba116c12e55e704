"""What the form schema tells the Word check: the headings and labels of the template, the
texts whose 字数 is limited, and the tables with limited columns (团队成员, 代表性案例).

Every limit comes from the schema, so a changed template changes the check with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.forms.check_headings import norm_label
from assistant.forms.schema import Field, FormSchema, Section, block_path, scope_fields, walk_fields

PartKey = Literal["part1", "part2"]
KnownKind = Literal["part", "section", "label"]
SEP = " › "
_MEASURE_WORDS = "个名家项份位条"


@dataclass(frozen=True)
class Target:
    """A text of the template whose 字数 is reported: a 第二部分 section or field, or a 第一部分 long text."""

    key: str  # "overview.background", "effects", "basic.summary", "units.intro"
    title: str  # "（一）项目背景", "三、应用成效", "项目简述"
    limit: int | None
    part: PartKey
    section: Section
    field: Field | None  # None: the section itself (its own text and all its fields)
    where: str  # "第二部分 › 一、项目概述"
    order: int

    @property
    def repeated(self) -> bool:
        return self.section.repeat is not None


@dataclass(frozen=True)
class Known:
    """What a heading or label of the template names."""

    kind: KnownKind
    part: PartKey
    target: Target | None = None


@dataclass(frozen=True)
class Grid:
    """A table of the template with 字数-limited columns, e.g. 团队成员 with 角色 (50字)."""

    key: str  # "team.members"
    part: PartKey
    field: Field
    columns: dict[str, Field]  # by normalised header label
    noun: str  # "成员"
    where: str  # "第一部分 › （二）参赛团队信息 › 团队成员"
    order: int

    @property
    def first_column(self) -> Field:
        return self.field.columns[0]


@dataclass
class Catalog:
    labels: dict[str, dict[PartKey, Known]] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    sections: dict[str, Target] = field(default_factory=dict)  # 第二部分 sections by key
    part_names: dict[PartKey, str] = field(default_factory=dict)  # "第二部分"

    def add(self, label: str, known: Known) -> None:
        self.labels.setdefault(norm_label(label), {}).setdefault(known.part, known)

    def lookup(self, label: str, part: PartKey | None, *, star: bool, numbered: bool = False) -> Known | None:
        """The template item a heading names, read in the part the draft is in.

        应用场景 is a 第一部分 label and a 第二部分 heading: a * or being in 第一部分 decides;
        before either part, a numbered heading or one with a limit is the 第二部分 one.
        """
        entries = self.labels.get(label, {})
        if star:
            return entries.get("part1")
        if part == "part1":
            return entries.get("part1") or entries.get("part2")
        if part == "part2":
            return entries.get("part2")
        if numbered:
            return entries.get("part2") or entries.get("part1")
        return entries.get("part1") or entries.get("part2")

    @staticmethod
    def part_of(number: int | None) -> PartKey | None:
        """第一部分 → part1, 第二部分 → part2, any other part → None."""
        if number == 1:
            return "part1"
        return "part2" if number == 2 else None


def section_heading(section: Section) -> str:
    """"（一）项目基本信息", "一、项目概述": the number in the template's full-width form."""
    number = section.number.replace("(", "（").replace(")", "）")
    return f"{number}{section.title}"


def _noun(table: Field) -> str:
    noun = table.row_noun
    return noun[1:] if noun[:1] in _MEASURE_WORDS else noun or "行"


def build_catalog(schema: FormSchema) -> Catalog:
    """Every heading, label, limited text and limited table of the template, in template order."""
    catalog = Catalog()
    order = 0
    for part in schema.parts:
        key: PartKey = "part1" if part.key == "part1" else "part2"
        name, _, title = part.title.partition("：")
        catalog.part_names[key] = name
        catalog.add(title or name, Known("part", key))
        for section in part.sections:
            order += 1
            where = f"{name}{SEP}{section_heading(section)}"
            section_target = None
            if key == "part2":
                section_target = Target(
                    section.key, section_heading(section), section.limit, key, section, None, name, order
                )
                catalog.targets.append(section_target)
                catalog.sections[section.key] = section_target
            catalog.add(section.title, Known("section", key, section_target))
            for f in scope_fields(section.fields):
                order += 1
                target = None
                if f.kind == "longtext" and (key == "part2" or f.limit is not None):
                    title = f"{f.number}{f.label}" if key == "part2" else f.label
                    target = Target(f"{section.key}.{f.key}", title, f.limit, key, section, f, where, order)
                    catalog.targets.append(target)
                catalog.add(f.label, Known("label", key, target))
            for table in walk_fields(section.fields):
                if table.kind == "table" and any(c.limit is not None for c in table.columns):
                    order += 1
                    path = [b.label for b in block_path(section.fields, table.key)]
                    catalog.grids.append(
                        Grid(
                            f"{section.key}.{table.key}",
                            key,
                            table,
                            {norm_label(c.label): c for c in table.columns},
                            _noun(table),
                            SEP.join([where, *path, table.label]),
                            order,
                        )
                    )
    return catalog
