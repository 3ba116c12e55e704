"""`python -m assistant` as a user runs it: real subprocesses, a real index in a temp data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATA_DIR": str(data_dir), "TODAY": "2026-11-21", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def data_dir(kb_index, kb_data_dir: Path) -> Path:  # type: ignore[no-untyped-def]
    return kb_data_dir  # the session index is already built there


def test_ask_json(data_dir: Path) -> None:
    out = _run(["ask", "山西分赛一等奖奖金多少？", "--json"], data_dir)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"id", "question", "answer", "status", "divisions", "citations", "mode", "latency_ms"}
    assert data["status"] == "answered" and "5 万元" in data["answer"]
    assert data["citations"][0]["division"] == "shanxi"
    assert set(data["citations"][0]) == {"n", "division", "doc_title", "section", "quote"}


def test_a_reader_that_stops_reading_is_not_a_damaged_data_dir(data_dir: Path) -> None:
    """`ask … | head -1`: the pipe closes before the answer is written; no message blames DATA_DIR."""
    env = {**os.environ, "DATA_DIR": str(data_dir), "TODAY": "2026-11-21", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ask", "山西分赛一等奖奖金多少？"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before a byte is written
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=300) == 141
    assert "DATA_DIR" not in err and "错误" not in err and "Traceback" not in err


def test_ask_text_and_bad_input(data_dir: Path) -> None:
    ok = _run(["ask", "新疆分赛决赛在什么时候"], data_dir)
    assert ok.returncode == 0 and "来源" in ok.stdout
    empty = _run(["ask", "   "], data_dir)
    assert empty.returncode == 2 and "不能为空" in empty.stderr and "Traceback" not in empty.stderr
    unknown = _run(["ask", "奖金多少", "--division", "beijing"], data_dir)
    assert unknown.returncode == 2 and "未知的分赛" in unknown.stderr


def test_ask_jsonl_streams_one_line_per_input(data_dir: Path) -> None:
    lines = [
        {"id": "a", "question": "陕西分赛报名截止时间"},
        {"id": "b", "question": ""},
        "not json",
        {"id": "c", "question": "一等奖奖金多少", "division": "shanxi"},
        {"id": "d", "question": "x" * 2500},
        {"id": "e", "question": "奖金", "division": "mars"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    out = _run(["ask", "--jsonl"], data_dir, stdin=stdin)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r.get("id") for r in rows] == ["a", "b", None, "c", "d", "e"]
    assert rows[0]["status"] == "answered" and "7 月 31 日" in rows[0]["answer"]
    assert "error" in rows[1] and "error" in rows[2] and "error" in rows[4] and "error" in rows[5]
    assert rows[3]["divisions"] == ["shanxi"] and "5 万元" in rows[3]["answer"]


def test_ingest_and_sources(data_dir: Path) -> None:
    ingest = _run(["ingest"], data_dir)
    assert ingest.returncode == 0 and "索引就绪" in ingest.stdout
    sources = _run(["sources"], data_dir)
    assert sources.returncode == 0
    for division in ("xinjiang", "yiyang", "shaanxi", "shanxi", "national-2025", "national-2024"):
        assert f"[{division}]" in sources.stdout


def test_ask_jsonl_takes_the_conversation_history(data_dir: Path) -> None:
    lines = [
        {"id": "f1", "question": "那陕西呢？", "history": [{"role": "user", "content": "新疆分赛报名截止是哪天"}]},
        {"id": "f2", "question": "那陕西呢？"},
        {"id": "f3", "question": "那陕西呢？", "history": "新疆分赛"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    out = _run(["ask", "--jsonl"], data_dir, stdin=stdin)
    rows = {r["id"]: r for r in (json.loads(x) for x in out.stdout.splitlines())}
    assert rows["f1"]["status"] == "answered" and "7 月 31 日" in rows["f1"]["answer"]
    assert rows["f1"]["resolved_question"] == "陕西分赛报名截止是哪天"
    assert rows["f1"]["understood"] == "按“陕西分赛报名截止是哪天”回答"
    assert rows["f2"]["status"] == "out_of_scope"  # without the conversation there is nothing to follow up
    assert "history" in rows["f3"]["error"]
