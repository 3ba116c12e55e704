"""The things a question can be about, found by name: divisions, guide years, awards, stages,
organiser roles, tracks, 申报书 fields, indicators. Conversations swap them ("那陕西呢") and
multi-part questions share them ("初赛和决赛分别…").

The vocabularies come from the records (track, award, field and indicator names are the
notices' own words) plus the few words in data/slots.yaml the notices do not define.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from . import divisions as div
from . import tables

SlotClass = Literal["division", "year", "award", "stage", "role", "track", "field", "indicator"]
SUBJECTS: tuple[SlotClass, ...] = ("award", "stage", "role", "track", "field", "indicator")


@dataclass(frozen=True)
class Slot:
    cls: SlotClass
    value: str  # normalised member (division id, year, stage word, track core…)
    start: int
    end: int

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


def _alternation(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None


class Vocabulary:
    """Member words of each slot class, mapped to their canonical value."""

    def __init__(
        self,
        *,
        tracks: dict[str, str],
        fields: dict[str, str],
        indicators: dict[str, str],
        awards: Iterable[str],
    ) -> None:
        t = tables.slots()
        stages: dict[str, str] = {s.word: s.word for s in t.stages}
        stages.update({s.word: s.means for s in t.stage_synonyms})
        self._near = {s.word: re.compile(s.near) for s in t.stage_synonyms if s.near}
        roles: dict[str, str] = {}
        for r in t.roles:
            roles[r.word] = r.word
            roles[r.short] = r.word
        roles.update({s.word: s.means for s in t.role_synonyms})
        self.members: dict[SlotClass, dict[str, str]] = {
            "award": {a: a for a in awards},
            "stage": stages,
            "role": roles,
            "track": tracks,
            "field": fields,
            "indicator": indicators,
        }
        self._patterns = {cls: _alternation(m) for cls, m in self.members.items()}
        self.pronouns = _alternation(tables.words_of(t.pronouns))
        self.markers = frozenset(tables.words_of(t.followup_markers))
        self.switch = _alternation(tables.words_of(t.switch_markers))
        self.shift = _alternation(tables.words_of(t.shift_markers))
        aspect_words = [w for a in t.template_aspects for w in tables.words_of(a.words)]
        self.question_words = frozenset(tables.words_of(t.question_words)) | frozenset(aspect_words)
        self.total = _alternation(tables.words_of(t.total_markers))
        self.template_words = _alternation(tables.words_of(t.template_words))
        self.distributors = _alternation(tables.words_of(t.distributors))
        self.comparison = re.compile(t.comparison)

    def find(self, canonical: str) -> list[Slot]:
        """Slots in text order; a longer match wins over one inside it (决赛 inside 全国总决赛 is not a stage)."""
        found: list[Slot] = [Slot("division", m.division, m.start, m.end) for m in div.mentions(canonical)]
        for y, m in _year_spans(canonical):
            end = m.end()
            while end < len(canonical) and canonical[end] in "年版届":
                end += 1
            guide = _YEAR_GUIDE.match(canonical, end)  # "24年那版指南" is one mention of the 2024 guide
            end = guide.end() if guide else end
            found.append(Slot("year", str(y), m.start(), end))
        for cls, pat in self._patterns.items():
            if pat is None:
                continue
            for m in _overlapping(pat, canonical):
                end = m.end()
                if cls == "stage" and m.group(0) in self._near and not self._near[m.group(0)].search(canonical):
                    continue  # 推荐 is the 推选 stage only beside a word for the national final
                if cls == "track":
                    tail = re.match(r"(?:领域)?(?:赛道|赛题)?", canonical[end:])
                    end += tail.end() if tail else 0  # "金融服务赛道" is one mention of the track
                found.append(Slot(cls, self.members[cls][m.group(0)], m.start(), end))
        # Words inside a template word are not slots (申报 in 申报书 is not the stage 申报).
        if self.template_words:
            blocked = [(m.start(), m.end()) for m in self.template_words.finditer(canonical)]
            found = [s for s in found if not any(a <= s.start and s.end <= b and (s.end - s.start) < (b - a) for a, b in blocked)]
        # A role's short form names the role only on its own: 承办市州 is not the 承办单位.
        shorts = {r.short for r in tables.slots().roles}
        found = [
            s
            for s in found
            if not (s.cls == "role" and canonical[s.start : s.end] in shorts and _noun_follows(canonical, s.end))
        ]
        # "益阳初赛资格审查": 初赛 right after 益阳 is the round's name (益阳初赛), not a stage.
        named_round = {s.end: s.value for s in found if s.cls == "division"}
        found = [
            s
            for s in found
            if not (
                s.cls == "stage"
                and s.start in named_round
                and canonical[s.start : s.end] in div.NAMES.get(named_round[s.start], "")  # type: ignore[call-overload]
            )
        ]
        # 全国总决赛 / 总决赛 is the national final, not a stage of a division.
        final = [(m.start(), m.end()) for m in re.finditer(r"全国总决赛|总决赛|国赛", canonical)]
        kept: list[Slot] = []
        for s in sorted(found, key=lambda s: (s.start, -(s.end - s.start))):
            if s.cls == "stage" and any(a <= s.start and s.end <= b for a, b in final):
                continue
            if any(k.start <= s.start and s.end <= k.end and (k.end - k.start) > (s.end - s.start) for k in kept):
                continue
            kept.append(s)
        # Two mentions of one class that overlap ("参赛单位性质": 参赛单位 and 单位性质): the later
        # one is the head of the compound and the one meant.
        return [
            s for s in kept if not any(k.cls == s.cls and s.start < k.start < s.end < k.end for k in kept)
        ]


_YEAR_GUIDE = re.compile(r"(?:那|的|这)?(?:一)?版?(?:的)?(?:全国|国家)?(?:赛题)?指南")


def _overlapping(pat: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Every match at every start ("参赛单位性质" holds 参赛单位 and 单位性质); nested and
    overlapping mentions are sorted out by the caller."""
    out: list[re.Match[str]] = []
    pos = 0
    while True:
        m = pat.search(text, pos)
        if m is None:
            return out
        out.append(m)
        pos = m.start() + 1


def _noun_follows(text: str, end: int) -> bool:
    nxt = text[end : end + 1]
    return bool(nxt) and "\u4e00" <= nxt <= "\u9fff" and nxt not in "是的和与及方单谁呢吗分、"


def _year_spans(canonical: str) -> list[tuple[int, re.Match[str]]]:
    out: list[tuple[int, re.Match[str]]] = []
    for y in tables.divisions().national.years:
        out += [(y.year, m) for m in re.finditer(y.pattern, canonical)]
    return sorted(out, key=lambda p: p[1].start())
