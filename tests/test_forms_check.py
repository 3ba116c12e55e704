"""`form check` on an applicant's own Word draft: 字数 per template section against its limit."""

from __future__ import annotations

import argparse
import io
import json
from datetime import date
from pathlib import Path

import pytest
from backends import DraftBackend
from docx import Document
from docx.document import Document as DocumentType

from assistant.forms import cli
from assistant.forms.check import check_docx
from assistant.forms.schema import load_schema
from assistant.forms.service import FormService
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = load_schema(ROOT / "form_schema")


def heading(doc: DocumentType, text: str, *, styled: bool) -> None:
    """A heading the way Word users make one: a heading style, or a plain paragraph in bold."""
    if styled:
        doc.add_heading(text, level=3)
    else:
        doc.add_paragraph().add_run(text).bold = True


def word_draft() -> bytes:
    """A filled 申报书 body: 项目背景 over its limit, 数据治理 missing, 安全保障 empty."""
    doc = Document()
    doc.add_paragraph("2025 年“数据要素×”大赛 参赛项目申报书")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "*项目名称"
    table.cell(0, 1).text = "智煤平台"
    table.cell(1, 0).text = "*项目简述"
    table.cell(1, 1).text = "本项目基于AI的Deep Learning平台。"  # 本项目 3 + 8 + 。1 = 12 字
    doc.add_heading("第二部分：参赛项目介绍", level=1)
    heading(doc, "一、项目概述", styled=False)
    heading(doc, "（一）项目背景（限 500 字）", styled=True)
    doc.add_paragraph("煤" * 400)
    doc.add_paragraph("矿" * 200)
    heading(doc, "（二）应用场景（限 500 字）", styled=False)
    doc.add_paragraph("成立于2025年，营收3.5万元。")  # 12 字
    heading(doc, "（三）核心优势（限 1000 字）", styled=False)
    doc.add_paragraph("Hello, world! 你好。")  # 5 字
    doc.add_heading("二、解决方案", level=2)
    heading(doc, "（一）数据要素基础（限 3000 字）", styled=True)
    doc.add_paragraph("数据" * 100)
    heading(doc, "（二）技术路线（限 4000 字）", styled=True)
    doc.add_paragraph().add_run("1. 技术架构").bold = True  # not a template heading: counted as text
    doc.add_paragraph("边云协同。")
    heading(doc, "（四）机制创新与模式创新（限 3000 字）", styled=False)
    doc.add_paragraph("第一段\n第二段")
    heading(doc, "（五）安全保障", styled=False)
    doc.add_heading("三、应用成效（限 5000 字）", level=2)
    heading(doc, "（一）需求痛点", styled=False)
    doc.add_paragraph("痛" * 2000)
    heading(doc, "（二）质效提升成效", styled=False)
    doc.add_paragraph("效" * 2000)
    heading(doc, "（三）经济社会效益", styled=False)
    doc.add_paragraph("益" * 1500)
    doc.add_heading("四、商业模式（限 5000 字）", level=2)
    heading(doc, "（一）推广示范价值", styled=True)
    doc.add_paragraph("推广。")
    heading(doc, "（二）模式可持续性", styled=True)
    doc.add_paragraph("持续。")
    doc.add_heading("五、附件", level=2)
    doc.add_paragraph("专利数量：1 个")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def by_key(data: bytes) -> dict[str, tuple[int | None, int, str]]:
    report = check_docx(SCHEMA, data)
    return {s.key: (s.limit, s.count, s.status) for s in report.sections}


def test_sections_are_counted_against_their_limits() -> None:
    found = by_key(word_draft())
    assert found["overview.background"] == (500, 600, "over")
    assert found["solution.governance"] == (3000, 0, "missing")
    assert found["solution.security"] == (None, 0, "empty")
    assert found["overview.scenarios"] == (500, 12, "ok")
    assert found["overview.advantages"] == (1000, 5, "ok")
    assert found["solution.tech_route"] == (4000, 10, "ok")  # "1. 技术架构" (1 + 4) + "边云协同。" (5)
    assert found["solution.innovation"] == (3000, 6, "ok")
    assert found["effects"] == (5000, 5500, "over")  # its three parts together
    assert found["effects.pain_points"] == (None, 2000, "ok")
    assert found["business"] == (5000, 6, "ok")
    assert found["basic.summary"] == (1000, 12, "ok")


def test_cli_check_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "我的申报书.docx"
    path.write_bytes(word_draft())
    code, out = run(tmp_path, "check", str(path), "--json")
    assert code == 1  # problems found
    data = json.loads(out)
    assert set(data) == {"sections", "errors"}
    assert all(set(s) == {"key", "title", "limit", "count", "status", "where"} for s in data["sections"])
    statuses = {s["key"]: s["status"] for s in data["sections"]}
    assert statuses["overview.background"] == "over" and statuses["solution.governance"] == "missing"
    assert {s["title"] for s in data["sections"]} >= {"（一）项目背景", "三、应用成效"}


def test_cli_check_text_report(tmp_path: Path) -> None:
    path = tmp_path / "draft.docx"
    path.write_bytes(word_draft())
    code, out = run(tmp_path, "check", str(path))
    assert code == 1
    assert "[超限] （一）项目背景：600/500 字（多 100 字）" in out
    assert "[缺失] （三）数据治理：0/3000 字" in out


def test_a_heading_with_a_different_limit_is_reported() -> None:
    doc = Document()
    heading(doc, "（一）项目背景（限 800 字）", styled=False)
    doc.add_paragraph("背景。")
    out = io.BytesIO()
    doc.save(out)
    report = check_docx(SCHEMA, out.getvalue())
    assert any("限制（800 字）与模板（500 字）不一致" in e for e in report.errors)


@pytest.mark.parametrize(
    ("name", "data"), [("draft.docx", b"not a word file"), ("draft.doc", b"\xd0\xcf\x11\xe0")]
)
def test_unreadable_files_are_errors_not_tracebacks(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, out = run(tmp_path, "check", str(path), "--json")
    assert code == 2
    report = json.loads(out)
    assert report["sections"] == [] and "docx" in report["errors"][0]


def test_a_document_without_template_headings() -> None:
    doc = Document()
    doc.add_paragraph("随便写的一段话。")
    out = io.BytesIO()
    doc.save(out)
    report = check_docx(SCHEMA, out.getvalue())
    assert any("未找到任何模板标题" in e for e in report.errors)
    assert {s.status for s in report.sections if s.key != "basic.summary"} == {"missing"}


def test_our_own_export_passes_the_check(drafts: DraftBackend) -> None:
    service = FormService(
        schema=SCHEMA, store=drafts.store(), today=lambda: date(2025, 6, 1)
    )
    token = service.create().token
    state = service.store.load(token)
    for _, section in SCHEMA.sections():
        if section.key in ("overview", "solution", "effects", "business"):
            state.answers[section.key] = {f.key: f"{f.label}的内容，2025年。" for f in section.fields}
    case = {"unit_name": "太原某煤矿", "demand": "需求。", "scenario": "场景。", "effect": "成效。"}
    state.answers["basic"] = {"summary": "简述。", "cases": [case, dict(case, demand="需" * 200)]}
    state.answers["team"] = {"members": [{"name": "张三", "role": "负责" * 25}, {"name": "李四", "role": "统筹。"}]}
    state.answers["units"] = [{"intro": "简介。", "capability": "能力。"}, {"intro": "介" * 300, "capability": "能力。"}]
    service.store.save(token, state)
    found = by_key(service.export(token, "docx").data)
    assert {status for _, _, status in found.values()} == {"ok"}
    assert found["overview.background"][1] == 11  # 项目背景的内容， (8) + 2025 (1) + 年。 (2)
    assert found["basic.cases[1].demand"] == (200, 200, "ok")
    assert found["team.members[0].role"] == (50, 50, "ok")
    assert found["units[1].intro"] == (300, 300, "ok")


def run(tmp_path: Path, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    cli.add_subparser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["form", *argv])
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", today="2025-06-01")  # type: ignore[call-arg]
    out = io.StringIO()
    code = cli.run(args, settings, stdout=out)
    return code, out.getvalue()
