"""The guided flow: re-asks that name the problem, commands, limits, confirmations, optional LLM help."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from backends import DraftBackend

from assistant.errors import LLMError
from assistant.forms.assist import FormAssistant
from assistant.forms.drafts import DraftStore
from assistant.forms.schema import load_schema
from assistant.forms.service import FormReply, FormService
from assistant.forms.wordcount import count_words

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2025, 6, 1)


class ScriptedCompleter:
    """A fake model fed from a queue; an unexpected call fails the test."""

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.calls: list[list[dict[str, str]]] = []

    def complete(self, messages: list[dict[str, str]]) -> str:
        self.calls.append(messages)
        assert self.replies, "unexpected LLM call"
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def make_service(where: Path | DraftBackend, completer: ScriptedCompleter | None = None) -> FormService:
    assistant = FormAssistant(completer, ROOT / "prompts") if completer else None
    return FormService(
        schema=load_schema(ROOT / "form_schema"),
        store=where.store() if isinstance(where, DraftBackend) else DraftStore(where / "forms.sqlite3"),
        today=lambda: TODAY,
        assistant=assistant,
    )


def say(service: FormService, token: str, *replies: str) -> FormReply:
    reply = None
    for text in replies:
        reply = service.answer(token, text)
    assert reply is not None
    return reply


def answers(service: FormService, token: str) -> dict:  # type: ignore[type-arg]
    return service.store.load(token).answers


def jump(service: FormService, token: str, step_id: str) -> None:
    """Continue the conversation from `step_id` (as if the applicant had got there)."""
    state = service.store.load(token)
    state.cursor = step_id
    service.store.save(token, state)


def test_first_question_is_the_first_field_with_the_template_order(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    reply = service.create()
    assert reply.question is not None and reply.question.step_id == "basic.name"
    reply = say(service, reply.token, "智慧能源平台")
    assert reply.question is not None and reply.question.step_id == "basic.track"
    assert (
        "赛道一：数据要素×能源低碳领域赛题" in reply.message and "1.2 煤炭关键工序数字改造" in reply.message
    )


def test_wrong_number_of_choices_is_reasked_naming_the_limit(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "修改 项目数据来源", "1、2、3")
    assert "项目数据来源最多选 2 项，您选了 3 项" in reply.message
    assert reply.question is not None and reply.question.step_id == "basic.data_sources"
    assert "data_sources" not in answers(service, token).get("basic", {})
    reply = say(service, token, "公共数据、个人用户数据")
    assert answers(service, token)["basic"]["data_sources"] == ["公共数据", "个人用户数据"]
    assert (
        reply.question is not None and reply.question.step_id == "basic.public_data_kinds"
    )  # the 如是 follow-up


def test_template_hint_text_is_shown(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "修改 项目背景")
    assert "围绕所选赛题方向，介绍参赛项目的行业背景" in reply.message
    assert "限 500 字" in reply.message


def test_skip_back_modify_progress_preview(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    first = say(service, token, "项目甲")
    assert first.progress.done == 1
    reply = say(service, token, "跳过")
    assert (
        "必填项" in reply.message and reply.question is not None and reply.question.step_id == "basic.source"
    )
    assert reply.progress.done == 1
    reply = say(service, token, "上一步")
    assert reply.question is not None and reply.question.step_id == "basic.track"
    reply = say(service, token, "2.1")
    assert reply.question is not None and reply.question.step_id == "basic.source"
    reply = say(service, token, "修改 项目名称")
    assert "当前已填：项目甲" in reply.message
    reply = say(service, token, "项目乙")
    assert reply.question is not None and reply.question.step_id == "basic.source"  # back where we were
    reply = say(service, token, "进度")
    assert f"必填项进度：2/{reply.progress.total}" in reply.message
    reply = say(service, token, "预览")
    assert (
        "项目名称：项目乙" in reply.message
        and "赛道二：数据要素×工业制造领域赛题 1.提升创新研发能力" in reply.message
    )


def test_modify_with_an_ambiguous_name_lists_the_candidates(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "修改 单位名称")
    assert "对应多个字段：团队成员1·单位名称、参赛单位1·单位名称" in reply.message
    reply = say(service, token, "修改 不存在的字段")
    assert "没有找到字段“不存在的字段”" in reply.message


def test_over_limit_text_is_kept_whole_and_flagged(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    long_text = "本公司深耕煤炭数据服务。" * 30  # 12 字 × 30 = 360 字 > 300
    reply = say(service, token, "修改 参赛单位1·单位简介", long_text)
    assert "360 字" in reply.message and "超出“不超过 300 字”的要求 60 字" in reply.message
    assert "不会被截断" in reply.message
    assert answers(service, token)["units"][0]["intro"] == long_text
    reply = say(service, token, "保留")
    state = service.store.load(token)
    assert state.flags["units[0].intro"] == ["over_limit_kept"]
    status = service.status(token)
    assert any(i.kind == "over_limit" and "单位简介" in i.message for i in status.issues)
    assert reply.question is not None and reply.question.step_id != "units[0].intro"


def test_over_limit_then_a_shorter_text_replaces_it(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    say(service, token, "修改 参赛单位1·单位简介", "很长的简介。" * 60)
    reply = say(service, token, "公司成立于2015年，专注数据服务。")
    assert answers(service, token)["units"][0]["intro"] == "公司成立于2015年，专注数据服务。"
    assert "已记录" in reply.message


def test_section_total_over_its_limit_is_noted(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "修改 需求痛点", "痛" * 4000, "修改 质效提升成效", "效" * 1500)
    assert "三、应用成效各部分合计 5500 字，超出“限 5000 字”的要求 500 字" in reply.message


def test_uscc_check_character_warning_can_be_confirmed(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "修改 统一社会信用代码", "91350100M000100Y44")
    assert "校验位不符：按前 17 位计算第 18 位应为 3" in reply.message and "确认" in reply.message
    assert "uscc" not in answers(service, token).get("units", [{}])[0]
    reply = say(service, token, "确认")
    state = service.store.load(token)
    assert state.answers["units"][0]["uscc"] == "91350100M000100Y44"
    assert state.flags["units[0].uscc"] == ["checksum_confirmed"]


def test_uscc_warning_answered_with_a_corrected_code(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    say(service, token, "修改 统一社会信用代码", "91350100M000100Y44")
    reply = say(service, token, "91350100M000100Y43")
    assert "已记录" in reply.message
    state = service.store.load(token)
    assert state.answers["units"][0]["uscc"] == "91350100M000100Y43" and not state.flags


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("9135010M000100Y43", "应为 18 位，您输入了 17 位"),
        ("91350100M0001O0Y43", "第 14 位“O”不是允许的字符"),
    ],
)
def test_invalid_uscc_names_the_reason(drafts: DraftBackend, code: str, reason: str) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "修改 统一社会信用代码", code)
    assert reason in reply.message and "请重新输入" in reply.message


def fill_member(service: FormService, token: str, n: int, contact: str) -> FormReply:
    ids = [
        "11010519491231002X",
        "140105199003072317",
        "140102198511154526",
        "440304200002291236",
        "140105199003070004",
    ]
    return say(
        service,
        token,
        ["张三", "李四", "王五", "赵六", "钱七"][n - 1],
        "1",
        ids[n - 1],
        "山西智煤科技有限公司",
        "工程师",
        f"1381234567{n}",
        "负责数据治理。",
        contact,
    )


def test_team_contact_exactly_one(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    jump(service, token, "team.team_name")
    say(service, token, "智煤团队")
    reply = fill_member(service, token, 1, "否")
    assert reply.question is not None and reply.question.kind == "add"
    reply = say(service, token, "否")
    assert "团队成员中的团队联络人必须恰好有 1 名，目前有 0 名" in reply.message
    reply = say(service, token, "是")
    reply = fill_member(service, token, 2, "是")
    reply = say(service, token, "修改 团队成员1·是否团队联络人", "是")
    assert "团队联络人只能有 1 名，团队成员2已是团队联络人" in reply.message


def test_identity_number_checked_for_resident_cards_only(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    jump(service, token, "team.team_name")
    reply = say(service, token, "智煤团队", "张三", "居民身份证", "140105199003072318")
    assert "校验位不正确：按前 17 位计算应为 7" in reply.message
    reply = say(service, token, "上一步", "护照", "E12345678")
    assert answers(service, token)["team"]["members"][0]["id_number"] == "E12345678"


def test_sixth_member_is_refused_with_the_limit(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    jump(service, token, "team.team_name")
    say(service, token, "智煤团队")
    for n in range(1, 6):
        reply = fill_member(service, token, n, "是" if n == 1 else "否")
        if n < 5:
            assert reply.question is not None and reply.question.step_id == f"team.members[+{n}]"
            reply = say(service, token, "是")
    assert "团队成员已达上限：最多 5 名，不能再添加" in reply.message
    assert reply.question is not None and reply.question.kind != "add"
    assert len(answers(service, token)["team"]["members"]) == 5


def test_export_asks_for_confirmation_with_a_summary(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "项目甲", "导出")
    assert "填写情况：必填项已完成 1/" in reply.message and "未填写的必填项" in reply.message
    assert not reply.export_ready
    reply = say(service, token, "确认")
    assert reply.export_ready
    assert service.export(token, "docx").data[:2] == b"PK"


def test_export_can_be_cancelled(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    say(service, token, "导出")
    reply = say(service, token, "取消")
    assert not reply.export_ready and "已取消导出" in reply.message


def test_min_filled_block_asks_for_two_items(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    jump(service, token, "basic.standards")
    reply = say(service, token, "团体标准：1", "无")
    assert "项目应用成效至少填2项，目前只填了 1 项" in reply.message
    assert reply.question is not None and reply.question.step_id == "basic.social_other"
    reply = say(service, token, "跳过")
    assert "注意：项目应用成效至少填2项" in reply.message
    assert any(i.kind == "min_filled" for i in service.status(token).issues)
    say(service, token, "修改 降低成本", "降低人力成本：20")
    assert not any(i.kind == "min_filled" for i in service.status(token).issues)


# ---- optional LLM assistance, with a scripted model ----------------------------------------------


def test_extract_fields_from_a_paragraph_only_keeps_supported_values(drafts: DraftBackend) -> None:
    completer = ScriptedCompleter('{"f1": "山西智煤数据平台", "f3": "山西省", "f2": "赛道一", "f9": "1.5"}')
    service = make_service(drafts, completer)
    token = service.create().token
    paragraph = "我们的项目叫山西智煤数据平台，由山西省推荐。"
    reply = say(service, token, f"提取：{paragraph}")
    assert "项目名称：山西智煤数据平台" in reply.message and "项目来源：山西省" in reply.message
    assert "basic" not in answers(service, token)  # nothing saved before 采用
    reply = say(service, token, "采用")
    saved = answers(service, token)["basic"]
    assert saved == {"name": "山西智煤数据平台", "source": "山西省"}
    assert "赛道及参赛方向" in reply.message  # the track was not in the text: still asked
    assert paragraph in completer.calls[0][1]["content"]


def test_extraction_drops_values_not_in_the_text(drafts: DraftBackend) -> None:
    completer = ScriptedCompleter('{"f1": "完全不同的名字", "f3": "山西省"}')
    service = make_service(drafts, completer)
    token = service.create().token
    reply = say(service, token, "提取：项目由山西省推荐。")
    assert "项目名称：未采用（原文中找不到依据）" in reply.message
    say(service, token, "采用")
    assert answers(service, token)["basic"] == {"source": "山西省"}


def test_shorter_version_is_proposed_and_applied_only_on_accept(drafts: DraftBackend) -> None:
    original = "公司成立于2015年，专注煤炭数据服务。" + "我们长期服务山西煤矿，积累了丰富经验。" * 20
    short = "公司成立于2015年，专注煤炭数据服务，长期服务山西煤矿。"
    completer = ScriptedCompleter(short)
    service = make_service(drafts, completer)
    token = service.create().token
    reply = say(service, token, "修改 参赛单位1·单位简介", original)
    assert short in reply.message and "采用" in reply.message
    assert answers(service, token)["units"][0]["intro"] == original  # nothing replaced yet
    reply = say(service, token, "采用")
    assert answers(service, token)["units"][0]["intro"] == short
    assert count_words(short) <= 300


def test_a_shorter_version_with_invented_numbers_is_rejected(drafts: DraftBackend) -> None:
    original = "公司成立于2015年，专注煤炭数据服务。" * 30
    completer = ScriptedCompleter("公司成立于2015年，服务 50 家煤矿。")
    service = make_service(drafts, completer)
    token = service.create().token
    reply = say(service, token, "修改 参赛单位1·单位简介", original)
    assert "智能辅助暂不可用" in reply.message and "原文没有的数字" in reply.message
    assert answers(service, token)["units"][0]["intro"] == original


def test_llm_failure_continues_offline(drafts: DraftBackend) -> None:
    completer = ScriptedCompleter(TimeoutError("timed out"), LLMError("HTTP 500"))
    service = make_service(drafts, completer)
    token = service.create().token
    reply = say(service, token, "说明")
    assert "智能辅助暂不可用" in reply.message and "已改为离线方式继续" in reply.message
    reply = say(service, token, "提取：项目叫甲。")
    assert "智能辅助暂不可用" in reply.message
    reply = say(service, token, "项目甲")
    assert answers(service, token)["basic"]["name"] == "项目甲"


def test_explain_offline_uses_the_template_hint(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    reply = say(service, token, "修改 项目简述", "说明")
    assert "介绍参赛项目的背景、拟解决的问题" in reply.message


def test_explain_with_llm_keeps_the_template_words(drafts: DraftBackend) -> None:
    completer = ScriptedCompleter("请简要说明项目背景、问题、技术和成效。")
    service = make_service(drafts, completer)
    token = service.create().token
    reply = say(service, token, "修改 项目简述", "解释")
    assert "请简要说明项目背景" in reply.message and "模板原文：介绍参赛项目的背景" in reply.message


def test_no_llm_call_without_a_completer(drafts: DraftBackend, caplog: pytest.LogCaptureFixture) -> None:
    service = make_service(drafts)
    token = service.create().token
    with caplog.at_level(logging.DEBUG):
        reply = say(service, token, "提取：项目叫甲。")
    assert "未配置大模型" in reply.message


def test_sixth_unit_is_refused_with_the_limit(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    state = service.store.load(token)
    state.answers["units"] = [{"name": f"单位{i}"} for i in range(1, 6)]
    service.store.save(token, state)
    jump(service, token, "units[4].needs_financing")
    reply = say(service, token, "否")
    assert "参赛单位已达上限：最多 5 家，不能再添加" in reply.message
    assert reply.question is not None and not reply.question.step_id.startswith("units")


def test_skip_at_add_member_with_no_contact_moves_on_with_a_note(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    token = service.create().token
    jump(service, token, "team.team_name")
    say(service, token, "智煤团队")
    reply = fill_member(service, token, 1, "否")
    assert reply.question is not None and reply.question.kind == "add"
    reply = say(service, token, "否")  # 否 explains the rule and offers 跳过
    assert "团队联络人必须恰好有 1 名" in reply.message and "回复“跳过”" in reply.message
    reply = say(service, token, "跳过")
    assert reply.question is not None and reply.question.kind != "add", reply.message
    assert "好的，不再添加。注意：团队成员中的团队联络人必须恰好有 1 名" in reply.message
    assert "团队联络人必须恰好有 1 名" in service.status(token).summary  # flagged for export


@pytest.mark.parametrize(
    ("step_id", "said"),
    [
        ("units[0].uscc", "“参赛单位1·统一社会信用代码”（必填）：请填写 18 位统一社会信用代码（见营业执照）"),
        ("basic.summary", "（必填，1000字以内）：介绍参赛项目的背景、拟解决的问题"),
        ("basic.track", "（必填，单选）：山西分赛 9 个赛道及其赛题（见赛题指南）"),
    ],
)
def test_explain_offline_gives_the_templates_own_words_not_a_filler(tmp_path: Path, step_id: str, said: str) -> None:
    service = make_service(tmp_path)
    token = service.create().token
    jump(service, token, step_id)
    reply = say(service, token, "说明")
    assert said in reply.message and "按模板要求如实填写" not in reply.message
