"""Tables with 字数-limited columns in a Word draft (团队成员, 代表性案例): which row is a
header row, which column each header names, and which member or case a value row is.

The template prints the case table six columns at a time (a header row, its values, the
next header row, its values); applicants also put all twelve columns in one row. A header
row that names the table's first column starts a new case with each value row under it;
a header row for later columns continues the cases begun above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.forms.check_catalog import Grid
from assistant.forms.check_headings import parse_heading
from assistant.forms.schema import Field

MAX_HEADER_CHARS = 60
MIN_HEADERS = 3  # two column names could be an applicant's own table (应用场景 | 应用成效)


@dataclass(frozen=True)
class Header:
    """A header row: the column each grid position names, with the limit its header writes."""

    grid: Grid
    columns: dict[int, tuple[Field, int | None]]
    starts_record: bool


def match_header(grids: list[Grid], cells: list[tuple[int, str]]) -> Header | None:
    """The grid whose columns this row names (at least three, and most of its filled cells)."""
    filled = [(col, text) for col, text in cells if text.strip()]
    parsed = [
        (col, parse_heading(text)) for col, text in filled if len(text.strip()) <= MAX_HEADER_CHARS
    ]
    best: Header | None = None
    for grid in grids:
        columns: dict[int, tuple[Field, int | None]] = {}
        for col, heading in parsed:
            column = grid.columns.get(heading.label)
            if column is not None and all(column is not c for c, _ in columns.values()):
                columns[col] = (column, heading.limit)
        if len(columns) >= MIN_HEADERS and 2 * len(columns) >= len(filled):
            if best is None or len(columns) > len(best.columns):
                first = grid.first_column
                best = Header(grid, columns, any(c is first for c, _ in columns.values()))
    return best


@dataclass
class Records:
    """Numbers the members or cases of each grid across the whole document (0, 1, 2…)."""

    counts: dict[str, int] = field(default_factory=dict)

    def next(self, grid: Grid) -> int:
        number = self.counts.get(grid.key, 0)
        self.counts[grid.key] = number + 1
        return number


@dataclass
class GridRows:
    """One table's value rows: which record each belongs to, under the header row above it."""

    records: Records
    header: Header | None = None
    started: list[int] = field(default_factory=list)  # records begun under the last first-column header
    position: int = 0

    def start(self, header: Header) -> None:
        if header.starts_record or self.header is None or self.header.grid is not header.grid:
            self.started = []
        self.header = header
        self.position = 0

    def stop(self) -> None:
        self.header = None
        self.started = []

    def record(self, header: Header) -> int:
        """The record of the next value row under `header` (the current header row)."""
        if not header.starts_record and self.position < len(self.started):
            number = self.started[self.position]
        else:
            number = self.records.next(header.grid)
            if header.starts_record:
                self.started.append(number)
        self.position += 1
        return number
