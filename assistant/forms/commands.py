"""Which replies are commands: a reply is a command only when it is exactly one (with its argument).

An answer that merely starts with a command word is an answer: the project name
“修改版数据平台”, the purpose “提取合同要素…”, a text whose first line is “说明”.
修改 takes a field name after a space or a colon, or written on directly when the rest is
exactly a field's name (“修改项目名称”); 提取 takes a paragraph after a colon.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

CommandWord = Literal[
    "跳过", "上一步", "进度", "预览", "导出", "帮助", "说明", "解释", "修改", "提取", "确认", "保留", "采用", "取消"
]

_WORDS: dict[str, CommandWord] = {
    "跳过": "跳过",
    "上一步": "上一步",
    "返回上一步": "上一步",
    "进度": "进度",
    "预览": "预览",
    "导出": "导出",
    "帮助": "帮助",
    "说明": "说明",
    "解释": "解释",
    "修改": "修改",
    "提取": "提取",
    "确认": "确认",
    "保留": "保留",
    "采用": "采用",
    "取消": "取消",
}
# Replies to something the flow asked (a flagged code, an over-limit text, an export, a proposal).
PENDING_WORDS: frozenset[CommandWord] = frozenset({"确认", "保留", "采用", "取消"})
# Further words that answer a pending export question ("确认导出请回复…").
EXPORT_WORDS = ("确认导出", "是", "否", "不")
_TRIM = "。.！!？? \t"
MAX_FIELD_NAME = 40  # longer than any field name, e.g. "参赛单位5·核心技术/产品/服务名称"
_EDIT = re.compile(r"修改(?:\s*[:：]\s*|\s+)(\S.*)")
_EDIT_JOINED = re.compile(r"修改(\S.*)")
_EXTRACT = re.compile(r"提取\s*[:：]\s*(.*)", re.S)


@dataclass(frozen=True)
class Command:
    word: CommandWord
    arg: str = ""


def bare_word(text: str) -> str:
    """The reply without surrounding spaces and closing punctuation (“确认。” → “确认”)."""
    return text.strip().strip(_TRIM)


def parse_command(text: str, is_field: Callable[[str], bool]) -> Command | None:
    """The command a reply is, or None when it is an answer; `is_field` says whether a name is a field's."""
    word = bare_word(text)
    if word in _WORDS:
        return Command(_WORDS[word])
    stripped = text.strip()
    if "\n" not in stripped:
        edit = _EDIT.fullmatch(stripped)
        if edit and len(edit.group(1)) <= MAX_FIELD_NAME:
            return Command("修改", bare_word(edit.group(1)))
        joined = _EDIT_JOINED.fullmatch(stripped)
        if joined and len(joined.group(1)) <= MAX_FIELD_NAME and is_field(bare_word(joined.group(1))):
            return Command("修改", bare_word(joined.group(1)))
    extract = _EXTRACT.fullmatch(stripped)
    if extract:
        return Command("提取", extract.group(1).strip())
    return None
