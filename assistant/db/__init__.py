"""Storage engines: embedded SQLite files in DATA_DIR (the default) or one shared PostgreSQL (DATABASE_URL).

Every store is written once against SQLAlchemy Core (`schema.metadata`) and runs on both:
`sqlite_database` opens one of the embedded files and creates its tables; `shared_database`
connects to PostgreSQL and brings its schema to the newest Alembic revision under an advisory
lock, so any number of workers can start at once.
"""

from .engine import Database, close_shared, shared_database, sqlite_database

__all__ = ["Database", "close_shared", "shared_database", "sqlite_database"]
