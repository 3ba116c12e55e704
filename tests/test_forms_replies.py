"""A reply lands in the field it answers: commands only when exact, 已记录 shows what was stored, misfits refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from backends import DraftBackend

from assistant.forms.drafts import DraftStore
from assistant.forms.schema import load_schema
from assistant.forms.service import FormReply, FormService

ROOT = Path(__file__).resolve().parent.parent


def make_service(where: Path | DraftBackend) -> FormService:
    return FormService(
        schema=load_schema(ROOT / "form_schema"),
        store=where.store() if isinstance(where, DraftBackend) else DraftStore(where / "forms.sqlite3"),
        today=lambda: date(2025, 6, 1),
    )


def say(service: FormService, token: str, *replies: str) -> FormReply:
    reply = None
    for text in replies:
        reply = service.answer(token, text)
    assert reply is not None
    return reply


def basic(service: FormService, token: str) -> dict[str, Any]:
    return dict(service.store.load(token).answers.get("basic") or {})


@pytest.mark.parametrize(
    "name",
    ["修改版数据平台", "确认书数据平台", "保留地数据平台", "说明书智能生成平台", "采用区块链的数据平台", "跳过式数据中台"],
)
def test_a_name_starting_with_a_command_word_is_the_answer(drafts: DraftBackend, name: str) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, name)
    assert basic(service, token).get("name") == name, reply.message


def test_a_bare_confirmation_with_nothing_pending_is_not_stored(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "确认")
    assert "name" not in basic(service, token)
    assert "现在没有待确认的事项，“确认”不会被当作回答保存" in reply.message and "项目名称" in reply.message


def test_edit_written_without_a_space_is_a_command_only_for_an_exact_field_name(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    say(service, token, "山西智煤数据平台")
    reply = say(service, token, "修改项目名称")
    assert reply.question is not None and reply.question.step_id == "basic.name"
    assert basic(service, token)["name"] == "山西智煤数据平台"


def test_an_llm_purpose_starting_with_the_extract_word_is_stored_offline(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "修改 是否接入大模型", "是", "通义千问")
    assert reply.question is not None and reply.question.label == "参赛单位1·接入用途"
    purpose = "提取合同要素并生成审查意见"
    reply = say(service, token, purpose)
    assert "未配置大模型" not in reply.message
    state = service.store.load(token)
    assert purpose in state.model_dump_json()
    assert f"已记录：参赛单位1·接入用途“{purpose}”" in reply.message


def test_a_long_paste_as_project_name_is_refused_and_asked_again(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    paste = "本项目面向煤矿安全生产。" * 150 + "\n\n" + "第二段介绍数据来源。" * 100  # 2,800 字, 2 段
    reply = say(service, token, paste)
    assert "name" not in basic(service, token)
    assert "至多 200 字" in reply.message and "2800 字、2 段" in reply.message
    assert reply.question is not None and reply.question.step_id == "basic.name"


def test_a_multi_line_reply_to_a_one_line_field_is_refused_not_joined(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "山西智煤\n数据平台")
    assert "name" not in basic(service, token)
    assert "有 2 行" in reply.message


def test_recorded_echoes_the_parsed_choice(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "山西智煤数据平台")
    assert "已记录：项目名称“山西智煤数据平台”" in reply.message
    reply = say(service, token, "1.2")
    assert "已记录：赛道及参赛方向“赛道一：数据要素×能源低碳领域赛题 2.煤炭关键工序数字改造”" in reply.message


def test_recorded_echoes_each_value_of_a_group(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "修改 数据交易形式", "40、山西数据交易中心、50、10")
    assert (
        "来自交易机构的数据占比：40%；交易机构名称：山西数据交易中心；"
        "来自点对点合同的数据占比：50%；在线订阅的数据占比：10%" in reply.message
    ), reply.message


def test_recorded_long_text_gives_its_word_count_and_both_ends(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    text = "开头第一句。" + "中间内容" * 100 + "\n最后一句话到此结束。"
    reply = say(service, token, "修改 项目简述", text)
    assert "已记录：项目简述，共 416 字（按 Word 统计）、2 段" in reply.message, reply.message
    assert "开头“开头第一句。" in reply.message and "最后一句话到此结束。”" in reply.message


def test_adopt_without_a_suggestion_keeps_the_over_limit_text(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    long_text = "本公司深耕煤炭数据服务。" * 30
    say(service, token, "修改 参赛单位1·单位简介", long_text)
    reply = say(service, token, "采用")
    assert service.store.load(token).answers["units"][0]["intro"] == long_text
    assert "“采用”不适用于这里" in reply.message and "保留" in reply.message


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("跳过", True),
        ("跳过。", True),
        ("修改 项目名称", True),
        ("修改：团队成员1·手机", True),
        ("修改项目名称", True),
        ("确认", True),
        ("修改版数据平台", False),
        ("说明：本项目面向煤矿", False),
        ("说明\n本项目面向煤矿", False),
        ("确认书管理平台", False),
        ("提取：一段介绍", False),  # 提取's paragraph may run over several lines
        ("本项目面向煤矿", False),
    ],
)
def test_is_command_only_for_an_exact_command(drafts: DraftBackend, text: str, command: bool) -> None:
    service = make_service(drafts)
    token = service.create().token
    assert service.is_command(token, text) is command
