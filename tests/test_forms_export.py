"""The exported Word file is the template filled in: page, title, 目录, page numbers, boxes and marks.

Everything is read back from the .docx with python-docx and its XML; the template's own
words come from `form_schema/source/shanxi-2025-annexes.txt`, never retyped here.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Length, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from test_forms_walk import make_service, walk_whole_template

from assistant.forms.schema import Field, load_schema, walk_fields
from assistant.forms.service import FormService
from assistant.forms.validators import uscc_check_char

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = load_schema(ROOT / "form_schema")
TEMPLATE_RAW = (
    (ROOT / "form_schema" / "source" / "shanxi-2025-annexes.txt").read_text(encoding="utf-8").split("\n附件 2\n", 1)[1]
)
TEMPLATE_LINES = TEMPLATE_RAW.splitlines()
TEMPLATE_HEADINGS = [line.lstrip("#").strip() for line in TEMPLATE_LINES if line.startswith("#")]
TEMPLATE_TITLE = TEMPLATE_HEADINGS[0]
# The first cell of each table of the template, in template order (checked against the text below).
TEMPLATE_TABLES = ["*项目名称", "应用单位名称", "*团队名称", "姓名", "*单位名称", "专利名称", "软著名称"]
RED = RGBColor(0xC0, 0x00, 0x00)
HEADING_STYLES = ("Title", "Heading", "TOC Heading")


def norm(text: str) -> str:
    """Width, spaces, markdown escapes and HTML tags do not matter."""
    return re.sub(r"[\s\\]", "", unicodedata.normalize("NFKC", re.sub(r"<[^>]+>", "", text)))


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> tuple[FormService, str]:
    service = make_service(tmp_path_factory.mktemp("export"))
    return service, walk_whole_template(service)


@pytest.fixture(scope="module")
def doc(walked: tuple[FormService, str]) -> DocumentType:
    service, token = walked
    return Document(io.BytesIO(service.export(token, "docx").data))


def export_changed(
    walked: tuple[FormService, str],
    change: Callable[[dict[str, Any]], None],
    flags: dict[str, list[str]] | None = None,
) -> DocumentType:
    """The walked draft changed through a JSON round trip (the real import path), exported as Word."""
    service, token = walked
    data = json.loads(service.export(token, "json").data)
    change(data["answers"])
    data["flags"].update(flags or {})
    reply, _ = service.import_json(json.dumps(data, ensure_ascii=False))
    return Document(io.BytesIO(service.export(reply.token, "docx").data))


def body(document: DocumentType) -> list[Paragraph | Table]:
    out: list[Paragraph | Table] = []
    for el in document.element.body.iterchildren():
        if el.tag == qn("w:p"):
            out.append(Paragraph(el, document))
        elif el.tag == qn("w:tbl"):
            out.append(Table(el, document))
    return out


def style_of(para: Paragraph) -> str:
    return para.style.name if para.style is not None else ""


def mm(length: Length | None) -> float:
    """Word stores lengths in twips: compare to a tenth of a millimetre."""
    assert length is not None
    return round(length.mm, 1)


def has_page_break(para: Paragraph) -> bool:
    return any(br.get(qn("w:type")) == "page" for br in para._p.iter(qn("w:br")))


def field_codes(element: Any) -> str:
    """The instructions of every field below an element (complex and simple fields)."""
    codes = [t.text or "" for t in element.iter(qn("w:instrText"))]
    codes += [f.get(qn("w:instr")) or "" for f in element.iter(qn("w:fldSimple"))]
    return " ".join(codes)


def row_of(document: DocumentType, label: str) -> list[Paragraph]:
    """The value-cell paragraphs of the first form-table row whose label is `label`."""
    for table in document.tables:
        for row in table.rows:
            if row.cells[0].text == label:
                return list(row.cells[1].paragraphs)
    raise AssertionError(f"no row {label}")


def marked_runs(paragraphs: list[Paragraph]) -> list[str]:
    return [r.text for p in paragraphs for r in p.runs if r.text.startswith("【") and r.font.color.rgb == RED]


# -- the page ----------------------------------------------------------------------------------------


def test_page_is_a4_portrait_with_word_a4_margins(doc: DocumentType) -> None:
    for section in doc.sections:
        assert section.orientation == WD_ORIENT.PORTRAIT
        assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)
        assert (mm(section.top_margin), mm(section.bottom_margin)) == (25.4, 25.4)
        assert (mm(section.left_margin), mm(section.right_margin)) == (31.8, 31.8)


def test_tables_fit_between_the_margins(doc: DocumentType) -> None:
    section = doc.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    for table in doc.tables:
        for row in table.rows:
            assert sum(cell.width or 0 for cell in row.cells) <= text_width


def test_every_page_has_a_page_number_field_in_the_footer(doc: DocumentType) -> None:
    for section in doc.sections:
        assert not section.different_first_page_header_footer
        footer = section.footer
        assert re.search(r"\bPAGE\b", field_codes(footer._element))


# -- cover, 目录, title -------------------------------------------------------------------------------


def test_title_is_the_template_title_word_for_word(doc: DocumentType) -> None:
    titles = [p.text for p in doc.paragraphs if style_of(p) == "Title"]
    assert titles == [TEMPLATE_TITLE]
    assert "山西分赛" not in titles[0]


def test_cover_is_on_its_own_page_and_the_contents_on_the_next(doc: DocumentType) -> None:
    items = body(doc)
    paras = [i for i in items if isinstance(i, Paragraph)]
    date_at = next(n for n, p in enumerate(paras) if p.text.startswith("日期："))
    contents_at = next(n for n, p in enumerate(paras) if style_of(p) == "TOC Heading")
    first_part_at = next(
        n for n, p in enumerate(paras) if p.text == SCHEMA.parts[0].title and style_of(p) == "Heading 1"
    )
    assert date_at < contents_at < first_part_at
    assert any(has_page_break(p) for p in paras[date_at:contents_at])
    assert any(has_page_break(p) for p in paras[contents_at:first_part_at])
    # nothing but the cover before the first break: no table on the cover page
    first_break = next(n for n, i in enumerate(items) if isinstance(i, Paragraph) and has_page_break(i))
    assert not any(isinstance(i, Table) for i in items[:first_break])


def test_contents_is_a_toc_field_listing_the_parts_and_sections(doc: DocumentType) -> None:
    heading = next(p for p in doc.paragraphs if style_of(p) == "TOC Heading")
    assert norm(heading.text) == norm(TEMPLATE_HEADINGS[1]) == "目录"
    codes = field_codes(doc.element.body)
    assert re.search(r'TOC \\o "1-2"', codes)
    entries = [p.text for p in doc.paragraphs if re.fullmatch(r"toc \d", style_of(p))]
    assert entries[0] == SCHEMA.parts[0].title and "五、附件" in entries
    update = doc.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"  # Word fills in the page numbers


# -- checkboxes ---------------------------------------------------------------------------------------


def checkbox_fields() -> list[Field]:
    """Template checkboxes that are not choice fields: shares of a whole, and a "☐ 不涉及"."""
    fields = [f for _, s in SCHEMA.sections() for f in walk_fields(s.fields)]
    return [f for f in fields if f.sum_max is not None or f.na_label]


@pytest.mark.parametrize("f", checkbox_fields(), ids=lambda f: f.key)
def test_every_checkbox_of_the_template_is_a_box(doc: DocumentType, f: Field) -> None:
    text = "\n".join(p.text for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs)
    options = [s.label for s in f.subfields if f.sum_max and s.key in f.sum_max.fields] or [f.na_label]
    for option in options:
        assert re.search(f"[☐☑]{re.escape(option)}", text), option


def test_data_trade_form_ticks_the_forms_given(walked: tuple[FormService, str]) -> None:
    def drop_subscription(answers: dict[str, Any]) -> None:
        del answers["basic"]["trade_form"]["subscription_pct"]

    document = export_changed(walked, drop_subscription)
    line = next(p.text for p in row_of(document, "*数据市场化") if p.text.startswith("7 数据交易形式"))
    assert "☑来自交易机构的数据占比：30%，交易机构名称：山西数据交易服务平台" in line
    assert "☑来自点对点合同的数据占比：50%" in line
    assert "☐在线订阅的数据占比" in line


def test_bandwidth_not_applicable_is_ticked(doc: DocumentType) -> None:
    line = next(p.text for p in row_of(doc, "*数据市场化") if p.text.startswith("6 数据服务流通带宽"))
    assert line.endswith("☑不涉及")


# -- marks --------------------------------------------------------------------------------------------


def test_unmet_minimum_is_marked_and_its_rule_printed_once(walked: tuple[FormService, str]) -> None:
    def one_benefit(answers: dict[str, Any]) -> None:
        basic = answers["basic"]
        for key in ("efficiency", "incremental", "social", "standards", "social_other"):
            basic.pop(key, None)
        basic["cost_reduction"] = {"management": 40}

    document = export_changed(walked, one_benefit)
    cell = row_of(document, "*应用场景")
    text = "\n".join(p.text for p in cell)
    assert text.count("至少填2项") == 2  # the label once, the mark once
    assert "10 项目应用成效（至少填2项）" in text
    assert marked_runs(cell) == ["【至少填2项，目前填了 1 项】"]


def test_met_minimum_prints_the_rule_once_and_no_mark(doc: DocumentType) -> None:
    text = "\n".join(p.text for p in row_of(doc, "*应用场景"))
    assert text.count("至少填2项") == 1


def test_confirmed_uscc_with_a_wrong_check_character_is_marked(walked: tuple[FormService, str]) -> None:
    code = "91350100M000100Y4"
    right = uscc_check_char(code)
    wrong = next(ch for ch in "0123456789" if ch != right)

    def bad_code(answers: dict[str, Any]) -> None:
        answers["units"][0]["uscc"] = code + wrong

    document = export_changed(walked, bad_code, {"units[0].uscc": ["checksum_confirmed"]})
    cell = row_of(document, "*统一社会信用代码")
    assert cell[0].text == code + wrong
    assert marked_runs(cell) == [f"【校验位不符：按前 17 位计算第 18 位应为 {right}；申请人已确认代码无误】"]


def test_valid_identifiers_are_not_marked(doc: DocumentType) -> None:
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                assert "校验位" not in cell.text and "身份证号码" not in cell.text


# -- structure: the template's headings and tables, in its order --------------------------------------


def template_sequence() -> list[str]:
    """The template's headings and the first cell of each of its tables, in the order they appear."""
    out: list[str] = []
    tables = iter(norm(t) for t in TEMPLATE_TABLES)
    pending = next(tables)
    for line in TEMPLATE_LINES:
        if line.startswith("#"):
            out.append(norm(line.lstrip("#")))
        elif pending and pending in norm(line):
            out.append(pending)
            pending = next(tables, "")
    assert pending == "", f"table {pending} not found in the template"
    return out


def export_sequence(document: DocumentType, wanted: set[str]) -> list[str]:
    out: list[str] = []
    for item in body(document):
        if isinstance(item, Paragraph) and style_of(item).startswith(HEADING_STYLES):
            token = norm(item.text)
        elif isinstance(item, Table):
            token = norm(item.rows[0].cells[0].text)
        else:
            continue
        if token in wanted and (not out or out[-1] != token):  # repeated units count once
            out.append(token)
    return out


def test_template_sequence_is_read_from_the_source() -> None:
    sequence = template_sequence()
    assert sequence[:2] == [norm(TEMPLATE_TITLE), "目录"] and sequence[-3:] == ["五、附件", "专利名称", "软著名称"]
    assert len(sequence) == len(TEMPLATE_HEADINGS) + len(TEMPLATE_TABLES)


def test_headings_and_tables_come_in_the_template_order(doc: DocumentType) -> None:
    expected = template_sequence()
    assert export_sequence(doc, set(expected)) == expected
