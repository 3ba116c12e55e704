"""Drafts in SQLite (in the data dir): one row per draft, saved after every accepted answer.

A draft is reachable only through its unguessable token, so drafts of different
applicants are isolated; only the local CLI lists all of them. Every save makes a new
version; a save can require the version it was based on (compare-and-set), and the last
few versions are kept so a write from another window can be re-applied on the current one.
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

from assistant.errors import ConflictError, InputError
from assistant.forms.masking import mask_token
from assistant.forms.state import DraftState

log = logging.getLogger(__name__)

DB_NAME = "forms.sqlite3"
FIRST_VERSION = 1
KEEP_VERSIONS = 20  # a window more than this many saves behind must reload
CONFLICT = "草稿已在另一窗口更新，请刷新后再填。"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    token TEXT PRIMARY KEY,
    schema_id TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
)
"""
_VERSIONS = """
CREATE TABLE IF NOT EXISTS draft_versions (
    token TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (token, version)
)
"""


class DraftNotFound(InputError):
    def __init__(self) -> None:
        super().__init__("找不到这份草稿：令牌有误，或草稿已被删除。")


class DraftConflict(ConflictError):
    """Another window changed the same field since the version this write was based on."""

    def __init__(self) -> None:
        super().__init__(CONFLICT)


class StaleVersion(DraftConflict):
    """A compare-and-set save found a newer version; the service re-applies or refuses."""


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


def _parse(token: str, raw: str) -> DraftState:
    try:
        return DraftState.model_validate_json(raw)
    except ValidationError as exc:
        log.error("draft %s is unreadable: %s", mask_token(token), exc.error_count())
        raise InputError("这份草稿的数据已损坏，无法读取。") from exc


class DraftStore:
    """Drafts in one SQLite file; every method opens its own short connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            conn.execute(_VERSIONS)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(drafts)")}
            if "version" not in columns:  # a data dir from before versions
                conn.execute(f"ALTER TABLE drafts ADD COLUMN version INTEGER NOT NULL DEFAULT {FIRST_VERSION}")

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
        """A new draft at FIRST_VERSION; returns its token."""
        token = new_token()
        now = _now()
        data = state.model_dump_json()
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO drafts (token, schema_id, schema_version, title, created_at, updated_at, state, version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (token, state.schema_id, state.schema_version, _title(state), now, now, data, FIRST_VERSION),
            )
            conn.execute(
                "INSERT INTO draft_versions (token, version, state) VALUES (?, ?, ?)", (token, FIRST_VERSION, data)
            )
        log.info("draft %s created", mask_token(token))
        return token

    def load(self, token: str) -> DraftState:
        return self.load_versioned(token)[0]

    def load_versioned(self, token: str) -> tuple[DraftState, int]:
        """The current state and its version."""
        if not _TOKEN.fullmatch(token or ""):
            raise DraftNotFound()
        with self._connect() as conn:
            row = conn.execute("SELECT state, version FROM drafts WHERE token = ?", (token,)).fetchone()
        if row is None:
            raise DraftNotFound()
        return _parse(token, row[0]), int(row[1])

    def load_version(self, token: str, version: int) -> DraftState | None:
        """The state as it was at `version`, if still kept."""
        if not _TOKEN.fullmatch(token or ""):
            raise DraftNotFound()
        with self._connect() as conn:
            row = conn.execute(
                "SELECT state FROM draft_versions WHERE token = ? AND version = ?", (token, version)
            ).fetchone()
        return _parse(token, row[0]) if row is not None else None

    def save(self, token: str, state: DraftState, *, expected: int | None = None) -> int:
        """Store `state` as the next version and return it. With `expected`, only if the draft
        is still at that version (else StaleVersion), so two windows never overwrite each other."""
        data = state.model_dump_json()
        with self._connect() as conn:
            cur = conn.execute(
                "UPDATE drafts SET state = ?, title = ?, updated_at = ?, version = version + 1"
                " WHERE token = ? AND (? IS NULL OR version = ?)",
                (data, _title(state), _now(), token, expected, expected),
            )
            if cur.rowcount == 0:
                if conn.execute("SELECT 1 FROM drafts WHERE token = ?", (token,)).fetchone() is None:
                    raise DraftNotFound()
                raise StaleVersion()
            version = int(conn.execute("SELECT version FROM drafts WHERE token = ?", (token,)).fetchone()[0])
            conn.execute(
                "INSERT OR REPLACE INTO draft_versions (token, version, state) VALUES (?, ?, ?)",
                (token, version, data),
            )
            conn.execute(
                "DELETE FROM draft_versions WHERE token = ? AND version <= ?", (token, version - KEEP_VERSIONS)
            )
        log.debug("draft %s saved as version %d", mask_token(token), version)
        return version

    def delete(self, token: str) -> bool:
        if not _TOKEN.fullmatch(token or ""):
            return False
        with self._connect() as conn:
            cur = conn.execute("DELETE FROM drafts WHERE token = ?", (token,))
            conn.execute("DELETE FROM draft_versions WHERE token = ?", (token,))
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
