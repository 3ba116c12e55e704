"""The 申报书 template as records: every field with its 字数 limit, choice rule, options, required
mark, table and repeat limits, sub-items and hint, each located in the template's own text.

Built from `form_schema/` (whose every label, limit and option is checked against the template
by tests/test_forms_schema.py), so a new template of the same shape gets the same records.
Options or columns we supplied (`supplied: options|columns`) are never presented as template text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.forms.schema import Field, FormSchema, Section, load_schema
from assistant.models import DivisionId

from ..index import KnowledgeIndex
from ..text import plain
from .base import Source, heading

_GENERIC = frozenset("项目 数据 单位 情况 信息 方式 类型 名称 内容 主要 参赛 服务 其中 是否 填写 部分 要求 核心 应用".split())


@dataclass
class TemplateItem:
    label: str
    path: tuple[str, ...]  # section titles above it
    aliases: tuple[str, ...]  # other names: the label without 项目, its sub-heading
    limit_text: str = ""
    constraint: str = ""  # 最多选 2 项 / 限选 1 项 / 单选 / 至少填2项 / 最多添加 5 名 / 最多五家
    required: bool = False
    optional_text: str = ""  # 选填 as the template writes it
    hint: str = ""
    options: tuple[str, ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # labelled rows of options (数据资源: 数据采集…)
    unit: str = ""  # the unit the template prints beside the label (万元, GB, %)
    dependents: tuple[str, ...] = ()  # what is filled when the answer is the condition (如是, 大模型名称…)
    condition: str = ""  # that answer (是)
    more_sources: list[Source] = field(default_factory=list)  # the lines printing the dependents
    parts: tuple[str, ...] = ()  # sub-items: years, columns, sub-fields
    rows: str = ""  # the table/repeat limit text
    row_noun: str = ""  # 名成员 / 家单位 / 个案例
    sources: list[Source] = field(default_factory=list)
    sections: tuple[str, ...] = ()  # what a part, section or field is made of, in template order
    section_sources: list[Source] = field(default_factory=list)  # the template lines naming them


# "1. 技术架构：…2. 数据服务功能：…": the points a hint asks to write, in order.
_POINT = re.compile(r"(?:^|[。；\s])\d\s*[.．、]\s*([^：:。；\d]{2,14})[：:]")
_CN = "一二三四五六七八九十"


def _numbered(number: str, title: str) -> tuple[str, ...]:
    """A section's other names by its number: 三、应用成效 is 第三章 / 第三部分 / 第三节."""
    m = re.match(r"[（(]?([一二三四五六七八九十]+)[)）、]?", number or "")
    if not m:
        return ()
    n = m.group(1)
    return (f"第{n}章{title}", f"第{n}部分{title}", f"第{n}节{title}")


def _part_aliases(title: str) -> tuple[str, ...]:
    """第一部分：基本信息 is also asked as 第一部分 or 基本信息那部分."""
    head, _, rest = title.partition("：")
    return tuple(a for a in (head, rest) if len(a) >= 3)


_RULE_WORD_USES = 3  # 参赛单位 is in nearly every rule of the Shanxi notice; 项目简述 never outside the template


def _in_template(index: KnowledgeIndex, division: DivisionId) -> list[int]:
    return [r for r, c in enumerate(index.chunks) if c.division == division and c.section.startswith("附件 2")]


class Template:
    """The template's items, in template order."""

    def __init__(self, index: KnowledgeIndex, schema: FormSchema) -> None:
        self.division: DivisionId = schema.division  # type: ignore[assignment]
        self.title = schema.title
        self._index = index
        self._rows = _in_template(index, self.division)
        self._body_counts: dict[str, int] = {}
        self.rows = list(self._rows)
        self.items: list[TemplateItem] = []
        self._cover([c.label for c in schema.cover])
        for part in schema.parts:
            self._structure(part.title, (), [s.title for s in part.sections], aliases=_part_aliases(part.title))
            for section in part.sections:
                self._section(section, (part.title,))

    @classmethod
    def load(cls, index: KnowledgeIndex, schema_dir: Path) -> Template:
        return cls(index, load_schema(schema_dir))

    # -- building ----------------------------------------------------------------------------------

    def _locate(self, needles: list[str], path: tuple[str, ...], *, rows_only: bool = False) -> list[Source]:
        """The template line holding the label (and its limit, rule or options), or the heading naming
        it; lines inside the item's own section win. A table column's label and its limit sit in two
        rows: the quote then spans both."""
        label, *more = [n for n in needles if n]
        want = plain(label)
        inside = [plain(p) for p in path[1:]]
        best: tuple[int, Source] | None = None
        for row in self._rows:
            chunk = self._index.chunks[row]
            head = heading(chunk)
            if plain(head) == "目录":
                continue  # the table of contents names every heading and states nothing
            bonus = 3 if inside and all(p in self._index.plain_sections[row] for p in inside[:1]) else 0
            if want in plain(head) and not rows_only:
                score = 2 + bonus + sum(plain(m) in plain(head) for m in more)
                if best is None or score > best[0]:
                    best = (score, Source(chunk, head))
            units = self._index.units[row]
            texts = self._index.plain_units[row]
            for i, (unit, text) in enumerate(zip(units, texts, strict=True)):
                if want not in text:
                    continue
                score = 1 + bonus + sum(plain(m) in text for m in more)
                source = Source(chunk, unit.text)
                nxt = i + 1
                if unit.is_row and nxt < len(units) and units[nxt].is_row:
                    extra = sum(plain(m) in texts[nxt] for m in more if plain(m) not in text)
                    if extra:
                        score += extra
                        source = Source(chunk, chunk.text[unit.start : units[nxt].end])
                if best is None or score > best[0]:
                    best = (score, source)
        return [best[1]] if best else []

    def _present(self, labels: list[str], sources: list[Source]) -> tuple[str, ...]:
        """The labels that the template's text around the item really prints."""
        if not sources:
            return ()
        chunk_text = plain(sources[0].chunk.text + heading(sources[0].chunk))
        return tuple(lb for lb in labels if plain(lb) and plain(lb) in chunk_text)

    def _printed(self, labels: list[str]) -> tuple[str, ...]:
        """The labels the template prints anywhere (a field's dependents may run onto the next line)."""
        text = "".join(plain(self._index.chunks[r].text) for r in self._rows)
        return tuple(lb for lb in labels if plain(lb) and plain(lb) in text)

    def _cover(self, labels: list[str]) -> None:
        """The cover page: the lines before the table of contents (团队名称、项目名称…)."""
        if not self._rows:
            return
        chunk = self._index.chunks[self._rows[0]]
        lines = [u for u in self._index.units[self._rows[0]] if any(plain(lb) in plain(u.text) for lb in labels)]
        if lines:
            found = tuple(lb for lb in labels if any(plain(lb) in plain(u.text) for u in lines))
            sources = [Source(chunk, u.text) for u in lines]
            self.items.append(
                TemplateItem(label="封面", path=(), aliases=("首页", "封皮"), sections=found, section_sources=sources, sources=sources[:1])
            )

    def _structure(self, title: str, path: tuple[str, ...], children: list[str], *, aliases: tuple[str, ...] = ()) -> None:
        """A part or section as what it is made of: its own heading and its children's headings."""
        own = self._locate([title], path) or self._heading_above(title)
        named: list[str] = []
        sources: list[Source] = []
        for child in children:
            found = self._locate([child], (*path, title)) or self._heading_above(child)
            if found and plain(child) in plain(found[0].quote):
                named.append(child)
                sources.append(found[0])
        if own and named:
            self.items.append(
                TemplateItem(label=title, path=path, aliases=aliases, sections=tuple(named), section_sources=sources, sources=own)
            )

    def _heading_above(self, title: str) -> list[Source]:
        """A heading with no text of its own (第一部分：基本信息): quoted from the section path of
        the first chunk under it."""
        for row in self._rows:
            chunk = self._index.chunks[row]
            for name in chunk.section.split(" > "):
                if plain(name).endswith(plain(title)):  # "一、项目概述" names 项目概述
                    return [Source(chunk, name)]
        return []

    def _section(self, section: Section, path: tuple[str, ...]) -> None:
        children = [f.label for f in section.fields if f.label and not f.heading]
        if len(children) >= 2:
            self._structure(section.title, path, children, aliases=_numbered(section.number, section.title))
        here = (*path, section.title)
        if section.limit_text or section.note or section.repeat:
            rows = section.note if section.repeat else ""
            sources = self._locate([section.title, section.limit_text, section.note], path)
            self.items.append(
                TemplateItem(
                    label=section.title,
                    path=path,
                    # a repeated section is asked by its row label (参赛单位基本信息 → 参赛单位表)
                    aliases=(section.repeat.label,) if section.repeat and section.repeat.label != section.title else (),
                    limit_text=section.limit_text,
                    rows=rows,
                    row_noun=section.repeat.row_noun if section.repeat else "",
                    hint=section.hint,
                    sources=sources,
                )
            )
        self._fields(section.fields, here, heading_alias="")

    def _fields(self, fields: list[Field], path: tuple[str, ...], heading_alias: str) -> None:
        alias = heading_alias
        shown: dict[str, list[Field]] = {}
        for f in fields:
            if f.show_if is not None and f.show_if.equals:
                shown.setdefault(f.show_if.field, []).append(f)  # 如是, 大模型名称… under 是否接入大模型
        for f in fields:
            if f.heading:
                alias = re.sub(r"^[\d.()（）\s]+|（.*$", "", f.heading)
            elif f.number:
                alias = ""
            self._field(f, path, alias, dependents=shown.get(f.key, []))

    def _field(
        self, f: Field, path: tuple[str, ...], alias: str, *, column: bool = False, dependents: list[Field] | None = None
    ) -> None:
        names = [f.label]
        if f.label.startswith("项目") and len(f.label) > 4:
            names.append(f.label[2:])
        if f.label.startswith("项目主要") and len(f.label) > 6:
            names.append(f.label[4:])  # 项目主要部署方式 is asked as 部署方式
        if alias and alias != f.label:
            names.append(alias)
        if f.label == "其他":
            return  # "其他" names no field on its own
        firsts = [c.label for _, c in f.all_choices()][:2] if f.is_choice and not f.dropdown else []
        sources = self._locate(
            [f.label, f.limit_text or f.constraint, f.hint[:12] if f.hint else "", *firsts], path, rows_only=column
        )
        options: tuple[str, ...] = ()
        if f.is_choice and not f.dropdown and not f.options_supplied:
            options = self._present([c.label for _, c in f.all_choices()], sources)
        groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
        if f.groups and not f.dropdown and not f.options_supplied:
            printed = set(self._present([g.label for g in f.groups], sources))
            groups = tuple(
                (g.label, self._present([c.label for c in g.choices], sources)) for g in f.groups if g.label in printed
            )
        sub = f.subfields or f.columns
        parts = () if f.columns_supplied else self._present([s.label for s in sub], sources)
        if f.kind == "block" and not parts:
            # a block is made of its sub-headings: 项目应用成效 → (1) 存量价值 (2) 增量价值 (3) 社会价值
            heads = [re.sub(r"^[\d.()（）\s]+", "", c.heading).strip() for c in f.fields if c.heading]
            parts = self._printed(list(dict.fromkeys(h for h in heads if h)))
            block_sources = [x for h in parts[:4] for x in self._locate([h], (*path, f.label)) if x not in sources]
        else:
            block_sources = []
        units = [u for u in (f.unit, *(s.unit for s in sub)) if u and u != "%"]
        unit = next(iter(self._present(units, sources)), "")
        follow = [d for d in dependents or [] if d.show_if is not None]
        shown = self._printed([d.label for d in follow]) if follow else ()
        more: list[Source] = []
        for d in follow:
            if len(more) < 5 and not any(plain(d.label) in plain(x.quote) for x in (*sources, *more)):
                more += [x for x in self._locate([d.label, *(o.label for o in follow)], path) if x not in more]
        points = tuple(m.group(1).strip() for m in _POINT.finditer(f.hint)) if f.hint else ()
        optional = "选填" if "选填" in f.hint else ""
        item = TemplateItem(
            label=f.label,
            path=path,
            aliases=tuple(names[1:]),
            limit_text=f.limit_text,
            constraint="" if f.kind == "table" else f.constraint,
            required=f.required,
            optional_text=optional,
            hint="" if optional == f.hint else f.hint,
            options=options,
            groups=groups,
            unit=unit,
            dependents=shown,
            condition=follow[0].show_if.equals or "" if follow and follow[0].show_if else "",
            more_sources=(more if shown else []) + block_sources,
            parts=parts,
            rows=f.constraint if f.kind == "table" and f.max_rows else "",
            # (a table's constraint is its row limit; it is shown once, as `rows`)
            row_noun=f.row_noun,
            sources=sources,
            sections=points if len(points) >= 2 else (),
            section_sources=sources if len(points) >= 2 else [],
        )
        if sources:
            self.items.append(item)
        inner = (*path, f.label)
        if f.kind == "block":
            self._fields(f.fields, inner, "")
        elif f.kind == "table" and not f.columns_supplied:
            for col in f.columns:
                if col.limit_text or col.hint:
                    self._field(col, inner, "", column=True)

    # -- matching ----------------------------------------------------------------------------------

    def rule_word(self, name: str) -> bool:
        """A name the notice's own rules use often outside the template (参赛单位, 知识产权): naming
        it does not by itself make a question one about the form."""
        n = plain(name)
        if n not in self._body_counts:
            rows = set(self._rows)
            self._body_counts[n] = sum(
                plain(c.text).count(n) for r, c in enumerate(self._index.chunks) if c.division == self.division and r not in rows
            )
        return self._body_counts[n] >= _RULE_WORD_USES

    def match(self, canonical: str) -> list[tuple[int, TemplateItem]]:
        """Items a question names, with a score: a full label beats a shared distinctive run."""
        q = plain(canonical)
        out: list[tuple[int, TemplateItem]] = []
        for item in self.items:
            best = 0
            outline = not (
                item.limit_text or item.constraint or item.options or item.parts or item.rows or item.hint or item.dependents
            )
            for name in (item.label, *item.aliases):
                n = plain(name)
                if n and n in q:
                    best = max(best, 2 * len(n))
                elif not outline:  # a heading that only outlines its children is named in full
                    best = max(best, _shared(n, q))
            if best:
                out.append((best, item))
        return out


def _shared(name: str, q: str) -> int:
    """Length of the longest run (≥ 3 characters, not a generic word) `name` shares with `q`."""
    best = 0
    for i in range(len(name)):
        for j in range(i + 3, len(name) + 1):
            piece = name[i:j]
            if piece not in q:
                break
            if piece not in _GENERIC and j - i > best:
                best = j - i
    return best
