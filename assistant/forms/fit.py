"""Replies that cannot be a field's answer are refused with the reason, never stored (or reshaped) silently.

A one-line field (项目名称, 姓名, 单位名称…) that receives several lines or hundreds of 字 has
almost always been sent a paste meant for another question; storing it, or joining its lines,
would put text where nobody looks for it.
"""

from __future__ import annotations

from assistant.forms.schema import Field
from assistant.forms.validators import InvalidAnswer
from assistant.forms.wordcount import count_text

SHORT_TEXT_MAX_WORDS = 200  # far above any name or short answer in the template


def check_fits(f: Field, text: str) -> None:
    """Raise `InvalidAnswer` when `text` cannot be the answer to one-line field `f`."""
    if f.kind != "text":
        return
    body = text.strip()
    lines = sum(1 for line in body.split("\n") if line.strip())
    words = count_text(body).words
    if words > SHORT_TEXT_MAX_WORDS:
        raise InvalidAnswer(
            f"“{f.label}”只填一行简短的文字（至多 {SHORT_TEXT_MAX_WORDS} 字），您发送了 {words} 字、{lines} 段，"
            "像是其他问题的回答，没有保存。"
        )
    if lines > 1:
        raise InvalidAnswer(
            f"“{f.label}”只填一行，您发送的内容有 {lines} 行，没有保存。"
            "请写在一行内（几项内容可用“、”分隔）。"
        )
