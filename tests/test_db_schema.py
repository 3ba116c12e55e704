"""The storage foundation on real engines: SQLite files in a temp dir and a real PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from assistant.db import schema, shared_database, sqlite_database
from assistant.db.migrate import upgrade
from assistant.errors import ConfigError


def test_migrations_make_exactly_the_schema_the_stores_use(pg_url: str) -> None:
    database = shared_database(pg_url)
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []
    names = set(inspect(database.engine).get_table_names())
    assert {t.name for t in schema.metadata.sorted_tables} <= names
    assert "alembic_version" in names


def test_workers_starting_together_all_migrate_and_agree(pg_url: str) -> None:
    """Eight workers upgrade one empty database at the same moment: none fails, one revision results."""
    engines = [create_engine(pg_url) for _ in range(8)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(engines))

    def start(i: int) -> None:
        barrier.wait()
        try:
            upgrade(engines[i])
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with engines[0].connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    for engine in engines:
        engine.dispose()


def test_a_second_start_on_a_current_schema_changes_nothing(pg_url: str) -> None:
    engine = create_engine(pg_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO llm_answers (key, answer) VALUES ('k', '{}')"))
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT answer FROM llm_answers WHERE key = 'k'")).scalar_one() == "{}"
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://u:secret@127.0.0.1/x", "只支持 PostgreSQL"),
        ("not a url", "无法解析"),
        ("postgresql+psycopg://u:secret@127.0.0.1:1/nowhere", "无法连接共享数据库"),
    ],
)
def test_a_bad_database_url_is_a_chinese_message_without_the_password(url: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        shared_database(url)
    assert says in caught.value.message
    assert "secret" not in caught.value.message


def test_an_embedded_file_of_before_sqlalchemy_opens_unchanged(tmp_path: Path) -> None:
    """A web.sqlite written by the old sqlite3 code keeps its rows and gains nothing it cannot read."""
    path = tmp_path / "web.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE llm_answers (key TEXT PRIMARY KEY, answer TEXT NOT NULL)")
        conn.execute("INSERT INTO llm_answers VALUES ('old', 'kept')")
    database = sqlite_database(path, schema.CACHE_TABLES + schema.WEB_TABLES)
    with database.connect() as conn:
        assert conn.execute(text("SELECT answer FROM llm_answers")).scalar_one() == "kept"
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    assert not database.shared
    assert {"qa_log", "feedback", "approved", "approved_history"} <= set(inspect(database.engine).get_table_names())
