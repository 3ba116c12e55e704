"""`form fill` from piped input: a long answer runs to “结束”, blank lines and command-like first lines included."""

from __future__ import annotations

import argparse
import io
from typing import Any

import pytest
from backends import DraftBackend

from assistant.forms import cli
from assistant.settings import Settings


def settings(drafts: DraftBackend) -> Settings:
    return drafts.settings(today="2025-06-01")


def new_draft(drafts: DraftBackend, *replies: str) -> str:
    """A draft made by `form new`, then `replies` piped into `form fill`."""
    out = io.StringIO()
    assert cli.run(argparse.Namespace(form_command="new"), settings(drafts), stdout=out) == 0
    token = out.getvalue().split("草稿令牌：", 1)[1].split()[0]
    if replies:
        fill(drafts, token, "\n".join(replies) + "\n")
    return token


def fill(drafts: DraftBackend, token: str, stdin: str) -> str:
    out = io.StringIO()
    args = argparse.Namespace(form_command="fill", token=token, out=drafts.data_dir.parent / "申报书.docx")
    assert cli.run(args, settings(drafts), stdin=io.StringIO(stdin), stdout=out) == 0
    return out.getvalue()


def basic(drafts: DraftBackend, token: str) -> dict[str, Any]:
    return dict(drafts.store().load(token).answers.get("basic") or {})


AT_SUMMARY = ("山西智煤数据平台", "1.2", "山西省")  # the next question is 项目简述 (long text)


@pytest.mark.parametrize(
    "text",
    [
        "本项目面向煤矿安全生产。\n\n第二段：数据来自井下传感器。",
        "说明：本项目面向煤矿安全生产。\n第二段。",
        "确认书管理是本项目的起点。\n第二段。",
        "修改版方案\n\n第二段。",
    ],
    ids=["blank-line", "starts-with-说明", "starts-with-确认", "starts-with-修改"],
)
def test_a_long_answer_runs_to_the_end_marker(drafts: DraftBackend, text: str) -> None:
    token = new_draft(drafts, *AT_SUMMARY)
    out = fill(drafts, token, text + "\n结束\n")
    saved = basic(drafts, token)
    assert saved["summary"] == text, out
    assert saved["name"] == "山西智煤数据平台"
    assert "已记录：项目简述，共" in out


def test_a_command_as_the_first_line_of_a_long_answer_is_sent_at_once(drafts: DraftBackend) -> None:
    token = new_draft(drafts, *AT_SUMMARY)
    out = fill(drafts, token, "修改 项目名称\n山西智煤数据平台二期\n")
    assert basic(drafts, token)["name"] == "山西智煤数据平台二期"
    assert "summary" not in basic(drafts, token)
    assert "修改“项目名称”" in out


def test_a_first_line_that_is_exactly_a_confirmation_word_is_not_stored(drafts: DraftBackend) -> None:
    token = new_draft(drafts, *AT_SUMMARY)
    out = fill(drafts, token, "保留\n第二段：保留原有系统。\n结束\n")
    assert "现在没有待确认的事项，“保留”不会被当作回答保存" in out
    assert basic(drafts, token)["summary"] == "第二段：保留原有系统。"  # still the field asked


def test_a_long_answer_ends_at_the_end_of_input(drafts: DraftBackend) -> None:
    token = new_draft(drafts, *AT_SUMMARY)
    fill(drafts, token, "第一段。\n\n第二段。\n")
    assert basic(drafts, token)["summary"] == "第一段。\n\n第二段。"


def test_the_long_answer_hint_names_the_end_marker(drafts: DraftBackend) -> None:
    token = new_draft(drafts, *AT_SUMMARY)
    out = fill(drafts, token, "退出\n")
    assert "单独一行输入“结束”提交" in out and "输入空行结束" not in out
