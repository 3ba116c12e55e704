"""LLM mode on top of extractive answering: ask the model, keep only grounded sentences,
cache by (question, scope, corpus, model), and fall back to the extractive answer with a note."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from .llm import LLMAnswerer, LLMOutcome
from .models import Answer, Chunk, Citation


class AnswerCache:
    """LLM answers keyed by a hash of everything that determines them, in SQLite."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS llm_answers (key TEXT PRIMARY KEY, answer TEXT NOT NULL)")
            self._db.commit()

    def get(self, key: str) -> Answer | None:
        with self._lock:
            row = self._db.execute("SELECT answer FROM llm_answers WHERE key = ?", (key,)).fetchone()
        return Answer.model_validate_json(row[0]) if row else None

    def put(self, key: str, answer: Answer) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO llm_answers (key, answer) VALUES (?, ?)", (key, answer.model_dump_json())
            )
            self._db.commit()


class LLMPath:
    """Implements answering.LLMBackend."""

    def __init__(self, *, answerer: LLMAnswerer, cache: AnswerCache | None, config_key: str) -> None:
        self.answerer = answerer
        self.cache = cache
        self.config_key = config_key  # corpus hash + model configuration + prompt files

    def _key(self, question: str, extractive: Answer) -> str:
        raw = json.dumps([question, extractive.divisions, self.config_key], ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()

    def answer_with_fallback(
        self, question: str, extractive: Answer, chunks: list[Chunk], on_token: Callable[[str], None] | None
    ) -> Answer:
        key = self._key(question, extractive)
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                if on_token is not None:
                    on_token(cached.answer)
                return cached
        outcome = self.answerer.answer(question, chunks, list(extractive.divisions), on_token=on_token)
        if not outcome.ok:
            return _fallback(extractive, outcome)
        answer = Answer(
            question=question,
            answer=outcome.text,
            status=extractive.status,
            divisions=extractive.divisions,
            citations=[
                Citation(
                    n=n,
                    division=chunk.division,
                    doc_title=chunk.doc_title,
                    section=chunk.section,
                    quote=quote,
                    chunk_id=chunk.chunk_id,
                    context=chunk.text,
                )
                for n, chunk, quote in outcome.cited
            ],
            mode="llm",
            note=f"已删除 {len(outcome.dropped)} 句无法在通知原文中核实的内容。" if outcome.dropped else None,
        )
        if self.cache is not None:
            self.cache.put(key, answer)
        return answer


def _fallback(extractive: Answer, outcome: LLMOutcome) -> Answer:
    note = f"{outcome.error or '大模型暂不可用。'}以下为通知原文摘录。"
    return extractive.model_copy(update={"answer": f"【提示】{note}\n{extractive.answer}", "note": note})
