"""Drafts: one row per draft, saved after every accepted answer, in SQLite or the shared PostgreSQL.

A draft is reachable only through its unguessable token, so drafts of different
applicants are isolated; only the local CLI lists all of them. Every save makes a new
version; a save can require the version it was based on (compare-and-set), and the last
few versions are kept so a write from another window can be re-applied on the current one.
One code path runs on both engines: `DATA_DIR/forms.sqlite3` by default, the shared database
when DATABASE_URL is set (several workers then compare-and-set on the same row).
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Connection, delete, inspect, literal, select, text, update
from sqlalchemy.exc import DBAPIError

from assistant.db import Database, shared_database, sqlite_database
from assistant.db.dialect import insert
from assistant.db.schema import DRAFT_TABLES, draft_versions, drafts
from assistant.errors import ConfigError, ConflictError, InputError, store_problem
from assistant.forms.masking import mask_token
from assistant.forms.state import DraftState
from assistant.settings import Settings

log = logging.getLogger(__name__)

DB_NAME = "forms.sqlite3"
FIRST_VERSION = 1
KEEP_VERSIONS = 20  # a window more than this many saves behind must reload
CONFLICT = "草稿已在另一窗口更新，请刷新后再填。"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
    """The project name as listed; without control characters (PostgreSQL text cannot hold NUL, and a
    draft stored before they were refused may still have some)."""
    basic = state.answers.get("basic")
    name = basic.get("name") if isinstance(basic, dict) else None
    return _CONTROL.sub("", str(name)) if name else ""


def _parse(token: str, raw: str) -> DraftState:
    try:
        return DraftState.model_validate_json(raw)
    except ValidationError as exc:
        log.error("draft %s is unreadable: %s", mask_token(token), exc.error_count())
        raise InputError("这份草稿的数据已损坏，无法读取。") from exc


class DraftStore:
    """Drafts in one database (an embedded SQLite file, or the shared PostgreSQL); each call is one short transaction."""

    def __init__(self, database: Database | Path) -> None:
        if isinstance(database, Path):
            database = _embedded(database)
        self.database = database

    @classmethod
    def in_dir(cls, data_dir: Path) -> DraftStore:
        return cls(data_dir / DB_NAME)

    @classmethod
    def from_settings(cls, settings: Settings) -> DraftStore:
        """The shared database when DATABASE_URL is set, else `DATA_DIR/forms.sqlite3`."""
        if settings.database_url:
            return cls(shared_database(settings.database_url))
        return cls.in_dir(settings.data_dir)

    def create(self, state: DraftState) -> str:
        """A new draft at FIRST_VERSION; returns its token."""
        token = new_token()
        now = _now()
        data = state.model_dump_json()
        with self.database.begin() as conn:
            conn.execute(
                drafts.insert().values(
                    token=token, schema_id=state.schema_id, schema_version=state.schema_version, title=_title(state),
                    created_at=now, updated_at=now, state=data, version=FIRST_VERSION,
                )
            )
            conn.execute(draft_versions.insert().values(token=token, version=FIRST_VERSION, state=data))
        log.info("draft %s created", mask_token(token))
        return token

    def load(self, token: str) -> DraftState:
        return self.load_versioned(token)[0]

    def load_versioned(self, token: str) -> tuple[DraftState, int]:
        """The current state and its version."""
        if not _TOKEN.fullmatch(token or ""):
            raise DraftNotFound()
        with self.database.connect() as conn:
            row = conn.execute(select(drafts.c.state, drafts.c.version).where(drafts.c.token == token)).first()
        if row is None:
            raise DraftNotFound()
        return _parse(token, row.state), int(row.version)

    def load_version(self, token: str, version: int) -> DraftState | None:
        """The state as it was at `version`, if still kept."""
        if not _TOKEN.fullmatch(token or ""):
            raise DraftNotFound()
        with self.database.connect() as conn:
            raw = conn.execute(
                select(draft_versions.c.state).where(draft_versions.c.token == token, draft_versions.c.version == version)
            ).scalar_one_or_none()
        return _parse(token, raw) if raw is not None else None

    def save(self, token: str, state: DraftState, *, expected: int | None = None) -> int:
        """Store `state` as the next version and return it. With `expected`, only if the draft
        is still at that version (else StaleVersion), so two windows never overwrite each other.

        The check and the increment are one UPDATE: PostgreSQL re-reads the row a concurrent
        writer just committed before applying its WHERE, and SQLite runs writers one at a time,
        so of two saves based on one version exactly one matches."""
        data = state.model_dump_json()
        where = drafts.c.token == token
        if expected is not None:
            where = where & (drafts.c.version == expected)
        with self.database.begin() as conn:
            version = conn.execute(
                update(drafts)
                .where(where)
                .values(state=data, title=_title(state), updated_at=_now(), version=drafts.c.version + 1)
                .returning(drafts.c.version)
            ).scalar_one_or_none()
            if version is None:
                if conn.execute(select(literal(1)).where(drafts.c.token == token)).first() is None:
                    raise DraftNotFound()
                raise StaleVersion()
            self._keep_version(conn, token, int(version), data)
        log.debug("draft %s saved as version %d", mask_token(token), version)
        return int(version)

    def _keep_version(self, conn: Connection, token: str, version: int, data: str) -> None:
        row = insert(self.database, draft_versions).values(token=token, version=version, state=data)
        conn.execute(row.on_conflict_do_update(index_elements=["token", "version"], set_={"state": row.excluded.state}))
        conn.execute(
            delete(draft_versions).where(
                draft_versions.c.token == token, draft_versions.c.version <= version - KEEP_VERSIONS
            )
        )

    def delete(self, token: str) -> bool:
        if not _TOKEN.fullmatch(token or ""):
            return False
        with self.database.begin() as conn:
            deleted = conn.execute(delete(drafts).where(drafts.c.token == token)).rowcount
            conn.execute(delete(draft_versions).where(draft_versions.c.token == token))
        if deleted:
            log.info("draft %s deleted", mask_token(token))
        return deleted > 0

    def summaries(self, tokens: list[str] | None = None) -> list[DraftSummary]:
        """Drafts named by `tokens` (what one applicant may see), or all of them (local CLI only)."""
        query = select(drafts.c.token, drafts.c.title, drafts.c.schema_id, drafts.c.created_at, drafts.c.updated_at)
        if tokens is not None:
            wanted = [t for t in tokens if _TOKEN.fullmatch(t or "")]
            if not wanted:
                return []
            query = query.where(drafts.c.token.in_(wanted))
        with self.database.connect() as conn:
            rows = conn.execute(query.order_by(drafts.c.updated_at.desc())).all()
        return [DraftSummary(*row) for row in rows]


def _embedded(path: Path) -> Database:
    """The SQLite file of DATA_DIR, with its tables; a file from before versions gains the column.
    A damaged file is a ConfigError naming it (SQLAlchemy wraps sqlite3's own error)."""
    try:
        database = sqlite_database(path, DRAFT_TABLES)
        columns = {c["name"] for c in inspect(database.engine).get_columns(drafts.name)}
        if "version" not in columns:
            with database.begin() as conn:
                conn.execute(text(f"ALTER TABLE drafts ADD COLUMN version INTEGER NOT NULL DEFAULT {FIRST_VERSION}"))
    except DBAPIError as exc:
        raise ConfigError(store_problem(path.parent, exc.orig or exc)) from exc
    return database
