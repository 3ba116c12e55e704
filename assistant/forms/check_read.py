"""Reading an applicant's .docx for the check: opening it safely, the blocks in document
order, how a paragraph looks (heading style, bold), and every table cell exactly once.

Word counts a merged cell once however many grid columns or rows it spans, so a table is
read by its `w:tc` cells: a horizontal span is one cell, and the continuation rows of a
vertical merge hold no cell of their own. Content controls (`w:sdt`) are read through.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.exceptions import PythonDocxError
from docx.opc.exceptions import OpcError
from docx.oxml.exceptions import XmlchemyError
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt (Office 97–2003)
SAVE_AS = "请在 Word 中打开原稿，另存为 .docx 后再检查。"
# What a damaged package or malformed XML raises while python-docx reads it.
DAMAGED = (
    OpcError,
    PythonDocxError,
    XmlchemyError,
    etree.LxmlError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    IndexError,
)
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
_RUNS = ".//w:r[not(ancestor::w:txbxContent)]"


class UnreadableFile(Exception):
    """The bytes are not a Word document python-docx can read; `message` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def open_docx(data: bytes, name: str = "") -> DocxDocument:
    """The document, or UnreadableFile with a message that starts with 无法打开文件."""
    what = f"无法打开文件{f'“{name}”' if name else ''}："
    if data.startswith(b"%PDF"):
        raise UnreadableFile(f"{what}这是 PDF 文件，不是 Word（.docx）文档。{SAVE_AS}")
    if data.startswith(OLE_MAGIC):
        raise UnreadableFile(f"{what}这是旧版 Word（.doc）等 Office 97–2003 格式的文件。{SAVE_AS}")
    try:
        return Document(io.BytesIO(data))
    except DAMAGED as exc:
        raise UnreadableFile(f"{what}文件已损坏，或不是 Word（.docx）文档。{SAVE_AS}") from exc


def blocks(container: DocxDocument | _Cell) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables of a document body or a table cell, in order, through content controls."""
    element = container.element.body if isinstance(container, DocxDocument) else container._tc
    yield from _blocks(element, container)


def _blocks(element: Any, parent: Any) -> Iterator[Paragraph | Table]:
    for child in element.iterchildren():
        if child.tag == _P:
            yield Paragraph(child, parent)
        elif child.tag == _TBL:
            yield Table(child, parent)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _blocks(content, parent)


@dataclass(frozen=True)
class Look:
    """A paragraph's text and what makes it look like a heading."""

    text: str
    level: int | None  # 0 Title, n for Heading n or an outline level; None for body text
    bold_all: bool
    bold_any: bool
    toc: bool  # a line of a table of contents


def _level(element: Any) -> int | None:
    values = element.xpath("./w:pPr/w:outlineLvl/@w:val")
    if values and str(values[0]).isdigit() and int(values[0]) < 9:
        return int(values[0]) + 1
    return None


@dataclass(frozen=True)
class _StyleLook:
    level: int | None
    bold: bool
    toc: bool


class Reader:
    """How the paragraphs of one document look, each style worked out once.

    python-docx resolves a style by scanning every style of the document on each call
    (milliseconds a paragraph); a draft of many paragraphs is read here in a linear pass.
    """

    def __init__(self, doc: DocxDocument) -> None:
        self._by_id: dict[str, Any] = {}
        self._defaults: dict[WD_STYLE_TYPE, Any] = {}
        for style in doc.styles:
            self._by_id.setdefault(style.style_id, style)
        for kind in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
            self._defaults[kind] = doc.styles.default(kind)
        self._looks: dict[tuple[str | None, WD_STYLE_TYPE], _StyleLook] = {}

    def _style(self, style_id: str | None, kind: WD_STYLE_TYPE) -> _StyleLook:
        key = (style_id, kind)
        if key not in self._looks:
            style = self._by_id.get(style_id or "") or self._defaults.get(kind)
            name = ((style.name if style is not None else "") or "").lower()
            self._looks[key] = _StyleLook(_style_level(style), _style_bold(style), name.startswith(("toc", "目录")))
        return self._looks[key]

    def look(self, para: Paragraph) -> Look:
        """Text (runs inside hyperlinks, fields and content controls too) and heading looks."""
        paragraph_style = self._style(para._p.style, WD_STYLE_TYPE.PARAGRAPH)
        runs = [Run(r, para) for r in para._p.xpath(_RUNS)]
        texts = [r.text for r in runs]
        bolds = []
        for run, text in zip(runs, texts, strict=True):
            if not text.strip():
                continue
            bold = run.bold
            if bold is None and run._r.style:
                bold = self._style(run._r.style, WD_STYLE_TYPE.CHARACTER).bold or None
            bolds.append(bool(bold) if bold is not None else paragraph_style.bold)
        level = _level(para._p)
        return Look(
            text="".join(texts),
            level=level if level is not None else paragraph_style.level,
            bold_all=bool(bolds) and all(bolds),
            bold_any=any(bolds),
            toc=paragraph_style.toc,
        )

    def cell_paragraphs(self, cell: _Cell) -> list[Look]:
        """The non-empty paragraphs directly in a cell (not in tables nested in it)."""
        out = []
        for block in blocks(cell):
            if isinstance(block, Paragraph):
                seen = self.look(block)
                if seen.text.strip():
                    out.append(seen)
        return out


def _style_level(style: Any) -> int | None:
    for _ in range(6):  # a custom heading style is often based on Heading n
        if style is None:
            return None
        name = (style.name or "").strip()
        if name.lower() in ("title", "标题"):
            return 0
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        level = _level(style.element)
        if level is not None:
            return level
        style = style.base_style
    return None


def _style_bold(style: Any) -> bool:
    for _ in range(6):
        if style is None:
            return False
        if style.font.bold is not None:
            return bool(style.font.bold)
        style = style.base_style
    return False


@dataclass(frozen=True)
class CellAt:
    """A cell that holds content, at the first grid column it covers."""

    col: int
    span: int
    cell: _Cell


def table_rows(table: Table) -> list[list[CellAt]]:
    """Each row's own cells, each merged cell once (at the first row and column it covers)."""
    rows = []
    for tr in table._tbl.tr_lst:
        col = tr.grid_before
        cells = []
        for tc in tr.tc_lst:
            if tc.vMerge != "continue":
                cells.append(CellAt(col, tc.grid_span, _Cell(tc, table)))
            col += tc.grid_span
        rows.append(cells)
    return rows
