"""Layout blocks → a Word file laid out like the template (python-docx, 宋体/黑体 via w:eastAsia).

A4 portrait with Word's A4 margins: the template reaches us as text (form_schema/source), which
carries no page setup, so the margins are those of Word's Chinese A4 default, 2.54 cm / 3.18 cm.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Length, Mm, Pt, RGBColor, Twips
from docx.styles.style import BaseStyle
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from assistant.forms.docx_fields import add_page_number, add_toc, update_fields_on_open
from assistant.forms.layout import Block, Contents, FormTable, GridTable, Heading, PageBreak, Para
from assistant.forms.marks import split_marks

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
RED = RGBColor(0xC0, 0x00, 0x00)
HEADING_SIZES = {0: 18, 1: 16, 2: 14, 3: 12}
PAGE_MM = (210, 297)  # A4
MARGINS_CM = {"top": 2.54, "bottom": 2.54, "left": 3.18, "right": 3.18}
LABEL_CM = 3.6  # the label column of a form table
TOC_PLACEHOLDER = "（在 Word 中右键单击此处，选择“更新域”生成目录）"


def set_east_asian_font(
    style: BaseStyle, name: str, size: float | None = None, bold: bool | None = None
) -> None:
    """Set a style's Latin and East-Asian font; drop theme fonts that would override it."""
    font = style.font  # type: ignore[attr-defined]
    font.name = name
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.append(rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        rfonts.set(qn(attr), name)


def _styles(doc: DocumentType) -> None:
    set_east_asian_font(doc.styles["Normal"], BODY_FONT, 10.5)
    set_east_asian_font(doc.styles["Title"], HEADING_FONT, HEADING_SIZES[0], True)
    set_east_asian_font(doc.styles["TOC Heading"], HEADING_FONT, HEADING_SIZES[1], True)
    for level in (1, 2, 3):
        set_east_asian_font(doc.styles[f"Heading {level}"], HEADING_FONT, HEADING_SIZES[level], True)


def _page(section: Section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    add_page_number(section)


def _text_width(doc: DocumentType) -> Length:
    section = doc.sections[0]
    return Length((section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0))


def _add_text(para: Paragraph, text: str, *, bold: bool = False, red: bool = False) -> None:
    """`text` as runs; our marks (【未填写】…) in red wherever they stand in the line."""
    for piece, is_mark in split_marks(text):
        run = para.add_run(piece)
        run.bold = bold
        if red or is_mark:
            run.font.color.rgb = RED


def _cell_lines(cell: _Cell, lines: list[str], *, bold: bool = False) -> None:
    first = True
    for line in lines or [""]:
        para = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        _add_text(para, line, bold=bold)


def _form_table(doc: DocumentType, table: FormTable) -> None:
    grid = doc.add_table(rows=0, cols=2)
    grid.style = "Table Grid"
    label = Twips(Cm(LABEL_CM).twips)  # whole twips, as Word stores them, so the columns add up exactly
    value = Twips(_text_width(doc).twips - label.twips)
    grid.columns[0].width, grid.columns[1].width = label, value  # LibreOffice lays out by the grid
    for row in table.rows:
        cells = grid.add_row().cells
        cells[0].width = label
        cells[1].width = value
        _cell_lines(cells[0], [row.label], bold=True)
        _cell_lines(cells[1], row.lines)


def _contents(doc: DocumentType, contents: Contents) -> None:
    doc.add_paragraph(contents.title, style="TOC Heading").alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_toc(doc, [(h.level, h.text) for h in contents.entries], TOC_PLACEHOLDER)


def _grid_table(doc: DocumentType, table: GridTable) -> None:
    width = table.chunk or len(table.headers)
    slices = [
        (start, min(start + width, len(table.headers))) for start in range(0, len(table.headers), width)
    ]
    grid = doc.add_table(rows=0, cols=width)
    grid.style = "Table Grid"
    if not table.rows:
        for start, stop in slices:
            _fill_row(grid.add_row().cells, table.headers[start:stop], bold=True)
            _fill_row(grid.add_row().cells, [""] * (stop - start))
    else:
        if table.chunk is None:
            _fill_row(grid.add_row().cells, table.headers, bold=True)
        for values in table.rows:
            for start, stop in slices:
                if table.chunk is not None:
                    _fill_row(grid.add_row().cells, table.headers[start:stop], bold=True)
                _fill_row(grid.add_row().cells, values[start:stop])
    column = Twips(_text_width(doc).twips // width)  # equal columns that never pass the right margin
    for col in grid.columns:
        col.width = column
    for row in grid.rows:
        for cell in row.cells:
            cell.width = column


def _fill_row(cells: tuple[_Cell, ...] | list[_Cell], texts: list[str], *, bold: bool = False) -> None:
    for cell, text in zip(cells, texts, strict=False):
        _cell_lines(cell, text.split("\n"), bold=bold)


def render_docx(blocks: list[Block]) -> bytes:
    doc = Document()
    _styles(doc)
    _page(doc.sections[0])
    update_fields_on_open(doc)
    for block in blocks:
        if isinstance(block, Heading):
            para = doc.add_heading(block.text, level=block.level)
            if block.level == 0:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(block, Para):
            _add_text(doc.add_paragraph(), block.text, red=block.style in ("missing", "note"))
        elif isinstance(block, FormTable):
            _form_table(doc, block)
        elif isinstance(block, GridTable):
            _grid_table(doc, block)
        elif isinstance(block, PageBreak):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        else:
            _contents(doc, block)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
