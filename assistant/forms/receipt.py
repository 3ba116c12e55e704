"""What 已记录 says: the value as stored, so the applicant sees at once what was understood.

Choices and groups are echoed as parsed (which option, which number under which item),
short text whole, long text by its 字数 and paragraphs with its first and last words, so a
paste that arrived cut off shows at once.
"""

from __future__ import annotations

from typing import Any

from assistant.forms.render import format_value
from assistant.forms.steps import Step
from assistant.forms.wordcount import count_text

_WHOLE = 40  # long text up to this many characters is echoed whole
_END = 15  # characters shown from each end of a longer text


def receipt(step: Step, value: Any, verb: str = "已记录") -> str:
    """“已记录：项目名称“山西智煤数据平台”。”, or for long text its 字数 and both ends."""
    f = step.field
    assert f is not None
    if f.kind == "longtext" and isinstance(value, str):
        return f"{verb}：{step.display}，{long_text_summary(value)}"
    return f"{verb}：{step.display}“{format_value(f, value)}”。"


def long_text_summary(text: str) -> str:
    """“共 3000 字（按 Word 统计）、2 段，开头“…”，结尾“…”。”"""
    paragraphs = sum(1 for line in text.split("\n") if line.strip())
    flat = " ".join(text.split())
    head = f"共 {count_text(text).words} 字（按 Word 统计）、{paragraphs} 段"
    if len(flat) <= _WHOLE:
        return f"{head}：“{flat}”。"
    return f"{head}，开头“{flat[:_END]}”……结尾“{flat[-_END:]}”。"
