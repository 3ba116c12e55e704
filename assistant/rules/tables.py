"""Typed loaders for the lexical tables in `assistant/rules/data/*.yaml`.

Every table is data with provenance: one entry a line, each with a note of the notice wording
it maps to, so a tuning change is a reviewable data diff. Loaded once per process.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import ConfigError
from assistant.models import DivisionId

from . import patterns


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- divisions ----------------------------------------------------------------------------------


class DivisionEntry(_Entry):
    id: DivisionId
    name: str
    short: str
    pattern: str
    note: str


class Companion(_Entry):
    division: DivisionId
    uses: list[DivisionId]
    note: str


class Variant(_Entry):
    long: str
    short: str
    note: str


class YearEntry(_Entry):
    year: int
    pattern: str
    note: str


class NationalCues(_Entry):
    guide_words: str
    national_words: str
    final_only: str
    years: list[YearEntry]


class OtherRegions(_Entry):
    pattern: str
    means: str
    note: str
    subject: str = ""  # words after a region's name that make its own competition the subject (上海分赛)
    subject_note: str = ""


class DivisionTable(_Entry):
    divisions: list[DivisionEntry]
    other_regions: OtherRegions
    other_cities: list[OtherRegions] = []  # cities beside a city-level division (益阳: 其他市州)
    regional: list[DivisionId]
    companions: list[Companion]
    variants: list[Variant]
    national: NationalCues


# -- words ----------------------------------------------------------------------------------------


class TermEntry(_Entry):
    term: str
    note: str


class TermTable(_Entry):
    terms: list[TermEntry]


class SynonymEntry(_Entry):
    word: str
    means: list[str]
    note: str
    rewrite: bool = False


class MorphemeEntry(_Entry):
    part: str
    means: list[str]
    note: str


class SynonymTable(_Entry):
    synonyms: list[SynonymEntry]
    morphemes: list[MorphemeEntry]


class StopGroup(_Entry):
    note: str
    words: str


class StopShape(_Entry):
    note: str
    pattern: str  # a whole token of this shape is a stop word (几条, 多少份)


class StopSuffix(_Entry):
    note: str
    suffix: str  # glue a token ends with (交些 → 交)


class StopFrame(_Entry):
    note: str
    words: str  # interchangeable stop words that still say which section answers: its heading carries one


class StopTable(_Entry):
    groups: list[StopGroup]
    shapes: list[StopShape] = []
    suffixes: list[StopSuffix] = []
    frames: list[StopFrame] = []


# -- intents ---------------------------------------------------------------------------------------


class KindEntry(_Entry):
    kind: str
    silent: str
    question: str
    value: str
    cue: str
    note: str
    asks_apart: bool = False  # the words that ask (后果, 怎么处理) are not words an answering clause uses


class IntentTable(_Entry):
    kinds: list[KindEntry]


# -- guards ----------------------------------------------------------------------------------------


class AnchorEntry(_Entry):
    word: str
    note: str


class InjectionEntry(_Entry):
    pattern: str
    with_: str | None = Field(default=None, alias="with")
    note: str


class AnchorPattern(_Entry):
    pattern: str
    note: str


class GuardTable(_Entry):
    anchors: list[AnchorEntry]
    anchor_patterns: list[AnchorPattern]
    injection: list[InjectionEntry]
    next_edition: str


# -- slots -----------------------------------------------------------------------------------------


class StageWord(_Entry):
    word: str
    note: str


class StageSynonym(_Entry):
    word: str
    means: str
    near: str = ""  # regex: the word names the stage only when this also occurs in the question
    note: str


class RoleWord(_Entry):
    word: str
    short: str
    note: str


class Abbreviation(_Entry):
    short: str
    full: str
    note: str


class AwardWord(_Entry):
    word: str
    note: str


class TemplateAspect(_Entry):
    aspect: str
    words: str
    note: str


class ContactRole(_Entry):
    label: str  # the contact block's label (or a word of it)
    words: str
    note: str


class ContactAttribute(_Entry):
    kind: str
    says: str
    note: str


class SlotTable(_Entry):
    template_words: str
    template_aspects: list[TemplateAspect]
    awards: list[AwardWord]
    stages: list[StageWord]
    stage_synonyms: list[StageSynonym]
    roles: list[RoleWord]
    role_synonyms: list[StageSynonym]
    track_abbreviations: list[Abbreviation]
    abbreviated_track_suffixes: str  # after a generated abbreviation (科创赛道): what makes it a track's name
    pronouns: str
    followup_markers: str
    switch_markers: str
    shift_markers: str
    time_frames: str  # words that date a yes/no question (报名结束了还能换人吗), never what it asks
    question_words: str
    total_markers: str
    list_joiners: str
    distributors: str
    comparison: str
    next_markers: str = ""  # after a stage: the stage after it is asked
    previous_markers: str = ""
    contact_roles: list[ContactRole] = []
    contact_attributes: list[ContactAttribute] = []


def _load(name: str, model: type[Any]) -> Any:
    path = resources.files("assistant.rules") / "data" / name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"词表文件 assistant/rules/data/{name} 无效：{exc}") from exc


def expand(pattern: str) -> str:
    """Expand {phone} {email} {url} placeholders to the shared patterns."""
    return (
        pattern.replace("{phone}", patterns.PHONE.pattern)
        .replace("{email}", patterns.EMAIL.pattern)
        .replace("{url}", patterns.URL.pattern)
    )


def words_of(spec: str) -> list[str]:
    """A `|`-separated word list, longest first (so 那么 is tried before 那)."""
    return sorted({w for w in spec.split("|") if w}, key=lambda w: (-len(w), w))


def alternation(spec: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words_of(spec)))


@cache
def divisions() -> DivisionTable:
    table: DivisionTable = _load("divisions.yaml", DivisionTable)
    return table


@cache
def terms() -> TermTable:
    table: TermTable = _load("terms.yaml", TermTable)
    return table


@cache
def synonyms() -> SynonymTable:
    table: SynonymTable = _load("synonyms.yaml", SynonymTable)
    return table


@cache
def stopwords() -> frozenset[str]:
    return frozenset(w for g in _stop_table().groups for w in g.words.split())


@cache
def _stop_table() -> StopTable:
    table: StopTable = _load("stopwords.yaml", StopTable)
    return table


@cache
def stop_shape() -> re.Pattern[str]:
    """Stop words by their shape: a question word with its measure word (几条, 多少份)."""
    shapes = [s.pattern for s in _stop_table().shapes] or ["$^"]
    return re.compile("|".join(f"(?:{p})" for p in shapes))


@cache
def stop_suffixes() -> tuple[str, ...]:
    return tuple(s.suffix for s in _stop_table().suffixes)


@cache
def stop_frames() -> tuple[tuple[str, ...], ...]:
    """Groups of frame words (要求 条件 规定): no topic of their own, but a heading that has one of
    the group a question uses is the section asked for."""
    return tuple(tuple(f.words.split()) for f in _stop_table().frames)


@cache
def intents() -> IntentTable:
    table: IntentTable = _load("intents.yaml", IntentTable)
    return table


@cache
def guards() -> GuardTable:
    table: GuardTable = _load("guards.yaml", GuardTable)
    return table


@cache
def slots() -> SlotTable:
    table: SlotTable = _load("slots.yaml", SlotTable)
    return table
