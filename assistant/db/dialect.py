"""The dialect's own INSERT, so a store writes `insert … on conflict` once for SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from .engine import Database


def insert(database: Database, table: Table) -> postgresql.Insert | sqlite.Insert:
    """`INSERT INTO table` with `on_conflict_do_nothing` / `on_conflict_do_update` of the database's dialect."""
    if database.engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
