"""Bad input and bad stores at the command line and at server start: a Chinese message, never a traceback.

Real subprocesses (`python -m assistant`, `python app.py`) on a real index in a temp data dir.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "EMBEDDING", "PYTHONIOENCODING"))}
    return {**base, "DATA_DIR": str(data_dir), "TODAY": "2026-11-21", **extra}


def _cli(args: list[str | bytes], data_dir: Path, stdin: bytes | None = None, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], cwd=ROOT, env=_env(data_dir, **env), input=stdin,
        capture_output=True, timeout=300,
    )


def _no_traceback(out: subprocess.CompletedProcess[bytes]) -> str:
    text = (out.stdout + out.stderr).decode("utf-8")
    assert "Traceback" not in text and 'File "' not in text, text
    return text


@pytest.fixture(scope="module")
def data_dir(kb_index, kb_data_dir: Path) -> Path:  # type: ignore[no-untyped-def]
    return kb_data_dir


def test_undecodable_bytes_in_the_question_are_a_chinese_message(data_dir: Path) -> None:
    out = _cli(["ask", b"\xff\xfe"], data_dir, PYTHONIOENCODING="utf-8")
    assert out.returncode == 2 and "UTF-8" in _no_traceback(out) and "错误：" in out.stderr.decode()


def test_a_jsonl_batch_keeps_its_valid_lines(data_dir: Path) -> None:
    lines = [
        "\ufeff" + json.dumps({"id": "bom", "question": "陕西分赛报名截止时间"}, ensure_ascii=False),
        json.dumps({"id": "raw", "question": "山西"}, ensure_ascii=False)[:-2].encode() + b"\xff\xfe\"}",
        json.dumps({"id": "num", "question": "报名截止时间", "division": 5}, ensure_ascii=False),
        json.dumps({"id": "list", "question": ["山西分赛一等奖奖金多少"]}, ensure_ascii=False),
        json.dumps({"id": "sur", "question": "\ud800山西"}),
        json.dumps({"id": "ok", "question": "山西分赛一等奖奖金多少"}, ensure_ascii=False),
    ]
    stdin = b"\n".join(x if isinstance(x, bytes) else x.encode("utf-8") for x in lines) + b"\n"
    out = _cli(["ask", "--jsonl"], data_dir, stdin=stdin, PYTHONIOENCODING="utf-8")
    _no_traceback(out)
    assert out.returncode == 0, out.stderr.decode()
    rows = [json.loads(x) for x in out.stdout.decode("utf-8").splitlines()]
    assert len(rows) == 6
    assert rows[0]["id"] == "bom" and rows[0]["status"] == "answered"
    assert rows[1] == {"id": None, "error": "第 2 行不是有效的 UTF-8 文本，请以 UTF-8 编码保存输入文件。"}
    assert rows[2]["id"] == "num" and "division" in rows[2]["error"] and "第 3 行" in rows[2]["error"]
    assert rows[3]["id"] == "list" and "question 应为文本" in rows[3]["error"]
    assert rows[4]["id"] == "sur" and "UTF-8" in rows[4]["error"]
    assert rows[5]["id"] == "ok" and "5 万元" in rows[5]["answer"]


def test_the_cli_writes_utf8_whatever_the_locale(data_dir: Path) -> None:
    out = _cli(["ask", "山西分赛一等奖奖金多少？", "--json"], data_dir, PYTHONIOENCODING="ascii", LC_ALL="C", LANG="C")
    assert out.returncode == 0, _no_traceback(out)
    assert "5 万元" in json.loads(out.stdout.decode("utf-8"))["answer"]
    jsonl = _cli(["ask", "--jsonl"], data_dir, stdin='{"question": "山西分赛一等奖奖金多少"}\n'.encode(),
                 PYTHONIOENCODING="latin-1")
    assert "5 万元" in json.loads(jsonl.stdout.decode("utf-8"))["answer"]


def test_a_data_dir_that_is_a_file_names_the_path(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "data-file"
    not_a_dir.write_text("x", encoding="utf-8")
    for args in (["ask", "山西分赛一等奖奖金多少"], ["ingest"]):
        out = _cli(args, not_a_dir)
        text = _no_traceback(out)
        assert out.returncode == 2 and str(not_a_dir) in text and "DATA_DIR" in text and "不是目录" in text
    server = _app(not_a_dir, tmp_path)
    assert server.returncode == 2 and str(not_a_dir) in _no_traceback(server) and "无法启动" in server.stderr.decode()


def test_a_corrupt_index_names_the_path_and_the_fix(tmp_path: Path, data_dir: Path) -> None:
    broken = tmp_path / "data"
    shutil.copytree(data_dir / "chroma", broken / "chroma")
    (broken / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    out = _cli(["ask", "山西分赛一等奖奖金多少"], broken)
    text = _no_traceback(out)
    assert out.returncode == 2 and str(broken) in text and "--rebuild" in text


def test_the_server_refuses_to_start_on_a_corrupt_log_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "web.sqlite").write_bytes(b"garbage" * 1000)
    out = _app(data, tmp_path)
    text = _no_traceback(out)
    assert out.returncode == 2 and str(data / "web.sqlite") in text and "DATA_DIR" in text


def test_a_bad_setting_names_the_variable(tmp_path: Path) -> None:
    out = _app(tmp_path / "data", tmp_path, API_QUOTA_PER_MINUTE="many")
    text = _no_traceback(out)
    assert out.returncode == 2 and "API_QUOTA_PER_MINUTE" in text and ".env.example" in text


def _app(data_dir: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    settings = {"SITES_FILE": str(cwd / "no-sites.yaml"), "PORT": "9", "GRADIO_ANALYTICS_ENABLED": "False", **env}
    return subprocess.run([sys.executable, str(ROOT / "app.py")], cwd=cwd, env=_env(data_dir, **settings),
                          capture_output=True, timeout=120)
