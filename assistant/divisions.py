"""Division ids, display names, aliases, and detection of the divisions a question names."""

from __future__ import annotations

import re

from .errors import InputError
from .models import DIVISION_IDS, DivisionId

NAMES: dict[DivisionId, str] = {
    "shanxi": "山西分赛",
    "shaanxi": "陕西分赛",
    "xinjiang": "新疆分赛",
    "yiyang": "益阳初赛（湖南）",
    "national-2025": "全国大赛2025年赛题指南及评价指标",
    "national-2024": "全国大赛2024年赛题指南",
}
SHORT: dict[DivisionId, str] = {
    "shanxi": "山西",
    "shaanxi": "陕西",
    "xinjiang": "新疆",
    "yiyang": "益阳",
    "national-2025": "全国2025",
    "national-2024": "全国2024",
}
# The divisions that run their own 2025 competition round (notices with rules).
REGIONAL: tuple[DivisionId, ...] = ("shanxi", "shaanxi", "xinjiang", "yiyang")

# Patterns on the canonical (NFKC, lower-case, no punctuation) question.
_PATTERNS: dict[DivisionId, re.Pattern[str]] = {
    "shanxi": re.compile(r"山西|晋(?!级|升|阶|江)|太原|大同|晋数所|sxsjds|\bshanxi\b"),
    "shaanxi": re.compile(r"陕西|陕(?!西)|西安|咸阳|宝鸡|延安|榆林|shaanxi"),
    "xinjiang": re.compile(r"新疆|疆内|乌鲁木齐|昌吉|xinjiang"),
    "yiyang": re.compile(r"益阳|湖南|湘(?!江)|赫山|资阳|沅江|安化|桃江|yiyang"),
}
_NATIONAL_2024 = re.compile(r"(2024|二〇二四|二零二四|去年|上一届|上届)年?的?(全国|国家|大赛)?.{0,6}(赛题|指南|赛道)")
_NATIONAL = re.compile(r"全国|国赛|国家赛|国家大赛|国家数据局")
_NATIONAL_TOPIC = re.compile(r"赛题|指南|赛道|评价指标|评审指标|评分指标|指标")
_FINAL_ONLY = re.compile(r"全国总决赛|国赛决赛|总决赛")

ALIASES: dict[str, DivisionId] = {
    **{d: d for d in DIVISION_IDS},
    **{SHORT[d]: d for d in DIVISION_IDS},
    **{NAMES[d]: d for d in DIVISION_IDS},
    "山西分赛": "shanxi",
    "陕西分赛": "shaanxi",
    "新疆分赛": "xinjiang",
    "益阳初赛": "yiyang",
    "益阳": "yiyang",
    "湖南": "yiyang",
    "全国": "national-2025",
    "national": "national-2025",
}
_NO_SCOPE = {"全部", "all", "所有"}


def detect(canonical: str) -> list[DivisionId]:
    """Divisions named in a canonical question, in a stable order."""
    found: list[DivisionId] = [d for d, pat in _PATTERNS.items() if pat.search(canonical)]
    if _NATIONAL_2024.search(canonical):
        found.append("national-2024")
    elif _NATIONAL.search(canonical) and _NATIONAL_TOPIC.search(_FINAL_ONLY.sub("", canonical)):
        # "全国赛题指南" names the national guide; "推荐到全国总决赛" alone does not.
        found.append("national-2025")
    return [d for d in DIVISION_IDS if d in found]


def parse(value: str | None) -> DivisionId | None:
    """An explicit division parameter: an id or a Chinese name; None/''/全部 mean no scope."""
    if value is None or not value.strip():
        return None
    key = value.strip()
    if key.lower() in _NO_SCOPE:
        return None
    hit = ALIASES.get(key) or ALIASES.get(key.lower())
    if hit is None:
        known = "、".join(f"{d}（{SHORT[d]}）" for d in DIVISION_IDS)
        raise InputError(f"未知的分赛：{value}。可选：{known}。")
    return hit
