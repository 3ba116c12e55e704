"""Natural replies understood: groups by their labels, choices by number, label, prefix or a
synonym, lists joined by 和/与/及/spaces/、, optional trailing values, units after numbers,
one member's name at a time, duplicates across members, control characters refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from assistant.forms.answers import Context, interpret
from assistant.forms.schema import Field, FormSchema, load_schema, walk_fields
from assistant.forms.validators import InvalidAnswer

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2025, 6, 1)
SCHEMA: FormSchema = load_schema(ROOT / "form_schema")


def field(path: str) -> Field:
    """A field by "section.key" or "section.table.column" (keys repeat across sections)."""
    section_key, *keys = path.split(".")
    fields = SCHEMA.section(section_key).fields
    found: Field | None = None
    for key in keys:
        found = next(f for f in walk_fields(fields) if f.key == key)
        fields = found.columns or found.subfields or found.fields
    assert found is not None
    return found


def value(path: str, reply: str, **ctx: Any) -> Any:
    return interpret(field(path), reply, Context(today=TODAY, **ctx)).value


def refusal(path: str, reply: str, **ctx: Any) -> str:
    with pytest.raises(InvalidAnswer) as exc:
        interpret(field(path), reply, Context(today=TODAY, **ctx))
    return exc.value.message


# ---- groups are parsed by their known labels ------------------------------------------------------


def test_group_with_a_shortened_label_is_not_glued_onto_the_previous_item() -> None:
    reply = "来自交易机构的数据占比：40%，交易机构名称：山西数据交易中心，点对点合同：50%"
    result = interpret(field("basic.trade_form"), reply, Context(today=TODAY))
    assert result.value == {"exchange_pct": 40, "exchange_name": "山西数据交易中心", "contract_pct": 50}
    assert any("来自点对点合同的数据占比" in note for note in result.notes)


def test_group_with_an_unknown_label_reports_it() -> None:
    message = refusal("basic.trade_form", "来自交易机构的数据占比：40，交易机构名称：山西数据交易中心，网址：sxsjds.com")
    assert "“网址”不是这一组的项目" in message and "交易机构名称" in message


def test_group_with_an_ambiguous_short_label_names_the_candidates() -> None:
    message = refusal("basic.trade_form", "交易机构：40")
    assert "来自交易机构的数据占比" in message and "交易机构名称" in message


def test_group_text_value_may_continue_after_a_separator() -> None:
    reply = "交易机构名称：山西数据交易中心、北京国际大数据交易所，来自交易机构的数据占比：30"
    assert value("basic.trade_form", reply) == {
        "exchange_name": "山西数据交易中心、北京国际大数据交易所",
        "exchange_pct": 30,
    }


def test_group_values_in_order_may_leave_out_optional_trailing_items() -> None:
    assert value("units.data_products", "3、0") == {"count": 3, "in_exchange": 0}


def test_group_values_in_order_still_need_the_required_items() -> None:
    assert "这一组需要" in refusal("units.data_products", "3")


# ---- choices by number, label, prefix, synonym; lists joined naturally ------------------------------


@pytest.mark.parametrize(
    ("path", "reply", "expected"),
    [
        ("basic.service_objects", "政府和企业", ["政府", "企业"]),
        ("basic.service_objects", "政府与事业单位及消费者", ["政府", "事业单位", "消费者"]),
        ("basic.service_objects", "1 3", ["政府", "企业"]),
        ("basic.service_objects", "选政府、企业", ["政府", "企业"]),
        ("basic.service_objects", "我们选 1和3。", ["政府", "企业"]),
        ("basic.deployment", "本地和私有云", ["本地部署", "私有云部署"]),
        ("team.members.id_type", "身份证", "居民身份证"),
        ("team.members.id_type", "台胞证", "台湾居民来往大陆通行证"),
        ("units.size", "小微", "小微企业"),
        ("basic.payback", "1-3年", "1年-3年"),
        ("basic.payback", "1到3年", "1年-3年"),
        ("basic.payback", "3～5年", "3年-5年"),
        ("basic.cases.unit_type", "政府", "政府机构"),
        ("basic.modeling", "数学模型建模、仿真", "数学模型建模、仿真"),
        ("units.algorithm_source", "自主研发和联合研发", ["自主研发", "联合研发"]),
        ("units.data_advantage", "数据备份与恢复", "安全治理/数据备份与恢复"),
        ("basic.cases.industry", "C", "制造业"),
        ("basic.cases.industry", "制造", "制造业"),
        ("basic.cases.province", "山西", "山西省"),
        ("basic.cases.province", "内蒙古", "内蒙古自治区"),
        ("basic.source", "兵团", "新疆生产建设兵团"),
        ("units.nature", "民营企业", "民营"),
        ("basic.track", "2.1", "赛道二：数据要素×工业制造领域赛题/提升创新研发能力"),
    ],
)
def test_choices_understood_from_natural_replies(path: str, reply: str, expected: object) -> None:
    assert value(path, reply) == expected


def test_other_text_is_not_split_at_a_conjunction() -> None:
    assert value("basic.public_data_kinds", "公开数据、其他：气象和水文数据") == ["公开数据", "其他：气象和水文数据"]
    assert value("basic.public_data_kinds", "其他：气象、水文") == ["其他：气象、水文"]


def test_two_tracks_for_a_single_choice_names_both_and_the_rule() -> None:
    message = refusal("basic.track", "选工业制造和现代农业")
    assert "只能选 1 项" in message
    assert "赛道二：数据要素×工业制造领域赛题" in message and "赛道三：数据要素×现代农业领域赛题" in message
    assert "无法识别" not in message


def test_a_track_named_without_its_topic_lists_the_topics() -> None:
    message = refusal("basic.track", "工业制造")
    assert "赛道二：数据要素×工业制造领域赛题" in message and "2.1 提升创新研发能力" in message


def test_an_ambiguous_prefix_lists_the_candidates() -> None:
    message = refusal("team.members.id_type", "通行证")
    assert "港澳居民来往内地通行证" in message and "台湾居民来往大陆通行证" in message


def test_province_named_by_xinjiang_is_ambiguous_in_the_project_source() -> None:
    message = refusal("basic.source", "新疆")
    assert "新疆维吾尔自治区" in message and "新疆生产建设兵团" in message


@pytest.mark.parametrize(
    ("path", "reply", "nearest"),
    [
        ("basic.service_objects", "政俯", "政府"),
        ("basic.cases.unit_type", "科研院校", "科研院所"),
        ("units.nature", "民营企业家", "民营"),
    ],
)
def test_nearest_option_is_suggested_when_nothing_matches(path: str, reply: str, nearest: str) -> None:
    message = refusal(path, reply)
    assert f"无法识别选项“{reply}”" in message and f"是不是“{nearest}”" in message


# ---- numbers with units -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reply", "expected"),
    [
        ("basic.cases.payback_months", "18个月", 18),
        ("basic.cases.payback_months", "18 个月", 18),
        ("units.llm_datasets", "4个", 4),
        ("basic.social", "促进就业：35人，绿色低碳：12.5吨", {"employment": 35, "low_carbon": 12.5}),
        ("basic.incremental", "带动合作伙伴/上下游企业协同：3家", {"partners": 3}),
    ],
)
def test_numbers_with_their_units(path: str, reply: str, expected: object) -> None:
    assert value(path, reply) == expected


# ---- members: names, one at a time; duplicates across members -----------------------------------------


def _cell(rows: list[dict[str, Any]], row: int) -> dict[str, Any]:
    table = field("team.members")
    return {"scope": rows[row], "rows": rows, "row": row, "table": table}


@pytest.mark.parametrize("reply", ["我们有3个人", "我们有三个人", "张三、李四、王五", "成员1", "团队共5人"])
def test_a_sentence_is_not_taken_as_a_members_name(reply: str) -> None:
    message = refusal("team.members.name", reply, **_cell([{}], 0))
    assert "只填一个人的姓名" in message and "团队成员逐名填写" in message


@pytest.mark.parametrize("reply", ["我们公司", "张三和李四"])
def test_a_unit_contact_is_one_persons_name(reply: str) -> None:
    assert "只填一个人的姓名" in refusal("units.contact", reply)


@pytest.mark.parametrize("reply", ["张三", "欧阳娜娜", "阿依古丽·买买提", "王有才", "John Smith"])
def test_real_names_are_accepted(reply: str) -> None:
    assert value("team.members.name", reply) == reply


def test_members_prompt_says_they_are_entered_one_at_a_time() -> None:
    name = field("team.members.name")
    assert "逐名" in name.prompt and "5" in name.prompt


def test_the_same_id_number_for_two_members_is_refused() -> None:
    rows = [{"id_type": "居民身份证", "id_number": "140105199003072317"}, {"id_type": "居民身份证"}]
    message = refusal("team.members.id_number", "140105199003072317", **_cell(rows, 1))
    assert "与团队成员1的证件号码相同" in message


def test_the_same_mobile_for_two_members_is_refused() -> None:
    rows = [{"mobile": "13812345678"}, {}]
    message = refusal("team.members.mobile", "+86 138 1234 5678", **_cell(rows, 1))
    assert "与团队成员1的手机相同" in message


def test_changing_a_member_to_their_own_number_is_not_a_duplicate() -> None:
    rows = [{"mobile": "13812345678"}, {"mobile": "13912345678"}]
    assert value("team.members.mobile", "13812345678", **_cell(rows, 0)) == "13812345678"


# ---- control characters and over-long one-line answers ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reply"),
    [
        ("basic.name", "智慧\x00平台"),
        ("basic.summary", "第一段\x1b[31m红字"),
        ("team.members.name", "张\x07三"),
        ("basic.trade_form", "交易机构名称：山西\x0b数据"),
        ("basic.service_objects", "政府\x08"),
    ],
)
def test_control_characters_are_refused_in_any_field(path: str, reply: str) -> None:
    assert "控制字符" in refusal(path, reply)


def test_line_breaks_and_tabs_are_not_control_characters_for_long_text() -> None:
    assert value("basic.summary", "第一段\n\t第二段") == "第一段\n\t第二段"


def test_a_long_paste_is_not_taken_as_a_one_line_name() -> None:
    message = refusal("basic.name", "本项目" * 800)
    assert "项目名称" in message and "2400" in message


def test_a_table_holding_the_same_id_number_twice_is_reported() -> None:
    from assistant.forms.answers import check_table_rule

    rows = [
        {"id_number": "140105199003072317", "is_contact": "是"},
        {"id_number": "140105199003072317", "is_contact": "否"},
    ]
    with pytest.raises(InvalidAnswer, match="团队成员1和团队成员2的证件号码相同"):
        check_table_rule(field("team.members"), rows)


def test_an_imported_draft_with_a_control_character_is_refused() -> None:
    from assistant.forms.integrity import check_answers

    errors, _ = check_answers(SCHEMA, {"basic": {"name": "智慧\x00平台"}}, TODAY)
    assert any("控制字符" in e for e in errors)
