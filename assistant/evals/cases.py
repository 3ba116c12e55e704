"""Our case set: the YAML schema of `evals/cases/*.yaml` (pydantic) and its loader.

Each case is one applicant question written from the notices, its paraphrases and what a
correct answer must contain; `load_cases` validates every file and rejects duplicate ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ConfigError
from ..models import DivisionId, Status
from ..settings import ROOT

DEFAULT_CASES = ROOT / "evals" / "cases"

Kind = Literal[
    "deadline",  # deadlines and stage dates
    "channel",  # registration channel
    "eligibility",  # legal entity, blacklists, organisers' affiliates, government bodies, 2024 winners
    "limits",  # team and project limits
    "submission",  # what to submit
    "tracks",  # tracks and topics
    "prizes",  # prizes and recommendations to the national final
    "organisers",  # track supervisors and responsible units
    "contacts",
    "indicators",  # evaluation indicators
    "fees",
    "publicity",  # publicity and reporting
    "ip",  # intellectual property, logo use
    "template",  # the 申报书 template's limits
    "comparison",  # cross-division comparisons
    "clarify",  # no division named where divisions differ
    "not_found",  # the notices do not answer
    "out_of_scope",
    "injection",
]
Severity = Literal["critical", "normal"]
DECLINES: tuple[Status, ...] = ("not_found", "out_of_scope")
_ID_RE = r"^[a-z0-9][a-z0-9-]*$"


class GoldCitation(BaseModel):
    """A clause the answer should cite: matched when divisions agree and `section` is contained in
    the cited section path; `quote` (optional) documents the supporting text and is checked against
    the notices by the tests. `optional` citations count for precision only."""

    model_config = ConfigDict(extra="forbid")

    division: DivisionId
    section: str = Field(min_length=1)
    quote: str | None = None
    optional: bool = False


class Case(BaseModel):
    """One applicant question, its paraphrases and what a correct answer must contain."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID_RE)
    question: str = Field(min_length=1)
    paraphrases: list[str] = Field(min_length=2)
    division: DivisionId | None = None  # explicit division parameter passed to ask()
    expected_status: Status
    also_accept: list[Status] = Field(default_factory=list)
    facts: list[list[str]] = Field(default_factory=list)  # every group needs one variant in the answer
    forbidden: list[str] = Field(default_factory=list)  # must not appear (e.g. another division's amount)
    gold: list[GoldCitation] = Field(default_factory=list)
    kind: Kind
    tags: list[str] = Field(default_factory=list)
    severity: Severity = "normal"
    note: str | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Case:
        if any(not group or any(not v.strip() for v in group) for group in self.facts):
            raise ValueError(f"{self.id}: every fact group needs at least one non-empty variant")
        texts = [self.question, *self.paraphrases]
        if len(set(texts)) < len(texts):
            raise ValueError(f"{self.id}: paraphrases must differ from the question and from each other")
        if self.expected_status in ("answered", "clarify") and not any(not g.optional for g in self.gold):
            raise ValueError(f"{self.id}: an {self.expected_status} case needs a required gold citation")
        if self.expected_status == "out_of_scope" and (self.facts or self.gold):
            raise ValueError(f"{self.id}: an out_of_scope case has no facts or gold citations")
        return self

    @property
    def variants(self) -> list[str]:
        return [self.question, *self.paraphrases]

    @property
    def divisions(self) -> list[str]:
        """For the breakdown: required gold divisions, else any gold division, else the explicit one."""
        found = [g.division for g in self.gold if not g.optional] or [g.division for g in self.gold]
        found = found or ([self.division] if self.division else [])
        return list(dict.fromkeys(found)) or ["(none)"]


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cases: list[Case]


def load_cases(path: Path) -> list[Case]:
    """Cases from one YAML file or every `*.yaml` in a folder (sorted); ids must be unique."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise ConfigError(f"没有找到评测用例文件：{path}（应为 YAML 文件或包含 *.yaml 的目录）。")
    cases: list[Case] = []
    for f in files:
        try:
            cases.extend(CaseFile.model_validate(yaml.safe_load(f.read_text(encoding="utf-8"))).cases)
        except (ValidationError, yaml.YAMLError) as exc:
            raise ConfigError(f"评测用例文件 {f.name} 无效：{exc}") from exc
    seen: set[str] = set()
    for c in cases:
        if c.id in seen:
            raise ConfigError(f"评测用例 id 重复：{c.id}")
        seen.add(c.id)
    return cases

