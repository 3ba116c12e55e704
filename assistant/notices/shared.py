"""Added notices in the shared PostgreSQL (DATABASE_URL), mirrored into each worker's DATA_DIR.

The table `notices` holds every added notice with its original file; `corpus_state` holds the
corpus version, bumped in the same transaction as each add or removal, which then sends
`NOTIFY assistant_corpus` (delivered at commit). Each worker writes the database's notices into
its own `DATA_DIR/shared-notices` (`mirror`), so the knowledge loader, the index and the Amender
read them exactly as they read the files of single-machine mode.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from assistant.db import Database
from assistant.db.schema import corpus_state, notices
from assistant.models import Chunk

from .apply import Amender, Notice
from .model import NoticeError, NoticeMeta, parse, render
from .store import PREFIX, NoticeStore, missing

CHANNEL = "assistant_corpus"
CORPUS = "notices"  # the row of corpus_state this store versions

_LOCKS: dict[Path, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def mirror_lock(root: Path) -> threading.RLock:
    """One lock per mirror folder: a sync never interleaves with another, nor with an engine reading it."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(root.resolve(), threading.RLock())


def corpus_version(conn: Connection) -> int:
    """The corpus version; 0 before the first notice was ever added."""
    found = conn.execute(select(corpus_state.c.version).where(corpus_state.c.name == CORPUS)).scalar_one_or_none()
    return int(found or 0)


def _bump(conn: Connection) -> int:
    """The next corpus version; its row lock also serialises concurrent adds and removals."""
    stmt = (
        pg_insert(corpus_state)
        .values(name=CORPUS, version=1)
        .on_conflict_do_update(index_elements=[corpus_state.c.name], set_={"version": corpus_state.c.version + 1})
        .returning(corpus_state.c.version)
    )
    version = int(conn.execute(stmt).scalar_one())
    conn.execute(select(func.pg_notify(CHANNEL, str(version))))  # sent when the transaction commits
    return version


def _write(path: Path, data: bytes) -> None:
    """Write only what changed, atomically: the loader never sees half a file."""
    if path.is_file() and path.read_bytes() == data:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


class SharedNoticeStore(NoticeStore):
    """The notices of the shared database; `root` is this worker's mirror of them."""

    shared = True

    def __init__(self, database: Database, root: Path) -> None:
        super().__init__(root)
        self.database = database

    def _ids(self, prefix: str) -> set[str]:
        with self.database.connect() as conn:
            return set(conn.execute(select(notices.c.id).where(notices.c.id.startswith(prefix, autoescape=True))).scalars())

    def new_id(self, meta: NoticeMeta) -> str:
        base = f"{PREFIX}{meta.division}-{meta.published:%Y%m%d}"
        taken = self._ids(base)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def add(self, notice_id: str, meta: NoticeMeta, body: str, original: Path) -> None:
        data = original.read_bytes()
        with self.database.begin() as conn:
            _bump(conn)
            if conn.execute(select(notices.c.id).where(notices.c.id == notice_id)).first() is not None:
                raise NoticeError(f"编号 {notice_id} 已被另一份同时添加的通知占用，请重新识别该文件后再添加。")
            conn.execute(
                insert(notices).values(
                    id=notice_id,
                    division=meta.division,
                    meta_json=meta.model_dump_json(),
                    body=body,
                    original_name=original.name,
                    original=data,
                    added_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                )
            )

    @staticmethod
    def _notice(notice_id: str, meta_json: str, body: str) -> Notice:
        """As the mirror's file reads back, so the database and the files agree byte for byte."""
        meta, text = parse(render(NoticeMeta.model_validate_json(meta_json), body), f"{notice_id}.md")
        return Notice(notice_id, meta, text)

    def load(self) -> list[Notice]:
        with self.database.connect() as conn:
            rows = conn.execute(select(notices.c.id, notices.c.meta_json, notices.c.body).order_by(notices.c.id)).all()
        return [self._notice(*row) for row in rows]

    def get(self, notice_id: str) -> Notice:
        with self.database.connect() as conn:
            row = conn.execute(
                select(notices.c.id, notices.c.meta_json, notices.c.body).where(notices.c.id == notice_id)
            ).first()
        if row is None:
            raise missing(notice_id)
        return self._notice(*row)

    def remove(self, notice_id: str) -> None:
        with self.database.begin() as conn:
            _bump(conn)
            if conn.execute(delete(notices).where(notices.c.id == notice_id)).rowcount == 0:
                raise missing(notice_id)  # rolls the version back too

    def amender(self, chunks: list[Chunk]) -> Amender | None:
        """From the mirror, which the chunks were loaded from."""
        return NoticeStore(self.root).amender(chunks)

    def sync(self) -> None:
        self.mirror()

    def mirror(self) -> int:
        """Make the mirror folder hold exactly the database's notices; the corpus version it now holds."""
        with mirror_lock(self.root):
            with self.database.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
                version = corpus_version(conn)  # one snapshot: the version and the rows agree
                rows = conn.execute(
                    select(notices.c.id, notices.c.meta_json, notices.c.body, notices.c.original_name, notices.c.original)
                ).all()
            self.originals.mkdir(parents=True, exist_ok=True)
            keep: set[Path] = set()
            for notice_id, meta_json, body, original_name, original in rows:
                files = {
                    self.root / f"{notice_id}.md": render(NoticeMeta.model_validate_json(meta_json), body).encode("utf-8"),
                    self.originals / f"{notice_id}{Path(original_name).suffix.lower()}": bytes(original),
                }
                for path, data in files.items():
                    _write(path, data)
                keep |= files.keys()
            for stale in [*self.root.glob(f"{PREFIX}*"), *self.originals.glob(f"{PREFIX}*")]:
                if stale.is_file() and stale not in keep:
                    stale.unlink()
        return version
