"""Which divisions a question is answered for: named divisions, the national guides, the 申报书
template (Shanxi), agreement across divisions, page scope (a preference) and widget scope (a lock)."""

from __future__ import annotations

import pytest

from assistant.rules.divisions import detect
from assistant.rules.pipeline import Engine as Assistant
from assistant.rules.text import canonical_question


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("2025年赛题指南一共设了几个赛道", ["national-2025"]),
        ("全国大赛评价指标有哪些", ["national-2025"]),
        ("国家指南的开放性创新赛道有哪些赛题", ["national-2025"]),
        ("2024年指南 气象服务有几个赛题", ["national-2024"]),
        ("去年的指南有哪些赛道", ["national-2024"]),
        ("24年和25年的全国指南赛道数量对比", ["national-2025", "national-2024"]),
        ("2024年获奖的项目能报哪个赛道", []),
        ("新疆金融赛道和国家指南的金融赛道赛题数一样不", ["xinjiang", "national-2025"]),
    ],
)
def test_national_guides_by_name(question: str, expected: list[str]) -> None:
    assert detect(canonical_question(question)) == expected


def test_a_track_only_one_guide_has_scopes_the_question(assistant: Assistant) -> None:
    only = assistant.ask("能源低碳赛道有哪些赛题")
    assert only.divisions == ["shanxi"] and only.status == "answered" and "煤炭关键工序数字改造" in only.answer
    shared = assistant.ask("交通运输赛道有哪些赛题")
    assert shared.status == "clarify" and len(shared.divisions) > 1
    opened = assistant.ask("开放性创新赛道有哪些要求")  # every guide has an open track: not narrowed
    assert len(opened.divisions) > 1


def test_template_questions_go_to_shanxi_and_say_so(assistant: Assistant) -> None:
    answer = assistant.ask("申报书里项目简述限多少字")
    assert answer.divisions == ["shanxi"] and "申报书模板只附在山西分赛通知中" in answer.answer
    scoped = assistant.ask("申报书里项目简述限多少字", "shaanxi")
    assert scoped.divisions == ["shanxi"] and "而不是当前选择的陕西分赛" in scoped.answer


def test_a_named_divisions_contacts_are_not_the_forms_contact_field(assistant: Assistant) -> None:
    answer = assistant.ask("山西分赛的联系人一共几位")  # 几位: also the form's row-count aspect
    assert answer.status == "answered" and "郭亚楠" in answer.answer and "申报书模板" not in answer.answer, answer.answer


def test_agreement_is_answered_once_with_every_citation(assistant: Assistant) -> None:
    answer = assistant.ask("一个团队最多几个人")
    assert answer.status == "answered"
    assert answer.answer.startswith("各分赛规定一致")
    assert {c.division for c in answer.citations} == {"shanxi", "shaanxi", "xinjiang", "yiyang"}


def test_divisions_that_differ_are_asked_back(assistant: Assistant) -> None:
    answer = assistant.ask("报名截止日期是哪天？")
    assert answer.status == "clarify"
    assert {c.division for c in answer.citations} == {"shanxi", "shaanxi", "xinjiang", "yiyang"}
    assert "请告诉我您参加的是哪个分赛" in answer.answer


def test_page_scope_is_a_preference_the_question_can_override(assistant: Assistant) -> None:
    answer = assistant.ask("陕西分赛报名截止时间", "shanxi")
    assert answer.divisions == ["shaanxi"] and "7 月 31 日" in answer.answer
    assert "您问的是陕西分赛，已按此回答（当前选择的是山西分赛）" in answer.answer
    plain = assistant.ask("报名截止时间", "shanxi")
    assert plain.divisions == ["shanxi"] and "当前选择" not in plain.answer


def test_widget_scope_is_a_lock(assistant: Assistant) -> None:
    refused = assistant.ask("陕西分赛报名截止时间", "shanxi", locked=True)
    assert refused.status == "out_of_scope" and not refused.citations
    assert "本助手只回答山西分赛的问题" in refused.answer and "7 月 31 日" not in refused.answer
    own = assistant.ask("报名截止时间", "shanxi", locked=True)
    assert own.divisions == ["shanxi"]
    national = assistant.ask("2025年赛题指南有几个赛道", "yiyang", locked=True)
    assert national.status == "answered", "益阳's notice adopts the national 2025 guide as its annex"


def test_the_national_final_has_no_notice_of_its_own(assistant: Assistant) -> None:
    answer = assistant.ask("全国总决赛的报名截止时间是什么时候")
    assert answer.status == "not_found" and "全国总决赛" in answer.answer
    quota = assistant.ask("陕西能推荐多少个项目去全国总决赛")
    assert quota.status == "answered" and "28" in quota.answer


@pytest.mark.parametrize("question", ["国赛决赛奖金是多少", "国赛总决赛哪天报名截止", "全国总决赛奖金大概多少"])
def test_the_national_final_named_with_its_own_round_or_registration_is_still_the_national_final(
    assistant: Assistant, question: str
) -> None:
    """决赛 in 国赛决赛 and 报名 of the final are the final's own, not a division's round: the
    notices say nothing of the final itself, so no division's prize table or deadline answers."""
    answer = assistant.ask(question)
    assert answer.status == "not_found" and "全国总决赛本身" in answer.answer, answer.answer
