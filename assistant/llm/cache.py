"""LLM answers in SQLite, keyed by a hash of everything that determines them.

The key covers the resolved question (canonical form), the engine's parts (question, status, divisions), the
divisions, the extractive text the answer falls back to, the corpus hash, the endpoint and model,
and the prompt files (`cache_key`). Only complete answers are stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

from assistant.models import Answer
from assistant.rules.text import canonical_question


def cache_key(answer: Answer, config_key: str) -> str:
    parts = [[canonical_question(p.question), p.status, list(p.divisions)] for p in answer.parts]
    raw = json.dumps(
        [canonical_question(answer.resolved_question), parts, list(answer.divisions), answer.answer, config_key], ensure_ascii=False
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def config_key(*, corpus_hash: str, base_url: str, model: str, prompt_files: list[Path]) -> str:
    """What besides the question determines an answer: the notices, the model, the prompts."""
    prompts = hashlib.sha256()
    for path in sorted(prompt_files):
        prompts.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return "|".join([corpus_hash, base_url, model, prompts.hexdigest()])


class AnswerCache:
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
