"""The `Query`: a question's facts computed once and passed through the pipeline's stages.

A `Part` is one question of a message, resolved to stand alone: its text, canonical form,
named divisions and years, slots, the kind of answer it wants, its weighted terms and its
BM25 tokens. No stage re-tokenises or re-detects what an earlier one knew.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache

from assistant.models import DivisionId

from . import divisions as div
from . import intent, tables
from .index import KnowledgeIndex
from .slots import Slot, Vocabulary
from .text import canonical_question


def guard_anchor(word: str) -> bool:
    """A word of the competition itself (报名, 参赛, 项目): it frames a question, it is not its topic."""
    return word in {a.word for a in tables.guards().anchors} or word in {"参加", "参与", "报", "申报", "报名参赛"}

# Numbers and dates a question states (not 2024/2025 years, which name things).
@cache
def _time_frames() -> frozenset[str]:
    return frozenset(tables.words_of(tables.slots().time_frames))


_PARTICLES = frozenset("到里上下了着过")  # locative and aspect particles (省里, 拿到), not 赛 or 区
_QUANTITY = re.compile(r"(\d+)\s*([\u4e00-\u9fff])")
_VALUES = re.compile(
    r"(?<!\d)(?!20\d\d)\d+(?:[.．月/-]\d+)*\s*(?:[日号月天人个名项家万元%]|万元)?"
    r"|(?<![第等同唯统])[一二两三四五六七八九十]+(?=个|名|项|家|支|天|位|人)(?!等)"
)
_SORT_OF = re.compile(r"([\u4e00-\u9fff]{2,})(?:是|为|算)([\u4e00-\u9fff]{1,4}?)的?\1吗$")
_A_NOT_A = re.compile(r"([\u4e00-\u9fff]{1,2})[不没]\1")
_YESNO_TAIL = re.compile(r"(?:吗|(?<![什怎多那这])么|嘛|不|没|没有)\s*[？?。！!~～]*\s*$")  # 什么 / 怎么 end in 么 but ask what / how
_PEOPLE = re.compile(r"(?:\d+|[两三四五六七八九十]+)\s*个?(?:人|同事|成员|队员|伙伴|小伙伴|员工|老师|学生)")
# Tokens that name a division or the competition itself carry no information inside one division.
_SCOPE_WORDS = frozenset(
    "山西 陕西 新疆 益阳 湖南 晋 陕 疆 湘 分赛 山西分赛 陕西分赛 新疆分赛 益阳初赛 全国 大赛 比赛 赛事 "
    "2025 年 数据 要素 数据要素 数据要素× 我 公司的 我们 分赛区 赛区 省 国家".split()
)


@dataclass(frozen=True)
class Term:
    text: str
    alternatives: tuple[str, ...]  # plain forms that count as the term in a clause
    weight: float
    fallback: bool = False  # alternatives[1:] are rare characters of an unknown word (half credit)
    known: bool = True  # the notices use the word (or one of its alternatives)
    rewritten: bool = False  # the question's word is answered under this notice concept (个人 → 独立法人)
    pieces: tuple[str, ...] = ()  # shorter notice words a compound is made of (half credit: 赛题方向 → 赛题)
    absent: bool = False  # a word with a character no notice uses (英文, 60岁): a condition no rule speaks to


@dataclass
class Part:
    """One standalone question."""

    raw: str  # as typed (after splitting)
    text: str  # resolved: what is answered
    canonical: str
    named: list[DivisionId]
    years: list[int]
    slots: list[Slot]
    kind: intent.Kind
    kinds: tuple[str, ...]
    terms: list[Term]
    tokens: list[str]
    template: bool = False
    compare: bool = False
    total: bool = False
    targets: list[DivisionId] = field(default_factory=list)
    scope_note: str = ""

    def of(self, cls: str) -> list[str]:
        return [s.value for s in self.slots if s.cls == cls]

    @property
    def predicate(self) -> Term | None:
        """A yes/no question's last content word: what the answer must speak to (要缴税吗 → 缴税,
        有奖杯吗 → 奖杯); words of the competition itself (报名, 参赛) frame the question instead."""
        if self.kind.name != "yesno":
            return None
        sort = _SORT_OF.search(self.canonical)
        if sort:
            # "证书是电子证书吗": whether X is a sort of X; the notice must name that sort (电子证书)
            return Term(sort.group(2) + sort.group(1), (sort.group(2) + sort.group(1),), 1.0, known=False)
        frames = _time_frames()
        absent = [t for t in self.terms if t.absent and t.text not in frames]
        if absent:
            return absent[-1]  # "申报书可以用英文写吗": the condition no notice names decides that it is silent
        for t in reversed(self.terms):
            if t.text in frames:
                continue  # "报名结束了还能换人吗": 结束 dates the question
            if len(t.text) >= 2:
                return None if guard_anchor(t.text) else t
            if t.known and len(set(t.alternatives)) > 1:
                return t  # "填错了能改吗": the verb 改, with its notice wordings (更改)
        return None

    @property
    def list_answer(self) -> bool:
        return self.kind.name == "list" or bool(re.search(r"哪些|有什么|有哪几|包括|列出|几大|都有", self.canonical))


@dataclass
class Query:
    """A message, its conversation, and its standalone parts."""

    question: str
    history: list[str]  # earlier user turns, resolved, oldest first
    parts: list[Part]
    resolved: str  # the standalone question(s) answered, joined


class Analyzer:
    """Builds `Part`s: tokenisation and term weights come from the index that answers them."""

    def __init__(self, index: KnowledgeIndex, vocabulary: Vocabulary) -> None:
        self.index = index
        self.vocabulary = vocabulary
        syn = tables.synonyms()
        self._synonyms = {s.word: s for s in syn.synonyms}
        self._morphemes = [(m.part, tuple(m.means)) for m in syn.morphemes]
        self._rare = max(2, len(index.chunks) // 12)  # a character in fewer chunks still tells something
        idfs = sorted(index.idf.values())
        self._common_weight = 0.25 * idfs[len(idfs) // 2] if idfs else 0.5
        self._other_regions = re.compile(tables.divisions().other_regions.pattern)
        self._other_cities = [(re.compile(c.pattern), c.means) for c in tables.divisions().other_cities]

    def canonical(self, text: str) -> str:
        """The canonical question; a yes/no question keeps one 吗 (the form is what it asks)."""
        canonical = canonical_question(self.index.tokenizer.repair(text))
        yesno = bool(_YESNO_TAIL.search(text))
        folded = _A_NOT_A.sub(r"\1", canonical)  # 收不收报名费 → 收报名费 (a yes/no question)
        if folded != canonical:
            canonical, yesno = folded, True
        if yesno and not canonical.endswith("吗"):
            canonical += "吗"
        return canonical

    def unused(self, word: str) -> bool:
        """No notice uses the word and no synonym maps it to one (复赛, 半决赛)."""
        return word not in self.index.idf and word not in self._synonyms

    def _scope_only(self, clause: str) -> bool:
        """A clause that only names a scope ("陕西", "新疆分赛的")."""
        rest = clause
        for s in sorted(self.vocabulary.find(clause), key=lambda s: s.start, reverse=True):
            if s.cls in ("division", "year"):
                rest = rest[: s.start] + rest[s.end :]
        return rest != clause and len(re.sub(r"[的呢吗啊呀]|分赛|赛区|初赛", "", rest)) == 0

    def part(self, raw: str, text: str, *, context: str = "") -> Part:
        """A standalone part; words carried over from earlier turns (`context`) weigh half: they
        keep the subject in view without outweighing what the message itself asks."""
        canonical = self.canonical(text)
        slots = self.vocabulary.find(canonical)
        # "报名截止以后还能换参赛代表吗 陕西": a scope named after the question is not its last word
        framed = canonical
        for s in sorted(slots, key=lambda s: s.end, reverse=True):
            if s.cls in ("division", "year") and s.end == len(framed) and s.start > 0:
                framed = framed[: s.start]
        clauses = [self.canonical(c) for c in intent.clauses(text)]
        clauses = [c for c in clauses if not self._scope_only(c)]
        kind, kinds = intent.classify(framed, clauses=clauses)
        terms = self.terms(canonical)
        if kind.asks_apart:
            # "公示没过的后果": the clause states the consequence (将取消获奖成绩), not the asking word
            asking = " ".join(m.group(0) for m in kind.question.finditer(canonical))
            terms = [t for t in terms if t.text not in asking] or terms
        if context:
            own = set(self.words(self.canonical(raw)))
            terms = [t if t.text in own else replace(t, weight=t.weight / 2) for t in terms]
        expanded = " ".join([canonical, *(a for t in terms for a in t.alternatives[1:] if not t.fallback)])
        v = self.vocabulary
        return Part(
            raw=raw,
            text=text,
            canonical=canonical,
            named=div.detect(canonical),
            years=div.years(canonical),
            slots=slots,
            kind=kind,
            kinds=kinds,
            terms=terms,
            tokens=self.index.tokenizer.tokens(expanded),
            template=bool(v.template_words and v.template_words.search(canonical)),
            compare=bool(v.comparison.search(canonical)),
            total=bool(v.total and v.total.search(canonical)),
        )

    def words(self, canonical: str) -> list[str]:
        return [w for w, _ in self._words(canonical)]

    def _words(self, canonical: str) -> list[tuple[str, bool]]:
        canonical = _PEOPLE.sub(" 人数 ", canonical)  # "6个人可以吗" asks about the team size
        canonical = _VALUES.sub(" ", canonical)  # an asserted value ("7月31号") is not a topic
        """The question's content words, with synonym rewrites applied, in order, no repeats.
        A word the notices never use is replaced by the known words it is made of (能报 → 报)."""
        seen: list[str] = []
        tok = self.index.tokenizer
        raw: list[str] = []
        for t in tok.words(canonical):
            if div.mentions(t) and len(div.mentions(t)[0].division) and div.mentions(t)[0].end - div.mentions(t)[0].start == len(t):
                continue  # 西安, 乌鲁木齐: they name the division, which scope has read
            if self._other_regions.fullmatch(t):
                t = tables.divisions().other_regions.means  # 四川分赛: a division not in the knowledge
            for city in self._other_cities:
                if city[0].fullmatch(t):
                    t = city[1]  # 长沙 beside 益阳: another 市州 of its province
            if t in self.index.idf or t in self._synonyms or len(t) < 2:
                raw.append(t)
                continue
            pieces = tok.exact_pieces(t)
            if not (pieces and all(self._usable(p) for p in pieces)):
                pieces = self._greedy(t)
            if pieces:
                raw.extend(p for p in pieces if p not in tok.stopwords)  # 能报 → 报, 同一个 → 同一
                continue
            raw.append(t)
        out: list[tuple[str, bool]] = []
        for t in raw:
            syn = self._synonyms.get(t)
            rewritten = syn is not None and syn.rewrite
            if syn is not None and syn.rewrite:
                t = next((m for m in syn.means if m != t), t)
            if t not in _SCOPE_WORDS and t not in seen:
                seen.append(t)
                out.append((t, rewritten))
        return out

    def _usable(self, word: str) -> bool:
        return word in self.index.idf or word in self._synonyms or word in self.index.tokenizer.stopwords

    def _greedy(self, word: str) -> list[str]:
        """`word` cut into the longest words the notices (or the stop list) know, if it is made of them."""
        out: list[str] = []
        i = 0
        while i < len(word):
            for j in range(len(word), i, -1):
                if self._usable(word[i:j]) and (j - i > 1 or word[i:j] in self.index.tokenizer.stopwords):
                    out.append(word[i:j])
                    i = j
                    break
            else:
                return self._with_particle(word)
        return out if len(out) > 1 else []

    def _with_particle(self, word: str) -> list[str]:
        """"拿到", "省里": a two-character word the notices never use, made of a word they do use
        (拿, 省) and a particle of the stop list (到, 里)."""
        stop = self.index.tokenizer.stopwords
        if len(word) == 2:
            for keep, glue in ((word[0], word[1]), (word[1], word[0])):
                if glue in _PARTICLES and glue in stop and keep in self.index.idf:
                    return list(word)
        return []

    def terms(self, canonical: str) -> list[Term]:
        """Question terms with their notice wordings; an unknown word falls back to a morpheme's
        notice words or to its rare characters."""
        out: list[Term] = []
        index = self.index
        for t, rewritten in self._words(canonical):
            syn = self._synonyms.get(t)
            alts = (t, *(syn.means if syn else ()))
            known = [index.idf[a] for a in alts if a in index.idf]
            if t in index.idf or known:
                weight = index.idf.get(t) or max(known)
                pieces = tuple(p for p in self.index.tokenizer.pieces(t) if p in index.idf and len(p) >= 2) if len(t) >= 3 else ()
                out.append(Term(t, alts, 2 * weight if rewritten else weight, rewritten=rewritten, pieces=pieces))
                continue
            if len(t) == 1:
                out.append(Term(t, alts, self._common_weight, known=False))  # a single character is glue
                continue
            morph = tuple(a for part, means in self._morphemes if part in t for a in means)
            if morph:
                out.append(Term(t, (t, *morph), max(index.idf.get(a, 0.0) for a in morph) or self._common_weight))
                continue
            if any(index.char_df.get(c, 0) == 0 for c in t):
                out.append(Term(t, alts, index.max_idf, known=False, absent=True))  # a character the notices never use
                continue
            chars = tuple(c for c in t if index.char_df[c] <= self._rare)
            if chars:
                out.append(Term(t, (*alts, *chars), index.max_idf, fallback=True, known=False))
                continue
            out.append(Term(t, alts, self._common_weight, known=False))  # glue made of everyday characters
        # "超过60岁能当参赛代表吗": a quantity in a unit no notice uses (岁) is a condition of its own
        for m in _QUANTITY.finditer(canonical):
            if index.char_df.get(m.group(2), 0) == 0:
                out = [t for t in out if t.text != m.group(2)]
                out.append(Term(m.group(0), (m.group(0),), index.max_idf, known=False, absent=True))
        return out
