"""The question flow: validate → normalise → divisions → approved answer → facts → retrieval →
extractive (or LLM, grounded) answer → `Answer`.

In extractive mode the output is a pure function of (canonical question, division scope,
knowledge, today): the same question always gets byte-identical text and citations.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from . import divisions as div
from .errors import InputError
from .extractive import MIN_COVERAGE, TYPED_KINDS, Extractor, Pick, question_terms
from .facts import Facts, Located, Stage
from .guide import guide_answer
from .index import KnowledgeIndex
from .intents import Intent, classify
from .models import Answer, Chunk, Citation, DivisionId, Mode, Status
from .textnorm import canonical_question, compact, has_control_chars
from .units import Unit

MAX_QUESTION_CHARS = 2000
_QUOTE_MAX = 120
_LINE_MAX = 170
_MAX_ITEMS = 14
_TRACK_Q = re.compile(r"赛道|赛题|指南|方向|领域")
_INDICATOR_Q = re.compile(r"评价指标|评审指标|评分指标|评分标准|评审标准|评价标准|打分|指标")
_OUT_OF_SCOPE = (
    "抱歉，这个问题不在2025年“数据要素×”大赛通知的范围内。我可以回答报名时间、参赛条件、赛道赛题、"
    "奖项设置、提交材料、联系方式等问题。"
)
_DEADLINE_Q = re.compile(r"截止|最晚|之前|以前|几号前|哪天前|ddl|deadline")
_NATIONAL_FINAL = re.compile(r"全国总决赛|总决赛|国赛|全国赛")
_TOPIC = {
    "money": "奖金金额", "date": "具体时间", "count": "具体数量", "contact": "联系方式",
    "channel": "报名渠道", "url": "网址", "place": "举办地点", "fee": "费用", "yesno": "这一点", "list": "相关内容",
}
_STAGE_WORDS = ("报名", "审核", "初赛", "复赛", "决赛", "颁奖", "公示", "技术验证", "资格审查", "路演", "宣传", "推荐", "评审")


class ApprovedLookup(Protocol):
    """Secretariat-approved answers take precedence for the same canonical question."""

    def lookup(self, canonical: str, division: DivisionId | None) -> Answer | None: ...


class LLMBackend(Protocol):
    """What answering needs from the LLM path (see llm_path.LLMPath)."""

    def answer_with_fallback(
        self, question: str, extractive: Answer, chunks: list[Chunk], on_token: Callable[[str], None] | None
    ) -> Answer: ...


def validate_question(question: str) -> str:
    if question is None or not str(question).strip():
        raise InputError("问题不能为空，请输入您想了解的大赛规则，例如：山西分赛报名截止时间是什么时候？")
    text = str(question)
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(f"问题过长（{len(text)} 字符），请控制在 {MAX_QUESTION_CHARS} 字符以内，只保留您要问的内容。")
    if has_control_chars(text):
        raise InputError("问题中含有无法识别的控制字符，请删除后重新输入。")
    return text.strip()


@dataclass
class _Line:
    division: DivisionId
    found: bool
    text: str  # answer text without citation markers
    sources: list[Located] = field(default_factory=list)  # first is the main citation
    pick: Pick | None = None


class Assistant:
    """Answers questions about the notices. Build it with `services.build_assistant`."""

    def __init__(
        self,
        *,
        index: KnowledgeIndex,
        extractor: Extractor,
        facts: Facts,
        clock: Callable[[], date],
        llm: LLMBackend | None = None,
        approved: ApprovedLookup | None = None,
    ) -> None:
        self.index = index
        self.extractor = extractor
        self.facts = facts
        self.clock = clock
        self.llm = llm
        self.approved = approved

    @property
    def mode(self) -> Mode:
        return "llm" if self.llm else "extractive"

    def ask(
        self,
        question: str,
        division: str | None = None,
        *,
        id: str | None = None,
        on_token: Callable[[str], None] | None = None,
        history: list[dict[str, str]] | None = None,
    ) -> Answer:
        """Answer one question; raises InputError for bad input (empty, too long, unknown division)."""
        started = time.perf_counter()
        text = validate_question(question)
        explicit = div.parse(division)
        canonical = canonical_question(text)
        answer = self._answer(canonical, explicit, on_token)
        answer.id = id
        answer.question = text
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer

    # -- the decision -------------------------------------------------------------------

    def _answer(self, q: str, explicit: DivisionId | None, on_token: Callable[[str], None] | None) -> Answer:
        intent = classify(q)
        if intent.foreign and not intent.anchored:
            return _refusal(q, _OUT_OF_SCOPE)
        if intent.injection:
            return _refusal(q, "抱歉，我只回答2025年“数据要素×”大赛各分赛通知中的规则问题，不能改变角色、执行其他指令或透露系统设定。")
        named = [explicit] if explicit else div.detect(q)
        if self.approved:
            hit = self.approved.lookup(q, explicit)
            if hit is not None:
                return hit
        targets = named or self._default_targets(q)
        lines = [self._line(q, intent, d, list_answer=_is_list(q, intent)) for d in targets]
        if not intent.anchored and not any(ln.found and _strong(ln, q) for ln in lines):
            return _refusal(q, _OUT_OF_SCOPE)
        if not named and not any(ln.found for ln in lines) and max((ln.pick.strict if ln.pick else 0.0) for ln in lines) < 0.4:
            return _refusal(q, _OUT_OF_SCOPE)
        answer = self._compose(q, lines, named_any=bool(named))
        if self.llm and answer.status in ("answered", "clarify"):
            return self.llm.answer_with_fallback(q, answer, self._llm_passages(q, lines), on_token)
        return answer

    def _llm_passages(self, q: str, lines: list[_Line]) -> list[Chunk]:
        """What the model reads: the clauses extractive mode cited, then more retrieved context."""
        chunks: list[Chunk] = []
        for ln in lines:
            for src in ln.sources:
                if src.chunk not in chunks:
                    chunks.append(src.chunk)
        for ln in lines:
            for hit in self.extractor.retriever.search(q, [ln.division], k=3):
                if hit.chunk not in chunks:
                    chunks.append(hit.chunk)
        return chunks

    def _default_targets(self, q: str) -> list[DivisionId]:
        targets: list[DivisionId] = list(div.REGIONAL)
        if _INDICATOR_Q.search(q) or (_TRACK_Q.search(q) and "全国" in q):
            targets.append("national-2025")
        return targets

    def _line(self, q: str, intent: Intent, d: DivisionId, *, list_answer: bool) -> _Line:
        if intent.kind == "date" and not _NATIONAL_FINAL.search(q):
            stage_line = self._stage_line(q, d)
            if stage_line:
                return stage_line
        if intent.kind == "contact":
            contact = self.facts.contact(d)
            if contact and not re.search(r"举报|技术支持", q):
                return _Line(d, True, _display(contact.quote), [contact])
        pick = self.extractor.best(q, intent, d, list_answer=list_answer)
        guide = guide_answer(q, self.facts, d)
        if guide is not None:
            return _Line(d, True, guide[0], guide[1], pick)
        if pick is None:
            return self._silent(d, None, intent)
        found = pick.coverage >= MIN_COVERAGE and (pick.typed or intent.kind not in TYPED_KINDS)
        if not found:
            return self._silent(d, pick, intent)
        return _Line(d, True, _pick_text(pick, q, list_answer), _pick_sources(pick), pick)

    def _stage_line(self, q: str, d: DivisionId) -> _Line | None:
        stages = self.facts.timeline(d)
        if not stages:
            return None
        wanted = [w for w in _STAGE_WORDS if w in q]
        if _DEADLINE_Q.search(q):
            # "初赛申报截止" asks when registration closes, whatever stage it names.
            wanted = ["报名", "申报", "提交"]
        today = self.clock()
        chosen: list[Stage] = [s for s in stages if any(w in s.name for w in wanted)]
        if not wanted and re.search(r"赛程|时间安排|日程|时间表|安排|流程|阶段", q):
            chosen = stages
        if not chosen:
            return None
        parts = [f"{s.name}：{s.when}（{s.status(today)}）" for s in chosen[:6]]
        sources: list[Located] = []
        for s in chosen[:6]:
            if s.source not in sources:
                sources.append(s.source)
        return _Line(d, True, "；".join(parts), sources)

    def _silent(self, d: DivisionId, pick: Pick | None, intent: Intent) -> _Line:
        text = f"通知中没有写明{_TOPIC.get(intent.kind, '这一点')}"
        sources: list[Located] = []
        if pick is not None and pick.coverage >= MIN_COVERAGE and pick.content:
            nearest = pick.content[0]
            text += f"。相关条款：{_trim(nearest.body, [], 100).rstrip('。')}"
            sources.append(Located(pick.chunk, nearest.text))
        contact = self.facts.contact(d)
        if contact:
            shown = _display(contact.quote)
            text += f"。如需确认，请联系：{shown[:110] + ('…' if len(shown) > 110 else '')}"
            sources.append(Located(contact.chunk, contact.quote[:_QUOTE_MAX]))
        return _Line(d, False, text, sources, pick)

    # -- composing ------------------------------------------------------------------------

    def _compose(self, q: str, lines: list[_Line], *, named_any: bool) -> Answer:
        citations: list[Citation] = []
        terms = question_terms(q)

        def cite(src: Located) -> int:
            for c in citations:
                if c.chunk_id == src.chunk.chunk_id and c.quote == _quote(src.quote, terms):
                    return c.n
            c = Citation(
                n=len(citations) + 1,
                division=src.chunk.division,
                doc_title=src.chunk.doc_title,
                section=src.chunk.section,
                quote=_quote(src.quote, terms),
                chunk_id=src.chunk.chunk_id,
                context=src.chunk.text,
            )
            citations.append(c)
            return c.n

        def render(line: _Line, prefix: bool) -> str:
            marks = "".join(f"[{cite(s)}]" for s in line.sources)
            head = f"{div.NAMES[line.division]}：" if prefix else ""
            return f"{head}{line.text}{marks}"

        divisions = [ln.division for ln in lines]
        if len(lines) == 1:
            ln = lines[0]
            status: Status = "answered" if ln.found else "not_found"
            text = render(ln, prefix=True)
        elif named_any:
            status = "answered" if any(ln.found for ln in lines) else "not_found"
            text = "\n".join(render(ln, prefix=True) for ln in lines)
        else:
            found = [ln for ln in lines if ln.found]
            same = found and len({compact(ln.text) for ln in found}) == 1 and len(found) == len(lines)
            if same:
                status = "answered"
                names = "、".join(div.NAMES[ln.division] for ln in found)
                marks = "".join(f"[{cite(ln.sources[0])}]" for ln in found)
                text = f"{names}的通知一致：{found[0].text}{marks}"
            elif not found:
                status = "not_found"
                text = "各分赛通知都没有写明这一点。\n" + "\n".join(render(ln, prefix=True) for ln in lines)
            else:
                status = "clarify"
                text = (
                    "您没有说明是哪个分赛，各分赛的规定不同：\n"
                    + "\n".join(render(ln, prefix=True) for ln in lines)
                    + "\n请告诉我您参加的是哪个分赛（山西、陕西、新疆或益阳），以便给出准确答复。"
                )
        return Answer(question=q, answer=text, status=status, divisions=divisions, citations=citations, mode="extractive")


def _strong(line: _Line, q: str) -> bool:
    """An unanchored question is in scope only when a clause matches it closely."""
    return bool(line.pick and line.pick.strict >= 0.6 and len(question_terms(q)) >= 2)


def _refusal(q: str, text: str) -> Answer:
    return Answer(question=q, answer=text, status="out_of_scope", divisions=[], citations=[], mode="extractive")


def _is_list(q: str, intent: Intent) -> bool:
    return intent.kind == "list" or bool(re.search(r"哪些|有什么|有哪几|分别|包括|列出|几大|都有|指标", q))


def _display(text: str) -> str:
    return re.sub(r"\s*\n\s*", "；", text.replace("**", "")).strip("；")


def _line_groups(pick: Pick) -> list[str]:
    """Display text of the picked content, one entry per source line."""
    groups: list[list[Unit]] = []
    for u in pick.content:
        if groups and groups[-1][-1].line == u.line and not u.is_row:
            groups[-1].append(u)
        else:
            groups.append([u])
    out: list[str] = []
    for g in groups:
        text = Unit(g[0].start, g[-1].end, pick.chunk.text[g[0].start : g[-1].end], is_row=g[0].is_row).body
        out.append(text)
    return out


def _pick_text(pick: Pick, q: str, list_answer: bool) -> str:
    terms = question_terms(q)
    heading = next((u.body for u in pick.units if u.is_heading), "")
    lines = _table_lines(pick) if pick.table else _line_groups(pick)
    if pick.extra:
        titles = [c.section.split(" > ")[-1] for c, _ in pick.extra]
        head = heading or (lines[0] if lines else "")
        return _trim(head, terms, 80) + "\n" + "\n".join(f"- {t}" for t in titles)
    if heading:
        heading = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*", "", heading)
    if len(lines) <= 1:
        body = _trim(lines[0], terms, _LINE_MAX) if lines else ""
        return f"{heading}：{body}" if heading and body else heading or body
    head, items = (lines[0], lines[1:]) if lines[0].rstrip().endswith(("：", ":")) else (heading, lines)
    short = list_answer and len(items) > 5 and sum(map(len, items)) / len(items) > 50
    limit = _MAX_ITEMS * 2 if pick.table else _MAX_ITEMS
    rows = [f"- {_title(t) if short else _trim(t, terms, 80)}" for t in items[:limit]]
    return ((head.rstrip("：:") + "：\n") if head else "") + "\n".join(rows)


def _table_lines(pick: Pick) -> list[str]:
    """A whole table, header once, row groups in document order."""
    header = pick.table[0][1][0].text if pick.table[0][1] else ""
    lines = [header] if header else []
    for _, rows in pick.table:
        lines.extend(u.text for u in rows if u.text != header)
    return [Unit(0, 0, t, is_row=True).body for t in lines]


def _title(text: str) -> str:
    m = re.match(r"^(.{2,40}?)[：:。]", text)
    return m.group(1) if m else text[:40]


def _pick_sources(pick: Pick) -> list[Located]:
    content = pick.content
    if pick.table:
        # Quotes start at the first data row: a repeated header is not where the rows are.
        groups = [(c, rows[1:] if rows and rows[0].text == pick.table[0][1][0].text else rows) for c, rows in pick.table]
        return [Located(c, c.text[rows[0].start : rows[-1].end]) for c, rows in groups[:4] if rows]
    if content:
        first = Located(pick.chunk, pick.chunk.text[content[0].start : content[-1].end])
    else:
        first = Located(pick.chunk, pick.units[0].text)
    more = pick.extra[:3]
    return [first] + [Located(c, c.text[us[0].start : us[-1].end]) for c, us in more if us]


def _trim(text: str, terms: list[str], limit: int) -> str:
    """A verbatim window of at most `limit` characters, chosen to hold the most question terms."""
    if len(text) <= limit:
        return text
    clauses = re.split(r"(?<=[，,；;。：])", text)
    best: tuple[int, int, int] = (-1, 0, 0)  # hits, first clause, last clause
    for i in range(len(clauses)):
        length, hits = 0, 0
        for j in range(i, len(clauses)):
            length += len(clauses[j])
            if length > limit:
                break
            hits += sum(1 for t in terms if t in clauses[j])
            if hits > best[0]:
                best = (hits, i, j)
    if best[0] < 0:
        return text[:limit] + "…"
    _, i, j = best
    body = "".join(clauses[i : j + 1])
    return ("…" if i > 0 else "") + body + ("…" if j < len(clauses) - 1 else "")


def _quote(text: str, terms: list[str]) -> str:
    """A verbatim slice of at most ~120 characters of the cited text."""
    text = text.strip()
    if len(text) <= _QUOTE_MAX:
        return text
    pos = min((text.find(t) for t in terms if t in text), default=0)
    start = max(0, min(pos - 20, len(text) - _QUOTE_MAX))
    return text[start : start + _QUOTE_MAX]


