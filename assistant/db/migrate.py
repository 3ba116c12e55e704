"""Bring the shared PostgreSQL schema to the newest Alembic revision, one worker at a time.

All workers may start together: each takes the same transaction-level advisory lock first,
so one migrates and the others find the schema current when their turn comes.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key: any constant of ours; "shuju" in ASCII.
LOCK_KEY = 0x7368756A75


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        cfg = config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
