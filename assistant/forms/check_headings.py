"""The words of a heading in an applicant's Word draft: its numbering, label and 字数 limit.

Applicants number and word the template's headings in many ways: "（一）项目背景（限 500 字）",
"(1)项目背景", "（一）、项目背景：", "1.1 项目背景", "项目背景 限 500 字". All of them read
as the label 项目背景, with the numbering's kind kept to tell a sibling heading from a
sub-heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.forms.marks import split_marks
from assistant.forms.validators import nfkc

Numbering = Literal["part", "cn", "paren_cn", "arabic", "paren_arabic", "circled"] | str  # "dotted2", …
_CN = "一二三四五六七八九十"
_CIRCLED = re.compile(r"^[\s*＊]*([\u2460-\u2473])\s*")  # ①…⑳, before NFKC turns them into digits
_NUMBERINGS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(rf"^第([{_CN}\d]+)部分\s*[:、.]?\s*")),
    ("paren_cn", re.compile(rf"^\(\s*[{_CN}]+\s*\)\s*[、.,:]?\s*")),
    ("cn", re.compile(rf"^[{_CN}]+\s*[、.,:]\s*")),
    ("paren_arabic", re.compile(r"^(?:\(\s*\d{1,2}\s*\)|\d{1,2}\))\s*[、.]?\s*")),
    ("dotted", re.compile(r"^\d{1,2}(?:\.\d{1,2})+(?!\d)\s*[、.]?\s*")),
    ("arabic", re.compile(r"^\d{1,2}(?:[.、](?!\d)|\s+)\s*")),
]
_BRACKETED_LIMIT = re.compile(r"\(([^()]*?)(?:限|不超过|不多于|最多)?(\d+)字(?:以内|以下)?\)$")
_PLAIN_LIMIT = re.compile(r"(?:限|不超过|不多于|字数限制|字数不超过)[:]?(\d+)字(?:以内|以下)?$|(\d+)字以内$")
_PART_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}


@dataclass(frozen=True)
class HeadingText:
    """A heading's words: "（一）项目背景（限 500 字）" → label 项目背景, numbering paren_cn, limit 500."""

    label: str
    numbering: Numbering | None = None
    part: int | None = None  # 第二部分 → 2
    limit: int | None = None
    star: bool = False  # the template's * of a required 第一部分 item

    @property
    def numbered(self) -> bool:
        """Numbered or carrying a limit: worded like a template heading, whatever its format."""
        return self.numbering is not None or self.limit is not None


def norm_label(text: str) -> str:
    """A label as compared: NFKC, no spaces, no *, no trailing colon ("*证件 号码：" → "证件号码")."""
    return re.sub(r"\s", "", nfkc(text)).strip("*").rstrip(":,")


def parse_heading(text: str) -> HeadingText:
    """Numbering, label and limit of a heading's text."""
    star = text.lstrip().startswith(("*", "＊"))
    numbering: str | None = None
    part: int | None = None
    circled = _CIRCLED.match(text)
    if circled:
        numbering, rest = "circled", text[circled.end() :]
    else:
        rest = nfkc(text).strip().lstrip("*").strip()
        for kind, pattern in _NUMBERINGS:
            match = pattern.match(rest)
            if match is None:
                continue
            numbering = kind
            if kind == "dotted":
                numbering = f"dotted{match.group(0).strip(' 、.').count('.') + 1}"
            if kind == "part":
                part = _PART_NUMBERS.get(match.group(1))
            rest = rest[match.end() :]
            break
    flat = re.sub(r"\s", "", nfkc(rest)).rstrip(":,")
    limit = None
    for pattern in (_BRACKETED_LIMIT, _PLAIN_LIMIT):
        match = pattern.search(flat)
        if match:
            limit = int(next(g for g in match.groups()[::-1] if g and g.isdigit()))
            flat = flat[: match.start()]
            break
    return HeadingText(norm_label(flat), numbering, part, limit, star)



def without_marks(text: str) -> str:
    """`text` without the notes our export adds (【超出字数限制…】, 【未填写】…, see marks.py)."""
    return "".join(piece for piece, mark in split_marks(text) if not mark)
