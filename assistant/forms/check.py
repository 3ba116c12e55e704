"""Check an applicant's own Word draft: 字数 of every limited text of the template against its limit.

The draft is read in one pass (check_walk.py) that files each text under its template
heading; the limits come from the form schema (check_catalog.py): 第二部分 sections and
their parts, 第一部分 long texts (项目简述, 单位简介, 核心能力) and the limited columns of
its tables (团队成员·角色, 代表性案例·应用需求/应用场景/应用成效). Counting is Word's rule
(wordcount.py). Every finding says where it is: the template section, and the table row.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydField

from assistant.forms.check_catalog import SEP, Target, build_catalog
from assistant.forms.check_read import DAMAGED, SAVE_AS, UnreadableFile, open_docx
from assistant.forms.check_walk import GridCell, Opened, Walker
from assistant.forms.schema import FormSchema
from assistant.forms.wordcount import count_text

log = logging.getLogger(__name__)
CheckStatus = Literal["ok", "over", "missing", "empty"]
STATUS_TEXT = {"ok": "符合", "over": "超限", "missing": "缺失", "empty": "空白"}


class SectionCheck(BaseModel):
    key: str
    title: str
    limit: int | None
    count: int
    status: CheckStatus
    where: str = ""  # the template section, and the table row when it is in a table
    chars: int = PydField(default=0, exclude=True)  # 字符数, shown in the text report only


class CheckReport(BaseModel):
    sections: list[SectionCheck] = []
    errors: list[str] = []


def _status(found: bool, count: int, limit: int | None) -> CheckStatus:
    if not found:
        return "missing"
    if count == 0:
        return "empty"
    return "over" if limit is not None and count > limit else "ok"


def _check(key: str, title: str, limit: int | None, text: str, where: str, *, found: bool = True) -> SectionCheck:
    counts = count_text(text)
    return SectionCheck(
        key=key,
        title=title,
        limit=limit,
        count=counts.words,
        status=_status(found, counts.words, limit),
        where=where,
        chars=counts.chars,
    )


def _at(where: str, at: str) -> str:
    return f"{where}（{at}）" if at else where


def _target_checks(walker: Walker, target: Target) -> list[SectionCheck]:
    found = walker.found.get(target.key, [])
    if target.field is None:  # a section: its own text and all its fields
        if target.limit is None:
            return []
        parts = [o for t in walker.catalog.targets if t.section is target.section for o in walker.found.get(t.key, [])]
        text = "\n".join(s for o in parts for s in o.texts)
        return [_check(target.key, target.title, target.limit, text, target.where, found=bool(found))]
    if not found:
        if target.repeated:
            return []  # how many 参赛单位 a draft has is its own affair
        return [_check(target.key, target.title, target.limit, "", target.where, found=False)]
    return [_opened_check(target, o) for o in found]


def _opened_check(target: Target, opened: Opened) -> SectionCheck:
    text = "\n".join(opened.texts)
    repeat, f = target.section.repeat, target.field
    if repeat is None or opened.index is None or f is None:
        return _check(target.key, target.title, target.limit, text, _at(target.where, opened.at))
    n = opened.index + 1
    where = _at(f"{target.where}{SEP}{repeat.label} {n}", opened.at)
    return _check(f"{target.section.key}[{opened.index}].{f.key}", f"{repeat.label}{n}·{f.label}", target.limit, text, where)


def _cell_check(cell: GridCell) -> SectionCheck:
    n = cell.record + 1
    key = f"{cell.grid.key}[{cell.record}].{cell.column.key}"
    title = f"{cell.grid.noun}{n}·{cell.column.label}"
    where = f"{cell.grid.where}第 {n} 行（{cell.at}）"
    return _check(key, title, cell.column.limit, cell.text, where)


def _report(walker: Walker) -> CheckReport:
    ordered: list[tuple[tuple[int, int, int], SectionCheck]] = []
    for target in walker.catalog.targets:
        ordered.extend(((target.order, i, 0), c) for i, c in enumerate(_target_checks(walker, target)))
    for cell in walker.cells:
        column = cell.grid.field.columns.index(cell.column)
        ordered.append(((cell.grid.order, cell.record, column), _cell_check(cell)))
    ordered.sort(key=lambda item: item[0])
    report = CheckReport(sections=[c for _, c in ordered], errors=list(walker.errors))
    for found in walker.found.values():
        if len(found) == 1 and found[0].headings > 1:
            title = found[0].target.title
            report.errors.append(f"“{title}”的标题出现了 {found[0].headings} 次，各处文字合并计算。")
    if not walker.found and not walker.cells:
        report.errors.append(
            "未找到任何模板标题（如“（一）项目背景（限 500 字）”）。请确认标题使用了标题样式、加粗或模板的编号。"
        )
    return report


def check_docx(schema: FormSchema, data: bytes, name: str = "") -> CheckReport:
    """Per-text 字数 of a filled 申报书 (.docx) against the template's limits."""
    try:
        doc = open_docx(data, name)
        walker = Walker(build_catalog(schema), doc)
        walker.document()
    except UnreadableFile as exc:
        return CheckReport(errors=[exc.message])
    except DAMAGED:
        log.warning("unreadable Word draft %s", name or "(upload)", exc_info=True)
        return CheckReport(errors=[f"无法打开文件{f'“{name}”' if name else ''}：文件内容已损坏。{SAVE_AS}"])
    return _report(walker)


def check_file(schema: FormSchema, path: Path) -> CheckReport:
    try:
        data = path.read_bytes()
    except OSError:
        return CheckReport(errors=[f"无法打开文件“{path.name}”：文件不存在或无法读取（{path}）。"])
    return check_docx(schema, data, path.name)


def report_text(report: CheckReport) -> str:
    lines = []
    for s in report.sections:
        limit = f"/{s.limit}" if s.limit is not None else ""
        over = f"（多 {s.count - s.limit} 字）" if s.status == "over" and s.limit is not None else ""
        chars = f"，字符数 {s.chars}" if s.status in ("ok", "over") else ""
        where = f"｜位置：{s.where}" if s.where else ""
        lines.append(f"[{STATUS_TEXT[s.status]}] {s.title}：{s.count}{limit} 字{over}{chars}{where}")
    lines.extend(f"错误：{e}" for e in report.errors)
    return "\n".join(lines)
