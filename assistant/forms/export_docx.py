"""Layout blocks → a Word file laid out like the template (python-docx, 宋体/黑体 via w:eastAsia)."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from assistant.forms.layout import Block, FormTable, GridTable, Heading, Para
from assistant.forms.marks import split_marks

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
RED = RGBColor(0xC0, 0x00, 0x00)
HEADING_SIZES = {0: 18, 1: 16, 2: 14, 3: 12}


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
    for level in (1, 2, 3):
        set_east_asian_font(doc.styles[f"Heading {level}"], HEADING_FONT, HEADING_SIZES[level], True)
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)


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
    for row in table.rows:
        cells = grid.add_row().cells
        cells[0].width = Cm(3.6)
        cells[1].width = Cm(13.0)
        _cell_lines(cells[0], [row.label], bold=True)
        _cell_lines(cells[1], row.lines)


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
        return
    if table.chunk is None:
        _fill_row(grid.add_row().cells, table.headers, bold=True)
    for values in table.rows:
        for start, stop in slices:
            if table.chunk is not None:
                _fill_row(grid.add_row().cells, table.headers[start:stop], bold=True)
            _fill_row(grid.add_row().cells, values[start:stop])


def _fill_row(cells: tuple[_Cell, ...] | list[_Cell], texts: list[str], *, bold: bool = False) -> None:
    for cell, text in zip(cells, texts, strict=False):
        _cell_lines(cell, text.split("\n"), bold=bold)


def render_docx(blocks: list[Block]) -> bytes:
    doc = Document()
    _styles(doc)
    for block in blocks:
        if isinstance(block, Heading):
            para = doc.add_heading(block.text, level=block.level)
            if block.level == 0:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(block, Para):
            _add_text(doc.add_paragraph(), block.text, red=block.style in ("missing", "note"))
        elif isinstance(block, FormTable):
            _form_table(doc, block)
        else:
            _grid_table(doc, block)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
