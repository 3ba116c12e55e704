"""Check an applicant's own Word draft: 字数 per template section against its limit.

Headings are found the way Word users write them: heading styles, or short
paragraphs that are entirely bold, e.g. "（一）项目背景（限 500 字）". The text
between one template heading and the next is counted with Word's rule.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Literal

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from pydantic import BaseModel
from pydantic import Field as PydField

from assistant.forms.schema import Field, FormSchema, Section
from assistant.forms.validators import nfkc
from assistant.forms.wordcount import count_text

CheckStatus = Literal["ok", "over", "missing", "empty"]
MAX_HEADING_CHARS = 60
_NUMBERING = re.compile(
    r"^(第[一二三四五六七八九十]+部分[:：]?|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]|\d+[.、．])"
)
_LIMIT = re.compile(r"[(（]\s*(?:限|不超过)?\s*(\d+)\s*字(?:以内)?\s*[)）]$")
_TABLE_FIELDS = ("basic.summary", "units.intro", "units.capability")


class SectionCheck(BaseModel):
    key: str
    title: str
    limit: int | None
    count: int
    status: CheckStatus
    chars: int = PydField(default=0, exclude=True)  # 字符数, shown in the text report only


class CheckReport(BaseModel):
    sections: list[SectionCheck] = []
    errors: list[str] = []


@dataclass
class _Target:
    key: str
    title: str
    limit: int | None
    label: str  # the heading text without numbering and limit
    section: Section
    field: Field | None
    required: bool
    found: bool = False
    texts: list[str] = dc_field(default_factory=list)


def _clean_heading(text: str) -> tuple[str, int | None]:
    """ "（一）项目背景（限 500 字）" → ("项目背景", 500)."""
    flat = re.sub(r"\s", "", nfkc(text)).lstrip("*")
    match = _LIMIT.search(flat)
    limit = int(match.group(1)) if match else None
    if match:
        flat = flat[: match.start()]
    return _NUMBERING.sub("", nfkc(flat)), limit


def _is_heading(para: Paragraph) -> bool:
    text = para.text.strip()
    if not text or len(text) > MAX_HEADING_CHARS:
        return False
    style = (para.style.name if para.style is not None else "") or ""
    if style.lower().startswith("toc"):
        return False
    if style.startswith(("Heading", "Title", "标题")):
        return True
    runs = [r for r in para.runs if r.text.strip()]
    style_bold = bool(para.style is not None and para.style.font.bold)
    return bool(runs) and all(r.bold or (r.bold is None and style_bold) for r in runs)


def _targets(schema: FormSchema) -> tuple[list[_Target], dict[str, _Target]]:
    """Body sections and their headings, in template order (第二部分, without 附件)."""
    targets: list[_Target] = []
    by_label: dict[str, _Target] = {}
    for part, section in schema.sections():
        if part.key != "part2":
            continue
        section_target = _Target(
            section.key,
            f"{section.number}{section.title}",
            section.limit,
            section.title,
            section,
            None,
            section.required,
        )
        by_label[section.title] = section_target
        if section.limit is not None:
            targets.append(section_target)
        for f in section.fields:
            if f.kind != "longtext":
                continue
            t = _Target(
                f"{section.key}.{f.key}", f"{f.number}{f.label}", f.limit, f.label, section, f, f.required
            )
            targets.append(t)
            by_label[f.label] = t
    return targets, by_label


def _table_field(schema: FormSchema, path: str) -> tuple[Section, Field]:
    section_key, key = path.split(".")
    section = schema.section(section_key)
    return section, next(f for f in section.fields if f.key == key)


def _status(t: _Target, count: int) -> CheckStatus:
    if not t.found:
        return "missing"
    if count == 0:
        return "empty"
    if t.limit is not None and count > t.limit:
        return "over"
    return "ok"


def _table_text(table: Table) -> str:
    return "\n".join(cell.text for row in table.rows for cell in row.cells)


def check_docx(schema: FormSchema, data: bytes) -> CheckReport:
    """Per-section 字数 of a filled 申报书 (.docx) against the template's limits."""
    report = CheckReport()
    try:
        doc = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        report.errors.append(
            "无法打开文件：不是有效的 Word（.docx）文档。若是 .doc 或 PDF，请先在 Word 中另存为 .docx。"
        )
        return report
    targets, by_label = _targets(schema)
    table_hits: dict[str, list[str]] = {}
    table_labels = {_table_field(schema, p)[1].label: p for p in _TABLE_FIELDS}
    current: _Target | None = None
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = row.cells
                label = re.sub(r"[\s*]", "", nfkc(cells[0].text)) if cells else ""
                path = table_labels.get(label)
                if path and len(cells) > 1:
                    value = "\n".join(dict.fromkeys(c.text for c in cells[1:] if c.text.strip()))
                    table_hits.setdefault(path, []).append(value)
            if current is not None:
                current.texts.append(_table_text(block))
            continue
        if _is_heading(block):
            label, limit = _clean_heading(block.text)
            hit = by_label.get(label)
            if hit is not None:
                hit.found = True
                if hit.field is not None:  # a field also marks its section as present
                    by_label[hit.section.title].found = True
                if limit is not None and hit.limit is not None and limit != hit.limit:
                    report.errors.append(
                        f"“{block.text.strip()}”标题中的字数限制（{limit} 字）与模板（{hit.limit} 字）不一致，按模板检查。"
                    )
                current = hit
                continue
            if label.startswith(("第二部分", "参赛项目介绍")) or label == "附件":
                current = None
                continue
        if current is not None and block.text.strip():
            current.texts.append(block.text)
    for t in targets:
        if t.field is None:  # a section: its own text and all its fields
            own = [x for x in targets if x.field is not None and x.section is t.section]
            text = "\n".join(t.texts + [s for x in own for s in x.texts])
        else:
            text = "\n".join(t.texts)
        counts = count_text(text)
        report.sections.append(
            SectionCheck(
                key=t.key,
                title=t.title,
                limit=t.limit,
                count=counts.words,
                status=_status(t, counts.words),
                chars=counts.chars,
            )
        )
    report.sections[0:0] = _table_checks(schema, table_hits)
    if not any(t.found for t in targets):
        report.errors.append(
            "未找到任何模板标题（如“（一）项目背景（限 500 字）”）。请确认标题使用了标题样式或加粗。"
        )
    return report


def _table_checks(schema: FormSchema, hits: dict[str, list[str]]) -> list[SectionCheck]:
    out = []
    for path in _TABLE_FIELDS:
        section, f = _table_field(schema, path)
        values = hits.get(path, [])
        if not values and section.repeat is None:
            out.append(SectionCheck(key=path, title=f.label, limit=f.limit, count=0, status="missing"))
        for i, value in enumerate(values):
            key = f"{section.key}[{i}].{f.key}" if section.repeat else path
            title = f"{section.repeat.label}{i + 1}·{f.label}" if section.repeat else f.label
            counts = count_text(value)
            status: CheckStatus = (
                "empty" if counts.words == 0 else ("over" if f.limit and counts.words > f.limit else "ok")
            )
            out.append(
                SectionCheck(
                    key=key, title=title, limit=f.limit, count=counts.words, status=status, chars=counts.chars
                )
            )
    return out


def check_file(schema: FormSchema, path: Path) -> CheckReport:
    if path.suffix.lower() != ".docx":
        return CheckReport(
            errors=[f"只能检查 .docx 文件，{path.name} 不是。若是 .doc 或 PDF，请先在 Word 中另存为 .docx。"]
        )
    try:
        data = path.read_bytes()
    except OSError:
        return CheckReport(errors=[f"无法读取文件 {path}。"])
    return check_docx(schema, data)


STATUS_TEXT = {"ok": "符合", "over": "超限", "missing": "缺失", "empty": "空白"}


def report_text(report: CheckReport) -> str:
    lines = []
    for s in report.sections:
        limit = f"/{s.limit}" if s.limit is not None else ""
        over = f"（多 {s.count - s.limit} 字）" if s.status == "over" and s.limit is not None else ""
        chars = f"，字符数 {s.chars}" if s.status in ("ok", "over") else ""
        lines.append(f"[{STATUS_TEXT[s.status]}] {s.title}：{s.count}{limit} 字{over}{chars}")
    lines.extend(f"错误：{e}" for e in report.errors)
    return "\n".join(lines)
