"""The dialect's own INSERT, so a store writes `insert … on conflict` once for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from .engine import Database


def _insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def insert(database: Database, table: Table) -> postgresql.Insert | sqlite.Insert:
    """`INSERT INTO table` with `on_conflict_do_nothing` / `on_conflict_do_update` of the database's dialect."""
    return _insert(database.engine.dialect.name, table)


def upsert(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    *,
    keys: Sequence[str],
    update: Mapping[str, Any],
    where: ColumnElement[bool] | None = None,
) -> Insert:
    """Insert `values`, or on a clash of `keys` set `update` (only where `where` holds); add `.returning` as needed."""
    statement = _insert(conn.dialect.name, table).values(dict(values))
    return statement.on_conflict_do_update(index_elements=list(keys), set_=dict(update), where=where)
