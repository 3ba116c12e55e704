"""Each worker follows the shared corpus: LISTEN for a change, mirror the notices, swap the engine.

A background thread keeps one dedicated psycopg connection that LISTENs on `assistant_corpus`.
On a notification, after every (re)connection, and every CORPUS_CHECK_SECONDS as a fallback, it
compares the database's corpus version with the one this worker's engine was built on; when
they differ it mirrors the notices and builds a new engine (answers in flight keep the old one).
A notification lost while the connection was down is thus caught up when it comes back, and one
lost any other way at the next periodic check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import cast

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from assistant.settings import Settings

from .shared import CHANNEL, CORPUS, SharedNoticeStore, mirror_lock
from .store import open_store

log = logging.getLogger(__name__)

APPLICATION_NAME = "assistant-corpus-listener"
_RETRY_FIRST = 1.0  # seconds before the first reconnection; doubled up to the check interval
_TICK = 1.0  # longest wait on the socket, so stop() is honoured promptly


def libpq_url(url: str) -> str:
    """DATABASE_URL as libpq reads it (without SQLAlchemy's +psycopg driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class CorpusWatcher:
    """Keeps this worker's engine on the database's newest corpus version."""

    def __init__(self, store: SharedNoticeStore, url: str, *, interval: float) -> None:
        self.store = store
        self.interval = interval
        self.version = -1  # the corpus version the current engine was built on
        self.seen = -1  # the newest version the listener has seen in the database
        self.notified = 0  # changes learnt from a notification
        self.caught_up = 0  # changes learnt by comparing versions (after a reconnection, or the periodic check)
        self.reconnects = 0
        self.backend_pid: int | None = None  # of the listening connection, while connected
        self.connected = threading.Event()
        self._conninfo = libpq_url(url)
        self._rebuild: Callable[[], None] = lambda: None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def mirror(self) -> int:
        """Mirror the notices now (before the first engine reads them); the version mirrored."""
        self.version = self.store.mirror()
        return self.version

    def refresh(self) -> bool:
        """Mirror the notices and, if the version moved, build the new engine; whether it was rebuilt."""
        with self._lock, mirror_lock(self.store.root):  # the engine reads the mirror it was built on
            version = self.store.mirror()
            if version == self.version:
                return False
            self._rebuild()
            self.version = version
            return True

    def start(self, rebuild: Callable[[], None]) -> None:
        self._rebuild = rebuild
        self._thread = threading.Thread(target=self._run, name="corpus-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        retry = _RETRY_FIRST
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=10, application_name=APPLICATION_NAME
                ) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                    self.backend_pid = conn.info.backend_pid
                    self.connected.set()
                    retry = _RETRY_FIRST
                    self._listen(conn)
            except psycopg.Error as exc:
                log.warning("corpus listener: connection lost (%s); reconnecting in %.0f s", str(exc).strip()[:200], retry)
            except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                log.exception("corpus listener failed; restarting in %.0f s", retry)
            finally:
                self.connected.clear()
                self.backend_pid = None
            if self._stop.wait(retry):
                return
            self.reconnects += 1
            retry = min(retry * 2, max(self.interval, _RETRY_FIRST))

    def _listen(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        self._check(conn, notified=False)  # whatever changed while nobody was listening
        due = time.monotonic() + self.interval
        while not self._stop.is_set():
            notified = False
            for _ in conn.notifies(timeout=max(0.0, min(_TICK, due - time.monotonic())), stop_after=1):
                notified = True
            if notified or time.monotonic() >= due:
                self._check(conn, notified=notified)
                due = time.monotonic() + self.interval

    def _check(self, conn: psycopg.Connection[tuple[object, ...]], *, notified: bool) -> None:
        row = conn.execute("SELECT version FROM corpus_state WHERE name = %s", (CORPUS,)).fetchone()
        version = int(cast(int, row[0])) if row else 0
        if version == self.version:
            return
        self.seen = version
        if notified:
            self.notified += 1
        else:
            self.caught_up += 1
        try:
            self.refresh()
        except Exception:  # noqa: BLE001 - the previous engine keeps answering; retried at the next check
            log.exception("corpus listener: could not build the engine on corpus version %d", version)


def open_corpus(settings: Settings) -> CorpusWatcher | None:
    """Shared mode: the notices mirrored now and a watcher to start once the engine is built; None otherwise."""
    store = open_store(settings)
    if not isinstance(store, SharedNoticeStore):
        return None
    watcher = CorpusWatcher(store, settings.database_url, interval=settings.corpus_check_seconds)
    watcher.mirror()
    return watcher
