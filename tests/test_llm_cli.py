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

