"""`INSERT … ON CONFLICT DO UPDATE` in the connection's own dialect (SQLite and PostgreSQL both have it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement


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
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table).values(dict(values))
        return pg.on_conflict_do_update(index_elements=list(keys), set_=dict(update), where=where)
    lite = sqlite.insert(table).values(dict(values))
    return lite.on_conflict_do_update(index_elements=list(keys), set_=dict(update), where=where)
