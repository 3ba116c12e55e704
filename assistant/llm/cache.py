"""LLM answers in the database (`DATA_DIR/llm_cache.sqlite`, or the shared PostgreSQL), keyed by a hash
of everything that determines them.

The key covers the resolved question (canonical form), the engine's parts (question, status, divisions), the
divisions, the extractive text the answer falls back to, the corpus hash, the endpoint and model,
and the prompt files (`cache_key`). Only complete answers are stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from assistant.db import Database, schema, shared_database, sqlite_database
from assistant.db.dialect import upsert
from assistant.models import Answer
from assistant.rules.text import canonical_question
from assistant.settings import Settings

log = logging.getLogger(__name__)
ANSWERS = schema.llm_answers


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
    """Complete LLM answers by `cache_key`; a database that cannot be read or written is a miss, never a failed answer."""

    def __init__(self, database: Database) -> None:
        self.db = database

    @classmethod
    def in_dir(cls, data_dir: Path) -> AnswerCache:
        return cls(sqlite_database(data_dir / "llm_cache.sqlite", schema.CACHE_TABLES))

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerCache:
        """The shared PostgreSQL of DATABASE_URL, or the embedded file in DATA_DIR when it is empty."""
        if settings.database_url.strip():
            return cls(shared_database(settings.database_url.strip()))
        return cls.in_dir(settings.data_dir)

    def get(self, key: str) -> Answer | None:
        try:
            with self.db.connect() as conn:
                found = conn.execute(select(ANSWERS.c.answer).where(ANSWERS.c.key == key)).scalar_one_or_none()
        except SQLAlchemyError:
            log.warning("LLM cache unreadable: answering without it", exc_info=True)
            return None
        return Answer.model_validate_json(found) if found is not None else None

    def put(self, key: str, answer: Answer) -> None:
        row = {"key": key, "answer": answer.model_dump_json()}
        try:
            with self.db.begin() as conn:
                conn.execute(upsert(conn, ANSWERS, row, keys=("key",), update={"answer": row["answer"]}))
        except SQLAlchemyError:
            log.warning("LLM cache unwritable: answer not cached", exc_info=True)
