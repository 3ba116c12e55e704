"""申报书 questions answered from the template records: a field's 字数 limit, choice rule, options,
required mark, table and repeat limits, sub-items and hint, cited to the template's own line."""

from __future__ import annotations

import re
from functools import cache

from .. import tables
from ..query import Part
from ..text import plain
from .base import Finding
from .template import Template, TemplateItem


@cache
def _aspects() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((a.aspect, tables.alternation(a.words)) for a in tables.slots().template_aspects)


def aspects(canonical: str) -> list[str]:
    return [name for name, pat in _aspects() if pat.search(canonical)]


def _facts(item: TemplateItem, aspect: str) -> str:
    """What the template says of one item for one aspect ('' when it says nothing)."""
    if aspect == "limit":
        return item.limit_text
    if aspect == "choice":
        return item.constraint or _count_said(item.hint)
    if aspect == "options":
        if item.groups:
            rows = "；".join(f"{g}（{'、'.join(opts)}）" if opts else g for g, opts in item.groups)
            return f"分 {len(item.groups)} 类：{rows}"
        return "、".join(item.options)
    if aspect == "unit":
        return f"单位：{item.unit}" if item.unit else ""
    if aspect == "required":
        if item.optional_text:
            return item.optional_text
        return "模板中标有 *，为必填项" if item.required else ""
    if aspect == "years":
        years = [p for p in item.parts if re.search(r"\d{4}\s*年", p)]
        return "、".join(years)
    if aspect == "rows":
        return item.rows or _count_said(item.hint)
    if aspect == "content":
        bits = [item.hint] if item.hint else []
        if item.parts:
            bits.append("、".join(item.parts))
        if item.dependents:
            bits.append(f"选“{item.condition}”时还需填写：{'、'.join(item.dependents)}")
        if not bits and item.sections:
            bits.append("、".join(item.sections))  # 封面要填什么: what the page is made of
        return "；".join(bits)
    if aspect == "sections":
        return "、".join(item.sections)
    return ""


_COUNT_SAID = re.compile(r"数量|可增加|不限")


def _count_said(hint: str) -> str:
    """What a field's hint says of how many may be given ("可增加，无数量限制", "数量不限"), in its words."""
    said = [p for p in re.split(r"[，,；;。]", hint) if _COUNT_SAID.search(p)]
    return "，".join(said) if said else ""


def _describe(item: TemplateItem, wanted: list[str]) -> str:
    pieces: list[str] = []
    if "choice" in wanted and "options" not in wanted and item.options and _facts(item, "choice"):
        wanted = [*wanted, "options"]  # how many may be chosen, and of what
    for aspect in wanted:
        fact = _facts(item, aspect)
        if not fact:
            continue
        if aspect == "options" and item.constraint and "choice" not in wanted:
            fact = f"{item.constraint}；选项：{fact}"
        elif aspect == "options" and not item.groups:
            fact = f"选项：{fact}"
        elif aspect == "options":
            fact = f"选项{fact}"
        pieces.append(fact)
    return f"{item.label}：" + "；".join(dict.fromkeys(pieces))


def _all_facts(item: TemplateItem) -> list[str]:
    return [a for a in ("limit", "choice", "rows", "required", "unit", "options", "years", "content") if _facts(item, a)]


def answer(part: Part, template: Template) -> Finding | None:
    """The template items the question names and what it asks of them; None if it names none."""
    matches = template.match(part.canonical)
    wanted = aspects(part.canonical)
    if not matches:
        if "rows" in wanted:
            unit_noun = [(0, it) for it in template.items if it.row_noun and it.row_noun[0] in part.canonical and it.rows]
            matches = unit_noun
        if not matches:
            return _option_owner(part, template)
    top = max(score for score, _ in matches)
    if "sections" in wanted:
        # "分哪几…": the item the question names best decides how it divides, else any item named
        best_named = [it for s, it in matches if s == top]
        divided = _divided_by(best_named) or _divided_by([it for _, it in matches])
        if divided:
            wanted = [divided]
    if "choice" in wanted and "options" not in wanted:
        wanted = [*wanted, "options"]  # 能选哪些: how many, and of what (a field with no limit still lists its options)
    if wanted:
        useful = [(s, it) for s, it in matches if any(_facts(it, a) for a in wanted)]
        if useful:
            best = max(s for s, _ in useful)
            chosen = [it for s, it in useful if s == best]
        else:
            chosen = []
    else:
        chosen = [it for s, it in matches if s == top]
    division = template.division
    if not chosen:
        named = [it for s, it in matches if s == top][:1]
        what = "、".join(w for w in wanted if w) or "这一点"
        label = named[0].label if named else "申报书"
        text = f"申报书模板中没有写明{label}的{_ASPECT_WORDS.get(wanted[0], what) if wanted else '这一点'}"
        sources = named[0].sources[:1] if named else []
        return Finding(division, False, text, list(sources))
    chosen = chosen[:3]
    lines = [_describe(it, wanted or _all_facts(it)) for it in chosen]
    labels = [it.label for it in chosen]
    for i, it in enumerate(chosen):
        if labels.count(it.label) > 1 and it.path:
            lines[i] = f"{it.path[-1]} > {lines[i]}"  # the same label in two places: say which
    sources = [s for it in chosen for s in it.sources]
    if "content" in wanted or not wanted:
        sources += [s for it in chosen for s in it.more_sources if s not in sources]
    if "sections" in wanted or any(not it.hint and not it.parts and it.sections for it in chosen):
        sources += [s for it in chosen for s in it.section_sources if s not in sources]
    return Finding(division, True, "\n".join(lines), sources, key="|".join(lines))


_ASPECT_WORDS = {
    "limit": "字数限制",
    "choice": "选择数量",
    "options": "选项",
    "required": "是否必填",
    "years": "年份",
    "rows": "数量上限",
    "content": "填写内容",
    "pages": "页数限制",
    "format": "文件格式",
    "sections": "组成部分",
    "unit": "计量单位",
}


def _divided_by(items: list[TemplateItem]) -> str:
    """What an item is divided into: its outline (商业模式要写哪两部分), its labelled option groups
    (业务场景分哪几类), or its sub-items (应用成效分哪几类价值); '' when none of the items has one."""
    if any(_facts(it, "sections") for it in items):
        return "sections"
    if any(it.groups for it in items):
        return "options"
    if any(it.parts for it in items):
        return "content"
    return ""


def _option_owner(part: Part, template: Template) -> Finding | None:
    """A question naming an option, not a field (算法模型是哪一栏的): the field, and the group it sits in."""
    q = plain(part.canonical)
    for item in template.items:
        groups = item.groups or (("", item.options),)
        for group, options in groups:
            for option in options:
                if len(plain(option)) >= 3 and plain(option) in q:
                    where = f"“{item.label}”中“{group}”一类" if group else f"“{item.label}”"
                    text = f"“{option}”是{where}的选项"
                    if item.constraint:
                        text += f"（{item.constraint}）"
                    return Finding(template.division, True, text, list(item.sources), key=text)
    return None


def not_in_template(part: Part) -> str | None:
    """An aspect the template never specifies for any field (页数, 文件格式): what to call it."""
    for a in aspects(part.canonical):
        if a in ("pages", "format"):
            return _ASPECT_WORDS[a]
    return None
