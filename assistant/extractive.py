"""Extractive answering: pick the clauses of the notices that answer a question.

No model is needed. Units (sentences, list items, table rows) of the retrieved chunks are
scored by the IDF mass of the question terms they contain, the section they sit in, and
whether they carry the kind of value the question asks for (an amount, a date, a phone…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import lexicon
from .index import KnowledgeIndex
from .intents import CUES, EXPECT, Intent
from .models import Chunk, DivisionId
from .retrieval import Retriever
from .units import Unit

# Tokens that name a division or the competition itself carry no information inside one division.
_SCOPE_WORDS = frozenset(
    "山西 陕西 新疆 益阳 湖南 晋 陕 疆 湘 分赛 山西分赛 陕西分赛 新疆分赛 益阳初赛 初赛 全国 国家 大赛 比赛 赛事 "
    "2025 2024 年 数据 要素 数据要素 数据要素× 我 公司 单位 我们".split()
)
_ITEM_RE = re.compile(r"^\s*(?:[-*]\s+)?(?:\d+[.．、·]|[（(]\d+[）)]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)")
_TITLE_RE = re.compile(r"^(.{2,40}?)[：:]")
_K = 8
_MAX_LIST = 14


@dataclass
class Pick:
    """The best answering units found in one division."""

    division: DivisionId
    chunk: Chunk
    units: list[Unit]
    score: float
    coverage: float  # share of the question's term weight found in the unit or its section
    typed: bool  # carries the kind of value asked for
    extra: list[tuple[Chunk, list[Unit]]] = field(default_factory=list)  # further list sections


def question_terms(question: str) -> list[str]:
    seen: list[str] = []
    for t in lexicon.tokens(question):
        if t not in _SCOPE_WORDS and t not in seen:
            seen.append(t)
    return seen


class Extractor:
    def __init__(self, index: KnowledgeIndex, retriever: Retriever) -> None:
        self.index = index
        self.retriever = retriever

    def _weights(self, terms: list[str]) -> dict[str, float]:
        return {t: self.index.idf_of(t) for t in terms}

    def best(self, question: str, intent: Intent, division: DivisionId, *, list_answer: bool) -> Pick | None:
        """The best pick in one division, or None when nothing there relates to the question."""
        terms = question_terms(question)
        weights = self._weights(terms)
        total = sum(weights.values()) or 1.0
        hits = self.retriever.search(question, [division], k=_K)
        expect, cue = EXPECT[intent.kind], CUES[intent.kind]
        best: tuple[float, float, bool, int, int] | None = None
        for rank, hit in enumerate(hits):
            sec = self.index.section_tokens[hit.row]
            prior = 0.15 * (1.0 - rank / _K)
            for ui, (unit, utoks) in enumerate(
                zip(self.index.units[hit.row], self.index.unit_tokens[hit.row], strict=True)
            ):
                in_unit = sum(w for t, w in weights.items() if t in utoks)
                in_sec = sum(w for t, w in weights.items() if t in sec and t not in utoks)
                coverage = (in_unit + 0.6 * in_sec) / total
                typed = bool(expect.search(unit.text))
                score = coverage + prior + (0.25 if typed else 0.0) + (0.15 if cue.search(unit.text) else 0.0)
                if len(unit.body) < 4:
                    score -= 0.3
                if best is None or score > best[0] + 1e-9:
                    best = (score, coverage, typed, hit.row, ui)
        if best is None:
            return None
        score, coverage, typed, row, ui = best
        chunk = self.index.chunks[row]
        units = self._expand(row, ui, list_answer)
        pick = Pick(division=division, chunk=chunk, units=units, score=score, coverage=coverage, typed=typed)
        if list_answer and len(units) == 1:
            pick.extra = self._child_items(row)
        return pick

    def _expand(self, row: int, ui: int, list_answer: bool) -> list[Unit]:
        """Grow the chosen unit into a readable answer: a list intro takes its items."""
        units = self.index.units[row]
        chosen = units[ui]
        if _is_intro(chosen):
            end = ui
            while end + 1 < len(units) and end - ui < _MAX_LIST and _is_item(units[end + 1]):
                end += 1
            return units[ui : end + 1]
        if list_answer and _is_item(chosen):
            start, end = ui, ui
            while start > 0 and _is_item(units[start - 1]):
                start -= 1
            if start > 0 and _is_intro(units[start - 1]):
                start -= 1
            while end + 1 < len(units) and _is_item(units[end + 1]):
                end += 1
            return units[start : end + 1][: _MAX_LIST + 1]
        return [chosen]

    def _child_items(self, row: int) -> list[tuple[Chunk, list[Unit]]]:
        """For list questions: the numbered sub-sections under the picked section."""
        base = self.index.chunks[row]
        prefix = base.section + " > "
        out: list[tuple[Chunk, list[Unit]]] = []
        for r in range(row + 1, len(self.index.chunks)):
            c = self.index.chunks[r]
            if c.doc_id != base.doc_id or not c.section.startswith(prefix):
                break
            if self.index.units[r]:
                out.append((c, self.index.units[r][:1]))
        return out[:_MAX_LIST]


def _is_intro(unit: Unit) -> bool:
    return unit.text.rstrip().endswith(("：", ":"))


def _is_item(unit: Unit) -> bool:
    return bool(_ITEM_RE.match(unit.text)) or unit.is_row


def item_title(unit: Unit) -> str:
    """The title part of a numbered item ("1.打造能源数据应用体系：…" → "打造能源数据应用体系")."""
    m = _TITLE_RE.match(unit.body)
    return m.group(1) if m else unit.body
