"""Several questions in one message: each part answered with its own citations, in order."""

from __future__ import annotations

import re

import pytest

from assistant.rules.pipeline import Engine as Assistant


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


# (message, number of parts, required facts per part (any spelling))
MESSAGES: list[tuple[str, int, list[list[tuple[str, ...]]]]] = [
    ("山西二等奖几个多少钱 三等奖呢", 2, [[("二等奖6个",), ("3万元",)], [("三等奖9个",), ("2万元",)]]),
    ("陕西报名网址？截止日期？一个团队几个人？", 3, [[("shaanxi.gov.cn/dexc",)], [("7月31日",)], [("不超过5人",)]]),
    ("山西初赛什么时候，用什么方式评审", 2, [[("7月底",)], [("盲评盲审",)]]),
    ("山西一等奖几个？每个多少钱？总奖金多少？", 3, [[("一等奖3个",)], [("5万元",)], [("60万元",)]]),
    ("新疆分赛在哪报名，报名截止哪天，团队最多几个人", 3, [[("sjysx.xj.gov.cn",)], [("7月10日",)], [("不超过5人",)]]),
    ("益阳初赛平台网址、截止时间、联系人电话麻烦一起发下", 3, [[("hnsjysx.hunan-data.com",)], [("7月10日",)], [("15973701691",)]]),
    ("申报书里项目背景、应用场景、核心优势各限多少字", 3, [[("限500字",)], [("限500字",)], [("限1000字",)]]),
    ("益阳初赛主办和承办分别是谁", 2, [[("市数据局",)], [("中国移动益阳分公司",)]]),
    ("陕西初赛和决赛分别啥时候？决赛要准备什么", 2, [[("8月1日",), ("8月下旬",)], [("PPT",)]]),
    # a list of template fields named by their short forms (项目主要部署方式 → 部署方式)
    ("部署方式、收费模式、数据价值目标各限选几个", 3, [[("限2个",)], [("收入占比最高的2个",)], [("限3个",)]]),
    # a list of tracks right after the division's name
    ("益阳科技创新和绿色低碳赛道分别归哪个局负责", 2, [[("市科技局",)], [("市生态环境局",)]]),
    # 咋 asks as 怎么 does: the second question is a part of its own
    ("新疆举报电话多少，受理时间咋安排的", 2, [[("0991-2384583",)], [("工作日",)]]),
    # a template field's second question inherits the field; 从哪些角度 asks its hint
    ("项目简述限多少字，从哪些角度写", 2, [[("1000字",)], [("核心技术",)]]),
    # an A-not-A question (收不收费) asks as 吗 does
    ("山西分赛在哪个平台注册，收不收费", 2, [[("sxsjds.com",)], [("不向参赛团队收取任何参赛费用",)]]),
    # values of different kinds joined by 和 are two questions
    ("益阳初赛报名平台和截止时间", 2, [[("hnsjysx.hunan-data.com",)], [("7月10日",)]]),
    # a list whose first item is not a round's name (报名截止) still spreads the predicate
    ("陕西的报名截止、初赛、决赛分别什么时候", 3, [[("7月31日",)], [("8月1日",)], [("8月下旬",)]]),
    # a later part with a subject of its own (每队) does not inherit the earlier part's 二等奖
    ("山西二等奖几个？另外每队最多几个人", 2, [[("二等奖6个",)], [("不超过5人",)]]),
    # a list of the same kind of value, each of its own subject
    ("麻烦说下陕西：报名截止、决赛时间", 2, [[("7月31日",)], [("8月下旬",)]]),
    # a clause ending in the value it wants asks for it
    ("益阳一二等奖数量，还有申报截止日期", 2, [[("一等奖4名",)], [("7月10日",)]]),
    # "+" between words lists questions as a comma does (13+1 between digits stays a sum)
    ("陕西报名网址+截止日期", 2, [[("shaanxi.gov.cn/dexc",)], [("7月31日",)]]),
    # the question first, the list after a colon
    ("申报书各栏字数：单位简介、核心能力", 2, [[("不超过300字",)], [("不超过600字",)]]),
    # a clause ending in the value it wants (网址) asks for it
    ("新疆报名网址，收费吗", 2, [[("sjysx.xj.gov.cn",)], [("不向参赛团队收取任何参赛费用",)]]),
    # a topic-shift word (另外, 顺便问下) starts another question inside one unpunctuated sentence
    ("陕西报名截止是哪天另外团队最多几个人", 2, [[("7月31日",)], [("不超过5人",)]]),
    ("新疆决赛在几月顺便问下官网是哪个", 2, [[("8月底",)], [("sjysx.xj.gov.cn",)]]),
    # a later item asking its own value (初赛时间) is not the first item with its round swapped
    ("益阳报名截止、初赛时间", 2, [[("7月10日",)], [("7月下旬",)]]),
    # a division named only at the end is the scope of every piece
    ("截止时间跟报名网址，新疆", 2, [[("7月10日",)], [("sjysx.xj.gov.cn",)]]),
    # no question word anywhere: a list of value nouns is a list of questions
    ("陕西 报名网址 决赛时间 联系电话", 3, [[("shaanxi.gov.cn/dexc",)], [("8月下旬",)], [("18829871377",)]]),
    # a clause starting with 以及 after a noun-phrase question is the next item asked
    ("益阳初赛现场路演时间，以及获奖项目的赛事权益", 2, [[("7月下旬",)], [("政策激励",)]]),
    # a short value noun after a question asks for it too
    ("山西报名收费吗，报名平台", 2, [[("不向参赛团队收取任何参赛费用",)], [("sxsjds.com",)]]),
    # the last item of a 、 list joined by 和
    ("想参加新疆，麻烦发下官网、报名截止日期和团队人数上限", 3, [[("sjysx.xj.gov.cn",)], [("7月10日",)], [("不超过5人",)]]),
    # fields listed with spaces share the predicate as a 、 list does
    ("项目背景 核心优势 技术路线 各限多少字", 3, [[("限500字",)], [("限1000字",)], [("限4000字",)]]),
    # a later question of its own words points back at the value asked before it (when can one call it)
    ("新疆监督举报电话是多少 什么时间可以打", 2, [[("0991-2384583",)], [("10:00至14:00",)]]),
]


def test_a_note_shared_by_every_part_is_said_once(assistant: Assistant) -> None:
    answer = assistant.ask("部署方式、收费模式、数据价值目标各限选几个")
    assert answer.answer.count("申报书模板只附在山西分赛通知中") == 1
    assert answer.answer.startswith("（申报书模板只附在山西分赛通知中")


@pytest.mark.parametrize(("message", "n", "facts"), MESSAGES, ids=[m[0] for m in MESSAGES])
def test_each_part_is_answered_in_order(assistant: Assistant, message: str, n: int, facts: list[list[tuple[str, ...]]]) -> None:
    answer = assistant.ask(message)
    assert answer.status == "answered", answer.answer
    assert len(answer.parts) == n, [p.question for p in answer.parts]
    positions: list[int] = []
    text = _compact(answer.answer)
    for part, groups in zip(answer.parts, facts, strict=True):
        assert part.status == "answered", part
        assert part.citations, f"a part without its own citation: {part.question}"
        for group in groups:
            assert any(_compact(f) in _compact(part.answer) for f in group), f"{group} not in part {part.question}: {part.answer}"
            positions.append(min(text.find(_compact(f)) for f in group if _compact(f) in text))
    assert positions == sorted(positions), "parts are answered in the order they were asked"
    for part in answer.parts:
        for n_ in part.citations:
            assert f"[{n_}]" in part.answer


def test_a_silent_part_says_so_in_place_and_the_answer_still_counts(assistant: Assistant) -> None:
    answer = assistant.ask("陕西分赛一等奖几个？一等奖奖金多少？")
    assert answer.status == "answered"
    assert [p.status for p in answer.parts] == ["answered", "not_found"]
    assert "按比例" in answer.parts[0].answer
    assert "没有写明奖金金额" in answer.parts[1].answer


def test_every_part_is_accounted_for_in_the_resolved_question(assistant: Assistant) -> None:
    answer = assistant.ask("新疆分赛承办单位是谁？指导单位呢？")
    assert answer.resolved_question == "新疆分赛承办单位是谁？；新疆分赛指导单位是谁"
    assert "昌吉回族自治州人民政府" in answer.parts[0].answer
    assert "国家数据局" in answer.parts[1].answer


def test_several_divisions_stay_one_question(assistant: Assistant) -> None:
    answer = assistant.ask("新疆和陕西报名截止分别是哪天")
    assert len(answer.parts) == 1 and set(answer.divisions) == {"xinjiang", "shaanxi"}
    assert "7月10日" in _compact(answer.answer) and "7月31日" in _compact(answer.answer)


def test_context_without_a_question_belongs_to_the_next_one(assistant: Assistant) -> None:
    answer = assistant.ask("我们是益阳本地企业，想报今年的数据要素×大赛，听说要在湖南分赛平台上注册，具体网址是哪个？")
    assert len(answer.parts) == 1
    assert "hnsjysx.hunan-data.com" in answer.answer


def test_a_count_of_a_numbered_section_is_its_items(assistant: Assistant) -> None:
    """A count the notice never states, of a section that is a numbered list ((一)…(四)): its items in their own numbering, each cited."""
    answer = assistant.ask("陕西分赛的大赛目标有几条呀")
    assert answer.status == "answered" and "（四）赛出新价值" in answer.answer, answer.answer
    assert [c.quote for c in answer.citations] == ["（一）赛出新应用。", "（二）赛出新技术。", "（三）赛出新模式。", "（四）赛出新价值。"]


def test_a_count_is_not_a_section_that_only_shares_a_word(assistant: Assistant) -> None:
    """推荐多少个项目去总决赛 is not the length of 参赛项目要求: the heading must name the whole topic."""
    answer = assistant.ask("山西分赛一共推荐多少个项目进全国总决赛")
    assert "参赛项目要求共" not in answer.answer, answer.answer


def test_a_separate_part_after_a_template_field_stays_in_the_template(assistant: Assistant) -> None:
    """A 申报书 field is scope: the second question, with a subject of its own, is still asked of the template."""
    answer = assistant.ask("收费模式能选几个，服务客户数没有的话填什么")
    assert [p.status for p in answer.parts] == ["answered", "answered"], answer.answer
    assert "无填 0" in answer.parts[1].answer and answer.parts[1].divisions == ["shanxi"]


@pytest.mark.parametrize("message", ["我们团队时不时要出差，能报山西分赛吗", "我们动不动就加班，山西分赛报名截止是哪天"])
def test_a_set_phrase_shaped_like_a_not_a_is_context(assistant: Assistant, message: str) -> None:
    """时不时 / 动不动 look like X不X but ask nothing: the clause is context for the question after it."""
    answer = assistant.ask(message)
    assert len(answer.parts) == 1 and answer.status == "answered", [p.question for p in answer.parts]



def test_a_clause_about_the_applicant_is_context_not_a_value_asked(assistant: Assistant) -> None:
    """"我们时间比较紧" mentions 时间 but asks no date: the URL asked before it is the question."""
    answer = assistant.ask("新疆报名网址发一下，我们时间比较紧")
    assert len(answer.parts) == 1 and "sjysx.xj.gov.cn" in answer.answer, answer.answer


def test_a_later_item_does_not_inherit_the_value_an_earlier_item_asked(assistant: Assistant) -> None:
    """"…官网、截止日期": 官网 is what the first item asks, not the subject of the date."""
    answer = assistant.ask("想报新疆，请告诉我官网、截止日期")
    assert len(answer.parts) == 2
    assert "官网" not in answer.parts[1].question and "7月10日" in _compact(answer.parts[1].answer), answer.parts[1]



@pytest.mark.parametrize(
    "message",
    ["不方便打电话，想发邮件咨询新疆分赛", "电话打不通，陕西分赛的邮箱发一下", "山西分赛报名网址是什么，时间有点紧"],
)
def test_a_sentence_about_a_value_is_context_not_a_noun_phrase_question(assistant: Assistant, message: str) -> None:
    """"电话打不通", "时间有点紧" say something of a value; only a bare value phrase (决赛时间) asks for it."""
    answer = assistant.ask(message)
    assert len(answer.parts) <= 1, [p.question for p in answer.parts]
