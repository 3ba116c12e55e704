"""The chat's and the timeline's fragments, without a browser: table quotes, follow-ups, the timeline chart."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.models import Answer, Citation
from assistant.web.page import SUGGESTIONS, conversation, follow_ups
from assistant.web.render import bubble_html, table_row_text, timeline_html
from assistant.web.timeline import DivisionTimeline, StageView, Timeline

TABLE = "说明如下：\n\n| 序号 | 单位 | 电话 |\n| --- | --- | --- |\n| 1 | 省数据局 | 0351-1 |\n| 2 | 市工业和信息化局 | 0351-2 |\n"


@pytest.mark.parametrize(
    ("quote", "context", "expected"),
    [
        ("| 2 | 市工业和信息化局 | 0351-2 |", TABLE, "序号：2；单位：市工业和信息化局；电话：0351-2"),
        ("| 2 | 市工业和信息化局 | 0351-2 |", "", "2；市工业和信息化局；0351-2"),
        ("1. 一等奖 3 个 奖金 5 万元/个", TABLE, "1. 一等奖 3 个 奖金 5 万元/个"),
    ],
)
def test_a_table_quote_reads_as_its_row(quote: str, context: str, expected: str) -> None:
    assert table_row_text(quote, context) == expected


def _citation(n: int, quote: str = "奖金 5 万元", context: str = "") -> Citation:
    return Citation(n=n, division="shanxi", doc_title="山西通知", section="五、奖项设置", quote=quote, context=context)


def test_each_answer_links_its_markers_to_its_own_cards() -> None:
    answer = Answer(question="q", answer="一等奖 5 万元[1]，电话[2]", status="answered", divisions=["shanxi"],
                    citations=[_citation(1), _citation(2, "| 2 | 市工业和信息化局 | 0351-2 |", TABLE)])
    html = bubble_html(answer, 3)
    assert '<a class="cite" href="#src-3-1">[1]</a>' in html and 'id="src-3-2"' in html
    assert "单位：市工业和信息化局" in html and "| 2 |" not in html.split("查看上下文")[1].split("<mark>")[0]
    assert "\n" not in html.split("\n\n", 1)[1]  # the cards are one HTML line inside the Markdown bubble


def test_follow_ups_follow_the_answer_subject() -> None:
    answer = Answer(question="陕西分赛报名截止时间", answer="…", status="answered", divisions=["shaanxi"],
                    resolved_question="陕西分赛报名截止时间")
    ups = follow_ups(answer)
    assert ups[:2] == ["那山西呢？", "那新疆呢？"] and all("报名" not in u for u in ups)
    assert all(u.startswith("陕西分赛") for u in ups[2:])
    assert follow_ups(None) == SUGGESTIONS
    assert follow_ups(answer.model_copy(update={"status": "out_of_scope"})) == SUGGESTIONS


def test_only_answered_turns_go_into_the_history() -> None:
    turns = [
        {"q": "山西分赛一等奖奖金是多少", "state": "done", "text": "5 万元"},
        {"q": "那陕西", "state": "stopped", "text": "陕西分"},
        {"q": "x" * 3000, "state": "error", "text": "问题过长"},
    ]
    assert conversation(turns) == [
        {"role": "user", "content": "山西分赛一等奖奖金是多少"},
        {"role": "assistant", "content": "5 万元"},
    ]


def _timeline(today: date) -> Timeline:
    def stage(name: str, start: date | None, end: date) -> StageView:
        phase = "passed" if today > end else "upcoming" if start and today < start else "current"
        return StageView(name=name, when=name, start=start, end=end, status="", phase=phase, citation=_citation(1))

    stages = [stage("报名", date(2025, 5, 1), date(2025, 7, 31)), stage("决赛", date(2025, 8, 21), date(2025, 8, 31))]
    return Timeline(today=today, divisions=[
        DivisionTimeline(id="shanxi", name="山西分赛", stages=stages),
        DivisionTimeline(id="shaanxi", name="陕西分赛", stages=stages),
    ])


def _legend(html: str) -> str:
    return html.split('class="tl-legend">', 1)[1].split("</div>", 1)[0]


def test_a_finished_competition_is_said_and_the_axis_fits_the_stages() -> None:
    html = timeline_html(_timeline(date(2026, 12, 2)))
    assert "2025 年大赛各阶段均已结束" in html
    assert '<div class="tl-label tl-year">2025 年</div>' in html
    assert html.count('class="tl-tick') == 4  # 5月–8月, not up to December 2026
    legend = _legend(html)
    assert "已结束" in legend and "进行中" not in legend and "未开始" not in legend  # no phantom legend items
    assert "今天（2026-12-02）在图中时间范围之后" in html and "tl-now-wrap" not in html


def test_today_inside_the_stages_is_marked() -> None:
    html = timeline_html(_timeline(date(2025, 6, 1)))
    assert "均已结束" not in html and "tl-now-wrap" in html and "┆ 今天" in html
    assert "已结束" not in _legend(html) and "进行中" in _legend(html)  # nothing had ended on 1 June
