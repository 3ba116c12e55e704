"""Follow-ups resolved from the earlier user turns: ellipsis, a switch of division or year,
pronouns, a bare division name answering our own clarify question, a new attribute of the
same subject.

A message is read as slots (divisions, years, awards, stages, roles, tracks, fields,
indicators), pronouns, follow-up markers (那/呢/换成), question words and the rest:
- nothing but slots and markers ("那陕西呢", "三等奖呢", "那它初赛呢", "2025年的呢"): the previous
  question is asked again with those slots swapped in;
- slots and question words only ("初赛是哪几天", "二等奖给多少钱"): a new question about the
  previous subject; its scope and its subjects the message does not replace are carried over;
- anything else: a new question; only its scope (division, guide year, 申报书) is carried over.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.models import DivisionId

from . import divisions as div
from . import intent
from .patterns import cn_to_int
from .slots import SUBJECTS, Slot, SlotClass, Vocabulary
from .tokenizer import Tokenizer

_TEMPLATE_PREFIX = "申报书"
_ORDINAL = re.compile(
    r"第([一二三四五六七八九十\d]{1,3})(?:个|项|条|道)?(?:赛题|赛道|题)?|(最后)(?:一个|那个|一项|一条|一道|一题)(?:赛题|赛道|题)?"
)
_DIVISION_SUFFIXES = frozenset({"分赛", "赛区", "分赛区"})
_JOINERS = frozenset({"和", "与", "及", "跟", "以及", "还有", "、"})


@dataclass(frozen=True)
class Resolution:
    """A message made standalone: its text, and the words carried over from earlier turns."""

    text: str
    context: str  # carried scope and subjects ("" when the message stands alone)


@dataclass(frozen=True)
class Turn:
    """A resolved earlier question (or part) and what it was about."""

    text: str
    canonical: str
    slots: tuple[Slot, ...]
    template: bool = False


class Resolver:
    def __init__(
        self,
        vocabulary: Vocabulary,
        tokenizer: Tokenizer,
        canonical: Callable[[str], str],
        listed: Callable[[Turn], list[str]] | None = None,
        known: Callable[[str], bool] | None = None,
        said: Callable[[str], bool] | None = None,
    ) -> None:
        self.v = vocabulary
        self.tokenizer = tokenizer
        self._canonical = canonical  # Analyzer.canonical
        # What our answer to a turn listed (tracks, topics): "第三个" and "这个赛道" may point into it.
        self._listed = listed
        # Whether the notices use a word: a follow-up whose own words they never use (周末打有人接吗)
        # has no topic of its own and keeps the earlier question's.
        self._known = known
        # Whether a phrase stands in the notices' text (市科技局, 市医保局): names of one kind of body.
        self._said = said

    def turn(self, text: str) -> Turn:
        canonical: str = self._canonical(text)
        return Turn(text, canonical, tuple(self.v.find(canonical)), bool(self.v.template_words and self.v.template_words.search(canonical)))

    # -- reading a message ---------------------------------------------------------------------

    def _shape(self, canonical: str, slots: list[Slot]) -> tuple[bool, bool]:
        """(asks something of its own, has words beyond slots/markers/question words)."""
        masked = list(canonical)
        for s in slots:
            for i in range(s.start, s.end):
                masked[i] = " "
        rest = "".join(masked)
        if self.v.pronouns:
            rest = self.v.pronouns.sub(" ", rest)
        asks = False
        other = False
        for w in self.tokenizer.raw_words(rest):
            w = w.strip()
            if not w or not any(ch.isalnum() for ch in w):
                continue
            if w in self.v.question_words:
                asks = True
            elif w in self.v.markers or w in _DIVISION_SUFFIXES or w in _JOINERS or w in self.tokenizer.stopwords:
                continue
            elif self.v.distributors and self.v.distributors.fullmatch(w):
                continue  # "那山西跟陕西分别呢": 分别 spreads the same question, it asks nothing new
            elif all(ch in self.v.markers or ch in self.v.question_words for ch in w):
                asks = asks or any(ch in self.v.question_words for ch in w)
            else:
                other = True
        return asks, other

    # -- resolving -----------------------------------------------------------------------------

    def resolve(self, message: str, previous: list[Turn], *, sibling: bool = False) -> Resolution:
        """The standalone question a message asks, given the turns before it (latest last).

        `sibling`: the latest turn is an earlier part of the same message (山西啥时候能报，报到几月),
        which asks its own question about the same scope; a later message (周末打有人接吗 after
        …举报电话是多少) whose words the notices never use keeps the earlier question's topic."""
        if not previous:
            return Resolution(message, "")
        canonical: str = self._canonical(message)
        last = previous[-1]
        ordinal = _ORDINAL.search(canonical)
        if ordinal and self._listed is not None:
            items = self._listed(last)
            n = len(items) if ordinal.group(2) else _ordinal_value(ordinal.group(1))  # 最后一个: the last listed
            if items and 1 <= n <= len(items):
                message = canonical[: ordinal.start()] + items[n - 1] + canonical[ordinal.end() :]
                canonical = self._canonical(message)
        pronoun = self.v.pronouns.search(canonical) if self.v.pronouns else None
        if pronoun is not None:
            # "那它初赛呢": 它 is not the 决赛 the message replaces; it points at the scope (陕西分赛).
            named = {s.cls for s in self.v.find(canonical)} - {"role"}  # a role is asked of the referent
            subject = self._last_subject(previous, exclude=named)
            if subject is None and self._listed is not None and not named & set(SUBJECTS):
                items = self._listed(last)
                subject = items[0] if len(items) == 1 else None
            if subject is not None:
                message = canonical[: pronoun.start()] + subject + canonical[pronoun.end() :]
            elif named & set(SUBJECTS):
                message = canonical[: pronoun.start()] + canonical[pronoun.end() :]
            canonical = self._canonical(message)
        if canonical == last.canonical:
            return Resolution(message, "")  # the same question asked again stands as typed
        slots = self.v.find(canonical)
        if not any(s.cls in ("division", "year", "stage", "award") for s in slots):
            swapped = self._swap_name(last, message)
            if swapped is not None:
                return Resolution(swapped, "")
        asks, other = self._shape(canonical, slots)
        switch = bool(self.v.switch and self.v.switch.search(canonical))
        # A later part of the same message asking a value of its own ("报名截止、初赛时间": 时间) is
        # its own question, not the earlier part again with its slot swapped (三等奖呢 is).
        own_ask = sibling and self._asks_beyond_bare(canonical, slots)
        if not other and slots and (not asks or switch or (not own_ask and self._repeats_ask(canonical, slots, last))):
            # "那陕西呢", "换到24年那版指南是几个": the earlier question with these slots in place
            swapped = self._swap(last, slots, canonical)
            if swapped is not None:
                return Resolution(swapped, "")
        elif not asks and not other:
            return Resolution(message, "")

        own = {s.cls for s in slots}
        named_scope = bool(own & {"division"}) or bool(div.national(canonical, regional_named=False))
        prefix: list[str] = []
        if not named_scope:
            prefix += self._scope(last)
        own_subject = bool(own & set(SUBJECTS))
        # A later part of the same message with words of its own (…一等奖几个？还有团队最多几人)
        # asks its own question: it shares the message's scope, not the earlier part's subject.
        # The words asking for the value (地点, 最多几人) are not a subject: "陕西决赛时间和地点" asks
        # the 决赛's place.
        subject = intent.without_asking(canonical)
        separate = sibling and other and self._own_topic(subject, self.v.find(subject))
        if (not other or not own_subject) and not separate:
            total = bool(self.v.total and self.v.total.search(canonical))
            carried = False
            for s in last.slots:
                if s.cls == "role" and other:
                    continue  # a role is what the earlier question asked, not its subject
                if s.cls in SUBJECTS and s.cls not in own and not (total and s.cls == "award"):
                    piece = last.canonical[s.start : s.end]
                    carried = True
                    if piece not in prefix:
                        prefix.append(piece)
            bare = not other or (not sibling and not self._own_topic(canonical, slots))
            if bare and not carried and not own_subject:
                topic = self._sibling_topic(last, canonical) if sibling else self._recent_topic(previous)
                if topic:
                    prefix.append(topic)
        # A 申报书 field is scope too: the separate question after "数据汇聚方式每类能选几个" is still about the template.
        template = last.template or (separate and any(s.cls == "field" for s in last.slots))
        if template and not named_scope and _TEMPLATE_PREFIX not in canonical and "template" not in own:
            prefix.insert(0, _TEMPLATE_PREFIX)
        if not prefix:
            return Resolution(message, "")
        context = "".join(prefix)
        return Resolution(context + " " + message, context)

    def _own_topic(self, canonical: str, slots: list[Slot]) -> bool:
        """The message has a word of two characters or more, beyond slots and question words, that the notices use."""
        if self._known is None:
            return True
        masked = list(canonical)
        for s in slots:
            for i in range(s.start, s.end):
                masked[i] = " "
        for w in self.tokenizer.raw_words("".join(masked)):
            w = w.strip()
            if len(w) < 2 or w in self.v.question_words or w in self.v.markers or w in self.tokenizer.stopwords:
                continue
            if self._known(w):
                return True
        return False

    def _asks_beyond_bare(self, canonical: str, slots: list[Slot]) -> bool:
        masked = list(canonical)
        for s in slots:
            for i in range(s.start, s.end):
                masked[i] = " "
        return any(w in self.v.question_words and w not in _BARE_ASKS for w in self.tokenizer.raw_words("".join(masked)))

    def _repeats_ask(self, canonical: str, slots: list[Slot], last: Turn) -> bool:
        """The message asks nothing beyond what the earlier question asked: only bare question
        words (是几个 after 有几个赛题), not a new one (用啥方式评, 评的是谁)."""
        masked = list(canonical)
        for s in slots:
            for i in range(s.start, s.end):
                masked[i] = " "
        asked = [w for w in self.tokenizer.raw_words("".join(masked)) if w in self.v.question_words]
        kind = intent.classify(canonical)[0].name
        same = kind == intent.classify(last.canonical)[0].name
        if any(w not in _BARE_ASKS for w in asked):
            # "换成陕西分赛是几号" after "…报名截止是哪天": another wording of the same value
            return same and kind in _SAME_VALUE
        return kind == "general" or same

    def _swap(self, last: Turn, slots: list[Slot], canonical: str) -> str | None:
        """The previous question with the message's slots in place of the same classes; None when
        the message brings a subject the previous question did not have (no frame to reuse)."""
        text = last.canonical
        by_class: dict[SlotClass, list[Slot]] = {}
        for s in slots:
            by_class.setdefault(s.cls, []).append(s)
        edits: list[tuple[int, int, str]] = []
        prepend: list[str] = []
        for cls, new in by_class.items():
            surface = "和".join(canonical[s.start : s.end] for s in new)
            old = [s for s in last.slots if s.cls == cls]
            if cls == "year" and old:
                kept = _GUIDE_TAIL.search(last.canonical[old[0].start : old[-1].end])
                if kept and not _GUIDE_TAIL.search(surface):
                    surface += kept.group(0)  # "2025年的呢" after "2024年赛题指南…": the 2025 guide
            if old:
                edits.append((old[0].start, old[-1].end, surface))
            elif cls in ("division", "year"):
                prepend.append(surface)  # "陕西" answering our question back; "2025年的呢"
            else:
                return None
        for start, end, surface in sorted(edits, reverse=True):
            text = text[:start] + surface + text[end:]
        return "".join(prepend) + text

    def _swap_name(self, last: Turn, message: str) -> str | None:
        """"那市医保局呢" after "益阳市科技局负责哪个赛道": a bare name the notices use, put in place
        of the earlier question's name of the same kind (the same last character: 局, 委, 中心…)."""
        m = _BARE_NAME.fullmatch(re.sub(r"[\s？?！!。，,~～]+", "", message))
        if m is None or self._said is None:
            return None
        name = m.group(1)
        if len(name) < 3 or name in last.canonical or not self._said(name):
            return None
        text = last.canonical
        best: tuple[int, int] | None = None
        for end in range(len(text), 0, -1):
            if text[end - 1] != name[-1]:
                continue
            for start in range(max(0, end - len(name) - 2), end - 2):
                if self._said(text[start:end]) and (best is None or end - start > best[1] - best[0]):
                    best = (start, end)
        if best is None:
            return None
        return text[: best[0]] + name + text[best[1] :]

    def _scope(self, turn: Turn) -> list[str]:
        """The words that fix a turn's scope: its division names or its national guide."""
        named = [s for s in turn.slots if s.cls == "division"]
        if named:
            ids: list[DivisionId] = [d for d in div.SHORT if d in {s.value for s in named}]
            return ["和".join(div.SHORT[d] for d in ids) + _suffix(ids[-1])]
        nat = div.national(turn.canonical, regional_named=False)
        if "national-2024" in nat and "national-2025" not in nat:
            return ["2024年赛题指南"]
        if "national-2025" in nat:
            return ["2025年大赛评价指标" if "指标" in turn.canonical else "2025年赛题指南"]
        return []

    def _topic(self, turn: Turn) -> str:
        """A turn's own words without its scope, question words and markers ("监督举报电话")."""
        masked = list(turn.canonical)
        for s in turn.slots:
            if s.cls in ("division", "year"):
                for i in range(s.start, s.end):
                    masked[i] = " "
        words = [
            w
            for w in self.tokenizer.raw_words("".join(masked))
            if w.strip() and w not in self.v.question_words and w not in self.v.markers and w not in _DIVISION_SUFFIXES
        ]
        return "".join(words)

    def _recent_topic(self, previous: list[Turn]) -> str:
        """The latest earlier turn's topic; a turn that only set the scope ("想报陕西分赛") has
        none, and the topic is the one before it ("我们做红色文化资源数字化的")."""
        for turn in reversed(previous):
            topic = self._topic(turn)
            if self._own_topic(topic, self.v.find(topic)):
                return topic
        return self._topic(previous[-1])

    def _sibling_topic(self, last: Turn, canonical: str) -> str:
        """The topic an earlier part of the same message lends the next one: not the value it asked
        for ("请告诉我官网、截止日期": 官网 is that part's question, not the date's subject)."""
        kind, earlier = intent.classify(canonical)[0].name, intent.classify(last.canonical)[0].name
        if kind == earlier or kind not in intent.TYPED or earlier not in intent.TYPED or _ASKING_WORD.search(canonical):
            # "举报电话多少 啥时间段能打": a question of its own words may point back at the value
            # asked before it; only a bare list item (截止日期) stands beside it
            return self._topic(last)
        rest = self.turn(intent.without_asking(last.canonical))
        masked = list(rest.canonical)
        for s in rest.slots:
            for i in range(s.start, s.end):
                masked[i] = " "
        words = [
            w.strip()
            for w in self.tokenizer.raw_words("".join(masked))
            if len(w.strip()) >= 2 and w not in self.v.question_words and w not in self.v.markers
            and w not in self.tokenizer.stopwords and w not in _DIVISION_SUFFIXES
        ]
        return "".join(w for w in words if self._known is None or self._known(w))

    def _last_subject(self, previous: list[Turn], exclude: set[SlotClass] | None = None) -> str | None:
        for turn in reversed(previous):
            for s in reversed(turn.slots):
                if s.cls in ("track", "indicator", "field", "stage", "award") and s.cls not in (exclude or set()):
                    return turn.canonical[s.start : s.end]
        return None


_ASKING_WORD = re.compile(r"几|多少|什么|啥|哪|谁|怎么|咋|如何|吗|呢|是否|能否")
_BARE_NAME = re.compile(r"(?:那么|那|换成|换作|如果是|要是)?([\u4e00-\u9fff]+?)(?:的话)?(?:呢|怎么样|咋样|又如何)")
# Question words that only repeat what the earlier question asked.
_BARE_ASKS = frozenset("呢 吗 是 几个 多少 什么 啥 哪些 是啥 是什么 怎么样 咋样 如何 分别 各".split())
_SAME_VALUE = frozenset({"date", "money", "url", "phone", "email", "place", "duration", "fee"})
_GUIDE_TAIL = re.compile(r"(?:的)?(?:全国|国家)?(?:赛题)?指南$")


def _ordinal_value(text: str) -> int:
    return int(text) if text.isdigit() else (cn_to_int(text) or 0)


def _suffix(division: str) -> str:
    return "初赛" if division == "yiyang" else "分赛"
