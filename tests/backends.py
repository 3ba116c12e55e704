"""Where a test's drafts live: the embedded SQLite file of DATA_DIR or a fresh real PostgreSQL database.

Draft tests take the `drafts` fixture (tests/conftest.py) and run once on each engine; the
CLI tests pass `env`/`settings()` on, so a subprocess opens the same store the test reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine

from assistant.db import Database, shared_database
from assistant.forms.drafts import DraftStore
from assistant.settings import Settings


@dataclass
class DraftBackend:
    name: str  # "sqlite" | "postgresql"
    data_dir: Path
    url: str = ""  # the PostgreSQL database, when name == "postgresql"
    _engines: list[Engine] = field(default_factory=list)

    def store(self) -> DraftStore:
        """The store opened afresh, as a restarted (or another) worker opens it: its own engine and pool."""
        if not self.url:
            return DraftStore.in_dir(self.data_dir)
        shared_database(self.url)  # migrates the fresh database once
        engine = create_engine(self.url)
        self._engines.append(engine)
        return DraftStore(Database(engine=engine, shared=True))

    @property
    def env(self) -> dict[str, str]:
        """Environment for a CLI subprocess on the same store."""
        return {"DATA_DIR": str(self.data_dir), "DATABASE_URL": self.url}

    def settings(self, **values: Any) -> Settings:
        return Settings(_env_file=None, data_dir=self.data_dir, database_url=self.url, **values)  # type: ignore[call-arg]

    def close(self) -> None:
        for engine in self._engines:
            engine.dispose()
