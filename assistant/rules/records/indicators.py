"""Evaluation indicator trees (level 1 → 2 → 3), read from the tables headed 一级指标|二级指标|三级指标.

Merged cells arrive as empty cells; a row inherits the levels above it from the previous row.
Every node keeps the table row it comes from as its quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.models import DivisionId

from ..index import KnowledgeIndex
from .base import Source

_HEADER = ("一级指标", "二级指标", "三级指标")


@dataclass
class Node:
    name: str
    level: int  # 1, 2 or 3
    source: Source
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def descendants(self, level: int) -> list[Node]:
        if self.level == level:
            return [self]
        return [d for c in self.children for d in c.descendants(level)]


@dataclass
class Tree:
    division: DivisionId
    roots: list[Node]
    note: Source | None = None  # a remark under the table ("注：后续将……")

    def nodes(self) -> list[Node]:
        out: list[Node] = []
        stack = list(reversed(self.roots))
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(reversed(n.children))
        return out


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


class Indicators:
    def __init__(self, index: KnowledgeIndex) -> None:
        self.trees: dict[DivisionId, Tree] = {}
        for row, chunk in enumerate(index.chunks):
            units = index.units[row]
            rows = [u for u in units if u.is_row]
            if not rows or tuple(_cells(rows[0].text)[:3]) != _HEADER:
                if chunk.division in self.trees and units and not rows and self.trees[chunk.division].note is None:
                    if units[0].text.startswith("注"):
                        self.trees[chunk.division].note = Source(chunk, units[0].text)
                continue
            tree = self.trees.setdefault(chunk.division, Tree(chunk.division, []))
            path: list[Node | None] = [None, None, None]
            if tree.roots:  # a continued table: carry the last path over
                last = tree.roots[-1]
                path[0] = last
                path[1] = last.children[-1] if last.children else None
            for unit in rows[1:]:
                cells = (_cells(unit.text) + ["", "", ""])[:3]
                src = Source(chunk, unit.text)
                for level, name in enumerate(cells):
                    if not name:
                        continue
                    parent = path[level - 1] if level else None
                    node = Node(name, level + 1, src, parent)
                    if parent is None:
                        tree.roots.append(node)
                    else:
                        parent.children.append(node)
                    path[level] = node
                    for deeper in range(level + 1, 3):
                        path[deeper] = None
            for u in units:
                if not u.is_row and u.text.startswith("注"):
                    tree.note = Source(chunk, u.text)

    def of(self, division: DivisionId) -> Tree | None:
        return self.trees.get(division)
