"""Extractive answering: pick the clauses of the notices that answer a question.

No model is needed. Units (sentences, list items, table rows, the section heading) of the
retrieved chunks are scored by the IDF mass of the question's terms they contain (a term
matches through its colloquial alternatives too), whether the section heading carries them,
and whether the unit holds the kind of value the question asks for (an amount, a date…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import lexicon
from .index import KnowledgeIndex
from .intents import CUES, EXPECT, Intent
from .models import Chunk, DivisionId
from .retrieval import Retriever
from .textnorm import nfkc
from .units import Unit

# Tokens that name a division or the competition itself carry no information inside one division.
_SCOPE_WORDS = frozenset(
    "山西 陕西 新疆 益阳 湖南 晋 陕 疆 湘 分赛 山西分赛 陕西分赛 新疆分赛 益阳初赛 全国 大赛 比赛 赛事 "
    "2025 年 数据 要素 数据要素 数据要素× 我 公司的 我们 分赛区 赛区 省".split()
)
_ITEM_RE = re.compile(r"^\s*(?:[-*]\s+)?(?:\d+\s*[.．、·]|[（(]\d+[）)]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、|赛题\s*\d+)")
_TITLE_ONLY = re.compile(r"^(附件[:：]?\s*)?(\d+\s*[.．、]\s*)?《?\s*\d{4}\s*年\s*“数据要素\s*×?\s*”\s*大赛.{0,24}》?$")
_TOC_RE = re.compile(r"^目\s*录$")
_LEAD_NUM = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*")
_K = 8
MIN_COVERAGE = 0.34  # below this share of the question's term weight a clause does not answer it
TYPED_KINDS = frozenset({"money", "date", "count", "contact", "channel", "url", "fee", "place"})
_MAX_LIST = 14
_HEADING_CONTEXT = 150


@dataclass(frozen=True)
class Term:
    text: str
    alternatives: tuple[str, ...]
    weight: float
    fallback: bool = False  # alternatives are rare characters of an unknown word


@dataclass
class Pick:
    """The best answering units found in one division."""

    division: DivisionId
    chunk: Chunk
    units: list[Unit]
    score: float
    coverage: float  # share of the question's term weight found in the unit or its heading
    typed: bool  # carries the kind of value asked for
    strict: float = 0.0  # coverage without character fallbacks: how well the question is about the notices
    extra: list[tuple[Chunk, list[Unit]]] = field(default_factory=list)  # further list sections
    table: list[tuple[Chunk, list[Unit]]] = field(default_factory=list)  # further row groups of a table

    @property
    def content(self) -> list[Unit]:
        return [u for u in self.units if not u.is_heading]


def question_terms(question: str) -> list[str]:
    seen: list[str] = []
    for t in lexicon.words(question):
        t = lexicon.REWRITES.get(t, t)
        if t not in _SCOPE_WORDS and t not in seen:
            seen.append(t)
    return seen


def _contains(text: str, term: Term) -> bool:
    return any(a in text for a in term.alternatives)


class Extractor:
    def __init__(self, index: KnowledgeIndex, retriever: Retriever) -> None:
        self.index = index
        self.retriever = retriever
        self._norm_units = [[nfkc(u.text).lower() for u in us] for us in index.units]
        texts = [nfkc(c.section + c.text).lower() for c in index.chunks]
        self._char_df: dict[str, int] = {}
        for text in texts:
            for ch in set(text):
                self._char_df[ch] = self._char_df.get(ch, 0) + 1
        self._rare_chars = max(2, len(texts) // 12)  # a character in fewer chunks still tells something
        idfs = sorted(index.idf.values())
        self._common_weight = 0.25 * idfs[len(idfs) // 2] if idfs else 0.5
        self._norm_parents = [nfkc(" > ".join(c.section.split(" > ")[:-1])).lower() for c in index.chunks]

    def terms(self, question: str) -> list[Term]:
        """Question terms with their notice wordings; an unknown word falls back to its rare characters."""
        out: list[Term] = []
        for t in question_terms(question):
            alts = lexicon.alternatives(t)
            known = [self.index.idf[a] for a in alts if a in self.index.idf]
            if t in self.index.idf or known:
                weight = self.index.idf.get(t) or max(known)
            elif any(self._char_df.get(c, 0) == 0 for c in t):
                weight = self.index.max_idf  # a character the notices never use: an unseen concept
            else:
                chars = tuple(c for c in t if self._char_df[c] <= self._rare_chars)
                if chars:
                    out.append(Term(t, (*alts, *chars), self.index.max_idf, fallback=True))
                    continue
                weight = self._common_weight  # colloquial glue made of everyday characters
            out.append(Term(t, alts, weight))
        return out

    def best(self, question: str, intent: Intent, division: DivisionId, *, list_answer: bool) -> Pick | None:
        """The best pick in one division, or None when nothing there relates to the question."""
        terms = self.terms(question)
        total = sum(t.weight for t in terms) or 1.0
        expanded = " ".join([question, *(a for t in terms for a in t.alternatives[1:])])
        hits = self.retriever.search(expanded, [division], k=_K)
        expect, cue = EXPECT[intent.kind], CUES[intent.kind]
        best: tuple[float, float, bool, int, int, float] | None = None  # score, coverage, typed, row, unit, fallback
        best_typed: tuple[float, float, bool, int, int, float] | None = None
        for rank, hit in enumerate(hits):
            row = hit.row
            chunk = hit.chunk
            heading = chunk.section.split(" > ")[-1]
            if _TOC_RE.match(heading):
                continue  # a table of contents states no rule
            heading_norm = nfkc(heading).lower()
            parents = self._norm_parents[row]
            body_prior = 0.0 if chunk.section.startswith("附件") else 0.05
            prior = 0.15 * (1.0 - rank / _K) + body_prior
            candidates = [(-1, heading_norm)] if heading else []
            if list_answer:
                candidates += [(i, self._with_items(row, i)) for i in range(len(self._norm_units[row]))]
            else:
                candidates += list(enumerate(self._norm_units[row]))
            for ui, text in candidates:
                in_unit = sum(t.weight for t in terms if _contains(text, t))
                rest = [t for t in terms if not _contains(text, t)]
                in_head = sum(t.weight for t in rest if _contains(heading_norm, t))
                in_parents = sum(t.weight for t in rest if not _contains(heading_norm, t) and _contains(parents, t))
                coverage = (in_unit + (1.0 if list_answer else 0.9) * in_head + 0.5 * in_parents) / total
                fallback = sum(t.weight for t in terms if t.fallback and _contains(text, t))
                raw = heading if ui == -1 else self.index.units[row][ui].text
                body = heading if ui == -1 else self.index.units[row][ui].body
                context = body if ui >= 0 else heading + (self.index.units[row][0].body if self.index.units[row] else "")
                typed = bool(expect.search(_LEAD_NUM.sub("", context)))
                score = coverage + prior + (0.25 if typed else 0.0) + (0.15 if cue.search(context) else 0.0)
                score += 0.08 * min(1.0, 30 / max(len(raw), 1))  # shorter clause wins a tie
                if _TITLE_ONLY.match(body):
                    score -= 0.3  # names an annex or document; the annex itself answers
                if ui == -1:
                    score -= 0.05  # a heading alone answers only when it matches clearly better
                elif list_answer and _is_item(self.index.units[row][ui]):
                    score += 0.1
                elif len(self.index.units[row][ui].body) < 4:
                    score -= 0.3
                if (
                    ui >= 0
                    and in_head > in_unit
                    and len(chunk.text) <= _HEADING_CONTEXT * 2
                    and not self.index.units[row][ui].is_row
                ):
                    ui_pick = -1  # the heading names what the (short) section lists
                else:
                    ui_pick = ui
                entry = (score, coverage, typed, row, ui_pick, fallback / total)
                if best is None or score > best[0] + 1e-9:
                    best = entry
                if typed and (best_typed is None or score > best_typed[0] + 1e-9):
                    best_typed = entry
        if best is None:
            return None
        if (
            intent.kind in TYPED_KINDS
            and best_typed is not None
            and best_typed[1] >= max(MIN_COVERAGE, 0.8 * best[1])
        ):
            best = best_typed  # a question for an amount/date/count wants the clause that has one
        score, coverage, typed, row, ui, fallback_share = best
        chunk = self.index.chunks[row]
        units = self._expand(row, ui, list_answer)
        pick = Pick(
            division=division, chunk=chunk, units=units, score=score, coverage=coverage, typed=typed,
            strict=coverage - fallback_share,
        )
        if list_answer and pick.content and pick.content[0].is_row:
            pick.table = self.table_groups(row)
        elif list_answer and len(pick.content) <= 1:
            pick.extra = self._child_items(row)
        return pick

    def _with_items(self, row: int, ui: int) -> str:
        """A unit's text for matching; a list intro ("……以下内容：") also matches its items."""
        text = self._norm_units[row][ui]
        if not text.endswith(("：", ":")):
            return text
        units = self.index.units[row]
        more = [self._norm_units[row][j] for j in range(ui + 1, min(len(units), ui + 16)) if _continues(units, j)]
        return text + "".join(more)

    def _expand(self, row: int, ui: int, list_answer: bool) -> list[Unit]:
        """Grow the chosen unit into a readable answer: a heading or list intro takes what follows."""
        units = self.index.units[row]
        if ui == -1:
            heading = Unit(-1, -1, self.index.chunks[row].section.split(" > ")[-1], is_heading=True)
            body: list[Unit] = []
            for u in units:
                if body and (sum(len(b.text) for b in body) + len(u.text) > _HEADING_CONTEXT) and not list_answer:
                    break
                body.append(u)
                if len(body) >= _MAX_LIST:
                    break
            return [heading, *body]
        chosen = units[ui]
        if _is_intro(chosen):
            end = ui
            while end + 1 < len(units) and end - ui < _MAX_LIST * 2 and _continues(units, end + 1):
                end += 1
            return units[ui : end + 1]
        if list_answer and chosen.is_row:
            return [u for u in units if u.is_row]
        if list_answer and _is_item(chosen):
            start, end = ui, ui
            while start > 0 and (_is_item(units[start - 1]) or units[start - 1].line == units[start].line):
                start -= 1
            if start > 0 and _is_intro(units[start - 1]):
                start -= 1
            while end + 1 < len(units) and _continues(units, end + 1):
                end += 1
            return units[start : end + 1]
        # A clause cut off mid-line ("……如下：" or a two-part sentence) keeps its line together.
        out = [chosen]
        j = ui + 1
        while j < len(units) and units[j].line == chosen.line and sum(len(u.text) for u in out) < 120:
            out.append(units[j])
            j += 1
        cut_short = not chosen.text.endswith(("。", "；", "！", "？")) or len(chosen.text) < 30
        return out if len(out) > 1 and cut_short else [chosen]

    def table_groups(self, row: int) -> list[tuple[Chunk, list[Unit]]]:
        """Every row group of the table chunk `row` belongs to, in document order."""
        base = self.index.chunks[row]
        return [
            (c, [u for u in self.index.units[r] if u.is_row])
            for r, c in enumerate(self.index.chunks)
            if c.doc_id == base.doc_id and c.section == base.section and any(u.is_row for u in self.index.units[r])
        ]

    def _child_items(self, row: int) -> list[tuple[Chunk, list[Unit]]]:
        """For list questions: the sub-sections under the picked section."""
        base = self.index.chunks[row]
        prefix = base.section + " > "
        out: list[tuple[Chunk, list[Unit]]] = []
        for r in range(row + 1, len(self.index.chunks)):
            c = self.index.chunks[r]
            if c.doc_id != base.doc_id or not c.section.startswith(prefix):
                break
            if self.index.units[r] and all(c.section != o.section for o, _ in out):
                out.append((c, self.index.units[r][:1]))
        return out[:_MAX_LIST]


def _continues(units: list[Unit], j: int) -> bool:
    """Unit j is another list item, or the rest of the previous item's line."""
    return _is_item(units[j]) or units[j].line == units[j - 1].line


def _is_intro(unit: Unit) -> bool:
    return unit.text.rstrip().endswith(("：", ":"))


def _is_item(unit: Unit) -> bool:
    return bool(_ITEM_RE.match(unit.text)) or unit.is_row
