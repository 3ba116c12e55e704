"""`form fill` in a real terminal (tmux): long pastes arrive whole and land in the field they answer.

Each test starts the real CLI in a tmux pane on its own server, pastes with
`load-buffer` + `paste-buffer` (with and without bracketed paste) and types with
`send-keys`, then reads the draft back from the SQLite file the CLI wrote.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from backends import DraftBackend

from assistant.forms.drafts import DraftStore
from assistant.forms.schema import load_schema
from assistant.forms.service import FormService
from assistant.forms.wordcount import count_words

ROOT = Path(__file__).resolve().parent.parent
WAIT = 120.0  # seconds: the CLI's start-up on a busy machine

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Pane:
    """One tmux server with one pane running a command."""

    def __init__(self, tmp_path: Path) -> None:
        self.server = f"fill-{uuid.uuid4().hex[:12]}"
        self.tmp_path = tmp_path

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.server, *args], capture_output=True, text=True, encoding="utf-8", check=True
        )
        return done.stdout

    def start(self, command: str) -> None:
        self.tmux("new-session", "-d", "-x", "200", "-y", "50", f"{command}; echo EXIT=$?; sleep 600")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-")

    def wait_for(self, text: str, count: int = 1) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            screen = self.screen()
            if screen.count(text) >= count:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"“{text}” not seen ×{count} on the screen:\n{self.screen()[-3000:]}")

    def paste(self, text: str, *, bracketed: bool) -> None:
        path = self.tmp_path / f"paste-{uuid.uuid4().hex[:6]}.txt"
        path.write_text(text, encoding="utf-8")
        self.tmux("load-buffer", "-b", "reply", str(path))
        self.tmux("paste-buffer", "-d", "-b", "reply", *(["-p"] if bracketed else []))

    def type(self, text: str) -> None:
        """Type a line as a person would: the keys, a pause, Enter."""
        if text:
            self.tmux("send-keys", "-l", text)
        time.sleep(0.3)
        self.tmux("send-keys", "Enter")
        time.sleep(0.3)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.server, "kill-server"], capture_output=True)


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    p = Pane(tmp_path)
    yield p
    p.close()


def store(drafts: DraftBackend) -> DraftStore:
    return drafts.store()


def draft_at_summary(drafts: DraftBackend) -> str:
    """A draft whose next question is 项目简述 (long text), made through the real service and store."""
    service = FormService(
        schema=load_schema(ROOT / "form_schema"), store=store(drafts), today=lambda: date(2025, 6, 1)
    )
    token = service.create().token
    for reply in ("山西智煤数据平台", "1.2", "山西省"):
        service.answer(token, reply)
    assert service.resume(token).question is not None
    return token


def start_fill(pane: Pane, drafts: DraftBackend, token: str) -> None:
    env = {
        **drafts.env,
        "TODAY": "2025-06-01",
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
        "LANG": "C.UTF-8",
        "LLM_BASE_URL": "",
        "LLM_MODEL": "",
        "LLM_API_KEY": "",
    }
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    pane.start(
        f"cd {shlex.quote(str(drafts.data_dir.parent))} && env {assignments} {shlex.quote(sys.executable)} -m assistant form fill {token}"
    )
    pane.wait_for("> ")


def basic(drafts: DraftBackend, token: str) -> dict[str, Any]:
    return dict(store(drafts).load(token).answers.get("basic") or {})


@pytest.mark.parametrize("bracketed", [True, False], ids=["bracketed-paste", "plain-paste"])
def test_a_3000_zi_paste_is_stored_whole(pane: Pane, drafts: DraftBackend, bracketed: bool) -> None:
    token = draft_at_summary(drafts)
    start_fill(pane, drafts, token)
    text = "".join(f"第{i:03d}句数据要素赋能煤矿。" for i in range(250))  # 3,000 字, 9,000 bytes
    assert count_words(text) == 3000 and len(text.encode()) == 9000
    pane.paste(text, bracketed=bracketed)
    pane.wait_for("第249句数据要素赋能煤矿。")
    pane.type("")
    pane.type("结束")
    pane.wait_for("已保存：项目简述，共 3000 字")
    pane.type("退出")
    pane.wait_for("EXIT=0")
    assert basic(drafts, token)["summary"] == text


def test_paragraphs_pasted_with_blank_lines_stay_in_their_field(pane: Pane, drafts: DraftBackend) -> None:
    token = draft_at_summary(drafts)
    start_fill(pane, drafts, token)
    text = "说明：本项目面向煤矿安全生产。\n\n第二段：数据来自井下传感器。\n\n修改版方案见附件。"
    pane.paste(text, bracketed=False)
    pane.wait_for("修改版方案见附件。")
    pane.type("")
    pane.type("结束")
    pane.wait_for("已记录：项目简述")
    pane.type("退出")
    pane.wait_for("EXIT=0")
    saved = basic(drafts, token)
    assert saved["summary"] == text
    assert saved["name"] == "山西智煤数据平台"


def test_a_paste_of_several_lines_into_a_one_line_field_is_refused(pane: Pane, drafts: DraftBackend) -> None:
    service = FormService(
        schema=load_schema(ROOT / "form_schema"), store=store(drafts), today=lambda: date(2025, 6, 1)
    )
    token = service.create().token
    start_fill(pane, drafts, token)
    pane.paste("山西智煤数据平台\n1.2\n山西省", bracketed=True)
    pane.wait_for("山西省")
    pane.type("")
    pane.wait_for("有 3 行，没有保存")
    pane.type("退出")
    pane.wait_for("EXIT=0")
    assert basic(drafts, token) == {}


def test_a_line_exactly_at_the_terminal_limit_is_confirmed(pane: Pane, drafts: DraftBackend) -> None:
    token = draft_at_summary(drafts)
    start_fill(pane, drafts, token)
    text = "煤" * 1365  # 4,095 bytes: what a cut-off paste looks like
    pane.paste(text, bracketed=True)
    time.sleep(1)
    pane.type("")
    pane.type("结束")
    pane.wait_for("正好 4095 字节")
    assert "summary" not in basic(drafts, token)
    pane.type("确认")
    pane.wait_for("已保存：项目简述，共 1365 字")
    pane.type("退出")
    pane.wait_for("EXIT=0")
    assert basic(drafts, token)["summary"] == text

