"""The console's 通知管理 tab: read a Word notice, confirm its amendments, and the running engine
answers by it at once (no restart); removing it restores the original answer."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from test_notices import DEADLINE_Q, _docx

from assistant.notices.store import NoticeStore
from assistant.settings import Settings

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from assistant.web.deps import build_services

    data_dir = tmp_path_factory.mktemp("console-notices")
    settings = Settings(_env_file=None, data_dir=data_dir, today="2025-08-05", sites_file=data_dir / "sites.yaml")  # type: ignore[call-arg]
    return build_services(settings, progress=False)


def test_add_and_remove_a_notice_from_the_console(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant.web.console import build_console
    from assistant.web.notices_tab import add_notice, notice_rows, read_notice, remove_notice

    build_console(services)  # the tab is wired into the console
    store = NoticeStore(services.settings.notices_dir)
    assert read_notice(services.settings, None, "shaanxi", "")[0] == "⚠️ 请先选择通知文件。"
    preview, labels, draft = read_notice(services.settings, str(_docx(tmp_path / "延期.docx")), "shaanxi", "")
    assert "延期公告，2025-07-25 发布" in preview and len(labels) == 2
    status = add_notice(services, store, draft, labels[:1])  # only the postponement is ticked
    assert status.startswith("已添加通知 notice-shaanxi-20250725（1 条修改）")
    assert notice_rows(store)[0][:4] == ["notice-shaanxi-20250725", "陕西", "延期公告", "2025-07-25"]
    answer = services.assistant.ask(DEADLINE_Q)
    assert "延期至2025年8月10日（原定2025年7月31日）" in answer.answer
    assert [c.role for c in answer.citations].count("superseded") == 1
    assert remove_notice(services, store, "notice-shaanxi-20250725").startswith("已删除通知")
    assert "2025 年 7 月 31 日" in services.assistant.ask(DEADLINE_Q).answer
    assert remove_notice(services, store, "notice-nope").startswith("⚠️ 没有编号为")


def test_the_console_previews_the_answers_a_notice_will_change_before_adding_it(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """预览回答变化: our cases asked with and without the ticked amendments, on the day they take
    effect; only the answers the notice changes are listed, and nothing is stored."""
    from assistant.web.notices_tab import preview_notice, read_notice

    store = NoticeStore(services.settings.notices_dir)
    services.store.log(services.assistant.ask("陕西那边最晚几号报名？"), scope=None, channel="page")  # a logged question
    _, labels, draft = read_notice(services.settings, str(_docx(tmp_path / "延期.docx")), "shaanxi", "")
    shown = preview_notice(services, store, draft, labels[:1])
    assert "以下" in shown and "陕西分赛报名截止时间是什么时候" in shown, shown
    assert "陕西那边最晚几号报名" in shown  # an applicant's own question is audited too
    assert "延期至2025年8月10日（原定2025年7月31日）" in shown and "2025 年 7 月 31 日" in shown
    assert "新疆分赛报名截止到什么时候" not in shown  # an answer the notice does not touch is not listed
    # both sides on the day the notice takes effect: no change is only a deadline's 进行中/已结束
    status = re.compile(r"（(?:进行中|已结束|尚未开始)）")
    befores = [status.sub("", ln.split("现在：", 1)[1]) for ln in shown.splitlines() if "现在：" in ln]
    afters = [status.sub("", ln.split("添加后：", 1)[1]) for ln in shown.splitlines() if "添加后：" in ln]
    assert befores and all(b != a for b, a in zip(befores, afters, strict=True))
    assert store.load() == [] and "原定" not in services.assistant.ask(DEADLINE_Q).answer  # nothing stored
    assert preview_notice(services, store, draft, []).startswith("没有勾选修改")
    assert preview_notice(services, store, None, labels).startswith("⚠️")


def test_a_superseded_source_is_marked_and_an_approved_answer_on_it_awaits_review(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Once the 补充通知 is in force: the page's 出处 card of the changed clause says 已调整, and the
    console lists an approved answer citing that clause as 待复核 (it is not served)."""
    from assistant.web.console import REVIEW, approved_state
    from assistant.web.notices_tab import add_notice, read_notice, remove_notice
    from assistant.web.render import SUPERSEDED_BADGE, sources_html

    store = NoticeStore(services.settings.notices_dir)
    original = services.assistant.ask(DEADLINE_Q)
    entry = services.store.approve(question=DEADLINE_Q, scope=None, answer="陕西分赛报名截止：2025年7月31日。",
                                   citations=original.citations, who="秘书处")
    other = services.store.approve(question="山西分赛一等奖奖金是多少？", scope=None, answer="一等奖 5 万元/个。",
                                   citations=services.assistant.ask("山西分赛一等奖奖金是多少？").citations, who="秘书处")
    assert approved_state(services, entry) == "使用中" and SUPERSEDED_BADGE not in sources_html(original)
    _, labels, draft = read_notice(services.settings, str(_docx(tmp_path / "延期.docx")), "shaanxi", "")
    add_notice(services, store, draft, labels[:1])
    try:
        answer = services.assistant.ask(DEADLINE_Q)
        assert not answer.approved and "延期至2025年8月10日" in answer.answer
        html = sources_html(answer)
        assert html.count(SUPERSEDED_BADGE) == 1  # the old clause only; the new notice's clause is in force
        assert approved_state(services, entry) == REVIEW and approved_state(services, other) == "使用中"
    finally:
        remove_notice(services, store, "notice-shaanxi-20250725")
        services.store.revoke(question=DEADLINE_Q, scope=None, who="秘书处")
        services.store.revoke(question="山西分赛一等奖奖金是多少？", scope=None, who="秘书处")
    assert approved_state(services, entry) == "使用中"
