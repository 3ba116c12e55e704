"""Typed records read from the knowledge files' structure and the form schema, each with its
verbatim quote: a new notice of the same shape gets the same records."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.rules.embeddings import USEM3Embedder
from assistant.rules.index import KnowledgeIndex, open_index
from assistant.rules.pipeline import Engine as Assistant
from assistant.rules.records import Records
from assistant.rules.records.indicators import Node
from assistant.services import make_clock
from assistant.settings import ROOT, Settings

KNOWLEDGE = ROOT / "knowledge"
ALL_TEXT = re.sub(r"\s+", "", "".join(p.read_text(encoding="utf-8") for p in KNOWLEDGE.glob("*.md")))


@pytest.fixture(scope="module")
def records(assistant: Assistant) -> Records:
    return assistant.records


def _verbatim(quote: str) -> bool:
    return re.sub(r"\s+", "", quote) in ALL_TEXT


# -- guide trees -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("division", "tracks"), [("shanxi", 9), ("shaanxi", 14), ("xinjiang", 14), ("national-2025", 14), ("national-2024", 12)])
def test_guides_are_trees_with_their_track_count(records: Records, division: str, tracks: int) -> None:
    found = records.guides.of(division)  # type: ignore[arg-type]
    assert len(found) == tracks
    assert all(t.topics or t.is_open for t in found)
    assert all(_verbatim(t.source.quote) for t in found)
    assert all(_verbatim(tp.source.quote) for t in found for tp in t.topics)


def test_topics_keep_the_notices_own_numbering(records: Records) -> None:
    finance = next(t for t in records.guides.of("national-2025") if t.core == "金融服务")
    assert [tp.label for tp in finance.topics] == ["一", "二", "三", "四", "五", "六"]
    shaanxi_emergency = next(t for t in records.guides.of("shaanxi") if t.core == "应急管理")
    assert any(tp.title == "秦岭综合治理管控" and tp.label == "赛题 5" for tp in shaanxi_emergency.topics)


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("做红色文化数字化的项目报陕西哪个赛道", ["文化旅游", "红色文化数字创新应用"]),
        ("山西的自动驾驶赛题在哪个赛道", ["交通运输", "自动驾驶创新发展"]),
        ("陕西的秦岭综合治理管控属于哪个赛道", ["应急管理", "秦岭综合治理管控"]),
        ("我们做低空经济无人机的 陕西该报哪个赛道", ["创新赛道", "低空经济"]),
        ("2024年赛题指南中港口航道数字化属于哪个赛道", ["交通运输", "提升港口航道数智服务水平"]),
    ],
)
def test_reverse_lookup_from_a_topic_or_a_project_to_its_track(assistant: Assistant, question: str, facts: list[str]) -> None:
    answer = assistant.ask(question)
    assert answer.status == "answered"
    for fact in facts:
        assert fact in answer.answer, answer.answer


def test_tracks_and_topics_counted_from_the_tree(assistant: Assistant) -> None:
    answer = assistant.ask("山西分赛有几个赛道，每个赛道多少赛题")
    assert "9 大赛道" in answer.answer and "48 个赛题" in answer.answer
    national = assistant.ask("2025年赛题指南一共设了几个赛道")
    assert national.divisions == ["national-2025"] and "赛道十四" in national.answer


# -- indicator trees -----------------------------------------------------------------------------


def test_indicator_trees_have_three_levels(records: Records) -> None:
    for d in ("xinjiang", "national-2025"):
        tree = records.indicators.of(d)  # type: ignore[arg-type]
        assert tree is not None
        assert [r.name for r in tree.roots] == ["先进性", "实效性", "示范性"]
        advanced: Node = tree.roots[0]
        assert [c.name for c in advanced.children][:2] == ["数据治理", "数据应用场景培育"]
        assert len(advanced.descendants(3)) == 10
        assert all(_verbatim(n.source.quote) for n in tree.nodes())


def test_indicator_questions(assistant: Assistant) -> None:
    children = assistant.ask("新疆 先进性包含哪几个二级指标")
    assert "技术创新及机制创新水平" in children.answer
    level1 = assistant.ask("一级指标有几个")
    assert level1.status == "answered" and all(n in level1.answer for n in ("先进性", "实效性", "示范性"))
    full_name = assistant.ask("国家2025评价指标里技术创新那个二级指标全称叫啥")
    assert "技术创新及模式创新水平" in full_name.answer
    corrected = assistant.ask("国家2025评价指标里数据来源那个是叫数据来源多元化吧")
    assert "数据来源多元性" in corrected.answer


def test_a_node_asked_for_the_indicator_above_it(assistant: Assistant) -> None:
    """Reverse lookup in the tree: a level-3 name (or a run of it) asked for its level-1 or level-2 parent."""
    up = assistant.ask("新疆评价指标里，流通模式可推广性挂在哪个一级指标下")
    assert up.status == "answered" and "属于一级指标“示范性”" in up.answer, up.answer
    two = assistant.ask("国家2025评价指标中经济效益和社会效益属于哪个二级指标")
    assert two.answer.count("属于二级指标“经济社会效益”") == 2, two.answer


def test_differences_between_the_two_indicator_trees(assistant: Assistant) -> None:
    answer = assistant.ask("新疆的评价指标和全国2025的有啥区别")
    first = answer.answer.splitlines()[0]
    assert first.startswith("不同之处")
    for name in ("数据来源多元化", "数据来源多元性", "技术创新及机制创新水平", "技术创新及模式创新水平"):
        assert name in first


# -- prizes, schedule, contacts -------------------------------------------------------------------


def test_prize_tables_per_level(records: Records) -> None:
    first = records.prizes.of("shanxi", "一等奖")[0]
    assert (first.count, first.amount, first.total) == ("3 个", "奖金 5 万元/个", "总金额 15 万元")
    assert records.prizes.pool["shanxi"].quote == "奖金总额 60 万元"
    assert [c.count for c in records.prizes.of("yiyang", "三等奖")][:1] == ["若干"]
    shaanxi = records.prizes.of("shaanxi", "一等奖")
    assert any(c.count == "按比例" for c in shaanxi) and not any(c.amount for c in shaanxi)


def test_counts_even_where_no_amount_is_given(assistant: Assistant) -> None:
    answer = assistant.ask("陕西一等奖几个")
    assert answer.status == "answered" and "按比例" in answer.answer


@pytest.mark.parametrize(("question", "awards", "left_out"), [
    # every award the division's prize section names, each quoted where it is first named
    ("山西分赛一共设了哪些奖", ["优秀奖", "优秀组织奖", "突出贡献奖"], []),
    ("益阳初赛都有些什么奖", ["一等奖", "二等奖", "三等奖", "优秀组织奖"], []),
    # the awards the question excludes are not what it asks for
    ("山西除了一、二、三等奖和优秀奖以外还设了别的奖项吗", ["优秀组织奖", "突出贡献奖"], ["拟设置一、二、三等奖"]),
    ("益阳初赛除了一二三等奖还有其他奖吗", ["优秀组织奖"], ["一等奖"]),
])
def test_the_awards_a_division_sets(assistant: Assistant, question: str, awards: list[str], left_out: list[str]) -> None:
    answer = assistant.ask(question)
    assert answer.status == "answered", answer.answer
    for award in awards:
        assert award in answer.answer, (award, answer.answer)
    for quote in left_out:
        assert quote not in answer.answer, answer.answer
    assert all(c.quote.replace(" ", "") in ALL_TEXT for c in answer.citations)


def test_schedule_stages(records: Records) -> None:
    names = [s.name for s in records.schedule.timeline("xinjiang")]
    assert names == ["报名阶段", "初赛阶段", "决赛阶段", "颁奖仪式", "公示及推选国家赛阶段"]
    final = records.schedule.timeline("shanxi")[3]
    assert final.name == "决赛" and final.when == "2025 年 8 月上旬" and final.body[0] == "决赛评审方式为现场演示答辩。"


@pytest.mark.parametrize("division", ["shanxi", "shaanxi", "xinjiang", "yiyang"])
def test_when_the_competition_itself_runs_is_its_timeline(assistant: Assistant, records: Records, division: str) -> None:
    """No stage named, no topic but the division: the answer is every stage with its dates, each cited."""
    name = {"shanxi": "山西分赛", "shaanxi": "陕西分赛", "xinjiang": "新疆分赛", "yiyang": "益阳初赛"}[division]
    stages = records.schedule.timeline(division)
    for question in (f"{name}什么时候举行", f"{name}在几月"):
        answer = assistant.ask(question)
        assert answer.status == "answered", question
        assert all(s.when in answer.answer for s in stages), question
        assert all(c.division == division for c in answer.citations)
    assert assistant.ask(f"{name}奖金什么时候发").status != "answered"  # a topic the timeline does not cover


def test_merged_table_rows_stay_with_their_row(assistant: Assistant) -> None:
    """益阳 annex 1 merges 市公安局 and 市城管执法局 into the 城市治理 row (their other cells are empty)."""
    answer = assistant.ask("益阳城市治理赛道的主管单位是谁")
    assert all(u in answer.answer for u in ("市委政法委", "市公安局", "市城管执法局")), answer.answer
    assert "市医保局" not in answer.answer and len(answer.citations) == 3


def test_who_does_a_task_is_the_clause_about_the_task_not_the_role_list(assistant: Assistant) -> None:
    """A "who" question with a topic of its own (评审工作, 牵头) is answered by the clause naming the body
    that does it; the organiser roles' "not listed" answer is only for a question about the role itself."""
    review = assistant.ask("陕西的赛事评审工作由谁负责")
    assert review.status == "answered" and "负责陕西分赛评审工作" in review.answer, review.answer
    lead = assistant.ask("新疆分赛组委会谁牵头")
    assert "自治区数字化发展局" in lead.answer, lead.answer
    first = assistant.ask("山西初赛谁先初审")  # 初审: the notice says 初步把关审核
    assert first.status == "answered" and "省有关部门" in first.answer, first.answer


def test_a_count_about_a_named_track_that_is_not_its_topics(assistant: Assistant) -> None:
    topics = assistant.ask("陕西金融服务赛道有几个赛题")
    assert "提高金融风险防控能力" in topics.answer
    other = assistant.ask("益阳科技创新赛道每家推几个")
    assert "鼓励科学数据汇聚共享" not in other.answer  # not the track's topic list


def test_contacts_names_only_means_no_phone(assistant: Assistant, records: Records) -> None:
    assert not any(ln.phones for ln in records.contacts.of("shanxi"))
    answer = assistant.ask("山西分赛联系电话多少")
    assert answer.status == "not_found" and "没有写明联系电话" in answer.answer and "郭亚楠" in answer.answer
    tech = assistant.ask("新疆分赛技术支持电话")
    assert "010-88681521" in tech.answer and "许知行" in tech.answer


# -- the 申报书 template ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("数据产品和服务类型能选几项？有哪些", ["最多选 2 项", "软硬件一体化解决方案", "软件产品"]),
        ("项目数据来源最多能选几项", ["最多选 2 项"]),
        ("申报书里项目简述限多少字", ["1000字以内"]),
        ("赛道及参赛方向能多选吗", ["单选"]),
        ("项目主要部署方式能选几个 有哪些选项", ["限 2 个", "本地部署", "混合云部署"]),
        ("应用成效那一栏至少要填几项", ["至少填2项"]),
        ("项目市场收入要填哪几年的", ["2023 年", "2024 年", "2025 年（预期）"]),
        ("山西申报书团队成员最多填几个", ["最多添加 5 名"]),
        ("参赛单位最多能填几家", ["最多五家"]),
        ("数据汇聚方式怎么选", ["每类选最主要的 1 个"]),
        ("每个人承担的角色描述限多少字", ["50字"]),
        ("申报书附件里知识产权部分要填啥", ["专利号", "软著名称", "登记号"]),
        ("项目毛利润是必填吗", ["选填"]),
        ("部署方式能选几个", ["限 2 个", "私有云部署"]),  # a choice limit comes with its options
        ("参赛单位性质是单选吗", ["单位性质", "单选"]),  # 单位性质, not the 参赛单位 table
        ("团队成员表和参赛单位表分别最多能填多少", ["最多添加 5 名", "最多五家"]),
        # the template's outline: a part, a chapter, a field's numbered points, the cover
        ("申报书第二部分有哪几章", ["项目概述", "解决方案", "应用成效", "商业模式", "附件"]),
        ("申报书商业模式那一章要写哪两部分", ["推广示范价值", "模式可持续性"]),
        ("技术路线那一块要分哪几点写", ["技术架构", "数据服务功能", "数据服务及产品效能"]),
        ("申报书封面上都要填什么", ["团队名称", "项目名称", "参赛单位名称", "日期"]),
        # labelled option groups, printed units, fields shown only for an answer (from the schema)
        ("算法模型是哪个栏目下面的哪一类选项", ["数字产品设计", "算法模型"]),
        ("利润按什么单位填", ["万元"]),
        ("选了接入大模型以后还得填啥", ["大模型名称", "训练数据来源", "数据量"]),
        ("项目应用成效那块分成哪几种价值", ["存量价值", "增量价值", "社会价值"]),  # a block's sub-headings
    ],
)
def test_template_fields_answered_from_the_template(assistant: Assistant, question: str, facts: list[str]) -> None:
    answer = assistant.ask(question)
    assert answer.status == "answered", answer.answer
    assert answer.divisions == ["shanxi"]
    if "山西" not in question:
        assert "申报书模板只附在山西分赛通知中" in answer.answer
    for fact in facts:
        assert fact in answer.answer, answer.answer
    assert all(c.section.startswith("附件 2") for c in answer.citations)


def test_template_records_keep_groups_units_and_dependents(records: Records) -> None:
    """Built from the schema's structure (groups, unit, show_if), each kept only where the template prints it."""
    items = {it.label: it for it in records.template.items}
    advantage = items["数据优势"]
    assert [g for g, _ in advantage.groups] == ["数据资源", "基础设施", "场景应用", "流通服务", "安全治理"]
    assert "数据采集" in dict(advantage.groups)["数据资源"]
    assert items["营收"].unit == "万元"
    llm = items["是否接入大模型"]
    assert llm.condition == "是" and llm.dependents[:3] == ("大模型名称", "接入用途", "投入费用")
    quotes = "".join(s.quote for s in llm.more_sources)
    assert all(d in quotes.replace(" ", "") for d in llm.dependents)  # each dependent is in a cited line


def test_template_options_are_only_what_the_template_prints(records: Records) -> None:
    # 证件类型 and the contract table's columns are our supplement to the template's drop-downs.
    assert not any("居民身份证" in it.options for it in records.template.items)
    assert not any("合同相对方" in it.parts for it in records.template.items)
    deployment = next(it for it in records.template.items if it.label == "项目主要部署方式")
    assert deployment.options == ("边缘侧部署", "本地部署", "私有云部署", "公有云部署", "混合云部署")
    assert all(_verbatim(s.quote) for it in records.template.items for s in it.sources)


# -- a new notice of the same shape gets the same records ------------------------------------------

NEW_NOTICE = """---
division: "shanxi"
title: "关于举办2025年“数据要素×”大赛山西分赛的通知（测试副本）"
issuer: null
doc_number: null
date: null
source_file: "test.txt"
---

## 一、赛事安排

1. 报名阶段（2025 年 9 月 1 日至 9 月 30 日）。参赛单位在平台注册报名。

2. 决赛（2025 年 11 月中旬）。决赛评审方式为现场答辩。

## 二、奖项设置

奖金总额 30 万元，具体如下：

1. 一等奖 2 个 奖金 8 万元/个 总金额 16 万元
2. 二等奖 7 个 奖金 2 万元/个 总金额 14 万元

联系人：张三 13900001111

## 附件 1 赛题指南

### 赛道一：数据要素×海洋经济领域赛题

1.智慧港口调度：融合船舶、泊位数据，提升港口效率。

2.海洋牧场监测：融合水质与鱼群数据，实现精准养殖。

## 附件 2 评价指标

| 一级指标 | 二级指标 | 三级指标 |
|---|---|---|
| 创新性 | 技术创新 | 算法创新 |
|  |  | 模式创新 |
|  | 应用创新 | 场景创新 |
"""


def test_a_new_notice_of_the_same_shape_gets_the_same_records(tmp_path: Path) -> None:
    kb = tmp_path / "knowledge"
    kb.mkdir()
    (kb / "shanxi.md").write_text(NEW_NOTICE, encoding="utf-8")
    index: KnowledgeIndex = open_index(knowledge_dir=kb, data_dir=tmp_path / "data", embedder=USEM3Embedder(), progress=False)
    records = Records.build(index, ROOT / "form_schema")
    assert [s.name for s in records.schedule.timeline("shanxi")] == ["报名阶段", "决赛"]
    assert records.prizes.of("shanxi", "一等奖")[0].amount == "奖金 8 万元/个"
    assert records.prizes.pool["shanxi"].quote == "奖金总额 30 万元"
    assert records.contacts.of("shanxi")[0].phones == ("13900001111",)
    track = records.guides.of("shanxi")[0]
    assert track.core == "海洋经济" and [t.title for t in track.topics] == ["智慧港口调度", "海洋牧场监测"]
    tree = records.indicators.of("shanxi")
    assert tree is not None and [c.name for c in tree.roots[0].children] == ["技术创新", "应用创新"]
    engine = Assistant(index=index, records=records, clock=make_clock(Settings(_env_file=None, today="2026-11-21")))  # type: ignore[call-arg]
    answer = engine.ask("山西分赛一等奖奖金多少")
    assert "8 万元" in answer.answer
    assert "海洋牧场监测" in engine.ask("山西海洋经济赛道有哪些赛题").answer


def test_an_either_or_prize_question_is_answered_by_the_form_the_notice_names(assistant: Assistant) -> None:
    """陕西 gives no amounts; 有奖金还是只发证书 is still answered: the notice names the second choice."""
    answer = assistant.ask("陕西获奖的话有奖金还是只发证书")
    assert answer.status == "answered" and "奖杯、证书" in answer.answer, answer.answer
    silent = assistant.ask("陕西获奖有奖金吗")
    assert silent.status == "not_found" and "奖金金额" in silent.answer


@pytest.mark.parametrize(
    ("question", "topic"),
    [("山西交运赛道有哪些赛题", "自动驾驶创新发展"), ("新疆分赛的金服赛道下面有什么题", "金融")],
)
def test_a_track_named_by_its_initials_is_that_track(assistant: Assistant, question: str, topic: str) -> None:
    """交通运输 → 交运, 金融服务 → 金服: generated for every four-character track, named only before 赛道/领域."""
    answer = assistant.ask(question)
    assert answer.status == "answered" and topic in answer.answer and "赛题指南中的赛道" not in answer.answer, answer.answer


def test_initials_inside_ordinary_words_name_no_track(assistant: Assistant) -> None:
    """能源低碳 → 能低, but 不能低于 is no track."""
    q = assistant.query("山西分赛团队人数不能低于几人", [])
    assert not q.parts[0].of("track")


@pytest.mark.parametrize(
    ("question", "said"),
    [("申报书的落地应用案例表最多能写几个案例", "无数量限制"), ("项目适用行业能选几个行业", "数量不限")],
)
def test_how_many_a_field_takes_is_read_from_its_hint(assistant: Assistant, question: str, said: str) -> None:
    """"（可增加，无数量限制）", "…数量不限": the template says how many in the field's own note."""
    answer = assistant.ask(question)
    assert answer.status == "answered" and said in answer.answer, answer.answer
