"""`form check` on Word drafts laid out the ways applicants really lay them out.

Every draft is a real .docx built with python-docx, as Word users build them: merged
cells, nested tables, headings numbered and formatted in many ways, 第二部分 as a table.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from backends import DraftBackend
from docx import Document
from docx.document import Document as DocumentType
from docx.table import _Cell

from assistant.forms.check import CheckReport, SectionCheck, check_docx, check_file, report_text
from assistant.forms.marks import MISSING, min_filled, over_limit
from assistant.forms.schema import load_schema
from assistant.forms.service import FormService

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = load_schema(ROOT / "form_schema")


def save(doc: DocumentType) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def bold(doc: DocumentType | _Cell, text: str) -> None:
    doc.add_paragraph().add_run(text).bold = True


def findings(data: bytes) -> dict[str, SectionCheck]:
    return {s.key: s for s in check_docx(SCHEMA, data).sections}


def counted(data: bytes) -> dict[str, tuple[int, str]]:
    return {key: (s.count, s.status) for key, s in findings(data).items()}


def part2_start(doc: DocumentType) -> None:
    doc.add_heading("第二部分：参赛项目介绍", level=1)
    bold(doc, "一、项目概述")


# --- merged cells ----------------------------------------------------------------------


def test_a_merged_cell_is_counted_once() -> None:
    """A cell spanning four columns, and one spanning two rows, are one cell each in Word."""
    doc = Document()
    part2_start(doc)
    bold(doc, "二、解决方案")
    bold(doc, "（二）技术路线（限 4000 字）")
    doc.add_paragraph("边云协同。")  # 5
    table = doc.add_table(rows=3, cols=4)
    table.cell(0, 0).merge(table.cell(0, 3)).text = "架" * 50  # one cell over four grid columns
    table.cell(1, 0).merge(table.cell(2, 0)).text = "边" * 10  # one cell over two rows
    for row in (1, 2):
        for col in (1, 2, 3):
            table.cell(row, col).text = "云" * 5  # 6 cells, 30
    assert counted(save(doc))["solution.tech_route"] == (95, "ok")


def test_a_merged_value_cell_of_the_first_part_is_counted_once() -> None:
    doc = Document()
    table = doc.add_table(rows=1, cols=4)
    table.cell(0, 0).text = "*项目简述"
    table.cell(0, 1).merge(table.cell(0, 3)).text = "简" * 224
    assert counted(save(doc))["basic.summary"] == (224, "ok")


# --- where a section ends ----------------------------------------------------------------


def last_section(doc: DocumentType) -> None:
    doc.add_heading("四、商业模式（限 5000 字）", level=2)
    bold(doc, "（一）推广示范价值")
    doc.add_paragraph("推广。")
    bold(doc, "（二）模式可持续性")
    doc.add_paragraph("持续。")  # 3


def styled_title(doc: DocumentType) -> None:
    doc.add_heading("承诺书", level=1)


def numbered_bold(doc: DocumentType) -> None:
    bold(doc, "五、其他说明")


def numbered_styled(doc: DocumentType) -> None:
    doc.add_heading("六、团队承诺", level=2)


@pytest.mark.parametrize("after", [styled_title, numbered_bold, numbered_styled])
def test_a_heading_after_the_last_section_ends_it(after: Callable[[DocumentType], None]) -> None:
    doc = Document()
    part2_start(doc)
    last_section(doc)
    after(doc)
    doc.add_paragraph("本单位承诺所填信息真实有效。" * 20)
    found = counted(save(doc))
    assert found["business.sustainability"] == (3, "ok")
    assert found["business"] == (6, "ok")


def test_a_sub_heading_inside_a_section_stays_in_it() -> None:
    """The template's own outline of 技术路线 (1. 技术架构 …) is content of that section."""
    doc = Document()
    part2_start(doc)
    bold(doc, "二、解决方案")
    bold(doc, "（二）技术路线（限 4000 字）")
    bold(doc, "1. 技术架构")  # 5
    doc.add_paragraph("边云协同。")  # 5
    doc.add_heading("数据服务功能", level=4)  # 6
    bold(doc, "（三）数据治理（限 3000 字）")
    assert counted(save(doc))["solution.tech_route"] == (16, "ok")


@pytest.mark.parametrize("star", ["*", ""])
def test_first_part_labels_are_not_counted_into_sections(star: str) -> None:
    """A bold 应用场景 label in 第一部分 is not the 第二部分 heading （二）应用场景."""
    doc = Document()
    doc.add_heading("第一部分：基本信息", level=1)
    bold(doc, f"{star}应用场景")
    doc.add_paragraph("1. 项目服务的客户数量：12 个")
    doc.add_paragraph("客户" * 300)
    part2_start(doc)
    bold(doc, "（一）项目背景（限 500 字）")
    doc.add_paragraph("背景。")
    bold(doc, "（二）应用场景（限 500 字）")
    doc.add_paragraph("场景。")
    found = counted(save(doc))
    assert found["overview.scenarios"] == (3, "ok")
    assert found["overview.background"] == (3, "ok")


def test_our_own_marks_are_never_counted(drafts: DraftBackend) -> None:
    """Our export marks 超出字数限制, 本部分合计… and 未填写; checking that export counts only the text."""
    service = FormService(
        schema=SCHEMA, store=drafts.store(), today=lambda: date(2025, 6, 1)
    )
    token = service.create().token
    state = service.store.load(token)
    for section in ("overview", "solution", "effects", "business"):
        state.answers[section] = {f.key: "内容。" for f in SCHEMA.section(section).fields}
    state.answers["overview"]["background"] = "背" * 600
    state.answers["effects"]["pain_points"] = "痛" * 3000
    state.answers["effects"]["quality"] = "质" * 2500
    del state.answers["solution"]["governance"]
    service.store.save(token, state)
    exported = service.export(token, "docx").data
    assert "超出字数限制" in "\n".join(p.text for p in Document(io.BytesIO(exported)).paragraphs)
    found = counted(exported)
    assert found["overview.background"] == (600, "over")
    assert found["effects"] == (5503, "over")
    assert found["solution.governance"] == (0, "empty")  # only 【未填写】 under its heading


def test_every_mark_of_the_export_is_left_out_wherever_it_stands() -> None:
    """The marks come from marks.py, the one place the export takes them from; inline ones too."""
    doc = Document()
    part2_start(doc)
    bold(doc, "（一）项目背景（限 500 字）")
    doc.add_paragraph("背景。" + over_limit(600, 500))
    doc.add_paragraph(min_filled("至少填2项", 1))
    doc.add_paragraph(f"补充：{MISSING}")  # 补充： 3
    assert counted(save(doc))["overview.background"] == (6, "ok")


# --- heading variants --------------------------------------------------------------------


def heading_runs(*runs: tuple[str, bool]) -> Callable[[DocumentType], None]:
    def add(doc: DocumentType) -> None:
        para = doc.add_paragraph()
        for text, is_bold in runs:
            para.add_run(text).bold = is_bold

    return add


def styled(doc: DocumentType, text: str) -> None:
    doc.add_heading(text, level=3)


HEADINGS = {
    "（1）": heading_runs(("(1)项目背景", True)),
    "（一）、": heading_runs(("（一）、项目背景", True)),
    "trailing colon": heading_runs(("（一）项目背景：", True)),
    "限 500 字 unbracketed": heading_runs(("项目背景 限 500 字", True)),
    "1.1": heading_runs(("1.1 项目背景", True)),
    "limit in a plain run": heading_runs(("（一）项目背景", True), ("（限 500 字）", False)),
    "Word heading style": lambda doc: styled(doc, "1.1、项目背景（不超过500字）"),
}


@pytest.mark.parametrize("add_heading", HEADINGS.values(), ids=list(HEADINGS))
def test_heading_variants_are_recognised(add_heading: Callable[[DocumentType], None]) -> None:
    doc = Document()
    part2_start(doc)
    add_heading(doc)
    doc.add_paragraph("背" * 30)
    bold(doc, "（二）应用场景（限 500 字）")
    doc.add_paragraph("场" * 7)
    found = counted(save(doc))
    assert found["overview.background"] == (30, "ok")
    assert found["overview.scenarios"] == (7, "ok")


def test_a_plain_body_line_that_names_a_section_is_text() -> None:
    """Only a line that looks like a heading (style, bold, numbering or a limit) starts a section."""
    doc = Document()
    part2_start(doc)
    bold(doc, "（一）项目背景（限 500 字）")
    doc.add_paragraph("应用场景")  # a plain line of the applicant's text
    doc.add_paragraph("背景。")
    found = counted(save(doc))
    assert found["overview.background"] == (7, "ok")
    assert found["overview.scenarios"] == (0, "missing")


def two_column_table(doc: DocumentType) -> None:
    table = doc.add_table(rows=0, cols=2)
    rows = [
        ("一、项目概述", None),
        ("（一）项目背景（限 500 字）", "背" * 30),
        ("（二）应用场景（限 500 字）", "场" * 7),
        ("（三）核心优势（限 1000 字）", "优" * 1200),
        ("二、解决方案", None),
        ("（一）数据要素基础（限 3000 字）", "数据" * 10),
    ]
    for label, text in rows:
        cells = table.add_row().cells
        if text is None:
            cells[0].merge(cells[1]).text = label
        else:
            cells[0].text = label
            cells[1].text = text


def one_column_table(doc: DocumentType) -> None:
    """Each section in one cell: its heading in bold, then its paragraphs."""
    table = doc.add_table(rows=0, cols=1)
    rows = [
        ("一、项目概述", []),
        ("（一）项目背景", ["背" * 20, "背" * 10]),
        ("（二）应用场景", ["场" * 7]),
        ("（三）核心优势", ["优" * 1200]),
        ("二、解决方案", []),
        ("（一）数据要素基础", ["数据" * 10]),
    ]
    for label, paragraphs in rows:
        cell = table.add_row().cells[0]
        cell.paragraphs[0].add_run(label).bold = True
        for text in paragraphs:
            cell.add_paragraph(text)


@pytest.mark.parametrize("layout", [two_column_table, one_column_table])
def test_the_second_part_laid_out_as_a_table(layout: Callable[[DocumentType], None]) -> None:
    doc = Document()
    doc.add_heading("第二部分：参赛项目介绍", level=1)
    layout(doc)
    found = counted(save(doc))
    assert found["overview.background"] == (30, "ok")
    assert found["overview.scenarios"] == (7, "ok")
    assert found["overview.advantages"] == (1200, "over")
    assert found["solution.data_foundation"] == (20, "ok")
    assert found["solution.tech_route"] == (0, "missing")


# --- limits inside tables ---------------------------------------------------------------

MEMBER_HEADERS = [
    "*团队成员（最多添加 5 名）", "姓名", "证件类型", "证件 号码", "单 位 名 称", "职务/职称", "手机",
    "项目中主要 承担的角色 (50字)", "是否团队联 络人",
]
CASE_HEADERS_1 = ["应用单位名称", "单位类型", "如是企业，企业规模", "所属省份", "所属行业", "实施起止时间"]
CASE_HEADERS_2 = ["项目投入(万)", "回报周期(月)", "应用需求", "应用场景", "应用成效", "合同证明"]
CASE_1 = ["太原某煤矿", "企业", "大", "山西省", "煤炭开采和洗选业", "2024年1月—2024年12月"]
CASE_2 = ["120", "18", "需" * 250, "景" * 300, "效" * 201, "合同1.pdf"]


def member_table(doc: DocumentType) -> None:
    """The template's team table: the label cell runs down beside the member rows."""
    bold(doc, "（二）参赛团队信息")
    table = doc.add_table(rows=3, cols=len(MEMBER_HEADERS))
    for col, text in enumerate(MEMBER_HEADERS):
        table.cell(0, col).text = text
    table.cell(0, 0).merge(table.cell(2, 0)).text = MEMBER_HEADERS[0]
    members = [
        ["张三", "居民身份证", "140105199001011234", "山西某公司", "总经理", "13800000000", "负责" * 15, "是"],
        ["李四", "居民身份证", "140105199202021234", "山西某公司", "工程师", "13900000000", "统筹" * 30, "否"],
    ]
    for row, values in enumerate(members, start=1):
        for col, text in enumerate(values, start=1):
            table.cell(row, col).text = text


def nested_case_table(doc: DocumentType) -> None:
    """The template's case table, nested in the 应用场景 cell, six columns at a time."""
    bold(doc, "（一）项目基本信息")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "*项目名称"
    table.cell(0, 1).text = "智煤平台"
    table.cell(1, 0).text = "*应用场景"
    cell = table.cell(1, 1)
    cell.text = "3. 已实现落地应用的代表性案例（可增加，无数量限制）"
    cases = cell.add_table(rows=4, cols=6)
    for row, values in enumerate([CASE_HEADERS_1, CASE_1, CASE_HEADERS_2, CASE_2]):
        for col, text in enumerate(values):
            cases.cell(row, col).text = text


def first_part(doc: DocumentType) -> None:
    doc.add_heading("第一部分：基本信息", level=1)
    nested_case_table(doc)
    member_table(doc)


def test_limits_inside_table_cells_are_checked() -> None:
    doc = Document()
    first_part(doc)
    found = findings(save(doc))
    role_1, role_2 = found["team.members[0].role"], found["team.members[1].role"]
    assert (role_1.limit, role_1.count, role_1.status) == (50, 30, "ok")
    assert (role_2.limit, role_2.count, role_2.status) == (50, 60, "over")
    assert (found["basic.cases[0].demand"].count, found["basic.cases[0].demand"].status) == (250, "over")
    assert (found["basic.cases[0].scenario"].count, found["basic.cases[0].scenario"].status) == (300, "ok")
    assert (found["basic.cases[0].effect"].limit, found["basic.cases[0].effect"].status) == (200, "over")
    assert "overview.scenarios" in found and found["overview.scenarios"].status == "missing"


def test_a_flat_case_table_has_one_case_a_row() -> None:
    doc = Document()
    table = doc.add_table(rows=3, cols=12)
    second = ["80", "12", "需求。", "景" * 301, "成效。", ""]
    for row, values in enumerate([CASE_HEADERS_1 + CASE_HEADERS_2, CASE_1 + CASE_2, CASE_1 + second]):
        for col, text in enumerate(values):
            table.cell(row, col).text = text
    found = counted(save(doc))
    assert found["basic.cases[0].demand"] == (250, "over")
    assert found["basic.cases[1].demand"] == (3, "ok")
    assert found["basic.cases[1].scenario"] == (301, "over")


def test_table_limits_come_from_the_schema(tmp_path: Path) -> None:
    """Change 应用需求 to 限 150 字 in the schema and the check follows it."""
    schema_dir = tmp_path / "form_schema"
    shutil.copytree(ROOT / "form_schema", schema_dir)
    path = schema_dir / "shanxi-2025.yaml"
    text = path.read_text(encoding="utf-8")
    old = "label: 应用需求, kind: longtext, required: true, limit: 200, limit_text: 限 200 字"
    assert old in text
    path.write_text(text.replace(old, old.replace("200", "150")), encoding="utf-8")
    doc = Document()
    first_part(doc)
    report = check_docx(load_schema(schema_dir), save(doc))
    demand = next(s for s in report.sections if s.key == "basic.cases[0].demand")
    assert (demand.limit, demand.count, demand.status) == (150, 250, "over")


# --- where --------------------------------------------------------------------------------


def test_each_finding_says_where_it_is() -> None:
    doc = Document()
    first_part(doc)
    part2_start(doc)
    bold(doc, "（一）项目背景（限 500 字）")
    doc.add_paragraph("背" * 600)
    report = check_docx(SCHEMA, save(doc))
    lines = report_text(report).splitlines()
    role = next(line for line in lines if "成员2·项目中主要承担的角色" in line)
    assert role.startswith("[超限]") and "60/50 字" in role
    assert "（二）参赛团队信息" in role and "团队成员第 2 行" in role and "第 3 个表格第 3 行" in role
    demand = next(line for line in lines if "案例1·应用需求" in line)
    assert "（一）项目基本信息" in demand and "第 2 个表格第 4 行" in demand
    background = next(line for line in lines if "（一）项目背景" in line)
    assert "第二部分" in background and "一、项目概述" in background
    missing = next(line for line in lines if "（一）数据要素基础" in line)
    assert missing.startswith("[缺失]") and "二、解决方案" in missing


# --- files that are not Word documents ---------------------------------------------------


def minimal_docx() -> bytes:
    doc = Document()
    bold(doc, "（一）项目背景（限 500 字）")
    doc.add_paragraph("背景。")
    return save(doc)


def rebuilt(change: Callable[[str, bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(minimal_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def corrupt_deflate() -> bytes:
    data = bytearray(minimal_docx())
    at = data.find(b"word/document.xml") + 60
    data[at : at + 40] = bytes(40)
    return bytes(data)


DAMAGED: dict[str, Callable[[], bytes]] = {
    "broken document.xml": lambda: rebuilt(lambda n, d: d[:200] if n == "word/document.xml" else d),
    "broken styles.xml": lambda: rebuilt(lambda n, d: b"<w:styles" if n == "word/styles.xml" else d),
    "broken relationships": lambda: rebuilt(lambda n, d: b"<x" if n == "word/_rels/document.xml.rels" else d),
    "corrupt compressed data": corrupt_deflate,
    "truncated": lambda: minimal_docx()[:3000],
    "empty file": lambda: b"",
    "a PDF": lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    "an old .doc": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
}


@pytest.mark.parametrize("make", DAMAGED.values(), ids=list(DAMAGED))
def test_a_damaged_or_non_word_file_cannot_be_opened(tmp_path: Path, make: Callable[[], bytes]) -> None:
    path = tmp_path / "申报书.docx"
    path.write_bytes(make())
    report: CheckReport = check_file(SCHEMA, path)
    assert report.sections == []
    assert len(report.errors) == 1 and report.errors[0].startswith("无法打开文件")


def test_a_missing_file_cannot_be_opened(tmp_path: Path) -> None:
    report = check_file(SCHEMA, tmp_path / "没有这个文件.docx")
    assert report.sections == [] and report.errors[0].startswith("无法打开文件")


def test_the_command_exits_2_on_a_damaged_file_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "损坏.docx"
    path.write_bytes(DAMAGED["broken document.xml"]())
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "form", "check", str(path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)},
    )
    assert done.returncode == 2
    assert "无法打开文件" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_content_table_in_the_second_part_is_not_the_case_table() -> None:
    doc = Document()
    part2_start(doc)
    bold(doc, "（二）应用场景（限 500 字）")
    table = doc.add_table(rows=2, cols=3)
    for col, text in enumerate(["应用场景", "应用成效", "说明"]):
        table.cell(0, col).text = text
    for col, text in enumerate(["煤矿", "效" * 400, "无"]):
        table.cell(1, col).text = text
    found = counted(save(doc))
    assert found["overview.scenarios"] == (4 + 4 + 2 + 2 + 400 + 1, "ok")  # all the table's text
    assert not any(key.startswith("basic.cases") for key in found)


def test_an_unmarked_first_part_label_before_any_part_heading() -> None:
    """应用场景 without * or numbering, at the start of a draft, is the 第一部分 row label."""
    doc = Document()
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "应用场景"
    table.cell(0, 1).text = "客户" * 300
    part2_start(doc)
    bold(doc, "（一）项目背景（限 500 字）")
    doc.add_paragraph("背景。")
    bold(doc, "（二）应用场景（限 500 字）")
    doc.add_paragraph("场景。")
    found = counted(save(doc))
    assert found["overview.scenarios"] == (3, "ok")
    assert check_docx(SCHEMA, save(doc)).errors == []
