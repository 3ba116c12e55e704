"""The front matter of an added notice: who, what, when, and the amendments it makes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import InputError
from assistant.models import DivisionId

Kind = Literal["original", "supplement", "postponement", "correction"]
AmendmentType = Literal["substitution", "insertion", "repeal", "correction"]
KIND_NAMES: dict[str, str] = {"original": "原通知", "supplement": "补充通知", "postponement": "延期公告", "correction": "更正"}
TYPE_NAMES: dict[str, str] = {"substitution": "调整", "insertion": "新增", "repeal": "废止", "correction": "更正"}

_FRONT_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


class NoticeError(InputError):
    """A notice that cannot be added or loaded; the message says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="bad_notice")


class Target(BaseModel):
    """The clause an amendment changes: document id, section path, and the fact where there is one."""

    model_config = ConfigDict(extra="forbid")

    document: str
    section: str
    fact: str | None = None


class Amendment(BaseModel):
    """One change: `old` occurs verbatim in the target clause, `new` verbatim in this notice."""

    model_config = ConfigDict(extra="forbid")

    target: Target
    type: AmendmentType
    old: str = Field(min_length=1)
    new: str = Field(min_length=1)


class NoticeMeta(BaseModel):
    """What the YAML front matter of `DATA_DIR/notices/<id>.md` holds."""

    model_config = ConfigDict(extra="forbid")

    division: DivisionId
    title: str = Field(min_length=1)
    issuer: str | None = None
    doc_number: str | None = None  # 文号
    date: str  # published, as the knowledge loader reads it (YYYY-MM-DD)
    source_file: str
    kind: Kind
    published: dt.date
    amendments: list[Amendment] = Field(default_factory=list)


def render(meta: NoticeMeta, body: str) -> str:
    """The stored Markdown file: front matter, then the body."""
    data = meta.model_dump(mode="json", exclude_none=True)
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n\n{body.strip()}\n"


def parse(text: str, name: str) -> tuple[NoticeMeta, str]:
    """Front matter and body of a stored notice; a Chinese message if either is malformed."""
    m = _FRONT_RE.match(text)
    if not m:
        raise NoticeError(f"通知文件 {name} 缺少 YAML 前言（以 --- 开头和结尾）。")
    try:
        data = yaml.safe_load(m.group(1))
        return NoticeMeta.model_validate(data), text[m.end() :].lstrip("\n")
    except (yaml.YAMLError, ValidationError) as exc:
        raise NoticeError(f"通知文件 {name} 的前言无效：{exc}") from exc


def published_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
