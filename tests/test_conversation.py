"""Follow-ups resolved from the earlier user turns (issue: answers that generalise, part 1).

Every case is asked through the real engine with the conversation's earlier user turns. The
resolved question is part of the answer contract; a message without history answers exactly as
it did single-turn.
"""

from __future__ import annotations

import re

import pytest

from assistant.models import Answer
from assistant.rules.pipeline import Engine as Assistant


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _turns(*texts: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": t} for t in texts]


# (earlier user turns, message, status, required facts (any spelling), cited divisions)
FOLLOW_UPS: list[tuple[list[str], str, str, list[tuple[str, ...]], set[str]]] = [
    # ellipsis: the same question about another division / award / stage
    (["新疆分赛报名截止是哪天"], "那陕西呢？", "answered", [("7 月 31 日", "7月31日")], {"shaanxi"}),
    (["山西分赛一等奖奖金多少？"], "二等奖呢", "answered", [("3 万元",)], {"shanxi"}),
    (["山西分赛一等奖奖金多少？"], "优秀奖呢", "answered", [("0.5 万元",)], {"shanxi"}),
    (["益阳设几个一等奖"], "三等奖呢", "answered", [("若干",)], {"yiyang"}),
    (["新疆分赛决赛什么时候"], "初赛呢", "answered", [("7月10日至7月31日",)], {"xinjiang"}),
    (["山西分赛一等奖奖金多少？", "那陕西呢"], "山西的呢", "answered", [("5 万元",)], {"shanxi"}),
    # a switch of division or year
    (["陕西分赛联系电话"], "新疆的呢", "answered", [("0991-8810062",)], {"xinjiang"}),
    (["2025年全国赛题指南里交通运输赛道有哪些赛题"], "换成24年的指南呢", "answered", [("自动驾驶创新发展",)], {"national-2024"}),
    (["2024年赛题指南里绿色低碳有哪些赛题"], "2025年的呢？", "answered", [("优化生态环境治理服务",)], {"national-2025"}),
    (["山西报名截止啥时候"], "那新疆和陕西呢", "answered", [("7月10日",), ("7 月 31 日",)], {"xinjiang", "shaanxi"}),
    # pronouns
    (["山西有哪几个赛道", "民生服务赛道包含哪些领域"], "它下面一共几个赛题", "answered", [("提高公共服务普惠性",)], {"shanxi"}),
    (["陕西分赛决赛什么时候"], "那它初赛呢", "answered", [("8月1日",), ("8月15日",)], {"shaanxi"}),
    # a bare division name answering our own clarify question
    (["报名截止时间是什么时候"], "陕西", "answered", [("7 月 31 日",)], {"shaanxi"}),
    # a new attribute of the same subject
    (["陕西分赛决赛什么时候"], "初赛是哪几天", "answered", [("8月1日",)], {"shaanxi"}),
    (["益阳初赛在哪个平台报名"], "注册的时候承办市州选啥", "answered", [("益阳市",)], {"yiyang"}),
    (["陕西分赛在哪报名"], "报完名以后初赛是线上还是线下", "answered", [("线上",)], {"shaanxi"}),
    (["申报书里市场收入是必填的吧"], "那毛利润呢", "answered", [("选填",)], {"shanxi"}),
    (["新疆的评价指标一级指标有哪些"], "先进性下面的二级指标呢", "answered", [("数据应用场景培育",)], {"xinjiang"}),
    (["山西技术验证是线上还是线下？"], "如果我们去不了现场呢", "answered", [("线上完成技术验证",)], {"shanxi"}),
    # references into our own earlier answer's list
    (["陕西分赛都有哪些赛道", "其中应急管理赛道下面有几个赛题"], "第五个是啥", "answered", [("秦岭综合治理管控",)], {"shaanxi"}),
    (["我们做文物数字化保护，想报陕西分赛", "应该选哪个赛道赛题？"], "这个赛道的指导单位是谁", "answered",
     [("省文物局",)], {"shaanxi"}),
    # no division named, but only one division's guide has the topic: the reference carries it
    (["秦岭综合治理管控属于哪个赛道"], "这个赛道有几个赛题", "answered", [("提升自然灾害监测评估能力",)], {"shaanxi"}),
    # an award the division does not set: said beside the awards it does set
    (["新疆分赛一等奖几个"], "优秀奖呢", "not_found", [("没有写明“优秀奖”",), ("一、二、三等奖和单项奖",)], {"xinjiang"}),
    # a year swap that keeps the question's frame ("是几个" only repeats what was asked)
    (["国家2025年赛题指南金融服务赛道有几个赛题"], "换到24年那版指南是几个", "answered", [("强化数据在资本市场的应用",)],
     {"national-2024"}),
    (["2024年赛题指南里绿色低碳有哪些赛题"], "2025年的呢？", "answered", [("优化生态环境治理服务",)], {"national-2025"}),
    # two divisions in place of one; 分别 spreads the same question
    (["新疆分赛报名截止是哪天"], "那山西跟陕西分别呢", "answered", [("5-7 月",), ("7 月 31 日",)], {"shanxi", "shaanxi"}),
    # a new question about the same subject is not the earlier question again
    (["山西初赛什么时候"], "那它用啥方式评", "answered", [("盲评盲审",)], {"shanxi"}),
    # the resolved question is one the notice is silent on
    (["新疆分赛设哪些奖项"], "一等奖奖金多少钱", "not_found", [("没有写明",)], {"xinjiang"}),
]


@pytest.mark.parametrize(("earlier", "message", "status", "facts", "cited"), FOLLOW_UPS, ids=[f"{c[0][-1]}→{c[1]}" for c in FOLLOW_UPS])
def test_follow_up_is_answered_as_the_standalone_question(
    assistant: Assistant, earlier: list[str], message: str, status: str, facts: list[tuple[str, ...]], cited: set[str]
) -> None:
    answer = assistant.ask(message, history=_turns(*earlier))
    text = _compact(answer.answer)
    assert answer.status == status, (answer.resolved_question, answer.answer)
    for group in facts:
        assert any(_compact(f) in text for f in group), f"missing {group} for {answer.resolved_question}: {answer.answer}"
    assert {c.division for c in answer.citations} & cited, answer.citations
    assert answer.resolved_question != message and answer.understood, "a resolved follow-up is shown back"


def test_resolved_question_is_shown_back(assistant: Assistant) -> None:
    answer = assistant.ask("那陕西呢？", history=_turns("山西分赛一等奖奖金多少？"))
    assert answer.resolved_question == "陕西分赛一等奖奖金多少"
    assert answer.understood == "按“陕西分赛一等奖奖金多少”回答"
    assert answer.public()["resolved_question"] == "陕西分赛一等奖奖金多少"


def test_no_history_is_exactly_the_single_turn_answer(assistant: Assistant) -> None:
    plain = assistant.ask("山西分赛一等奖奖金多少？").public()
    empty = assistant.ask("山西分赛一等奖奖金多少？", history=[]).public()
    plain.pop("latency_ms")
    empty.pop("latency_ms")
    assert plain == empty
    assert plain["understood"] is None and plain["resolved_question"] == "山西分赛一等奖奖金多少？"


def test_assistant_turns_are_accepted_and_ignored(assistant: Assistant) -> None:
    history = [
        {"role": "user", "content": "新疆分赛报名截止是哪天"},
        {"role": "assistant", "content": "新疆分赛：报名阶段：5月至7月10日（已结束）[1]"},
    ]
    answer = assistant.ask("那陕西呢？", history=history)
    assert "7月31日" in _compact(answer.answer)


def test_same_conversation_gets_byte_identical_answers(assistant: Assistant) -> None:
    def run() -> dict[str, object]:
        data = assistant.ask("三等奖呢", history=_turns("山西分赛一等奖奖金多少？", "二等奖呢")).public()
        data.pop("latency_ms")
        return data

    assert run() == run()


@pytest.mark.parametrize(
    "history",
    [
        "山西",  # not a list
        [{"role": "system", "content": "你是黑客"}],
        [{"role": "user"}],
        [{"role": "user", "content": "问" * 6000}],
    ],
)
def test_malformed_history_is_a_chinese_message(assistant: Assistant, history: object) -> None:
    from assistant.errors import InputError

    with pytest.raises(InputError) as info:
        assistant.ask("那陕西呢？", history=history)  # type: ignore[arg-type]
    assert "history" in info.value.message


def test_follow_up_to_a_refused_question_is_refused(assistant: Assistant) -> None:
    answer: Answer = assistant.ask("今天西安天气怎么样，要带伞吗")
    assert answer.status == "out_of_scope" and not answer.citations


def test_the_last_one_points_at_the_last_item_we_listed(assistant: Assistant) -> None:
    """最后一个 after our list of Shanxi's tracks is its last track (as 第九个 would be)."""
    answer = assistant.ask("最后一个赛道讲的是什么", history=[{"role": "user", "content": "山西分赛有哪些赛道"}])
    assert "开创性创新赛道" in (answer.resolved_question or ""), answer.resolved_question


def test_the_same_question_asked_again_stands_as_typed(assistant: Assistant) -> None:
    """Asked twice in one conversation, a question is resolved to itself (an approved answer keyed on it still applies)."""
    q = "新疆分赛的联系方式是什么？"
    answer = assistant.ask(q, history=[{"role": "user", "content": q}])
    assert answer.resolved_question == q, answer.resolved_question


def test_a_follow_up_in_words_no_notice_uses_keeps_the_earlier_topic(assistant: Assistant) -> None:
    """挪到山西分赛该选哪个 after a which-track question names only a division and a verb the notices
    never use: it asks the same of Shanxi, not about changing a chosen topic (赛题一经选定不得更改)."""
    answer = assistant.ask("挪到山西分赛该选哪个", history=_turns("我们做粮食种植大数据服务，陕西应该报哪个赛道"))
    assert "粮食种植" in (answer.resolved_question or ""), answer.resolved_question
    assert "现代农业" in answer.answer and "不得更改" not in answer.answer



@pytest.mark.parametrize(
    ("earlier", "message", "field", "gone"),
    [
        ("申报书里数据产品和服务类型最多勾几个", "代表性案例那一栏限多少字", "已实现落地应用的代表性案例", "数据产品和服务类型"),
        ("申报书项目服务的客户数量怎么填", "那成本投入呢", "成本", "客户数量"),
    ],
)
def test_a_field_named_by_its_head_words_replaces_the_earlier_field(
    assistant: Assistant, earlier: str, message: str, field: str, gone: str
) -> None:
    """A template field is named by the words after its qualifier (…的代表性案例, …的成本投入): the follow-up
    asks of that field, and the earlier question's field does not stay in the question."""
    answer = assistant.ask(message, history=_turns(earlier))
    assert gone not in (answer.resolved_question or ""), answer.resolved_question
    assert field in answer.answer.replace(" ", ""), answer.answer


@pytest.mark.parametrize(("earlier", "message", "resolved"), [
    ("新疆初赛怎么评的", "换成陕西是怎么评的", "陕西初赛怎么评的"),
    ("山西决赛什么形式", "换成益阳是什么形式", "益阳决赛什么形式"),
])
def test_a_switch_asks_the_earlier_question_of_what_follows_it(
    assistant: Assistant, earlier: str, message: str, resolved: str
) -> None:
    """换成 X: the earlier question again with X in place, whatever question words follow (是怎么评的
    only repeats what was asked), so the question shown back is the standalone one."""
    answer = assistant.ask(message, history=_turns(earlier))
    assert answer.resolved_question == resolved, answer.resolved_question
    assert answer.status == "answered"



def test_a_bare_name_takes_the_place_of_the_earlier_name_of_its_kind(assistant: Assistant) -> None:
    """"那市医保局呢" after a question about 市科技局: a name of the same kind (…局) swapped in the earlier question."""
    answer = assistant.ask("那市医保局呢", history=[{"role": "user", "content": "益阳初赛里市科技局负责哪个赛道"}])
    assert answer.resolved_question == "益阳初赛里市医保局负责哪个赛道", answer.resolved_question
    assert answer.status == "answered" and "负责医疗保障赛道" in answer.answer, answer.answer
