"""The one copy of the value patterns shared by the rules engine, grounding and the records.

Phones, e-mails, URLs, dates, list numbers and Chinese numerals are recognised the same way
wherever the product looks for them (question intents, clause typing, grounding checks).
"""

from __future__ import annotations

import re
from decimal import Decimal

CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
CN_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
MAGNITUDE: dict[str, Decimal] = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000)}

# A Chinese numeral counts as a value only before a measure word ("三个", "五万元"), never in "一等奖".
CN_NUMBER = re.compile(
    r"([零〇一二两三四五六七八九十百千]+)(?=[万亿]?(?:个|名|项|支|人|家|天|日|月|年|周|元|次|位|所|条|件|届|%|％))"
)
# A government unit as the notices name them (市商务局, 省文化和旅游厅, 市委政法委, 市政府办公室).
UNIT = re.compile(r"[\u4e00-\u9fff]{2,14}?(?:局|厅|委|处|办公室|政府办|中心)")
URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+", re.I)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Any run of digits, spaces and dashes long enough to be a phone number (checked further by users).
PHONE_LIKE = re.compile(r"(?<![\d.])(?:\d[\d -]{5,}\d)(?![\d.])")
# A Chinese mobile or landline as notices write them: 15973701691, 0991-8810062, 010-88681521.
PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-\d{7,8})(?!\d)")
DATE = re.compile(r"(?:(\d{4})\s*[年./-]\s*)?(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*[日号]?")
# "7.2024年" is list item 7 and the year 2024, not the decimal 7.2024.
NUMBER = re.compile(r"\d+(?:\.(?!\d{4}\s*年)\d+)?")
# A leading list number: "1.", "2、", "（一）", "(3)", "一、", "- 1·", "赛题 2：".
LIST_NUMBER = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\d+\s*[.．、·]|[（(]\d+[）)]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、|赛题\s*\d+\s*[：:]?)\s*"
)
CN_ORDINAL = "一二三四五六七八九十"


def cn_to_int(text: str) -> int | None:
    """十二 → 12, 三百五十 → 350, 二〇二五 → 2025; None when `text` is not a Chinese numeral."""
    if not text:
        return None
    if not any(ch in CN_UNITS for ch in text):
        if all(ch in CN_DIGITS for ch in text):
            return int("".join(str(CN_DIGITS[ch]) for ch in text))
        return None
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current
