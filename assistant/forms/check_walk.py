"""One pass over a Word draft, in document order, that files each text under the template
heading it belongs to and collects the cells of limited table columns.

- A heading of the template opens its text, however it is numbered, worded and
  formatted; in a table, the first cell of a row (or its first paragraph) can be one.
- A text ends at the next heading of the template, at a part heading, and at any other
  heading at the template's level: one numbered like the template's own headings in this
  draft (五、…, （三）…), or a Word heading style as high as the one that opened it.
  Sub-headings (1. 技术架构, a Heading 4) stay inside, as they do for Word's count.
- 第一部分 labels (a * or being in 第一部分) never open a 第二部分 text; the notes our export
  adds (marks.py: 【超出字数限制…】, 【未填写】…) are never text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docx.document import Document as DocxDocument
from docx.table import Table, _Cell

from assistant.forms.check_catalog import Catalog, Grid, Known, PartKey, Target
from assistant.forms.check_headings import HeadingText, parse_heading, without_marks
from assistant.forms.check_read import CellAt, Look, Reader, blocks, table_rows
from assistant.forms.check_tables import GridRows, Header, Records, match_header
from assistant.forms.schema import Field

MAX_HEADING_CHARS = 60
OUTLINE = ("cn", "paren_cn")  # 一、 and （一）: the template's own numbering


@dataclass
class Opened:
    """A target found in the draft and the text filed under it."""

    target: Target
    index: int | None  # which 参赛单位, for a repeated section
    at: str  # where its heading is in a table ("第 1 个表格第 4 行"); "" in the body
    texts: list[str] = field(default_factory=list)
    headings: int = 0  # how many times its heading appears


@dataclass(frozen=True)
class GridCell:
    """The text of one limited cell: case or member `record` of `grid`, in `column`."""

    grid: Grid
    record: int
    column: Field
    text: str
    at: str


class Walker:
    def __init__(self, catalog: Catalog, doc: DocxDocument) -> None:
        self.catalog = catalog
        self.doc = doc
        self.reader = Reader(doc)
        self.part: PartKey | None = None
        self.current: Opened | None = None
        self.opener_level: int | None = None  # the Word heading level of the heading that opened it
        self.kinds: set[str] = set()  # numbering kinds of the template headings in this draft
        self.style_floor: int | None = None  # the deepest heading style of a template heading
        self.found: dict[str, list[Opened]] = {}
        self.cells: list[GridCell] = []
        self.errors: list[str] = []
        self.tables = 0
        self.records = Records()

    def document(self) -> None:
        for block in blocks(self.doc):
            if isinstance(block, Table):
                self.table(block)
            else:
                self.paragraph(self.reader.look(block))

    # --- paragraphs and headings ---------------------------------------------------------

    def paragraph(
        self, para: Look, *, in_table: bool = False, label: bool = False, strict: bool = False, at: str = ""
    ) -> None:
        kept = without_marks(para.text)
        text = kept.strip()
        if not text or para.toc:
            return
        if len(text) <= MAX_HEADING_CHARS and self.heading(para, parse_heading(text), in_table, label, strict, at):
            return
        if self.current is not None:
            self.current.texts.append(kept)

    def heading(self, para: Look, h: HeadingText, in_table: bool, label: bool, strict: bool, at: str) -> bool:
        """Handle `para` if it is a heading; False if it is text."""
        formatted = para.level is not None or para.bold_any
        marked = h.numbered or h.star
        looks = (marked or (label and not strict)) if in_table else (formatted or marked)
        known = self.catalog.lookup(h.label, self.part, star=h.star, numbered=h.numbered) if looks and h.label else None
        if h.numbering == "part" and (formatted or label or not h.label or (known and known.kind == "part")):
            self.enter(Catalog.part_of(h.part), para)
            return True
        if known is not None:
            self.open(known, h, para, at)
            return True
        if self.ends(h, para, in_table=in_table, label=label):
            self.current = None
            return True
        return False

    def enter(self, part: PartKey | None, para: Look) -> None:
        self.part = part
        self.current = None
        self.note_style(para.level)

    def note_style(self, level: int | None) -> None:
        if level is not None:
            self.style_floor = max(self.style_floor or 0, level)

    def open(self, known: Known, h: HeadingText, para: Look, at: str) -> None:
        if known.kind == "part":
            self.enter(known.part, para)
            return
        self.part = known.part
        self.note_style(para.level)
        if h.numbering is not None and (known.kind == "section" or known.part == "part2"):
            self.kinds.add(h.numbering)
        target = known.target
        self.current = None
        if target is None:
            return
        if target.field is not None and target.part == "part2":
            section = self.catalog.sections.get(target.section.key)
            if section is not None:
                self.opened(section, at)
        self.current = self.opened(target, at, heading=True)
        self.opener_level = para.level
        if h.limit is not None and target.limit is not None and h.limit != target.limit:
            self.errors.append(
                f"“{para.text.strip()}”标题中的字数限制（{h.limit} 字）与模板（{target.limit} 字）不一致，按模板检查。"
            )

    def opened(self, target: Target, at: str, *, heading: bool = False) -> Opened:
        """The draft's text for `target`: a new one per heading of a repeated section (参赛单位)."""
        found = self.found.setdefault(target.key, [])
        if not found or (target.repeated and heading):
            found.append(Opened(target, len(found) if target.repeated else None, at))
        current = found[-1]
        current.headings += heading
        return current

    def ends(self, h: HeadingText, para: Look, *, in_table: bool, label: bool) -> bool:
        """True if a heading the template does not have still ends the current text."""
        if self.current is None or (in_table and not label):
            return False
        if not (para.level is not None or para.bold_all or label):
            return False
        if h.numbering is not None:
            return h.numbering in self.kinds or (not self.kinds and h.numbering in OUTLINE)
        if para.level is None:
            return False
        bound = self.opener_level if self.opener_level is not None else (self.style_floor or 2)
        return para.level <= bound

    # --- tables --------------------------------------------------------------------------

    def table(self, table: Table) -> None:
        self.tables += 1
        number = self.tables
        rows = table_rows(table)
        # inside a field's text a table is content: only numbered or limited headings end it
        strict = self.current is not None and self.current.target.field is not None
        grid = GridRows(self.records)
        for r, cells in enumerate(rows, start=1):
            at = f"第 {number} 个表格第 {r} 行"
            texts = [(c.col, self.cell_text(c.cell)) for c in cells]
            header = match_header([g for g in self.catalog.grids if self.part in (None, g.part)], texts)
            if header is not None:
                self.header_limits(header)
                grid.start(header)
                self.plain(texts)
                continue
            if grid.header is not None and not self.is_label(texts):
                self.grid_row(grid, grid.header, cells, texts, at)
                self.plain(texts)
                continue
            grid.stop()
            for i, c in enumerate(cells):
                self.cell(c.cell, label=i == 0, strict=strict, at=at)

    def cell(self, cell: _Cell, *, label: bool, strict: bool, at: str) -> None:
        first = True
        for block in blocks(cell):
            if isinstance(block, Table):
                self.table(block)
                continue
            para = self.reader.look(block)
            if para.text.strip():
                self.paragraph(para, in_table=True, label=label and first, strict=strict, at=at)
                first = False

    def is_label(self, texts: list[tuple[int, str]]) -> bool:
        """A row that starts with a template label ends the value rows above it."""
        first = next((t.strip() for _, t in texts if t.strip()), "")
        if not first or len(first) > MAX_HEADING_CHARS:
            return False
        h = parse_heading(first)
        return h.star or self.catalog.lookup(h.label, self.part, star=False, numbered=h.numbered) is not None

    def plain(self, texts: list[tuple[int, str]]) -> None:
        if self.current is not None:
            self.current.texts.extend(t for _, t in texts if t.strip())

    def header_limits(self, header: Header) -> None:
        for column, written in header.columns.values():
            if written is not None and column.limit is not None and written != column.limit:
                message = (
                    f"表头“{column.label}”中的字数限制（{written} 字）与模板（{column.limit} 字）不一致，按模板检查。"
                )
                if message not in self.errors:
                    self.errors.append(message)

    def grid_row(
        self, grid: GridRows, header: Header, cells: list[CellAt], texts: list[tuple[int, str]], at: str
    ) -> None:
        if not any(t.strip() for _, t in texts):
            return  # an empty row adds no member or case
        record = grid.record(header)
        by_col = dict(texts)
        for col, (column, _) in header.columns.items():
            if column.limit is not None:
                text = by_col[col] if col in by_col else self.covering(cells, col)
                self.cells.append(GridCell(header.grid, record, column, text, at))


    def cell_text(self, cell: _Cell) -> str:
        """A cell's own paragraphs, without our export's marks."""
        return "\n".join(without_marks(p.text) for p in self.reader.cell_paragraphs(cell))

    def covering(self, cells: list[CellAt], col: int) -> str:
        """The text of the cell that spans grid column `col` (merged across several columns)."""
        return next((self.cell_text(c.cell) for c in cells if c.col <= col < c.col + c.span), "")
