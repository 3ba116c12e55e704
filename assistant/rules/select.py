"""Clause selection: the units of a division's retrieved chunks that answer a question part.

Units (sentences, list items, table rows, the section heading) are scored by the IDF mass of
the part's terms they contain (through their notice wordings), whether the section heading
carries them, and whether the unit holds the kind of value asked for (an amount, a date…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.models import Chunk, DivisionId

from . import intent, tables
from .index import KnowledgeIndex
from .patterns import LIST_NUMBER
from .query import Part, Term
from .retrieval import Ranking
from .text import plain
from .units import Unit

# A document's title on its own line (no sentence punctuation: a rule about 2024 年大赛 is a sentence).
_TITLE_ONLY = re.compile(r"^(附件[:：]?\s*)?(\d+\s*[.．、]\s*)?《?\s*\d{4}\s*年\s*“数据要素\s*×?\s*”\s*大赛[^。；，,]{0,24}》?$")
_TOC_RE = re.compile(r"^目\s*录$")
_K = 12
MIN_COVERAGE = 0.34  # below this share of the question's term weight a clause does not answer it
_MAX_LIST = 14
_HEADING_CONTEXT = 150
_LABEL_CHARS = 8  # "受理时间", "联系电话": a short label before the colon
_LIST_START = LIST_NUMBER


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
    addresses: bool = True  # covers a yes/no question's predicate

    @property
    def content(self) -> list[Unit]:
        return [u for u in self.units if not u.is_heading]


_ENUMERATED = re.compile(r"(?:哪些|哪几个|哪几项|哪几类|哪几种)([\u4e00-\u9fff]{2})")


def _contains(text: str, term: Term) -> bool:
    return any(a in text for a in term.alternatives)


def _credit(text: str, term: Term, words: frozenset[str] | None = None) -> float:
    """How much of a term a text carries: its wordings fully; a compound's parts or an unknown
    word's rare characters by half."""
    if term.fallback:
        if term.alternatives[0] in text:
            return 1.0
        return 0.5 if any(a in text for a in term.alternatives[1:]) else 0.0
    if len(term.alternatives) == 1 and len(term.text) == 1 and words is not None:
        if term.text not in text:
            return 0.0
        return 1.0 if _free(text, term.text, words) else 0.5  # only inside a word: half
    if any(a in text for a in term.alternatives):
        return 1.0
    return 0.5 if term.pieces and any(p in text for p in term.pieces) else 0.0


def _free(text: str, char: str, words: frozenset[str]) -> bool:
    """A one-character term stands in the text on its own somewhere, not only inside a word the
    notices use ("进决赛的作品": 进 is not in 进行 or 推进)."""
    for i, c in enumerate(text):
        if c == char and text[max(0, i - 1) : i + 1] not in words and text[i : i + 2] not in words:
            return True
    return False


def _wordings(text: str, terms: list[Term]) -> int:
    """How many notice wordings beyond the first matched term form occur: a clause using more of
    a concept's wordings is about it more specifically."""
    return sum(max(0, sum(1 for a in set(t.alternatives) if a in text) - 1) for t in terms if not t.fallback)


def _is_item(unit: Unit) -> bool:
    return bool(LIST_NUMBER.match(unit.text)) or unit.is_row


def _is_intro(unit: Unit) -> bool:
    return unit.text.rstrip().endswith(("：", ":"))


def _continues(units: list[Unit], j: int) -> bool:
    """Unit j is another list item, or the rest of the previous item's line."""
    return _is_item(units[j]) or units[j].line == units[j - 1].line


class Selector:
    def __init__(self, index: KnowledgeIndex) -> None:
        self.index = index
        self._parents = [plain(" > ".join(c.section.split(" > ")[:-1])) for c in index.chunks]
        self._texts: dict[DivisionId, str] = {}
        self.template_rows: frozenset[int] = frozenset()
        self._words = frozenset(w for w in index.idf if len(w) == 2)  # the notices' two-character words

    def best(
        self, part: Part, ranking: Ranking, division: DivisionId, *, kind: str | None = None, template: bool = False
    ) -> Pick | None:
        """The best pick in one division, or None when nothing there relates to the question."""
        terms = part.terms
        known = self._words

        def credit(text: str, term: Term) -> float:
            return _credit(text, term, known)

        total = sum(t.weight for t in terms) or 1.0
        list_answer = part.list_answer
        k = intent.kind(kind) if kind else part.kind
        expect, cue = k.value, k.cue
        predicate = part.predicate
        if predicate is not None and not any(a in self._division_text(division) for a in predicate.alternatives):
            predicate = None  # the notice never uses it: nothing to prefer (the clause answerer says so)
        typed_kinds = intent.TYPED
        frames = [w for group in tables.stop_frames() if any(w in part.canonical for w in group) for w in group]
        # A clause matching none of the question's known words of two characters or more, only its
        # one-character glue, is not about it; unless those words only say what kind of answer is asked (最多 for a count).
        words = [t for t in terms if len(t.text) >= 2 and t.known and not t.fallback]
        topics = [t for t in words if not k.question.search(t.text)]
        # "能报哪些赛道": a list question is answered by a clause naming what it enumerates (赛道)
        enumerated = _ENUMERATED.search(part.canonical) if list_answer else None
        listed = enumerated.group(1) if enumerated else ""
        best: tuple[float, float, bool, int, int, float] | None = None  # score, coverage, typed, row, unit, fallback
        best_typed: tuple[float, float, bool, int, int, float] | None = None
        for rank, hit in enumerate(ranking.top(division, _K)):
            row = hit.row
            chunk = hit.chunk
            heading = chunk.section.split(" > ")[-1]
            if _TOC_RE.match(heading):
                continue  # a table of contents states no rule
            if not template and row in self.template_rows:
                continue  # the application form's fields state no rule (申报书 questions go to the template)
            heading_norm = plain(heading)
            parents = self._parents[row]
            body_prior = 0.0 if chunk.section.startswith("附件") else 0.05
            prior = 0.15 * (1.0 - rank / _K) + body_prior
            units = self.index.units[row]
            texts = self.index.plain_units[row]
            candidates: list[tuple[int, str]] = [(-1, heading_norm)] if heading else []
            if list_answer:
                candidates += [(i, self._with_items(row, i)) for i in range(len(texts))]
            else:
                candidates += list(enumerate(texts))
            for ui, text in candidates:
                credits = [credit(text, t) for t in terms]
                in_unit = sum(t.weight * c for t, c in zip(terms, credits, strict=True))
                rest = [(t, 1.0 - c) for t, c in zip(terms, credits, strict=True) if c < 1.0]
                in_head = sum(t.weight * left * credit(heading_norm, t) for t, left in rest)
                in_parents = sum(
                    t.weight * left * credit(parents, t) for t, left in rest if not credit(heading_norm, t)
                )
                coverage = (in_unit + (1.0 if list_answer else 0.9) * in_head + 0.5 * in_parents) / total
                matched = [
                    t
                    for t, c in zip(terms, credits, strict=True)
                    if t in words and (c or credit(heading_norm, t) or credit(parents, t))
                ]
                if topics and not matched:
                    coverage = min(coverage, 0.9 * MIN_COVERAGE)  # only glue (发, 报) matched, no word of the topic
                fallback = sum(t.weight for t in terms if t.fallback and _contains(text, t))
                raw = heading if ui == -1 else units[ui].text
                body = heading if ui == -1 else units[ui].body
                context = body if ui >= 0 else heading + (units[0].body if units else "")
                typed = bool(expect.search(LIST_NUMBER.sub("", context)))
                score = coverage + prior + (0.25 if typed else 0.0) + (0.15 if cue.search(context) else 0.0)
                score += 0.08 * min(1.0, 30 / max(len(raw), 1))  # shorter clause wins a tie
                score += 0.02 * min(3, _wordings(text, terms))
                if predicate is not None and credit(text, predicate) + credit(heading_norm, predicate) > 0:
                    score += 0.2  # a yes/no question is answered by the clause about its predicate
                if listed and listed in text:
                    score += 0.15
                if frames and any(w in heading_norm for w in frames):
                    score += 0.1  # "有啥要求" is answered by the section headed …要求
                if _TITLE_ONLY.match(body):
                    score -= 0.3  # names an annex or document; the annex itself answers
                if ui == -1:
                    score -= 0.05  # a heading alone answers only when it matches clearly better
                elif list_answer and _is_item(units[ui]):
                    score += 0.1
                elif len(units[ui].body) < 4:
                    score -= 0.3
                if ui >= 0 and in_head > in_unit and len(chunk.text) <= _HEADING_CONTEXT * 2 and not units[ui].is_row:
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
        if k.name in typed_kinds and best_typed is not None and best_typed[1] >= max(MIN_COVERAGE, 0.8 * best[1]):
            best = best_typed  # a question for an amount/date/count wants the clause that has one
        score, coverage, typed, row, ui, fallback_share = best
        chunk = self.index.chunks[row]
        units = self._expand(row, ui, list_answer)
        if k.name in typed_kinds and not typed and ui >= 0:
            labelled = self._labelled_value(row, ui, k)
            if labelled is not None:
                units, typed = [*units, labelled], True
        pick = Pick(
            division=division,
            chunk=chunk,
            units=units,
            score=score,
            coverage=coverage,
            typed=typed,
            strict=coverage - fallback_share,
        )
        if part.predicate is not None and self.absent(part.predicate, division):
            pick.addresses = False
        elif part.predicate is not None and part.predicate.fallback:
            # An unknown word (外套, 退回来) is addressed only where the picked clause itself has
            # its word or one of its rare characters (不予退还), not anywhere in the notice.
            said = plain(" ".join([chunk.section.split(" > ")[-1], *(u.text for u in pick.content)]))
            pick.addresses = any(a in said for a in part.predicate.alternatives)
        if list_answer and pick.content and pick.content[0].is_row:
            pick.table = self.table_groups(row)
        elif list_answer and len(pick.content) <= 1:
            pick.extra = self._child_items(row)
        return pick

    def _labelled_value(self, row: int, ui: int, k: intent.Kind) -> Unit | None:
        """The line after the picked one when it gives the asked value under its own label
        ("3. 监督举报电话：…" then "受理时间：工作日 10:00 至 14:00"): the notice states an
        item's attribute on the next line."""
        units = self.index.units[row]
        if ui + 1 >= len(units):
            return None
        nxt = units[ui + 1]
        label, colon, value = nxt.body.partition("：")
        if not colon or len(label) > _LABEL_CHARS or _LIST_START.match(nxt.body):
            return None
        return nxt if k.question.search(label) and k.value.search(value) else None

    def _division_text(self, division: DivisionId) -> str:
        text = self._texts.get(division)
        if text is None:
            text = "\n".join(plain(c.section + c.text) for c in self.index.chunks if c.division == division)
            self._texts[division] = text
        return text

    def absent(self, term: Term, division: DivisionId) -> bool:
        """The division's notice never uses the term (nor any of its notice wordings)."""
        text = self._division_text(division)
        return not any(a in text for a in term.alternatives)

    def _with_items(self, row: int, ui: int) -> str:
        """A unit's text for matching; a list intro ("……以下内容：") also matches its items."""
        texts = self.index.plain_units[row]
        text = texts[ui]
        if not text.endswith(("：", ":")):
            return text
        units = self.index.units[row]
        more = [texts[j] for j in range(ui + 1, min(len(units), ui + 16)) if _continues(units, j)]
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
        if chosen.is_row:
            end = ui
            while end + 1 < len(units) and units[end + 1].continues_row:
                end += 1  # rows whose cells the notice merged with this one
            return units[ui : end + 1]
        if list_answer and _is_item(chosen) and not self._item_answers(row, ui):
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

    def _item_answers(self, row: int, ui: int) -> bool:
        """A long list item that states a rule of its own answers alone (not the whole list)."""
        return len(self.index.units[row][ui].text) > 40

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
