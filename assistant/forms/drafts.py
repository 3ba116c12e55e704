"""Drafts in SQLite (in the data dir): one row per draft, saved after every accepted answer.

A draft is reachable only through its unguessable token, so drafts of different
applicants are isolated; only the local CLI lists all of them.
"""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from assistant.errors import InputError
from assistant.forms.masking import mask_token
from assistant.forms.state import DraftState

log = logging.getLogger(__name__)

DB_NAME = "forms.sqlite3"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    token TEXT PRIMARY KEY,
    schema_id TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state TEXT NOT NULL
)
"""


class DraftNotFound(InputError):
    def __init__(self) -> None:
        super().__init__("找不到这份草稿：令牌有误，或草稿已被删除。")


@dataclass(frozen=True)
class DraftSummary:
    token: str
    title: str
    schema_id: str
    created_at: str
    updated_at: str


def new_token() -> str:
    """An unguessable token that never starts with "-", so a command line never takes it for an option."""
    while True:
        token = secrets.token_urlsafe(24)
        if not token.startswith("-"):
            return token


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _title(state: DraftState) -> str:
    basic = state.answers.get("basic")
    name = basic.get("name") if isinstance(basic, dict) else None
    return str(name) if name else ""


class DraftStore:
    """Drafts in one SQLite file; every method opens its own short connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: Path) -> DraftStore:
        return cls(data_dir / DB_NAME)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def create(self, state: DraftState) -> str:
        token = new_token()
        now = _now()
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO drafts (token, schema_id, schema_version, title, created_at, updated_at, state)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    token,
                    state.schema_id,
                    state.schema_version,
                    _title(state),
                    now,
                    now,
                    state.model_dump_json(),
                ),
            )
        log.info("draft %s created", mask_token(token))
        return token

    def load(self, token: str) -> DraftState:
        if not _TOKEN.fullmatch(token or ""):
            raise DraftNotFound()
        with self._connect() as conn:
            row = conn.execute("SELECT state FROM drafts WHERE token = ?", (token,)).fetchone()
        if row is None:
            raise DraftNotFound()
        try:
            return DraftState.model_validate_json(row[0])
        except ValidationError as exc:
            log.error("draft %s is unreadable: %s", mask_token(token), exc.error_count())
            raise InputError("这份草稿的数据已损坏，无法读取。") from exc

    def save(self, token: str, state: DraftState) -> None:
        with self._connect() as conn:
            cur = conn.execute(
                "UPDATE drafts SET state = ?, title = ?, updated_at = ? WHERE token = ?",
                (state.model_dump_json(), _title(state), _now(), token),
            )
        if cur.rowcount == 0:
            raise DraftNotFound()
        log.debug("draft %s saved", mask_token(token))

    def delete(self, token: str) -> bool:
        if not _TOKEN.fullmatch(token or ""):
            return False
        with self._connect() as conn:
            cur = conn.execute("DELETE FROM drafts WHERE token = ?", (token,))
        if cur.rowcount:
            log.info("draft %s deleted", mask_token(token))
        return cur.rowcount > 0

    def summaries(self, tokens: list[str] | None = None) -> list[DraftSummary]:
        """Drafts named by `tokens` (what one applicant may see), or all of them (local CLI only)."""
        query = "SELECT token, title, schema_id, created_at, updated_at FROM drafts"
        params: list[str] = []
        if tokens is not None:
            wanted = [t for t in tokens if _TOKEN.fullmatch(t or "")]
            if not wanted:
                return []
            query += f" WHERE token IN ({','.join('?' * len(wanted))})"
            params = wanted
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY updated_at DESC", params).fetchall()
        return [DraftSummary(*row) for row in rows]
