"""Typed loader for the reply words in `assistant/forms/data/replies.yaml`.

Words applicants put around a pick ("选…", "…和…") and words that mark a sentence where a
name is asked are data with a note each, so a change is a reviewable data diff.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.errors import ConfigError


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Word(_Entry):
    say: str
    note: str


class ReplyWords(_Entry):
    lead_ins: list[Word]
    joiners: list[Word]
    not_a_name: list[Word]

    def lead_in_words(self) -> list[str]:
        """Longest first, so "我们选" is stripped before "选"."""
        return sorted((w.say for w in self.lead_ins), key=len, reverse=True)

    def joiner_words(self) -> list[str]:
        return sorted((w.say for w in self.joiners), key=len, reverse=True)


@cache
def reply_words() -> ReplyWords:
    source = resources.files("assistant.forms").joinpath("data/replies.yaml")
    try:
        return ReplyWords.model_validate(yaml.safe_load(source.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"无法读取表单回复词表 {source}：{exc}。请检查安装是否完整。") from exc
