"""Split chunk text into answer units: sentences, clauses of numbered lists, table rows.

Each unit keeps its character span in the chunk text, so a quote is always a verbatim slice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENT_END = re.compile(r"(?<=[。！？；!?;])")
_TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}")
_MD_MARK = re.compile(r"\*\*|__|</?b>|^#+\s*|^>\s*")
_LEAD_NUM = re.compile(r"^\s*(?:[-*]\s+)?(?:\d+[.．、]\s*|[（(]\d+[）)]\s*|[（(][一二三四五六七八九十]+[）)]\s*|[一二三四五六七八九十]+、\s*)")
_MAX_UNIT = 240


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    text: str  # verbatim slice of the chunk text (stripped); for a heading, the heading text
    is_row: bool = False
    line: int = 0  # line number in the chunk text; units on one line belong together
    is_heading: bool = False  # the chunk's own heading (not part of its text)

    @property
    def display(self) -> str:
        """Readable form for an answer: table pipes to spaces, bold marks removed."""
        t = self.text
        if self.is_row:
            cells = [c.strip() for c in t.strip().strip("|").split("|")]
            t = "，".join(c for c in cells if c)
        return _MD_MARK.sub("", t).replace("**", "").strip()

    @property
    def continues_row(self) -> bool:
        """A table row that only names another unit and leaves the rest empty: the notice merged
        its cells with the row above (市公安局 beside 市委政法委 for 城市治理)."""
        if not self.is_row:
            return False
        cells = [c.strip() for c in self.text.strip().strip("|").split("|")]
        return (
            len(cells) >= 3
            and bool(cells[1])
            and len(cells[1]) <= 12
            and not any(p in cells[1] for p in "，。；,;")
            and not any(cells[2:])
        )

    @property
    def body(self) -> str:
        """Display text without a leading list number such as 1. or （二）."""
        return _LEAD_NUM.sub("", self.display).strip()


def _pieces(line: str, offset: int) -> list[tuple[int, int]]:
    """Split one line into sentence spans; overly long sentences split at commas."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for part in _SENT_END.split(line):
        if not part:
            continue
        start, end = pos, pos + len(part)
        pos = end
        if end - start > _MAX_UNIT:
            sub = start
            for m in re.finditer(r"[，,、]", line[start:end]):
                cut = start + m.end()
                if cut - sub >= _MAX_UNIT // 2:
                    spans.append((sub, cut))
                    sub = cut
            spans.append((sub, end))
        else:
            spans.append((start, end))
    return [(offset + s, offset + e) for s, e in spans]


def split_units(text: str) -> list[Unit]:
    units: list[Unit] = []
    offset = 0
    for lineno, line in enumerate(text.split("\n")):
        line_start = offset
        offset += len(line) + 1
        if not line.strip() or _TABLE_SEP.match(line.strip()):
            continue
        if line.lstrip().startswith("|"):
            s = line_start + (len(line) - len(line.lstrip()))
            units.append(Unit(s, line_start + len(line.rstrip()), line.strip(), is_row=True, line=lineno))
            continue
        for s, e in _pieces(line, line_start):
            raw = text[s:e]
            lead = len(raw) - len(raw.lstrip())
            body = raw.strip()
            if len(re.sub(r"\W", "", body)) == 0:
                continue
            units.append(Unit(s + lead, s + lead + len(body), body, line=lineno))
    return units
