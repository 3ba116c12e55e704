"""The notes an export adds where a draft still needs attention, in one place so Word can colour them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from assistant.forms.answers import ID_CARD
from assistant.forms.schema import Field
from assistant.forms.validators import InvalidAnswer, check_id_number, check_uscc, is_empty

MISSING = "【未填写】"
_MARK = re.compile(r"【(?:未填写|超出字数限制|本部分合计|至少填|校验位不符|统一社会信用代码|居民身份证)[^】]*】")


def over_limit(words: int, limit: int) -> str:
    return f"【超出字数限制：{words}/{limit} 字】"


def section_over_limit(words: int, limit: int) -> str:
    return f"【本部分合计 {words} 字，超出字数限制 {limit} 字】"


def min_filled(constraint: str, filled: int) -> str:
    """An unmet "至少填2项" rule: the rule and how many items are filled."""
    return f"【{constraint}，目前填了 {filled} 项】"


def code_problem(f: Field, value: Any, scope: dict[str, Any], today: date, *, confirmed: bool) -> str | None:
    """Why a stored identifier is invalid by the project's validators, or None when it is valid.

    A 统一社会信用代码 with a wrong check character can be kept after the applicant confirms it;
    the export still says so, so a reviewer sees it.
    """
    if not isinstance(value, str) or is_empty(value):
        return None
    try:
        if f.kind == "uscc":
            code = check_uscc(value)
            if not code.checksum_ok:
                tail = "；申请人已确认代码无误" if confirmed else "，请核对营业执照"
                return f"【校验位不符：按前 17 位计算第 18 位应为 {code.expected}{tail}】"
        elif f.kind == "id_number" and (scope.get(f.id_type_field) if f.id_type_field else ID_CARD) == ID_CARD:
            check_id_number(value, today)
    except InvalidAnswer as exc:
        return f"【{exc.message.rstrip('。')}】"
    return None


def split_marks(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_mark) in order, e.g. "名称：【未填写】" → [("名称：", False), ("【未填写】", True)]."""
    out: list[tuple[str, bool]] = []
    at = 0
    for match in _MARK.finditer(text):
        if match.start() > at:
            out.append((text[at : match.start()], False))
        out.append((match.group(), True))
        at = match.end()
    if at < len(text) or not out:
        out.append((text[at:], False))
    return out
