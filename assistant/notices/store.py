"""Added notices under DATA_DIR/notices: `<id>.md` (front matter + body), the original file in
`originals/`. Nothing is ever written into the checkout; the knowledge loader reads this folder
after `knowledge/`, so the corpus hash changes and the index rebuilds itself on next use.

With DATABASE_URL set the notices live in the shared database instead (`shared.py`); `open_store`
picks the store the settings ask for."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.models import Chunk
from assistant.settings import Settings

from .amendments import verify
from .apply import Amender, Notice
from .model import NoticeError, NoticeMeta, parse, render

PREFIX = "notice-"


def missing(notice_id: str) -> NoticeError:
    return NoticeError(f"没有编号为“{notice_id}”的通知。用 python -m assistant notice list 查看已添加的通知。")


class NoticeStore:
    shared = False  # whether every worker sees this store (the shared database)

    def __init__(self, root: Path) -> None:
        self.root = root
        self.originals = root / "originals"

    def new_id(self, meta: NoticeMeta) -> str:
        """`notice-<division>-<published>`, with -2, -3… for a second notice the same day."""
        base = f"{PREFIX}{meta.division}-{meta.published:%Y%m%d}"
        candidate, n = base, 1
        while (self.root / f"{candidate}.md").exists():
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def add(self, notice_id: str, meta: NoticeMeta, body: str, original: Path) -> None:
        """Keep the original file and write the notice."""
        self.originals.mkdir(parents=True, exist_ok=True)
        shutil.copy2(original, self.originals / f"{notice_id}{original.suffix.lower()}")
        path = self.root / f"{notice_id}.md"
        tmp = path.with_suffix(".md.tmp")
        tmp.write_text(render(meta, body), encoding="utf-8")
        tmp.replace(path)  # the loader never sees half a file

    def load(self) -> list[Notice]:
        """Every added notice, by id."""
        if not self.root.is_dir():
            return []
        out: list[Notice] = []
        for path in sorted(self.root.glob(f"{PREFIX}*.md")):
            meta, body = parse(path.read_text(encoding="utf-8"), path.name)
            out.append(Notice(path.stem, meta, body))
        return out

    def get(self, notice_id: str) -> Notice:
        path = self.root / f"{notice_id}.md"
        if not notice_id.startswith(PREFIX) or "/" in notice_id or not path.is_file():
            raise missing(notice_id)
        meta, body = parse(path.read_text(encoding="utf-8"), path.name)
        return Notice(notice_id, meta, body)

    def remove(self, notice_id: str) -> None:
        self.get(notice_id)
        (self.root / f"{notice_id}.md").unlink()
        for original in self.originals.glob(f"{notice_id}.*"):
            original.unlink()

    def amender(self, chunks: list[Chunk]) -> Amender | None:
        """The amendments of every added notice, each verified verbatim; None when there is none."""
        notices = self.load()
        for n in notices:
            verify(n.meta, n.body, chunks, name=n.notice_id)
        return Amender(notices, chunks) if notices else None

    def sync(self) -> None:
        """Bring the folder the knowledge loader reads up to date: nothing to do, the files are the store."""


def open_store(settings: Settings) -> NoticeStore:
    """The notices of DATA_DIR, or of the shared database when DATABASE_URL is set."""
    if not settings.database_url:
        return NoticeStore(settings.notices_dir)
    from assistant.db import shared_database

    from .shared import SharedNoticeStore

    return SharedNoticeStore(shared_database(settings.database_url), settings.notices_dir)
