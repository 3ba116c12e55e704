"""The 申报书 template as typed data, loaded from the YAML files in `form_schema/`."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from assistant.errors import ConfigError

DEFAULT_SCHEMA_ID = "shanxi-2025"

FieldKind = Literal[
    "text",  # one line of free text
    "person_name",  # one person's name (姓名, 联系人): not a sentence, not a list
    "longtext",  # paragraphs, usually with a 字数 limit
    "choice",  # exactly one option
    "multi",  # several options, with count limits
    "number",  # non-negative decimal with a unit (GB, MB…)
    "integer",  # non-negative whole number (个, 人, 月…)
    "money",  # 万元, non-negative unless allow_negative
    "percent",  # 0–100
    "date",  # 年[-月[-日]]
    "month_range",  # 年月 — 年月, start ≤ end
    "yesno",  # 是/否
    "uscc",  # 统一社会信用代码
    "id_number",  # 证件号码; 居民身份证 checked when the sibling 证件类型 says so
    "mobile",  # 手机
    "phone",  # 联系方式: mobile or landline
    "group",  # several small subfields answered together
    "table",  # repeatable rows of columns
    "block",  # a labelled container whose children live in the same scope
]
SCALAR_KINDS: frozenset[str] = frozenset(
    {
        "text",
        "person_name",
        "longtext",
        "number",
        "integer",
        "money",
        "percent",
        "date",
        "month_range",
        "yesno",
        "uscc",
        "id_number",
        "mobile",
        "phone",
    }
)
NUMERIC_KINDS: frozenset[str] = frozenset({"number", "integer", "money", "percent"})
OTHER_SUFFIXES = ("：", ":")
Supplied = Literal[
    "options",  # the template leaves the options to a drop-down; we list them
    "columns",  # the template names a table without its columns; we supply them
    "kind",  # the template prints checkboxes without 单选/多选; we decide which
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Model):
    """One checkbox of the template. `other` = "其他：____" takes a text."""

    label: str
    other: bool = False
    code: str = ""  # the template's own number, e.g. a track topic's "2"; a 门类 letter "C"
    hint: str = ""
    aliases: list[str] = []  # words applicants use for it (from the template's synonyms file)


class ChoiceGroup(_Model):
    """A labelled row of checkboxes (业务场景 categories, track → topics, 汇聚方式 (1)…(4))."""

    label: str
    code: str = ""
    hint: str = ""
    choices: list[Choice]

    @field_validator("choices", mode="before")
    @classmethod
    def _choices(cls, value: Any) -> Any:
        return [_choice_shorthand(item) for item in value or []]


class Condition(_Model):
    """Show a field only when a sibling field equals / includes a value."""

    field: str
    equals: str | None = None
    includes: str | None = None


class SumMax(_Model):
    """The named subfields of a group may add up to at most `max` (数据交易形式 ≤ 100%)."""

    fields: list[str]
    max: float
    label: str


class SumLE(_Model):
    """The named parts of a group may add up to at most the `total` subfield."""

    parts: list[str]
    total: str
    label: str


class ExactlyOne(_Model):
    """Exactly one row of a table has `column` == `value` (团队联络人)."""

    column: str
    value: str
    label: str


class Field(_Model):
    key: str
    label: str  # the template's words, checked against the template
    kind: FieldKind
    required: bool = False  # the template's * (and the body headings of 第二部分)
    number: str = ""  # the template's numbering, e.g. "3" or "（一）"
    prompt: str = ""  # a question for the applicant when the label alone is unclear
    hint: str = ""  # the template's own explanation
    heading: str = ""  # a sub-heading printed before the field, e.g. "(1) 存量价值"
    limit: int | None = None  # 字数 limit
    limit_text: str = ""  # the template's words for it, e.g. "限 500 字"
    constraint: str = ""  # the template's words for a count rule, e.g. "最多选 2 项"
    min_select: int | None = None
    max_select: int | None = None
    per_group: int | None = None  # exactly this many per choice group
    unit: str = ""
    na_label: str = ""  # an allowed "not applicable" answer, e.g. "不涉及"
    allow_negative: bool = False
    choices: list[Choice] = []
    groups: list[ChoiceGroup] = []
    groups_from: str = ""  # a YAML file beside the schema holding the groups
    subfields: list[Field] = []
    columns: list[Field] = []
    fields: list[Field] = []  # children of a block
    min_rows: int = 0
    max_rows: int | None = None
    row_noun: str = ""  # "名成员", "个案例"
    min_filled: int | None = None  # a block: at least N leaf items filled
    sum_max: SumMax | None = None
    sum_le: list[SumLE] = []
    max_field: str = ""  # this value may not exceed the sibling field's
    id_type_field: str = ""  # sibling holding 证件类型
    exactly_one: ExactlyOne | None = None
    show_if: Condition | None = None
    choices_from: list[str] = []  # YAML files beside the schema holding the options, in order
    dropdown: bool = False  # the template has a drop-down here: one pick, printed as the pick
    unique: bool = False  # a table column: no two rows may hold the same value (证件号码, 手机)
    supplement: bool = False  # we interpret beyond the template's printed words here
    supplied: Supplied | None = None  # what we supplied, when `supplement`
    supplement_note: str = ""  # in words: what the template says and what we decided

    @field_validator("choices", mode="before")
    @classmethod
    def _choices(cls, value: Any) -> Any:
        return [_choice_shorthand(item) for item in value or []]

    @model_validator(mode="after")
    def _consistent(self) -> Field:
        if self.kind in ("choice", "multi") and not (self.choices or self.groups or self.groups_from):
            raise ValueError(f"{self.key}: a {self.kind} field needs choices or groups")
        if self.kind == "group" and not self.subfields:
            raise ValueError(f"{self.key}: a group needs subfields")
        if self.kind == "table" and not self.columns:
            raise ValueError(f"{self.key}: a table needs columns")
        if self.kind == "block" and not self.fields:
            raise ValueError(f"{self.key}: a block needs fields")
        if self.limit is not None and not self.limit_text:
            raise ValueError(f"{self.key}: a limit needs the template's limit_text")
        if self.supplement != (self.supplied is not None) or self.supplement != bool(self.supplement_note):
            raise ValueError(f"{self.key}: supplement: true needs `supplied` and a `supplement_note` (and only then)")
        if self.dropdown and self.kind != "choice":
            raise ValueError(f"{self.key}: a drop-down is a single choice")
        return self

    @property
    def options_supplied(self) -> bool:
        """The options are ours, not printed in the template (a drop-down there)."""
        return self.supplied == "options"

    @property
    def columns_supplied(self) -> bool:
        return self.supplied == "columns"

    @property
    def is_choice(self) -> bool:
        return self.kind in ("choice", "multi")

    def all_choices(self) -> list[tuple[ChoiceGroup | None, Choice]]:
        """Every option with its group (None for a flat list), in template order."""
        if self.groups:
            return [(group, choice) for group in self.groups for choice in group.choices]
        return [(None, choice) for choice in self.choices]

    def heading_text(self) -> str:
        """The label with its limit as the template prints it, e.g. "项目背景（限 500 字）"."""
        return f"{self.label}（{self.limit_text}）" if self.limit_text else self.label


def choice_id(group: ChoiceGroup | None, choice: Choice) -> str:
    """The stored value of an option: its label, prefixed by its group when grouped."""
    return f"{group.label}/{choice.label}" if group else choice.label


class Repeat(_Model):
    """A section filled once per item (参赛单位 1…5)."""

    min: int = 1
    max: int
    label: str  # "参赛单位"
    row_noun: str  # a measure word and a noun, "家单位"


class Section(_Model):
    key: str
    number: str = ""  # "(一)", "一、"
    title: str
    required: bool = False
    limit: int | None = None  # a 字数 limit over all its text fields (应用成效 5000)
    limit_text: str = ""
    hint: str = ""
    note: str = ""
    repeat: Repeat | None = None
    fields: list[Field]

    def heading_text(self) -> str:
        base = f"{self.number}{self.title}"
        return f"{base}（{self.limit_text}）" if self.limit_text else base


class Part(_Model):
    key: str
    title: str
    sections: list[Section]


class CoverItem(_Model):
    label: str
    source: str  # "team.team_name", "basic.name", "units.name" (all units), "@date"


class FormSchema(_Model):
    schema_id: str
    version: int
    title: str
    division: str
    source: str
    cover: list[CoverItem]
    parts: list[Part]

    def sections(self) -> Iterator[tuple[Part, Section]]:
        for part in self.parts:
            for section in part.sections:
                yield part, section

    def section(self, key: str) -> Section:
        for _, section in self.sections():
            if section.key == key:
                return section
        raise KeyError(key)


def _choice_shorthand(item: Any) -> Any:
    """YAML shorthand: "政府" is a plain option; "其他：" is an option taking a text."""
    if isinstance(item, str):
        if item.endswith(OTHER_SUFFIXES):
            return {"label": item.rstrip("：:"), "other": True}
        return {"label": item}
    return item


def walk_fields(fields: list[Field]) -> Iterator[Field]:
    """Every field below `fields`, depth first, including group subfields and table columns."""
    for f in fields:
        yield f
        yield from walk_fields(f.fields)
        yield from walk_fields(f.subfields)
        yield from walk_fields(f.columns)


def scope_fields(fields: list[Field]) -> list[Field]:
    """The fields whose values share one scope dict: blocks are flattened, tables are not."""
    out: list[Field] = []
    for f in fields:
        if f.kind == "block":
            out.append(f)
            out.extend(scope_fields(f.fields))
        else:
            out.append(f)
    return out


def block_path(fields: list[Field], key: str) -> list[Field]:
    """The blocks enclosing the field `key` (outermost first), e.g. [应用场景, 项目应用成效]."""
    for f in fields:
        if f.kind != "block":
            continue
        if any(child.key == key for child in f.fields):
            return [f]
        inner = block_path(f.fields, key)
        if inner:
            return [f, *inner]
    return []


def _read_list(base: Path, name: str, key: str) -> list[Any]:
    path = base / name
    if not path.is_file():
        raise ConfigError(f"表单模板引用的文件不存在：{path}。请检查 form_schema/ 目录是否完整。")
    items = yaml.safe_load(path.read_text(encoding="utf-8"))[key]
    if not isinstance(items, list):
        raise ConfigError(f"{path}：“{key}”应为列表。")
    return items


def _resolve_files(raw: Any, base: Path) -> Any:
    """Replace every `groups_from` / `choices_from` with the groups / options read from its files."""
    if isinstance(raw, list):
        return [_resolve_files(item, base) for item in raw]
    if not isinstance(raw, dict):
        return raw
    out = {key: _resolve_files(value, base) for key, value in raw.items()}
    if out.get("groups_from"):
        out["groups"] = _read_list(base, str(out["groups_from"]), "groups")
    if out.get("choices_from"):
        out["choices"] = [item for name in out["choices_from"] for item in _read_list(base, str(name), "choices")]
    return out


class Synonym(_Model):
    """A word applicants use for one option of one field, with a note of why it means that."""

    field: str  # "section.key", "section.table.column" (blocks add nothing to the path)
    option: str  # the option's stored value: its label, or "group/label" for grouped options
    say: str
    note: str


def _field_dicts(fields: list[Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, raw field) for every field below `fields`; a block's children share its scope."""
    for raw in fields:
        if not isinstance(raw, dict):
            continue
        inner = path if raw.get("kind") == "block" else f"{path}.{raw.get('key')}"
        if raw.get("kind") != "block":
            yield inner, raw
        for child in ("fields", "columns"):
            yield from _field_dicts(raw.get(child) or [], path if child == "fields" else inner)


def _attach_synonyms(raw: dict[str, Any], base: Path) -> None:
    """Add each synonym of `synonyms_from` to its option's aliases; an entry naming nothing is an error."""
    name = raw.pop("synonyms_from", "")
    if not name:
        return
    entries = [Synonym.model_validate(item) for item in _read_list(base, str(name), "synonyms")]
    fields = {
        path: f
        for part in raw.get("parts", [])
        for section in part.get("sections", [])
        for path, f in _field_dicts(section.get("fields", []), str(section.get("key")))
    }
    for entry in entries:
        f = fields.get(entry.field)
        if f is None:
            raise ConfigError(f"{base / str(name)}：找不到字段 {entry.field}（同义词“{entry.say}”）。")
        choice = _option_dict(f, entry.option)
        if choice is None:
            raise ConfigError(f"{base / str(name)}：字段 {entry.field} 没有选项“{entry.option}”（同义词“{entry.say}”）。")
        choice["aliases"] = [*choice.get("aliases", []), entry.say]


def _option_dict(f: dict[str, Any], option: str) -> dict[str, Any] | None:
    """The raw option of field `f` stored as `option` (its label, or "group/label")."""
    if f.get("groups"):
        group_label, _, label = option.partition("/")
        holders = [g for g in f["groups"] if g.get("label") == group_label]
    else:
        label, holders = option, [f]
    for holder in holders:
        holder["choices"] = [_choice_shorthand(c) for c in holder.get("choices", [])]
        for choice in holder["choices"]:
            if choice.get("label") == label:
                found: dict[str, Any] = choice
                return found
    return None


def _check_scopes(schema: FormSchema) -> None:
    """Keys are unique within a scope and conditions point at siblings that exist."""

    def check(fields: list[Field], where: str) -> None:
        flat = scope_fields(fields)
        keys = [f.key for f in flat]
        dupes = {k for k in keys if keys.count(k) > 1}
        if dupes:
            raise ValueError(f"{where}: duplicate keys {sorted(dupes)}")
        for f in flat:
            for ref in (f.show_if.field if f.show_if else "", f.max_field, f.id_type_field):
                if ref and ref not in keys:
                    raise ValueError(f"{where}.{f.key}: refers to unknown sibling {ref!r}")
            if f.kind == "table":
                check(f.columns, f"{where}.{f.key}")
            if f.kind == "group":
                check(f.subfields, f"{where}.{f.key}")

    for _, section in schema.sections():
        check(section.fields, section.key)


@lru_cache(maxsize=8)
def _load(path: Path) -> FormSchema:
    try:
        raw = _resolve_files(yaml.safe_load(path.read_text(encoding="utf-8")), path.parent)
        _attach_synonyms(raw, path.parent)
        schema = FormSchema.model_validate(raw)
        _check_scopes(schema)
    except ConfigError as exc:
        raise ConfigError(f"无法读取表单模板 {path}：{exc.message}") from exc
    except (OSError, yaml.YAMLError, ValidationError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"无法读取表单模板 {path}：{exc}。请检查 FORM_SCHEMA_DIR 设置和模板文件。") from exc
    return schema


def load_schema(schema_dir: Path, schema_id: str = DEFAULT_SCHEMA_ID) -> FormSchema:
    """The schema `schema_id` from `schema_dir` (cached per file)."""
    path = (schema_dir / f"{schema_id}.yaml").resolve()
    if not path.is_file():
        raise ConfigError(f"找不到表单模板 {path}。请把 FORM_SCHEMA_DIR 设为包含 {schema_id}.yaml 的目录。")
    return _load(path)
