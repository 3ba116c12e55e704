"""Draft tokens on the command line: new ones never start with "-", and any existing one is accepted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from backends import DraftBackend
from sqlalchemy import update

from assistant.db.schema import drafts as drafts_table
from assistant.forms.schema import load_schema
from assistant.forms.service import FormService

ROOT = Path(__file__).resolve().parent.parent
DASH_TOKEN = "-GOzQ3k1_vXb7Yw9-Lm2Np4Rs6Tu8Vw0"  # as `secrets.token_urlsafe(24)` drew one for an older draft


def test_new_tokens_never_start_with_a_dash(drafts: DraftBackend) -> None:
    store = drafts.store()
    service = FormService(schema=load_schema(ROOT / "form_schema"), store=store, today=lambda: date(2025, 6, 1))
    tokens = [service.create().token for _ in range(400)]  # about 6 would start with "-" by chance (1 in 64)
    assert not [t for t in tokens if t.startswith("-")]
    assert len(set(tokens)) == len(tokens) and all(len(t) == 32 for t in tokens)


def dash_draft(drafts: DraftBackend) -> str:
    """A draft whose token starts with "-": made by the real store, then given such a token in its database."""
    store = drafts.store()
    service = FormService(schema=load_schema(ROOT / "form_schema"), store=store, today=lambda: date(2025, 6, 1))
    token = service.create().token
    service.answer(token, "山西智煤数据平台")
    with store.database.begin() as conn:
        conn.execute(update(drafts_table).where(drafts_table.c.token == token).values(token=DASH_TOKEN))
    return DASH_TOKEN


def run(drafts: DraftBackend, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **drafts.env, "TODAY": "2025-06-01", "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    for var in ("LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY"):
        env.pop(var, None)
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=drafts.data_dir.parent,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["form", "fill", DASH_TOKEN],
        ["form", "fill", "--", DASH_TOKEN],
        ["form", "fill", DASH_TOKEN, "--out", "x.docx"],
    ],
    ids=["plain", "after --", "with an option"],
)
def test_fill_accepts_a_token_that_starts_with_a_dash(drafts: DraftBackend, args: list[str]) -> None:
    dash_draft(drafts)
    result = run(drafts, *args, stdin="退出\n")
    assert result.returncode == 0, result.stderr
    assert "欢迎回来" in result.stdout and "Traceback" not in result.stderr


def test_status_export_and_delete_accept_a_token_that_starts_with_a_dash(drafts: DraftBackend) -> None:
    dash_draft(drafts)
    status = run(drafts, "form", "status", DASH_TOKEN, "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["title"] == "山西智煤数据平台"
    export = run(drafts, "form", "export", "--format", "json", DASH_TOKEN, "--out", "draft.json")
    assert export.returncode == 0, export.stderr
    assert (drafts.data_dir.parent / "draft.json").exists()
    delete = run(drafts, "form", "delete", "--", DASH_TOKEN)
    assert delete.returncode == 0, delete.stderr
    assert "已删除草稿" in delete.stdout


@pytest.mark.parametrize(
    ("argv", "parsed"),
    [
        (["form", "fill", "abcdefghijklmnopqrstuvwxyz012345"], ["form", "fill", "abcdefghijklmnopqrstuvwxyz012345"]),
        (["form", "fill", DASH_TOKEN], ["form", "fill", "--", DASH_TOKEN]),
        (["form", "fill", "--", DASH_TOKEN], ["form", "fill", "--", DASH_TOKEN]),
        (["form", "export", DASH_TOKEN, "--format", "md"], ["form", "export", "--format", "md", "--", DASH_TOKEN]),
        (["form", "fill", "-h"], ["form", "fill", "-h"]),
        (["form", "check", "-x.docx"], ["form", "check", "-x.docx"]),
        (["ask", DASH_TOKEN], ["ask", DASH_TOKEN]),
    ],
)
def test_protect_tokens(argv: list[str], parsed: list[str]) -> None:
    from assistant.forms.cli import protect_tokens

    assert protect_tokens(argv) == parsed
