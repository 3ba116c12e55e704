"""Reading a notice file into a draft (front matter guessed, amendments suggested), then adding it.

Shared by the CLI and the console: both show the suggestions, the secretariat confirms, `commit`
verifies every amendment verbatim and stores the notice.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.models import Chunk, DivisionId, Document
from assistant.settings import Settings

from .amendments import Suggestion, suggest, verify
from .convert import convert
from .model import TYPE_NAMES, Amendment, Kind, NoticeError, NoticeMeta
from .store import NoticeStore, open_store

_DATE_RE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]20\d{2}[〕\]］)）]\s*\d+\s*号")
_TITLE_RE = re.compile(r"^关于|通知|公告|更正|补充|延期")
_FRONT_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


@dataclass(frozen=True)
class Draft:
    """A notice read from its file, not yet stored: the amendments await confirmation."""

    notice_id: str
    meta: NoticeMeta
    body: str
    original: Path
    chunks: list[Chunk]  # the corpus with this notice in it, to verify against
    suggestions: list[Suggestion]  # read from the wording
    given: list[Amendment]  # written in a Markdown file's own front matter


def _front(path: Path) -> dict[str, Any]:
    """Front matter a Markdown notice already carries (title, kind, published, amendments…)."""
    if path.suffix.lower() not in (".md", ".markdown"):
        return {}
    m = _FRONT_RE.match(path.read_text(encoding="utf-8"))
    try:
        data = yaml.safe_load(m.group(1)) if m else None
    except yaml.YAMLError as exc:
        raise NoticeError(f"{path.name} 的 YAML 前言格式有误：{exc}") from exc
    return data if isinstance(data, dict) else {}


def _title(body: str) -> str:
    """The first line that reads like a notice title (关于…的通知 / 公告 / 更正…)."""
    for line in body.splitlines():
        text = line.lstrip("#").strip()
        if text and len(text) <= 80 and (_TITLE_RE.search(text) or line.startswith("# ")):
            return text
    raise NoticeError("无法从文件中识别通知标题，请指定标题（命令行用 --title）。")


def _published(value: object, body: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if value:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise NoticeError(f"发布日期“{value}”无效，应为 YYYY-MM-DD，例如 2025-07-25。") from exc
    dates = _DATE_RE.findall(body)
    if not dates:
        raise NoticeError("无法从正文落款识别发布日期，请用 --published YYYY-MM-DD 指定。")
    y, m, d = (int(x) for x in dates[-1])  # the 落款 date closes the notice
    return dt.date(y, m, d)


def _kind(title: str) -> Kind:
    if "延期" in title or "推迟" in title:
        return "postponement"
    if "更正" in title:
        return "correction"
    return "supplement" if "补充" in title or "调整" in title else "original"


def describe(a: Amendment) -> str:
    fact = f"（{a.target.fact}）" if a.target.fact else ""
    return f"{TYPE_NAMES[a.type]}{fact} {a.target.document} · {a.target.section}\n    原文：“{a.old}”\n    新文：“{a.new}”"


def prepare(
    path: Path,
    division: DivisionId,
    settings: Settings,
    *,
    title: str | None = None,
    kind: Kind | None = None,
    published: str | None = None,
    doc_number: str | None = None,
) -> Draft:
    """Convert the file, fill the front matter (given values first) and suggest the amendments."""
    from assistant.rules.knowledge import chunk_document, load_chunks

    body = convert(path)
    front = _front(path)
    title = title or front.get("title") or _title(body)
    doc_number = doc_number or front.get("doc_number")
    if doc_number is None and (m := _DOC_NUMBER_RE.search(body)):
        doc_number = m.group(0)
    day = _published(published or front.get("published"), body)
    body = re.sub(rf"\A#[ \t]+{re.escape(str(title))}[ \t]*\n", f"{title}\n", body)  # the title is not a section
    fields = {
        "division": division,
        "title": title,
        "issuer": front.get("issuer"),
        "doc_number": doc_number,
        "date": day.isoformat(),
        "source_file": path.name,
        "kind": kind or front.get("kind") or _kind(str(title)),
        "published": day,
    }
    try:
        meta = NoticeMeta.model_validate(fields)
        given = [Amendment.model_validate(a) for a in front.get("amendments") or []]
    except ValueError as exc:
        raise NoticeError(f"通知信息无效：{exc}") from exc
    store = open_store(settings)
    store.sync()  # shared mode: the other added notices, which this one may amend, are in the mirror
    notice_id = store.new_id(meta)
    doc = Document(doc_id=notice_id, body=body, **meta.model_dump(include={"division", "title", "issuer", "doc_number", "date", "source_file"}))
    chunks = load_chunks(settings.knowledge_dir, settings.notices_dir) + chunk_document(doc)
    suggestions = [] if given else suggest(body, meta.division, chunks, notice_id=notice_id)
    return Draft(notice_id, meta, body, path, chunks, suggestions, given)


def commit(draft: Draft, amendments: list[Amendment], store: NoticeStore) -> NoticeMeta:
    """Verify every amendment verbatim (a Chinese message if one is not) and store the notice."""
    meta = draft.meta.model_copy(update={"amendments": amendments})
    verify(meta, draft.body, draft.chunks, name=draft.notice_id)
    store.add(draft.notice_id, meta, draft.body, draft.original)
    return meta
