"""Shared fixtures: one real index (Chroma on a temp dir, local embedding) per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import DraftBackend
from servers import Postgres, Redis, start_postgres, start_redis

from assistant.rules.index import KnowledgeIndex
from assistant.rules.pipeline import Engine as Assistant
from assistant.services import build_assistant, build_index
from assistant.settings import Settings

# Never let a developer's environment point tests at a real model or store.
for _var in ("LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY", "EMBEDDING", "EMBEDDING_BASE_URL", "DATA_DIR", "TODAY"):
    os.environ.pop(_var, None)

TODAY = "2026-11-21"


@pytest.fixture(scope="session")
def kb_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kb-data")


@pytest.fixture(scope="session")
def kb_settings(kb_data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=kb_data_dir, today=TODAY)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def kb_index(kb_settings: Settings) -> KnowledgeIndex:
    return build_index(kb_settings, progress=False)


@pytest.fixture(scope="session")
def assistant(kb_settings: Settings, kb_index: KnowledgeIndex) -> Assistant:
    return build_assistant(kb_settings, index=kb_index)


# -- shared mode: real PostgreSQL and Redis (tests/servers.py) ---------------------------------

@pytest.fixture(scope="session")
def pg_server() -> Iterator[Postgres]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: Postgres) -> Iterator[str]:
    """A fresh, empty PostgreSQL database of the session's server (its SQLAlchemy URL)."""
    from assistant.db import close_shared

    yield pg_server.new_database()
    close_shared()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def drafts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DraftBackend]:
    """The test's draft store, once on the embedded SQLite file and once on a fresh PostgreSQL database."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else ""
    backend = DraftBackend(name=request.param, data_dir=tmp_path / "data", url=url)
    try:
        yield backend
    finally:
        backend.close()
