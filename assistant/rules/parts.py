"""A message split into its questions, in order.

- Sentences end at ？！；。 and line breaks; inside one, clauses split at commas and spaces when
  each side asks something (a clause that asks nothing is context for the next one).
- Items of one kind sharing one predicate are distributed: "项目背景、应用场景、核心优势各限多少字",
  "初赛和决赛分别啥时候", "主办和承办分别是谁" (several divisions stay one question, answered per division).
- A list of things asked for ("平台网址、截止时间、联系人电话") becomes one question per item.
Each part is then resolved against the parts before it, as a follow-up is.
"""

from __future__ import annotations

import re

from . import intent
from .slots import Vocabulary

_SENTENCE = re.compile(r"[^？?！!；;。\n]+[？?！!；;。]*")
_CLAUSE_CUT = re.compile(r"[，,]|(?<=[\u4e00-\u9fffA-Za-z0-9])\s+(?=[\u4e00-\u9fffA-Za-z0-9])")
# …|X不X: an A-not-A question (收不收参赛费, 交不交), whatever the verb, but not the set phrases
# 时不时 / 动不动; a clause ending in the value it wants (…一二等奖数量，…) asks for it (电话 and 地址
# alone are left out: 不方便打电话, 写错了联系地址 are context; 平台地址 asks for the website).
_ASKS = re.compile(r"几|多少|什么|啥|咋|哪|谁|怎么|如何|怎样|是否|能否|可否|有没有|是不是|能不能|可不可以|要不要|吗|呢|么$|不$|没$|多久|多长|[？?]|(?!时不时|动不动)([\u4e00-\u9fff])不\1|(?:数量|人数|名额|金额|日期|截止时间|网址|(?:平台|网站|报名|网页)地址)$")
_ENUM_ONLY = re.compile(r"^(?:那|那么)?(?:分别|都|各自|各)?(?:是|有)?(?:哪些|哪几个|哪几项|什么|啥|哪些呢|啥呢)(?:呢|啊|呀)?[？?]*$")
# "…，对吗" / "…，是吧": checking what the clause before it said, not a question of its own.
_CHECK_ONLY = re.compile(r"^(?:这样|是这样|真的|确定)?(?:对吗|对不对|是吗|是吧|是不是|没错吧|没错吗|对吧|吧|吗|不|么)$")
_JOINER = r"(?:和|与|及|以及|跟|还有|、|，|,)"
_DISTRIBUTOR = re.compile(r"^(?:分别|各自|各|都|又)")
_WORD_JOINER = re.compile(r"以及|和|与|及|跟")
_EXCLUDING = re.compile(r"除了|除去")
_SLASH = re.compile(r"(?<=[\u4e00-\u9fff])\s*[/／]\s*(?=[\u4e00-\u9fff])")
_LEADING_JOINER = re.compile(r"^(?:以及|还有|及|和|并且|同时)")
_NOUN_REST = 2  # "团队人数限制": 团队 is the subject; three characters or more make a clause of its own
_SHORT_NOUN = 8  # "公示渠道", "决赛时间": a value noun phrase, not a sentence of context
_PLUS = re.compile(r"(?<=[\u4e00-\u9fff])\s*[+＋]\s*(?=[\u4e00-\u9fff])")


def _asks_value(text: str) -> bool:
    """A lead-in asking something before a list: a question word or a value noun (字数, 时间)."""
    return _asks(text) or bool(intent.classify(text)[0].name in intent.TYPED)


def _cut_before(pattern: re.Pattern[str], text: str) -> list[str]:
    """`text` cut before every match of `pattern` that is not at its start."""
    starts = [m.start() for m in pattern.finditer(text) if m.start() > 0]
    bounds = [0, *starts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _asks(text: str) -> bool:
    """A clause asks something when it has a question word (a noun such as 平台 or 电话 alone is
    context: "我们在外地不方便打电话，想发邮件咨询…")."""
    return bool(_ASKS.search(text))


class Splitter:
    def __init__(self, vocabulary: Vocabulary, canonical: object) -> None:
        self.v = vocabulary
        self._canonical = canonical  # str -> str

    def canon(self, text: str) -> str:
        result: str = self._canonical(text)  # type: ignore[operator]
        return result

    def split(self, message: str) -> list[str]:
        # Symbols applicants list with between words (not between digits: 13+1个赛道): "/" as 、, "+" as ，
        text = _SLASH.sub("、", _PLUS.sub("，", message.strip()))
        if not text:
            return []
        groups: list[str] = []
        pending = ""
        for sm in _SENTENCE.finditer(text):
            sentence = sm.group(0).strip()
            if not sentence:
                continue
            clauses = self._clauses(sentence)
            asking = [_asks(c) for c in clauses]
            worded = any(asking)
            for k, clause in enumerate(clauses):
                # "益阳：报名网站 截止日 联系电话", "初赛决赛时间，以及决赛需要准备的材料": a sentence
                # with no question word is a list of noun-phrase questions; "…吗+公示渠道": a short
                # value noun after a question asks for it too.
                asking[k] = asking[k] or self._noun_question(clause, worded=worded, first=k == 0, after_ask=any(asking[:k]))
            for clause, asks in zip(clauses, asking, strict=True):
                piece = (pending + " " + clause).strip() if pending else clause
                if asks:
                    if groups and (_ENUM_ONLY.match(self.canon(clause)) or _CHECK_ONLY.match(self.canon(clause))):
                        groups[-1] = groups[-1] + " " + piece
                    else:
                        groups.append(piece)
                    pending = ""
                else:
                    pending = piece
        if pending:
            if groups:
                groups[-1] = groups[-1] + " " + pending
            else:
                groups.append(pending)
        out: list[str] = []
        for g in groups:
            out.extend(self._distribute(g))
        return out or [text]

    def _noun_question(self, clause: str, *, worded: bool, first: bool, after_ask: bool) -> bool:
        """A clause without a question word that still asks: it names a value (时间, 网站, 电话) or
        begins with a list joiner (以及…, 还有…) after another item of the list."""
        canonical = self.canon(clause)
        if intent.ABOUT_APPLICANT.search(canonical):
            return False  # "我们时间很紧": about the applicant, not a value asked for
        typed = self._bare_value(canonical)
        if not worded:
            return typed or (not first and bool(_LEADING_JOINER.match(clause)))
        return after_ask and typed and len(canonical) <= _SHORT_NOUN

    def _bare_value(self, canonical: str) -> bool:
        """A noun phrase naming a value and at most its subject ("报名网站", "决赛时间", "公示渠道"),
        not a sentence about one ("电话打不通", "时间有点紧", "不方便打电话")."""
        kind = intent.classify(canonical)[0]
        if kind.name not in intent.TYPED:
            return False
        masked = kind.question.sub(lambda m: " " * len(m.group(0)), canonical)
        for slot in self.v.find(canonical):
            masked = masked[: slot.start] + " " * (slot.end - slot.start) + masked[slot.end :]
        rest = re.sub(r"[\s的和及与、：:]|分赛|赛区|初赛", "", masked)
        return len(rest) <= _NOUN_REST

    def _clauses(self, sentence: str) -> list[str]:
        pieces = [p.strip() for p in _CLAUSE_CUT.split(sentence) if p and p.strip()]
        if self.v.shift is not None:
            # "…是哪天另外团队最多几个人": a topic-shift word starts another clause
            shift = self.v.shift
            pieces = [q.strip() for p in pieces for q in _cut_before(shift, p) if q.strip()]
        return pieces or [sentence]

    def _distribute(self, group: str) -> list[str]:
        """"A、B各限多少字" → "A限多少字", "B限多少字"; "网址、时间、电话" → one question each."""
        canonical = self.canon(group.replace("、", "和"))  # the list commas survive canonical form as 和
        canonical = self._spaced_list(group, canonical)
        found = self.v.find(canonical)
        divisions_end = {s.end for s in found if s.cls == "division"}
        # "益阳初赛资格审查": 初赛 right after 益阳 is the round's name, not a second stage.
        slots = [
            s for s in found if s.cls not in ("division", "year") and not (s.cls == "stage" and s.start in divisions_end)
        ]
        listed = self._after_colon(group)
        if listed:
            return listed
        for cls in ("field", "stage", "award", "role", "track", "indicator"):
            items = [s for s in slots if s.cls == cls]
            if len(items) < 2:
                continue
            run = [items[0]]
            for s in items[1:]:
                between = canonical[run[-1].end : s.start]
                if re.fullmatch(_JOINER, between):
                    run.append(s)
                elif len(run) < 2:
                    run = [s]
                else:
                    break
            if len(run) < 2:
                continue
            predicate = canonical[run[-1].end :]
            if not _asks(predicate):
                continue
            predicate = _DISTRIBUTOR.sub("", predicate)
            prefix = canonical[: run[0].start]
            if _EXCLUDING.search(prefix):
                return [group]  # "除了一二三等奖和优秀奖还有别的奖吗": the list is what is left out
            names = [canonical[s.start : s.end] for s in run]
            joined = re.search(_JOINER + "$", prefix)
            if joined:
                # "新疆的报名截止、初赛、决赛时间": the list starts before its first slot; its first
                # item runs from the scope (the division named) to the joiner.
                start = max((s.end for s in found if s.cls in ("division", "year") and s.end <= joined.start()), default=0)
                head = prefix[start : joined.start()].lstrip("的")
                if head:
                    prefix = prefix[:start]
                    names.insert(0, head)
            return [prefix + name + predicate for name in names]
        if "、" in group:
            pieces = [p.strip() for p in group.split("、") if p.strip()]
            # "报名几号截止、初赛啥时候": each item asks; "网址、截止时间、联系人电话": each asks a
            # value of a different kind.
            if len(pieces) >= 2 and (all(_asks(p) for p in pieces) or self._typed_apart(pieces) or self._of_apart(pieces)):
                # "官网、截止日期和团队人数限制": the last item of the list is joined by 和
                return self._share_scope([q for p in pieces for q in self._joined_apart(p)])
        # "报名网站和截止日期", "承办单位及联系电话": values of different kinds joined by 和/及/与
        # are two questions (two slots of one kind, 初赛和决赛, are distributed above).
        pieces = self._joined_apart(group)
        return self._share_scope(pieces) if len(pieces) >= 2 else [group]

    def _joined_apart(self, text: str) -> list[str]:
        """"报名网站和截止日期": values of different kinds joined by 和/及/与 are two questions."""
        pieces = [p.strip() for p in _WORD_JOINER.split(text) if p.strip()]
        if len(pieces) >= 2 and all(len(p) >= 2 for p in pieces) and self._typed_apart(pieces):
            return pieces
        return [text]

    def _spaced_list(self, group: str, canonical: str) -> str:
        """"应用成效 商业模式 数据要素基础 各限多少字": a space between two slots of one kind lists
        them as 、 does (canonical form drops spaces, so a 和 marks it)."""
        found = sorted(self.v.find(canonical), key=lambda s: s.start)
        cuts = [
            a.end
            for a, b in zip(found, found[1:], strict=False)
            if a.cls == b.cls and a.end == b.start
            and re.search(re.escape(canonical[a.start : a.end]) + r"\s+" + re.escape(canonical[b.start : b.end]), group)
        ]
        for at in reversed(cuts):
            canonical = canonical[:at] + "和" + canonical[at:]
        return canonical

    def _share_scope(self, pieces: list[str]) -> list[str]:
        """"截止时间跟报名网址，新疆": a division or year named only in a later piece is the scope of
        the pieces before it too (a later piece gets an earlier one's scope when it is resolved)."""
        scopes = [[s for s in self.v.find(self.canon(p)) if s.cls in ("division", "year")] for p in pieces]
        named = next((i for i, found in enumerate(scopes) if found), None)
        if named is None or named == 0:
            return pieces
        canonical = self.canon(pieces[named])
        scope = "".join(canonical[s.start : s.end] for s in scopes[named])
        return [scope + p if i < named else p for i, p in enumerate(pieces)]

    def _after_colon(self, group: str) -> list[str]:
        """"这三项字数：简述、单位简介、核心能力": the question first, then after the colon a list of
        one kind of slot and nothing else; one question per item."""
        pieces = re.split(r"[：:]", group, maxsplit=1)
        if len(pieces) != 2 or not _asks_value(self.canon(pieces[0])):
            return []
        lead, tail = pieces
        canonical = self.canon(tail.replace("、", "和"))
        found = [s for s in self.v.find(canonical) if s.cls not in ("division", "year")]
        if len(found) < 2 or len({s.cls for s in found}) != 1:
            return []
        rest = canonical
        for s in reversed(found):
            rest = rest[: s.start] + rest[s.end :]
        if re.sub(_JOINER, "", rest).strip():
            return []
        head = self.canon(lead)
        return [head + " " + canonical[s.start : s.end] for s in found]

    def _of_apart(self, pieces: list[str]) -> bool:
        """"报名截止、初赛时间、决赛时间": each piece asks a typed value of its own subject (a round,
        an award, a field), no two the same."""
        subjects: list[str] = []
        for p in pieces:
            canonical = self.canon(p)
            if intent.classify(canonical)[0].name not in intent.TYPED:
                return False
            own = [s.value for s in self.v.find(canonical) if s.cls not in ("division", "year")]
            if not own:
                return False
            subjects.append(own[-1])
        return len(set(subjects)) == len(subjects)

    def _typed_apart(self, pieces: list[str]) -> bool:
        """Each piece asks a typed value (a date, a URL, a count…) and no two the same kind."""
        kinds = [intent.classify(self.canon(p))[0].name for p in pieces]
        return all(k in intent.TYPED for k in kinds) and len(set(kinds)) == len(kinds)
