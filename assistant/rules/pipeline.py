"""The question pipeline. One `Query` per message, built once and passed through named stages:

validate → resolve (follow-ups, from the earlier user turns) → split (one part per question) →
guard (instructions, uncovered years) → scope (divisions per part) → approved answer →
records (template, indicators, guide, prizes, contacts, schedule) → clauses (one hybrid
retrieval pass per part, clause selection) → off-topic check → compose → LLM (optional: condense a
follow-up the resolver could not read; the model writes the answered parts, grounded as it streams).

In extractive mode the output is a pure function of (question, history, division, knowledge,
today): the same input always gets byte-identical text and citations.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from typing import Protocol

from assistant.errors import InputError
from assistant.models import Answer, DivisionId, Mode
from assistant.models import Turn as HistoryTurn

from . import divisions as div
from . import guard, intent, premise, tables
from .clauses import ClauseAnswerer
from .compose import PartResult, compose
from .conversation import Resolver, Turn
from .index import KnowledgeIndex
from .parts import Splitter
from .query import Analyzer, Part, Query
from .records import (
    Records,
    answers_contacts,
    answers_guide,
    answers_indicators,
    answers_prizes,
    answers_schedule,
    answers_template,
    organisers,
)
from .records.base import Finding, Source
from .records.guide import initials
from .records.prizes import AWARDS
from .retrieval import Ranking, Retriever
from .scope import Decision, Scope, decide, is_template
from .select import Selector
from .slots import SUBJECTS, Vocabulary
from .text import canonical_question, has_control_chars, plain

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 12
OUT_OF_SCOPE = (
    "抱歉，这个问题不在2025年“数据要素×”大赛通知的范围内。我可以回答报名时间、参赛条件、赛道赛题、"
    "奖项设置、提交材料、联系方式等问题。"
)
INJECTION = "抱歉，我只回答2025年“数据要素×”大赛各分赛通知中的规则问题，不能改变角色、执行其他指令或透露系统设定。"
UNCOVERED_YEAR = (
    "现有通知只涉及2025年“数据要素×”大赛（以及2024年赛题指南和2024年获奖项目的参赛规定），"
    "没有其他年份大赛的安排，请以届时发布的官方通知为准。"
)
UNCOVERED_DIVISION = (
    "现有通知只有山西分赛、陕西分赛、新疆分赛、益阳初赛（湖南）的通知和全国赛题指南，没有{region}的通知，"
    "请以{region}发布的官方通知为准。"
)
NATIONAL_FINAL = "现有通知没有写明全国总决赛本身的时间、地点、报名或奖励安排；各分赛通知只规定了向全国总决赛推荐项目的办法。"
_NATIONAL_FINAL_Q = re.compile(r"全国总决赛|总决赛|国赛")
_STRONG = 0.6
_ROUND = re.compile(r"(?!.*分赛$)[^本该此这那分参比大][\u4e00-\u9fff]{0,2}赛")  # 复赛, 半决赛, 预选赛 (not 本赛, 分赛, 参赛)
_RANK = {"out_of_scope": 0, "not_found": 1, "clarify": 2, "answered": 3}
_GENERIC_STAGES = frozenset({"报名", "申报", "注册", "提交"})


class ApprovedLookup(Protocol):
    """Secretariat-approved answers take precedence for the same canonical question."""

    def lookup(self, canonical: str, division: DivisionId | None) -> Answer | None: ...


class LLMBackend(Protocol):
    """What answering needs from the LLM path (see assistant/llm/path.py). `started` is the
    `time.perf_counter()` the answer began at: one deadline covers both calls."""

    def condense(self, question: str, history: list[str], *, started: float) -> str | None: ...

    def answer_with_fallback(
        self, extractive: Answer, on_token: Callable[[str], None] | None, *, started: float
    ) -> Answer: ...


def validate_question(question: object) -> str:
    if question is None or not str(question).strip():
        raise InputError("问题不能为空，请输入您想了解的大赛规则，例如：山西分赛报名截止时间是什么时候？")
    text = str(question)
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(f"问题过长（{len(text)} 字符），请控制在 {MAX_QUESTION_CHARS} 字符以内，只保留您要问的内容。")
    if has_control_chars(text):
        raise InputError("问题中含有无法识别的控制字符，请删除后重新输入。")
    return text.strip()


def user_turns(history: Sequence[object] | None) -> list[str]:
    """The earlier user turns, oldest first; a malformed history is a Chinese message."""
    if not history:
        return []
    if not isinstance(history, (list, tuple)):
        raise InputError("history 应为对话列表，例如 [{\"role\": \"user\", \"content\": \"山西分赛报名截止时间？\"}]。")
    out: list[str] = []
    for i, raw in enumerate(history, start=1):
        try:
            turn = raw if isinstance(raw, HistoryTurn) else HistoryTurn.model_validate(raw)
        except ValueError:
            raise InputError(f"history 第 {i} 项无效：每项应为 {{\"role\": \"user\" 或 \"assistant\", \"content\": 文本}}。") from None
        if turn.role == "user" and turn.content.strip() and not has_control_chars(turn.content):
            out.append(turn.content.strip()[:MAX_QUESTION_CHARS])
    return out[-MAX_HISTORY_TURNS:]


class Engine:
    """Answers questions about the notices. Build it with `services.build_assistant`."""

    def __init__(
        self,
        *,
        index: KnowledgeIndex,
        records: Records,
        clock: Callable[[], date],
        llm: LLMBackend | None = None,
        approved: ApprovedLookup | None = None,
        amend: Callable[[Answer, date], Answer] | None = None,
    ) -> None:
        self.index = index
        self.amend = amend  # added notices: amendments in force rewrite the answers citing what they change
        self.records = records
        self.clock = clock
        self.llm = llm
        self.approved = approved
        # Wraps the CPU-bound stages (never a model call): a server passes its one-at-a-time slot, so
        # answers waiting on the model neither hold it nor run their retrieval time-sliced.
        self.cpu: Callable[[], AbstractContextManager[object]] = nullcontext
        self.retriever = Retriever(index)
        self.selector = Selector(index)
        self.selector.template_rows = frozenset(records.template.rows)
        self.clauses = ClauseAnswerer(self.selector, records.contacts)
        self.vocabulary = _vocabulary(records)
        self._corpus = "\n".join(plain(c.text) for c in index.chunks)
        self.analyzer = Analyzer(index, self.vocabulary)
        self.resolver = Resolver(self.vocabulary, index.tokenizer, self.analyzer.canonical, self._listed,
                                 known=lambda w: any(t.known for t in self.analyzer.terms(w)),
                                 said=lambda w: w in self._corpus)
        self.splitter = Splitter(self.vocabulary, self.analyzer.canonical)
        self.years = guard.competition_years(index)
        regions = tables.divisions().other_regions
        self._region_subject = re.compile(f"(?:{regions.pattern})(?:{regions.subject})")

    @property
    def mode(self) -> Mode:
        return "llm" if self.llm else "extractive"

    # -- the stages -------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        division: str | None = None,
        history: Sequence[object] | None = None,
        *,
        id: str | None = None,
        on_token: Callable[[str], None] | None = None,
        locked: bool = False,
    ) -> Answer:
        """Answer one message; raises InputError for bad input (empty, too long, unknown division)."""
        started = time.perf_counter()
        text = validate_question(question)
        chosen = div.parse(division)
        scope = Scope(locked=chosen) if locked else Scope(preferred=chosen)
        with self.cpu():
            query = self.query(text, user_turns(history))
            answer = self._answer(query, scope)
            if self.amend is not None and not answer.approved:
                answer = self.amend(answer, self.clock())
        if self.llm is not None:
            query, answer = self._with_llm(query, answer, scope, on_token, started)
        answer.id = id
        answer.question = text
        answer.resolved_question = query.resolved
        if canonical_question(query.resolved) != canonical_question(text):
            answer.understood = f"按“{query.resolved}”回答"
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer

    def query(self, text: str, history: list[str]) -> Query:
        """Resolve the history turn by turn, then the message part by part."""
        turns: list[Turn] = []
        for earlier in history:
            for i, raw in enumerate(self.splitter.split(earlier)):
                turns.append(self.resolver.turn(self.resolver.resolve(raw, turns, sibling=i > 0).text))
        parts: list[Part] = []
        for i, raw in enumerate(self.splitter.split(text)):
            resolved = self.resolver.resolve(raw, turns, sibling=i > 0)
            turns.append(self.resolver.turn(resolved.text))
            parts.append(self.analyzer.part(raw, resolved.text, context=resolved.context))
        resolved_text = "；".join(p.text for p in parts) if len(parts) > 1 else parts[0].text
        return Query(question=text, history=history, parts=parts, resolved=resolved_text)

    def _in_force(self, ranking: Ranking) -> Ranking:
        """Without the clauses of added notices not yet published (their text is not a rule yet)."""
        pending = getattr(self.amend, "pending", None)
        hidden = pending(self.clock()) if callable(pending) else frozenset()
        if not hidden:
            return ranking
        return Ranking({d: [h for h in hits if h.chunk.doc_id not in hidden] for d, hits in ranking.per_division.items()})

    def _with_llm(
        self, query: Query, answer: Answer, scope: Scope, on_token: Callable[[str], None] | None, started: float
    ) -> tuple[Query, Answer]:
        """LLM mode: a follow-up the resolver left as typed and could not answer is condensed by the
        model and answered again (kept only if it fares better); then the model writes the text of
        the answered parts. Status, parts and divisions stay the engine's."""
        assert self.llm is not None
        if self._unresolved(query, answer):
            standalone = self.llm.condense(query.question, query.history, started=started)
            if standalone:
                with self.cpu():
                    condensed = self.query(standalone, [])
                    retried = self._answer(condensed, scope)
                if _RANK[retried.status] > _RANK[answer.status]:
                    query, answer = condensed, retried
        amended = any(c.role == "superseded" for c in answer.citations)  # says what replaced what: the engine's text
        if answer.status in ("answered", "clarify") and answer.parts and not answer.approved and not amended:
            answer.resolved_question = query.resolved
            answer = self.llm.answer_with_fallback(answer, on_token, started=started)
        return query, answer

    @staticmethod
    def _unresolved(query: Query, answer: Answer) -> bool:
        """A follow-up the resolver left exactly as typed, naming no division, that got no answer."""
        if not query.history or answer.status == "answered" or answer.approved:
            return False
        if guard.is_injection(canonical_question(query.question)):
            return False
        return all(p.text == p.raw and not p.named for p in query.parts)

    def _answer(self, query: Query, scope: Scope) -> Answer:
        if guard.is_injection(canonical_question(query.question)):
            return _refusal(INJECTION)
        if self.approved is not None:
            hit = self.approved.lookup(canonical_question(query.resolved), scope.locked or scope.preferred)
            if hit is not None:
                return hit
        results: list[PartResult] = []
        for p in query.parts:
            follows_refusal = bool(results) and results[-1].status == "out_of_scope"
            if follows_refusal and not self._own_subject(p):
                results.append(PartResult(p.text, "out_of_scope", text=results[-1].text))
                continue  # "天气怎么样，要带伞吗": the second question continues the first
            results.append(self._part(p, scope))
        if all(r.status == "out_of_scope" for r in results):
            text = results[0].text if len(results) == 1 else OUT_OF_SCOPE
            return _refusal(text)
        text, citations, parts, status = compose(results)
        divisions: list[DivisionId] = []
        for r in results:
            for f in r.findings:
                if f.division not in divisions:
                    divisions.append(f.division)
        return Answer(
            question=query.question, answer=text, status=status, divisions=divisions, citations=citations, parts=parts
        )

    def _part(self, part: Part, scope: Scope) -> PartResult:
        canonical = part.canonical
        if guard.uncovered_year(canonical, self.years):
            return PartResult(part.text, "out_of_scope", text=UNCOVERED_YEAR)
        region = self._other_division(part)
        if region:
            return PartResult(part.text, "not_found", text=UNCOVERED_DIVISION.format(region=region))
        claims = premise.asserted(part.raw)
        claimed = premise.kind_of(part.raw, claims) if claims else None
        if claimed:
            part.kind = intent.kind(claimed)  # "听说一等奖5万" asks for the amount
        if self._foreign(part):
            return PartResult(part.text, "out_of_scope", text=OUT_OF_SCOPE)
        decision = decide(part, scope, self.records)
        part.targets = decision.targets
        if decision.refused:
            return PartResult(part.text, "out_of_scope", text=decision.refused)
        if not part.named and _NATIONAL_FINAL_Q.search(canonical) and part.kind.name in ("date", "place", "fee", "money", "duration"):
            # 报名/提交 with the final named is the final's own registration (国赛总决赛啥时候截止报名)
            found = self.vocabulary.find(div.without_final(canonical))
            rounds = [s for s in found if s.cls == "stage" and s.value not in _GENERIC_STAGES]
            if not rounds or re.search(r"全国总决赛.{0,6}(报名|时间|举办|地点|截止)", canonical):
                return PartResult(part.text, "not_found", text=NATIONAL_FINAL)
        round_ = next((t.text for t in part.terms if _ROUND.fullmatch(t.text) and self.analyzer.unused(t.text)), "")
        if round_:
            # "陕西半决赛什么时候": a round no notice has; the rounds it does have are the schedule
            silent = [
                self.clauses.refer(Finding(d, False, f"通知中没有“{round_}”这一轮比赛"), d) for d in decision.targets
            ]
            return PartResult(part.text, "answered", silent, named=decision.named, note=decision.note)
        template = is_template(part, self.records) and self.records.template.division in decision.targets
        ranking = None
        findings: list[Finding] = []
        strong = False
        for d in decision.targets:
            finding = self._record(part, d, template)
            if finding is None:
                if ranking is None:
                    ranking = self._in_force(self.retriever.rank(canonical, part.tokens, decision.targets))
                finding, pick = self.clauses.answer(part, ranking, d, template=template or part.template)
                strong = strong or bool(pick and pick.strict >= _STRONG and len(part.terms) >= 2 and finding.found)
                if pick is not None and pick.strict < 0.4 and not finding.found:
                    finding.sources = [s for s in finding.sources if s.chunk.division == d]
            else:
                strong = True
            findings.append(finding)
        if not strong and self._off_topic(part, findings, decision):
            return PartResult(part.text, "out_of_scope", text=OUT_OF_SCOPE)
        for f in findings:
            premise.judge(f, claims)
        extra = self._differences(part, decision)
        spread = not decision.named and len(findings) > 1
        return PartResult(
            part.text, "answered", findings, named=decision.named, note=decision.note, extra=extra, contacts=not spread
        )

    def _record(self, part: Part, d: DivisionId, template: bool) -> Finding | None:
        r = self.records
        companions = div.COMPANIONS.get(d, ())
        if template and d == r.template.division:
            missing = answers_template.not_in_template(part)
            found = answers_template.answer(part, r.template)
            if found is not None:
                return found if found.found else self.clauses.refer(found, d)  # a silence gives the contact
            if missing:
                return self.clauses.refer(Finding(d, False, f"申报书模板中没有写明{missing}"), d)
        # (record, whether it counts by itself: trees and prize tables give their own counts; a
        # schedule or contact list does not, and a sentence of the notice stating the count answers)
        asks: list[tuple[Callable[[], Finding | None], bool]] = [
            (lambda: organisers.answer(part, d, r.organisers, r.guides), False),
            (lambda: answers_indicators.answer(part, d, r.indicators, companions), True),
            (lambda: answers_guide.answer(part, d, r.guides, companions), True),
            (lambda: answers_prizes.answer(part, d, r.prizes), True),
            (lambda: answers_contacts.answer(part, d, r.contacts), False),
            (lambda: answers_schedule.answer(part, d, r.schedule, self.clock()), False),
        ]
        for ask, counts in asks:
            found = ask()
            if found is not None:
                if found.found and part.kind.name == "count" and not counts:
                    found = self.clauses.stated_count(part, d, found) or found
                if not found.found and part.kind.name not in ("phone", "email", "contact"):
                    found = self.clauses.refer(found, d)
                elif found.found and companions and any(s.chunk.division != d for s in found.sources):
                    self._adopting_clause(found, d)
                return found
        return None

    def _listed(self, turn: Turn) -> list[str]:
        """The tracks or topics our answer to an earlier turn listed, in order (for "第三个",
        "这个赛道"): the guide answer is recomputed, it costs a fraction of a millisecond."""
        part = self.analyzer.part(turn.text, turn.text)
        targets = decide(part, Scope(), self.records).targets
        answered = []
        for d in targets:
            found = answers_guide.answer(part, d, self.records.guides, div.COMPANIONS.get(d, ()))
            if found is not None and found.found and not found.weak:
                answered.append((d, found))
        if len(answered) != 1:
            return []  # nothing listed, or one list per division: "第三个" would be ambiguous
        d, found = answered[0]
        # The turn named no division but only one division's guide answered it (秦岭综合治理管控 is
        # a 陕西 topic): the reference carries that division.
        scope = "" if len(targets) == 1 or d not in div.REGIONAL else div.SHORT[d] + ("初赛" if d == "yiyang" else "分赛")
        items = [ln[2:].split("、", 1)[-1] for ln in found.text.split("\n") if ln.startswith("- ")]
        if not items:
            tracks = [s for s in self.vocabulary.find(found.text) if s.cls == "track"]
            items = [found.text[tracks[0].start : tracks[0].end]] if tracks else []
        return [scope + item for item in items]

    def _other_division(self, part: Part) -> str:
        """"上海分赛啥时候报名": another region's own competition is the subject of a value question
        (not whether ours lets one enter it too); its name, or '' ."""
        if part.named or part.kind.name not in intent.TYPED or part.kind.name == "count":
            return ""  # "报过江苏赛区的还能报几个分赛" counts our divisions' rule
        m = self._region_subject.search(part.canonical)
        return m.group(0) if m else ""

    def _foreign(self, part: Part) -> bool:
        """A question about something the notices never speak of (挑战杯, 概念股, 个人所得税汇算),
        naming none of our divisions or subjects: not ours, however it is phrased."""
        if any(d in div.REGIONAL for d in part.named) or part.template:
            return False
        if any(s.cls in SUBJECTS and not (s.cls == "stage" and s.value in _GENERIC_STAGES) for s in part.slots):
            return False
        if not guard.key_unknown(part, self.index):
            return False
        return guard.unknown_share(part, self.index) >= 0.45

    def _own_subject(self, part: Part) -> bool:
        """Whether the part as typed names a division or a subject of its own."""
        raw = self.analyzer.canonical(part.raw)
        return bool(div.detect(raw)) or any(s.cls not in ("division", "year") for s in self.vocabulary.find(raw))

    def _adopting_clause(self, finding: Finding, d: DivisionId) -> None:
        """A division answering from a national document says where its notice adopts it."""
        doc = next(s.chunk for s in finding.sources if s.chunk.division != d)
        name = "评价指标" if "指标" in doc.section else "赛题指南"
        for row, chunk in enumerate(self.index.chunks):
            if chunk.division != d or chunk.section.startswith("附件"):
                continue
            for unit in self.index.units[row]:
                if name in unit.text and "附件" in unit.text and len(unit.text) < 200:
                    source = Source(chunk, unit.text)
                    finding.text = f"{unit.text.rstrip('。')}。\n{finding.text}"
                    finding.sources.insert(0, source)
                    return

    def _off_topic(self, part: Part, findings: list[Finding], decision: Decision) -> bool:
        anchored = guard.anchored(part.canonical) or any(s.cls not in ("division", "year") for s in part.slots)
        if not anchored:
            return True
        return not decision.named and not any(f.found for f in findings) and not part.terms

    def _differences(self, part: Part, decision: Decision) -> list[Finding]:
        """For a comparison of two indicator trees: the names that differ, each cited."""
        if not part.compare or len(decision.targets) != 2 or not answers_indicators.asks_indicators(part):
            return []
        trees = [answers_indicators.tree_for(self.records.indicators, d, div.COMPANIONS.get(d, ())) for d in decision.targets]
        if trees[0] is None or trees[1] is None or trees[0] is trees[1]:
            return []
        diffs = answers_indicators.differences(trees[0], trees[1])
        if not diffs:
            return [Finding(decision.targets[0], True, "两者的指标名称完全一致。")]
        a, b = (div.NAMES[d] for d in decision.targets)
        pieces = [f"{a}为“{x.name}”，{b}为“{y.name}”" for x, y in diffs]
        sources = [s for x, y in diffs for s in (x.source, y.source)]
        return [Finding(decision.targets[0], True, "不同之处：" + "；".join(pieces), sources)]


def _refusal(text: str) -> Answer:
    return Answer(question="", answer=text, status="out_of_scope", divisions=[], citations=[])


def _vocabulary(records: Records) -> Vocabulary:
    tracks: dict[str, str] = {}
    for ts in records.guides.tracks.values():
        for t in ts:
            if len(t.core) >= 2:
                tracks[t.core] = t.core
    for a in tables.slots().track_abbreviations:
        tracks.setdefault(a.short, a.full)
    suffixes = tables.words_of(tables.slots().abbreviated_track_suffixes)
    for core in list(tracks.values()):
        if initials(core):
            for suffix in suffixes:
                tracks.setdefault(initials(core) + suffix, core)  # 科创赛道 → 科技创新
    fields: dict[str, str] = {}
    for it in records.template.items:
        for name in (it.label, *it.aliases):
            if len(name) >= 3:
                fields.setdefault(name, it.label)
    # A label's head noun phrase after its qualifier names it too (数据驱动的建模分析方式 → 建模分析方式),
    # when no other field has the same tail.
    tails: dict[str, set[str]] = {}
    for it in records.template.items:
        head = it.label.rsplit("的", 1)[-1]
        if head != it.label and len(head) >= 4:
            tails.setdefault(head, set()).add(it.label)
    for head, labels in tails.items():
        if len(labels) == 1:
            fields.setdefault(head, next(iter(labels)))
    indicators: dict[str, str] = {}
    for tree in records.indicators.trees.values():
        for n in tree.nodes():
            indicators.setdefault(n.name, n.name)
    return Vocabulary(tracks=tracks, fields=fields, indicators=indicators, awards=AWARDS)
