"""Alembic environment: always run with the connection `assistant.db.migrate.upgrade` passes in."""

from __future__ import annotations

from alembic import context

from assistant.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `migrate.upgrade` runs revisions
    raise RuntimeError("run migrations through assistant.db.migrate.upgrade")
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
