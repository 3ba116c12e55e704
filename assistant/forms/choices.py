"""Picks for a choice field from what the applicant typed (deterministic, offline).

An option is named by its number ("3", "2.1" in a grouped list), its code ("C" for a 门类),
its label, a synonym from the template's synonyms file, the start of its label ("小微"), or a
distinctive part of it ("身份证"). Several picks are joined by 、，；, line breaks, spaces or
和/与/及 (`assistant/forms/data/replies.yaml`); words before them ("选…", "我们选…") are dropped.
A label that itself contains such a joiner (数据备份与恢复) is matched whole first. When
nothing matches, the nearest option is suggested; when several do, they are listed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from assistant.forms.lexicon import reply_words
from assistant.forms.schema import Choice, ChoiceGroup, Field, choice_id
from assistant.forms.validators import InvalidAnswer, check_choice_count, check_per_group, nfkc

SEPARATORS = "、，,；;\n"
_RANGE = re.compile(r"(\d+)([^\d\-~至到—–－〜]{0,3})[\-~至到—–－〜](\d+)\2")


def key(text: str) -> str:
    """Compare labels ignoring width, spaces, case and a trailing full stop."""
    return re.sub(r"\s", "", nfkc(text)).lower().rstrip("。.！!")


def _loose(text: str) -> str:
    """`key`, with a range written any way ("1年-3年", "1-3年", "1到3年", "1~3年") as "1-3年"."""
    return _RANGE.sub(r"\1-\3\2", key(text))


def base_label(label: str) -> str:
    """A label without its parenthetical: "产融协同 (供应链金融…)" → "产融协同"."""
    return re.split(r"[(（]", nfkc(label), maxsplit=1)[0].strip()


@dataclass(frozen=True)
class Option:
    number: str  # "3" or "1.2"
    group: ChoiceGroup | None
    choice: Choice

    @property
    def id(self) -> str:
        return choice_id(self.group, self.choice)

    @property
    def shown(self) -> str:
        """How the option is listed to the applicant: "2.1 提升创新研发能力"."""
        return f"{self.number} {self.choice.label}"

    def names(self) -> list[str]:
        return [self.id, self.choice.label, base_label(self.choice.label), *self.choice.aliases]


def options(f: Field) -> list[Option]:
    """Every option of a choice field with the number shown to the applicant."""
    if f.groups:
        return [
            Option(f"{gi}.{ci}", group, choice)
            for gi, group in enumerate(f.groups, start=1)
            for ci, choice in enumerate(group.choices, start=1)
        ]
    return [Option(str(i), None, choice) for i, choice in enumerate(f.choices, start=1)]


@dataclass
class Found:
    """What one piece of a reply names: one option, several (ambiguous), a whole group, or nothing."""

    text: str
    options: list[Option] = field(default_factory=list)
    group: ChoiceGroup | None = None
    exact: bool = False  # named exactly (number, code, label), not by a part of it

    @property
    def one(self) -> Option | None:
        return self.options[0] if len(self.options) == 1 and self.group is None else None


def _unique(opts: list[Option]) -> list[Option]:
    seen: list[Option] = []
    for opt in opts:
        if opt not in seen:
            seen.append(opt)
    return seen


def _group_of(f: Field, group: ChoiceGroup, opts: list[Option], text: str, *, exact: bool) -> Found:
    members = [o for o in opts if o.group is group]
    if len(members) == 1:
        return Found(text, members, exact=exact)
    return Found(text, members, group=group, exact=exact)


def find(f: Field, text: str, opts: list[Option]) -> Found:
    """The option(s) `text` names, trying exact forms before parts of labels."""
    k = _loose(text)
    if not k:
        return Found(text)
    number = re.sub(r"[-－—．。·]", ".", key(text)) if f.groups else key(text)
    by_number = [o for o in opts if o.number == number]
    if by_number:
        return Found(text, by_number, exact=True)
    if f.groups and number.isdigit() and 1 <= int(number) <= len(f.groups):
        return _group_of(f, f.groups[int(number) - 1], opts, text, exact=True)
    tiers = [
        [o for o in opts if o.choice.code and not o.choice.code.isdigit() and key(o.choice.code) == k],
        [o for o in opts if k in {_loose(n) for n in o.names()}],
    ]
    for tier in tiers:
        if tier:
            return Found(text, _unique(tier), exact=True)
    groups = [g for g in f.groups if key(g.label) == k]
    if len(groups) == 1:
        return _group_of(f, groups[0], opts, text, exact=True)
    prefix = [o for o in opts if any(_loose(n).startswith(k) for n in o.names()[1:])]
    if prefix:
        return Found(text, _unique(prefix))
    if len(k) < 2:
        return Found(text)
    groups = [g for g in f.groups if k in key(g.label)]  # 工业制造 → 赛道二, before its topics' words
    if len(groups) == 1:
        return _group_of(f, groups[0], opts, text, exact=False)
    part = [o for o in opts if any(k in _loose(n) for n in o.names()[1:])]
    return Found(text, _unique(part))


def _words(piece: str) -> list[tuple[int, int]]:
    """Spans of the words of a piece, split at spaces and 和/与/及…"""
    joiners = "|".join(re.escape(w) for w in reply_words().joiner_words())
    return [(m.start(), m.end()) for m in re.finditer(rf"(?:(?!{joiners}|\s).)+", piece)]


def _segment(f: Field, piece: str, opts: list[Option]) -> list[Found]:
    """Longest runs of words that name an option, left to right."""
    words = _words(piece)
    out: list[Found] = []
    i = 0
    while i < len(words):
        for j in range(len(words), i, -1):
            found = find(f, piece[words[i][0] : words[j - 1][1]], opts)
            if found.one or found.group or j == i + 1:
                out.append(found)
                i = j
                break
    return out


def _protect(text: str, opts: list[Option]) -> tuple[str, dict[str, str]]:
    """Hide labels that contain a separator ("数学模型建模、仿真") before splitting."""
    saved: dict[str, str] = {}
    for i, opt in enumerate(opts):
        label = nfkc(opt.choice.label)
        if not any(sep in label for sep in SEPARATORS):
            continue
        pattern = r"\s*".join(re.escape(ch) for ch in re.sub(r"\s", "", label))
        marker = f"\x00{i}\x00"
        text, hits = re.subn(pattern, marker, text)
        if hits:
            saved[marker] = label
    return text, saved


def _strip_lead_in(text: str) -> str:
    for word in reply_words().lead_in_words():
        if text.startswith(word) and text[len(word) :].strip():
            return text[len(word) :].strip()
    return text


@dataclass
class _Piece:
    """One separator-delimited part of a reply: the options it names and any "：内容"."""

    text: str
    found: list[Found]
    tail: str = ""
    has_tail: bool = False


def _pieces(f: Field, text: str, opts: list[Option]) -> list[_Piece]:
    protected, saved = _protect(_strip_lead_in(nfkc(text).strip()), opts)
    pieces: list[_Piece] = []
    for raw in re.split(f"[{SEPARATORS}]", protected):
        piece = raw.strip()
        for marker, label in saved.items():
            piece = piece.replace(marker, label)
        if not piece:
            continue
        m = re.match(r"(.*?)[:：](.*)", piece, re.S)
        head, tail = (m.group(1), m.group(2).strip()) if m else (piece, "")
        found = _segment(f, head, opts) if head.strip() else []
        prev = pieces[-1] if pieces else None
        after_other = prev is not None and prev.has_tail and bool(prev.found) and _is_other(prev.found[-1])
        if prev is not None and after_other and not m and not all(x.one for x in found):
            prev.tail += "、" + piece  # "其他：甲、乙": the text went on after a separator
            continue
        if m and not found:
            raise InvalidAnswer(f"“{piece}”前面缺少选项名称，例如“其他：具体内容”。")
        pieces.append(_Piece(piece, found, tail, bool(m)))
    return pieces


def _is_other(found: Found) -> bool:
    return found.one is not None and found.one.choice.other


def parse_choices(f: Field, text: str) -> list[str]:
    """Picked option ids; an "其他" option carries its text as "…其他：内容"."""
    opts = options(f)
    pieces = _pieces(f, text, opts)
    named = [item for piece in pieces for item in piece.found]
    picked: list[str] = []
    for piece in pieces:
        for n, item in enumerate(piece.found):
            opt = _settle(f, item, opts, named)
            last = n == len(piece.found) - 1
            if opt.choice.other:
                content = piece.tail if last else ""
                if not content:
                    raise InvalidAnswer(
                        f"选择“{opt.choice.label}”时请写明内容，例如“{opt.number}：具体内容”或“其他：具体内容”。"
                    )
                picked.append(f"{opt.id}：{content}")
            elif last and piece.has_tail:
                raise InvalidAnswer(f"选项“{opt.choice.label}”不需要填写内容，只有“其他”可以补充说明。")
            elif opt.id not in picked:
                picked.append(opt.id)
    return picked


def _settle(f: Field, item: Found, opts: list[Option], named: list[Found]) -> Option:
    """The one option `item` stands for, or the question back that makes it one."""
    if item.one:
        return item.one
    if f.kind == "choice" and item.group is not None and len(named) > 1:
        mentioned = "、".join(f"“{x.group.label if x.group else x.text}”" for x in named)
        raise InvalidAnswer(
            f"{f.label}只能选 1 项，您提到了 {len(named)} 项：{mentioned}。"
            f"请只选其中一项，回复它的编号（如 {item.options[0].number}）。"
        )
    if item.group is not None:
        listed = "、".join(o.shown for o in item.options)
        raise InvalidAnswer(f"“{item.text}”对应“{item.group.label}”，请选择其中一项并回复编号：{listed}。")
    if item.options:
        listed = "、".join(o.shown if not o.group else f"{o.number} {o.group.label}·{o.choice.label}" for o in item.options)
        if item.exact:
            raise InvalidAnswer(f"“{item.text}”在多个类别中都有，请用编号选择（{listed}）。")
        raise InvalidAnswer(f"“{item.text}”可能是：{listed}。请回复编号或写全选项名称。")
    raise InvalidAnswer(_not_found(f, item.text, opts))


def _not_found(f: Field, text: str, opts: list[Option]) -> str:
    """"无法识别选项…", with the nearest option when one is close enough to be a typo."""
    k = key(text)
    scored = [
        (difflib.SequenceMatcher(None, k, key(name)).ratio(), opt)
        for opt in opts
        for name in opt.names()[1:]
        if name
    ]
    best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    numbers = f"1–{len(opts)}" if not f.groups else "如 1.2"
    if best[1] is not None and best[0] >= 0.5 and not k.isdigit():
        return f"无法识别选项“{text}”。是不是“{best[1].choice.label}”（编号 {best[1].number}）？请回复选项编号或选项名称。"
    return f"无法识别选项“{text}”，请回复选项编号（{numbers}）或选项名称。"


def split_pick(f: Field, pick: str) -> tuple[ChoiceGroup | None, Choice, str]:
    """A stored pick back to its group, option and "其他" text."""
    for opt in options(f):
        if pick == opt.id:
            return opt.group, opt.choice, ""
        if opt.choice.other and pick.startswith(opt.id + "："):
            return opt.group, opt.choice, pick[len(opt.id) + 1 :]
    raise InvalidAnswer(f"“{pick}”不是“{f.label}”的选项。")


def check_picks(f: Field, picks: list[str]) -> None:
    """Count rules for a list of stored picks (also used when importing)."""
    groups = [split_pick(f, p)[0] for p in picks]
    check_choice_count(
        label=f.label,
        single=f.kind == "choice",
        picked=len(picks),
        constraint=f.constraint,
        min_select=f.min_select,
        max_select=f.max_select,
    )
    if f.per_group:
        counts = {g.label: 0 for g in f.groups}
        for g in groups:
            if g is not None:
                counts[g.label] += 1
        check_per_group(label=f.label, constraint=f.constraint, counts=counts, per_group=f.per_group)
