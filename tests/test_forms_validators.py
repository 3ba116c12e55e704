"""Validators, table-driven, with worked examples computed by hand from the standards.

统一社会信用代码 (GB 32100-2015): check = 31 - (Σ code(c_i)·3^i mod 31) mod 31 over the
first 17 characters, e.g. 91350100M000100Y4 → 3. 居民身份证 (GB 11643-1999): weights
7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, check = "10X98765432"[Σ mod 11].
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.forms.answers import Context, interpret
from assistant.forms.schema import Field, load_schema, walk_fields
from assistant.forms.validators import (
    InvalidAnswer,
    check_exactly_one,
    check_id_number,
    check_mobile,
    check_phone,
    check_rows,
    check_uscc,
    check_year,
    id_check_char,
    parse_date,
    parse_month_range,
    parse_number,
    uscc_check_char,
)

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2025, 6, 1)


def field(key: str) -> Field:
    schema = load_schema(ROOT / "form_schema")
    for _, section in schema.sections():
        for f in walk_fields(section.fields):
            if f.key == key:
                return f
    raise KeyError(key)


@pytest.mark.parametrize(
    ("code", "normalized"),
    [
        ("91350100M000100Y43", "91350100M000100Y43"),
        ("91140100MA0GRY0X1P", "91140100MA0GRY0X1P"),
        ("12140000405200591A", "12140000405200591A"),
        ("91110108551385082Q", "91110108551385082Q"),
        ("91350100m000100y43", "91350100M000100Y43"),
        ("9135 0100 M000 100Y 43", "91350100M000100Y43"),
    ],
)
def test_uscc_valid(code: str, normalized: str) -> None:
    result = check_uscc(code)
    assert (result.code, result.checksum_ok) == (normalized, True)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("91350100M000100Y44", "3"), ("91140100MA0GRY0X1Q", "P"), ("12140000405200591B", "A")],
)
def test_uscc_check_character_mismatch_is_a_warning(code: str, expected: str) -> None:
    result = check_uscc(code)
    assert (result.checksum_ok, result.expected) == (False, expected)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("9135010M000100Y43", "应为 18 位，您输入了 17 位"),
        ("91350100M000100Y433", "应为 18 位，您输入了 19 位"),
        ("91350100M0001O0Y43", "第 14 位“O”不是允许的字符"),
        ("91350100M000100S43", "第 16 位“S”不是允许的字符"),
    ],
)
def test_uscc_invalid_names_the_reason(code: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        check_uscc(code)


def test_uscc_check_char_matches_worked_example() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("number", "normalized"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        ("140105199003072317", "140105199003072317"),
        ("140102198511154526", "140102198511154526"),
        ("440304200002291236", "440304200002291236"),  # born on a leap day
    ],
)
def test_id_number_valid(number: str, normalized: str) -> None:
    assert check_id_number(number, TODAY) == normalized


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("140105199003072318", "校验位不正确：按前 17 位计算应为 7"),
        ("14010519900230231X", "出生日期 19900230 不是真实日期"),
        ("14010519900307231", "应为 18 位，您输入了 17 位"),
        ("1401051990030723X7", "前 17 位应为数字"),
        ("140105203001011234", "出生日期 2030-01-01 不合理"),
    ],
)
def test_id_number_invalid_names_the_reason(number: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        check_id_number(number, TODAY)


def test_id_check_char_matches_worked_example() -> None:
    assert id_check_char("11010519491231002") == "X"


def test_id_number_checked_only_for_resident_cards() -> None:
    f = field("id_number")
    passport = interpret(f, "E12345678", Context(today=TODAY, scope={"id_type": "护照"}))
    assert passport.value == "E12345678"
    with pytest.raises(InvalidAnswer, match="居民身份证号码应为 18 位"):
        interpret(f, "E12345678", Context(today=TODAY, scope={"id_type": "居民身份证"}))


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("199 1234 5678", "19912345678"),
    ],
)
def test_mobile_valid(text: str, number: str) -> None:
    assert check_mobile(text) == number


@pytest.mark.parametrize("text", ["12812345678", "1381234567", "138123456789", "abc"])
def test_mobile_invalid(text: str) -> None:
    with pytest.raises(InvalidAnswer, match="手机号码应为 11 位"):
        check_mobile(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0351-7654321", "0351-7654321"), ("13812345678", "13812345678"), ("400-123-4567", "400-123-4567")],
)
def test_phone_accepts_mobile_and_landline(text: str, value: str) -> None:
    assert check_phone(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("(0351)1234567", "0351-1234567"),
        ("（0351）1234567", "0351-1234567"),
        ("(010) 12345678", "010-12345678"),
        ("+86 351 1234567", "0351-1234567"),
        ("+86-10-12345678", "010-12345678"),
        ("0086 351 7654321", "0351-7654321"),
        ("0351-1234567转8001", "0351-1234567-8001"),
        ("010-12345678 分机 123", "010-12345678-123"),
        ("0351-1234567 ext. 8001", "0351-1234567-8001"),
        ("0351 1234567", "03511234567"),  # the compact form accepted before stays as it was
    ],
)
def test_phone_accepts_common_landline_forms(text: str, value: str) -> None:
    assert check_phone(text) == value
    assert check_phone(value) == value  # a stored number reads back unchanged


@pytest.mark.parametrize("text", ["1234567", "(0351)123", "0351-1234567转", "+86 351"])
def test_phone_refuses_numbers_that_are_not_phones(text: str) -> None:
    with pytest.raises(InvalidAnswer, match="联系方式应为手机号码或固定电话"):
        check_phone(text)


@pytest.mark.parametrize(
    ("text", "kwargs", "value"),
    [
        ("3.5", {"unit": "万元"}, 3.5),
        ("3.5万元", {"unit": "万元"}, 3.5),
        ("3.5 万", {"unit": "万元"}, 3.5),
        ("1,200", {"unit": "万元"}, 1200),
        ("０", {"unit": "万元"}, 0),
        ("-35", {"unit": "万元", "allow_negative": True}, -35),
        ("30%", {"unit": "%"}, 30),
        ("12", {"unit": "个", "integer": True}, 12),
    ],
)
def test_numbers_valid(text: str, kwargs: dict[str, object], value: float) -> None:
    assert parse_number(text, **kwargs) == value  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "kwargs", "reason"),
    [
        ("-1", {"unit": "万元"}, "不能为负数"),
        ("35000元", {"unit": "万元"}, "请以万元为单位"),
        ("三百", {"unit": "万元"}, "请填写数字"),
        ("2.5", {"unit": "个", "integer": True}, "应为整数"),
    ],
)
def test_numbers_invalid(text: str, kwargs: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        parse_number(text, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "reason"), [("101", "0–100 之间"), ("-1", "不能为负数")])
def test_percent_range(text: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        interpret(field("standardized_pct"), text, Context(today=TODAY))


def test_trade_shares_at_most_100_in_total() -> None:
    f = field("trade_form")
    ok = interpret(
        f,
        "来自交易机构的数据占比：30，来自点对点合同的数据占比：50，在线订阅的数据占比：20",
        Context(today=TODAY),
    )
    assert ok.value == {"exchange_pct": 30, "contract_pct": 50, "subscription_pct": 20}
    with pytest.raises(InvalidAnswer, match="占比之和不能超过 100，您填的合计为 110"):
        interpret(f, "60、、30、20", Context(today=TODAY))


@pytest.mark.parametrize(
    ("text", "value"),
    [("2015年6月8日", "2015-06-08"), ("2015-06", "2015-06"), ("2015.6.8", "2015-06-08"), ("2015年", "2015")],
)
def test_dates_valid(text: str, value: str) -> None:
    assert parse_date(text, TODAY) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2015年2月30日", "不是真实的日期"),
        ("2030-01-01", "年份 2030 不合理"),
        ("1800", "年份 1800 不合理"),
        ("去年", "请按"),
    ],
)
def test_dates_invalid(text: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        parse_date(text, TODAY)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2023年1月—2024年6月", {"start": "2023-01", "end": "2024-06"}),
        ("2023-01 至 2024-06", {"start": "2023-01", "end": "2024-06"}),
        ("2023.3-2023.3", {"start": "2023-03", "end": "2023-03"}),
        ("2024年1月—至今", {"start": "2024-01", "end": "至今"}),
    ],
)
def test_month_range_valid(text: str, value: dict[str, str]) -> None:
    assert parse_month_range(text, TODAY) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2024年6月—2023年1月", "开始时间 2024-06 晚于结束时间 2023-01"),
        ("2023年13月—2024年1月", "月份 13 不合理"),
        ("2023年1月", "请按"),
    ],
)
def test_month_range_invalid(text: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        parse_month_range(text, TODAY)


def test_year_range() -> None:
    check_year(2024, high=2025)
    with pytest.raises(InvalidAnswer, match="年份 2026 不合理"):
        check_year(2026, high=2025)


@pytest.mark.parametrize(
    ("key", "reply", "message"),
    [
        ("data_sources", "1、2、3", "项目数据来源最多选 2 项，您选了 3 项。"),
        ("modeling", "1、2", "数据驱动的建模分析方式限选 1 项，您选了 2 项。"),
        ("value_goals", "1、2、3、4", "数据价值目标限 3 个，您选了 4 个。"),
        ("charging", "1、2、3", "项目主要收费模式限选收入占比最高的 2 个，您选了 3 个。"),
        ("deployment", "1、2、3", "项目主要部署方式限 2 个，您选了 3 个。"),
        ("aggregation", "1.1、1.2、2.1、3.1、4.1", "数据汇聚方式每类选最主要的 1 个：(1)类您选了 2 个。"),
        ("aggregation", "1.1、3.1、4.1", "数据汇聚方式每类选最主要的 1 个：(2)类您选了 0 个。"),
        ("nature", "民营、外资", "单位性质单选，您选了 2 项。"),
        ("service_objects", "7", "无法识别选项“7”"),
        ("business_scenarios", "其他：文旅", "“其他”在多个类别中都有，请用编号选择"),
        ("public_data_kinds", "其他", "选择“其他”时请写明内容"),
    ],
)
def test_choice_rules_name_the_limit(key: str, reply: str, message: str) -> None:
    with pytest.raises(InvalidAnswer) as exc:
        interpret(field(key), reply, Context(today=TODAY))
    assert message in exc.value.message


@pytest.mark.parametrize(
    ("key", "reply", "value"),
    [
        ("data_sources", "公共数据、企业数据", ["公共数据", "企业数据"]),
        ("data_sources", "1，3", ["公共数据", "个人用户数据"]),
        ("modeling", "数学模型建模、仿真", "数学模型建模、仿真"),
        (
            "business_scenarios",
            "4.3；6.7：文旅导览",
            ["协同创新/产融协同 (供应链金融、征信担保等)", "个人服务/其他：文旅导览"],
        ),
        ("business_scenarios", "产融协同", ["协同创新/产融协同 (供应链金融、征信担保等)"]),
        ("track", "8.4", "赛道八：数据要素×民生服务领域赛题/提升金融服务水平和风险防控能力"),
        ("track", "9", "赛道九：开创性创新赛道/开创性创新赛道"),
        ("financing_stage", "A轮", "A 轮"),
    ],
)
def test_choices_by_number_or_label(key: str, reply: str, value: object) -> None:
    assert interpret(field(key), reply, Context(today=TODAY)).value == value


def test_ai_investment_not_above_rd_investment() -> None:
    f = field("ai_invest")
    ctx = Context(today=TODAY, scope={"rd_invest": 600}, labels={"rd_invest": "2024 年数据技术研发投入"})
    assert interpret(f, "240", ctx).value == 240
    with pytest.raises(InvalidAnswer, match="不能大于2024 年数据技术研发投入"):
        interpret(f, "700", ctx)


def test_customer_parts_not_above_total() -> None:
    with pytest.raises(InvalidAnswer, match="其中各类客户数量之和（13）不能大于客户数量（12）"):
        interpret(field("customers"), "12、1、1、1、1、1、1、1、1、1、4", Context(today=TODAY))


@pytest.mark.parametrize(
    ("contacts", "ok"), [(["是", "否"], True), (["否", "否"], False), (["是", "是"], False)]
)
def test_exactly_one_team_contact(contacts: list[str], ok: bool) -> None:
    rows = [{"is_contact": c} for c in contacts]
    if ok:
        check_exactly_one(label="团队联络人", rows=rows, column="is_contact", value="是")
    else:
        with pytest.raises(InvalidAnswer, match="团队联络人必须恰好有 1 名"):
            check_exactly_one(label="团队联络人", rows=rows, column="is_contact", value="是")


def test_second_contact_is_refused_with_the_holder_named() -> None:
    f = field("is_contact")
    table = field("members")
    rows = [{"is_contact": "是"}, {}]
    ctx = Context(today=TODAY, scope=rows[1], rows=rows, row=1, table=table)
    with pytest.raises(InvalidAnswer, match="团队联络人只能有 1 名，团队成员1已是团队联络人"):
        interpret(f, "是", ctx)


@pytest.mark.parametrize(
    ("label", "rows", "max_rows", "noun", "message"),
    [
        ("团队成员", 6, 5, "名成员", "团队成员最多 5 名，不能添加第 6 名成员。"),
        ("参赛单位", 6, 5, "家单位", "参赛单位最多 5 家，不能添加第 6 家单位。"),
    ],
)
def test_row_limits(label: str, rows: int, max_rows: int, noun: str, message: str) -> None:
    check_rows(label=label, rows=max_rows, max_rows=max_rows, row_noun=noun)
    with pytest.raises(InvalidAnswer) as exc:
        check_rows(label=label, rows=rows, max_rows=max_rows, row_noun=noun)
    assert exc.value.message == message
