"""One `Database`: a SQLAlchemy engine and whether it is the shared PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from assistant.errors import ConfigError

from .schema import metadata

log = logging.getLogger(__name__)

_SHARED: dict[str, Database] = {}
_SHARED_LOCK = threading.Lock()


@dataclass(frozen=True)
class Database:
    engine: Engine
    shared: bool

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reads (no transaction kept open afterwards)."""
        with self.engine.connect() as conn:
            yield conn


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def sqlite_database(path: Path, tables: Sequence[Table]) -> Database:
    """An embedded SQLite file with `tables` created if missing (the single-machine default)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 10, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine, tables=list(tables), checkfirst=True)
    return Database(engine=engine, shared=False)


def masked(url: str) -> str:
    """The URL as it may be shown: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "（无法解析的地址）"


def shared_database(url: str) -> Database:
    """The shared PostgreSQL of DATABASE_URL, migrated to the newest revision; one engine per process and URL."""
    with _SHARED_LOCK:
        found = _SHARED.get(url)
        if found is not None:
            return found
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(f"DATABASE_URL 无法解析（{masked(url)}）：应形如 postgresql+psycopg://用户:密码@主机:端口/库名。") from None
        if parsed.get_backend_name() != "postgresql":
            raise ConfigError(
                f"DATABASE_URL 只支持 PostgreSQL（postgresql+psycopg://…），收到的是 {parsed.get_backend_name()}。"
                "单机使用时请留空 DATABASE_URL。"
            )
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=10)
        try:
            from .migrate import upgrade

            upgrade(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            log.debug("shared database unavailable", exc_info=True)
            raise ConfigError(
                f"无法连接共享数据库 DATABASE_URL（{masked(url)}）：{_reason(exc)}。请检查地址、用户名密码和数据库是否已启动。"
            ) from None
        database = Database(engine=engine, shared=True)
        _SHARED[url] = database
        return database


def close_shared() -> None:
    """Dispose every shared engine of this process (tests, and a worker shutting down)."""
    with _SHARED_LOCK:
        for database in _SHARED.values():
            database.engine.dispose()
        _SHARED.clear()


def _reason(exc: SQLAlchemyError) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
