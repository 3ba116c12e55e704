"""Typed records read from the knowledge files' structure and the form schema, each with its
verbatim quote: the 申报书 template, guide trees, indicator trees, prize tables, schedule stages
and contacts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..index import KnowledgeIndex
from .contacts import Contacts
from .guide import Guides
from .indicators import Indicators
from .organisers import Organisers
from .prizes import Prizes
from .schedule import Schedule
from .template import Template


@dataclass
class Records:
    schedule: Schedule
    contacts: Contacts
    prizes: Prizes
    guides: Guides
    indicators: Indicators
    organisers: Organisers
    template: Template

    @classmethod
    def build(cls, index: KnowledgeIndex, schema_dir: Path) -> Records:
        return cls(
            schedule=Schedule(index),
            contacts=Contacts(index),
            prizes=Prizes(index),
            guides=Guides(index),
            indicators=Indicators(index),
            organisers=Organisers(index),
            template=Template.load(index, schema_dir),
        )
