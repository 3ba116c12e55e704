"""Division detection and the explicit division parameter, table-driven."""

from __future__ import annotations

import pytest

from assistant.errors import InputError
from assistant.rules.divisions import detect, parse
from assistant.rules.text import canonical_question


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("山西分赛一等奖奖金多少？", ["shanxi"]),
        ("陕西分赛报名截止时间", ["shaanxi"]),
        ("陕西省分赛报名截止时间", ["shaanxi"]),
        ("陝西分赛奖项", ["shaanxi"]),
        ("晋赛的赛道有哪些", ["shanxi"]),
        ("晋数所在哪", ["shanxi"]),
        ("晋级全国总决赛要求是什么", []),
        ("陕赛报名", ["shaanxi"]),
        ("西安的企业可以参加吗", ["shaanxi"]),
        ("新疆维吾尔自治区分赛什么时候决赛", ["xinjiang"]),
        ("乌鲁木齐的公司能报名吗", ["xinjiang"]),
        ("益阳初赛在哪报名", ["yiyang"]),
        ("湖南的初赛联系谁", ["yiyang"]),
        ("新疆和陕西有什么区别", ["shaanxi", "xinjiang"]),
        ("山西和陕西的奖项对比", ["shanxi", "shaanxi"]),
        ("全国赛题指南有几个赛道", ["national-2025"]),
        ("国赛的评价指标有哪些", ["national-2025"]),
        ("2024年赛题指南有哪些赛道", ["national-2024"]),
        ("去年的赛题有哪些", ["national-2024"]),
        ("推荐多少个项目进入全国总决赛", []),
        ("2024年获奖的项目还能参加吗", []),
        ("一等奖奖金多少", []),
        ("ＳＨＡＡＮＸＩ division prize", ["shaanxi"]),
    ],
)
def test_detect(question: str, expected: list[str]) -> None:
    assert detect(canonical_question(question)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("shanxi", "shanxi"),
        ("陕西", "shaanxi"),
        ("山西分赛", "shanxi"),
        ("新疆", "xinjiang"),
        ("益阳初赛", "yiyang"),
        ("national-2024", "national-2024"),
        ("全国2025", "national-2025"),
        ("全部", None),
        ("", None),
        (None, None),
    ],
)
def test_parse(value: str | None, expected: str | None) -> None:
    assert parse(value) == expected


@pytest.mark.parametrize("value", ["beijing", "山东", "shanxi2"])
def test_parse_unknown_division_names_the_choices(value: str) -> None:
    with pytest.raises(InputError) as info:
        parse(value)
    assert "shaanxi" in info.value.message and value in info.value.message
