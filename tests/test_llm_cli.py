"""`python -m assistant ask --jsonl` in LLM mode, configured only by LLM_BASE_URL/LLM_MODEL/LLM_TIMEOUT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fake_openai import FakeOpenAI, Reply, Stream, loopback_only, quoting_model

__all__ = ["loopback_only"]  # the autouse guard of fake_openai applies to this module

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 2.0


def model(request: dict[str, Any]) -> Reply:
    """Quotes its first passage, except on 决赛 questions, where it trickles past the deadline."""
    if "决赛" in request["messages"][-1]["content"].split("<问题>")[-1]:
        return Stream(list("新疆分赛决赛在 9 月上旬举行[1]。"), pause=0.5)
    return quoting_model(request)


def test_ask_jsonl_answers_in_llm_mode_and_resolves_a_follow_up(kb_index, kb_data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    lines = [
        {"id": 1, "question": "山西分赛报名截止是哪天？"},
        {"id": 2, "question": "那陕西呢？", "history": [{"role": "user", "content": "山西分赛报名截止是哪天？"}]},
        {"id": 3, "question": "新疆分赛决赛在什么时候"},
    ]
    with FakeOpenAI(responder=model) as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "LANGSMITH", "LANGCHAIN"))},
            "DATA_DIR": str(kb_data_dir),
            "TODAY": "2026-11-21",
            "LLM_BASE_URL": server.base_url,
            "LLM_MODEL": "fake-model",
            "LLM_TIMEOUT": str(TIMEOUT),
            "PYTHONIOENCODING": "utf-8",
        }
        out = subprocess.run(
            [sys.executable, "-m", "assistant", "ask", "--jsonl"],
            cwd=ROOT, env=env, input="".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
            capture_output=True, text=True, timeout=300, check=True,
        )
    shanxi, shaanxi, slow = (json.loads(x) for x in out.stdout.splitlines())
    assert shanxi["mode"] == "llm" and shanxi["divisions"] == ["shanxi"] and shanxi["citations"]
    assert {c["division"] for c in shanxi["citations"]} == {"shanxi"} and "2025 年 5-7 月" in shanxi["answer"]
    assert shaanxi["mode"] == "llm" and shaanxi["resolved_question"] == "陕西分赛报名截止是哪天"
    assert shaanxi["divisions"] == ["shaanxi"] and {c["division"] for c in shaanxi["citations"]} == {"shaanxi"}
    assert "7 月 31 日" in shaanxi["answer"] and "[1]" in shaanxi["answer"]
    assert slow["mode"] == "extractive" and slow["answer"].startswith("【提示】大模型在 2 秒内没有完成回答")
    assert slow["latency_ms"] < (TIMEOUT + 1) * 1000 and "9 月上旬" not in slow["answer"]
    assert "Traceback" not in out.stderr


def test_eval_in_llm_mode_reports_the_share_of_sentences_dropped(kb_settings, kb_index, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import yaml

    from assistant.cli import build_parser
    from assistant.evals.cli import run_eval

    cases = yaml.safe_load((ROOT / "evals" / "cases" / "shanxi.yaml").read_text(encoding="utf-8"))
    (tmp_path / "cases.yaml").write_text(yaml.safe_dump({"cases": cases["cases"][:6]}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "run"
    with FakeOpenAI(responder=quoting_model) as server:
        settings = kb_settings.model_copy(
            update={"llm_base_url": server.base_url, "llm_model": "fake-model", "llm_timeout": 10.0}
        )
        argv = ["eval", "--mode", "llm", "--cases", str(tmp_path / "cases.yaml"), "--out", str(out), "--no-devset"]
        code = run_eval(build_parser()[0].parse_args(argv), settings)
        assert server.requests  # the model was asked
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["mode"] == "llm" and code == (1 if summary["gate"] else 0)
    assert summary["metrics"]["verbatim_quote_rate"] == 1.0
    share = summary["metrics"]["sentences_dropped_rate"]
    assert share is not None and 0.0 <= share <= 1.0
    assert "核实删句率（LLM）" in capsys.readouterr().out and "核实删句率（LLM）" in (out / "report.md").read_text(encoding="utf-8")
