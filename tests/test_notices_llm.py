"""LLM mode keeps an amended answer as the engine wrote it: the model is not shown what replaced what."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fake_openai import FakeOpenAI, Text, loopback_only

from assistant.models import Answer
from assistant.rules.index import KnowledgeIndex
from assistant.services import build_assistant
from assistant.settings import Settings

__all__ = ["loopback_only"]  # the autouse guard of fake_openai applies to this module


def test_amended_answer_is_not_rewritten_by_the_model(kb_settings: Settings, kb_index: KnowledgeIndex, tmp_path: Path) -> None:
    with FakeOpenAI() as server:
        server.enqueue(Text("陕西分赛报名截止时间为 2025 年 7 月 31 日[1]。"))
        settings = kb_settings.model_copy(
            update={"llm_base_url": server.base_url, "llm_model": "fake-model", "llm_api_key": "t", "data_dir": tmp_path}
        )
        engine = build_assistant(settings, index=kb_index)

        def amend(answer: Answer, today: date) -> Answer:
            answer.citations[0].role = "superseded"
            answer.answer = "陕西分赛：根据…，报名截止时间延期至2025年8月10日（原定2025年7月31日）[1]"
            return answer

        engine.amend = amend
        answer = engine.ask("陕西分赛报名截止时间是哪天")
        assert answer.answer.endswith("延期至2025年8月10日（原定2025年7月31日）[1]")
        assert server.requests == []
