"""Drafts in real SQLite and PostgreSQL: unguessable tokens, autosave, resume after a restart, isolation, masked logs."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from backends import DraftBackend

from assistant.forms.drafts import DraftNotFound
from assistant.forms.masking import mask_sensitive
from assistant.forms.schema import load_schema
from assistant.forms.service import FormService

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2025, 6, 1)


def make_service(drafts: DraftBackend) -> FormService:
    """A service on the test's store, opened afresh (a restart, or another worker)."""
    return FormService(schema=load_schema(ROOT / "form_schema"), store=drafts.store(), today=lambda: TODAY)


def test_tokens_are_unguessable_and_unique(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    tokens = {service.create().token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) >= 32 for t in tokens)


def test_every_answer_is_saved_at_once_and_resumes_in_a_new_service(drafts: DraftBackend) -> None:
    first = make_service(drafts)
    token = first.create().token
    first.answer(token, "山西智煤数据平台")
    first.answer(token, "1.2")
    del first
    second = make_service(drafts)  # a restart: new objects, same file
    assert second.store.load(token).answers["basic"] == {
        "name": "山西智煤数据平台",
        "track": "赛道一：数据要素×能源低碳领域赛题/煤炭关键工序数字改造",
    }
    reply = second.resume(token)
    assert "欢迎回来" in reply.message
    assert reply.question is not None and reply.question.step_id == "basic.source"


def test_pending_confirmation_survives_a_restart(drafts: DraftBackend) -> None:
    first = make_service(drafts)
    token = first.create().token
    first.answer(token, "修改 统一社会信用代码")
    first.answer(token, "91350100M000100Y44")
    reply = make_service(drafts).resume(token)
    assert "校验位不符" in reply.message
    make_service(drafts).answer(token, "确认")
    assert make_service(drafts).store.load(token).answers["units"][0]["uscc"] == "91350100M000100Y44"


def test_drafts_are_isolated(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    a = service.create().token
    b = service.create().token
    service.answer(a, "甲项目")
    service.answer(b, "乙项目")
    assert service.store.load(a).answers["basic"]["name"] == "甲项目"
    assert service.store.load(b).answers["basic"]["name"] == "乙项目"
    assert [d.title for d in service.list([a])] == ["甲项目"]
    assert service.list(["not-a-real-token-at-all-xxxxxxxx"]) == []


@pytest.mark.parametrize("token", ["", "x", "../../etc/passwd", "a" * 40, "' OR 1=1 --"])
def test_unknown_tokens_are_refused(drafts: DraftBackend, token: str) -> None:
    service = make_service(drafts)
    with pytest.raises(DraftNotFound, match="找不到这份草稿"):
        service.answer(token, "你好")


def test_list_and_delete(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    a = service.create().token
    b = service.create().token
    assert {d.token for d in service.store.summaries()} == {a, b}
    assert service.delete(a) is True
    assert service.delete(a) is False
    assert [d.token for d in service.store.summaries()] == [b]
    with pytest.raises(DraftNotFound):
        service.status(a)


def test_identity_and_phone_numbers_are_masked_in_logs(
    drafts: DraftBackend, caplog: pytest.LogCaptureFixture
) -> None:
    service = make_service(drafts)
    token = service.create().token
    with caplog.at_level(logging.DEBUG, logger="assistant.forms"):
        service.answer(token, "我的身份证号110105194912310021，手机13812345678")
        service.answer(token, "11010519491231002X")
    assert caplog.records, "the service logs each reply (masked)"
    assert "110105194912310021" not in caplog.text and "13812345678" not in caplog.text
    assert "11010519491231002X" not in caplog.text and token not in caplog.text
    assert "138****5678" in caplog.text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("身份证11010519491231002X。", "身份证110************02X。"),
        ("手机：+86 13812345678", "手机：+86 138****5678"),
        ("营收3200万元", "营收3200万元"),
    ],
)
def test_mask_sensitive(text: str, masked: str) -> None:
    assert mask_sensitive(text) == masked


def run_cli(tmp_path: Path, drafts: DraftBackend, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **drafts.env,
        "TODAY": "2025-06-01",
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
    }
    for var in ("LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY"):
        env.pop(var, None)
    return subprocess.run(
        [sys.executable, "-m", "assistant.forms.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


def test_cli_fill_resumes_in_a_new_process(tmp_path: Path, drafts: DraftBackend) -> None:
    new = run_cli(tmp_path, drafts, "new")
    assert new.returncode == 0, new.stderr
    token = new.stdout.split("草稿令牌：", 1)[1].split()[0]
    first = run_cli(tmp_path, drafts, "fill", token, stdin="山西智煤数据平台\n1.2\n")
    assert first.returncode == 0, first.stderr
    assert "已记录：赛道及参赛方向" in first.stdout and f"form fill {token}" in first.stdout
    second = run_cli(tmp_path, drafts, "fill", token, stdin="山西省\n本项目面向煤矿。\n第二段。\n结束\n进度\n")
    assert second.returncode == 0, second.stderr
    assert "欢迎回来" in second.stdout and "*项目来源" in second.stdout
    assert "已记录：项目简述" in second.stdout and "必填项进度：4/" in second.stdout
    status = run_cli(tmp_path, drafts, "status", token, "--json")
    assert '"done": 4' in status.stdout
    listing = run_cli(tmp_path, drafts, "list")
    assert token in listing.stdout and "山西智煤数据平台" in listing.stdout


def test_cli_errors_are_messages_not_tracebacks(tmp_path: Path, drafts: DraftBackend) -> None:
    result = run_cli(tmp_path, drafts, "fill", "no-such-token-000000000000")
    assert result.returncode == 2
    assert "错误：找不到这份草稿" in result.stderr and "Traceback" not in result.stderr
