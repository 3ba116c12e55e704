"""Export a draft as Word, JSON or Markdown; read an exported JSON file back losslessly."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from assistant.errors import InputError
from assistant.forms.export_docx import render_docx
from assistant.forms.integrity import check_answers
from assistant.forms.layout import Block, Contents, FormTable, GridTable, Heading, Para, build_layout
from assistant.forms.schema import FormSchema
from assistant.forms.state import DraftState

ExportFormat = Literal["docx", "json", "md"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("docx", "json", "md")
JSON_FORMAT = "shuju-assistant/form-draft"
JSON_FORMAT_VERSION = 1
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}


def to_json(state: DraftState, *, exported_at: str) -> str:
    data = {
        "format": JSON_FORMAT,
        "format_version": JSON_FORMAT_VERSION,
        "schema_id": state.schema_id,
        "schema_version": state.schema_version,
        "exported_at": exported_at,
        "answers": state.answers,
        "flags": state.flags,
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * (block.level + 1)} {block.text}")
        elif isinstance(block, Para):
            out.append(f"**{block.text}**" if block.style != "normal" else block.text)
        elif isinstance(block, FormTable):
            rows = ["| 项目 | 内容 |", "| --- | --- |"]
            rows += [f"| {_md_cell(r.label)} | {_md_cell(chr(10).join(r.lines))} |" for r in block.rows]
            out.append("\n".join(rows))
        elif isinstance(block, GridTable):
            rows = [
                f"| {' | '.join(_md_cell(h) for h in block.headers)} |",
                f"|{' --- |' * len(block.headers)}",
            ]
            rows += [f"| {' | '.join(_md_cell(c) for c in values)} |" for values in block.rows]
            out.append("\n".join(rows))
        elif isinstance(block, Contents):
            entries = [f"{'  ' * (h.level - 1)}- {h.text}" for h in block.entries]
            out.append("\n".join([f"## {block.title}", "", *entries]))
    return "\n\n".join(out) + "\n"


def export_draft(schema: FormSchema, state: DraftState, fmt: ExportFormat, today: date) -> bytes:
    """The draft in `fmt`; an incomplete draft is exported with its missing fields marked."""
    if fmt == "json":
        return to_json(state, exported_at=today.isoformat()).encode("utf-8")
    blocks = build_layout(schema, state.answers, state.flags, today)
    if fmt == "md":
        return to_markdown(blocks).encode("utf-8")
    if fmt == "docx":
        return render_docx(blocks)
    raise InputError(f"不支持的导出格式“{fmt}”，可选：docx、json、md。")


def from_json(schema: FormSchema, raw: bytes | str, today: date) -> tuple[DraftState, list[str]]:
    """A draft state from an exported JSON file, and warnings; refuses anything the schema does not allow."""
    try:
        data: Any = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"导入失败：文件不是有效的 JSON（{exc}）。") from exc
    if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
        raise InputError("导入失败：这不是本助手导出的申报书 JSON 文件。")
    if data.get("schema_id") != schema.schema_id or data.get("schema_version") != schema.version:
        raise InputError(
            f"导入失败：文件对应模板 {data.get('schema_id')} 第 {data.get('schema_version')} 版，"
            f"当前模板是 {schema.schema_id} 第 {schema.version} 版。"
        )
    answers = data.get("answers")
    if not isinstance(answers, dict):
        raise InputError("导入失败：文件中缺少 answers。")
    errors, warnings = check_answers(schema, answers, today)
    flags = data.get("flags") or {}
    if not isinstance(flags, dict):
        errors.append("flags 应为对象")
    if errors:
        shown = "；".join(errors[:10]) + (f" 等 {len(errors)} 处" if len(errors) > 10 else "")
        raise InputError(f"导入失败：{shown}。")
    try:
        state = DraftState(
            schema_id=schema.schema_id, schema_version=schema.version, answers=answers, flags=flags
        )
    except ValueError as exc:
        raise InputError(f"导入失败：{exc}") from exc
    return state, warnings
