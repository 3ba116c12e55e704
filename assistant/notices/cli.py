"""`python -m assistant notice add FILE --division ID [--yes] | list | show ID | remove ID`."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from assistant.models import DIVISION_IDS, Document
from assistant.settings import Settings

from .amendments import Suggestion, suggest, verify
from .convert import convert
from .model import KIND_NAMES, TYPE_NAMES, Amendment, Kind, NoticeError, NoticeMeta, published_text
from .store import NoticeStore

_DATE_RE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]20\d{2}[〕\]］)）]\s*\d+\s*号")
_TITLE_RE = re.compile(r"^关于|通知|公告|更正|补充|延期")
_FRONT_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


def add_subparser(sub: Any) -> str:
    p = sub.add_parser("notice", help="通知管理：添加补充通知、延期公告、更正")
    actions = p.add_subparsers(dest="notice_command", required=True)
    a = actions.add_parser("add", help="添加一份通知（.docx / 文字版 .pdf / .md）")
    a.add_argument("file", type=Path, help="通知文件")
    a.add_argument("--division", required=True, choices=DIVISION_IDS, help="所属分赛")
    a.add_argument("--yes", action="store_true", help="确认全部建议的修改，不逐条询问")
    a.add_argument("--title", help="标题（默认取文件中的标题）")
    a.add_argument("--kind", choices=tuple(KIND_NAMES), help="类型（默认按标题判断）")
    a.add_argument("--published", help="发布日期 YYYY-MM-DD（默认取落款日期）")
    a.add_argument("--doc-number", help="文号（默认从正文识别）")
    actions.add_parser("list", help="列出已添加的通知")
    s = actions.add_parser("show", help="查看一份通知及其修改")
    s.add_argument("notice_id", help="通知编号（见 notice list）")
    r = actions.add_parser("remove", help="删除一份已添加的通知")
    r.add_argument("notice_id", help="通知编号（见 notice list）")
    return "notice"


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = NoticeStore(settings.notices_dir)
    if args.notice_command == "add":
        return _add(args, settings, store)
    if args.notice_command == "list":
        return _list(store)
    if args.notice_command == "show":
        return _show(store, args.notice_id)
    store.remove(args.notice_id)
    print(f"已删除通知 {args.notice_id}；下次提问时索引自动重建。")
    return 0


def _front(path: Path) -> dict[str, Any]:
    """Front matter a Markdown notice already carries (title, kind, published, amendments…)."""
    if path.suffix.lower() not in (".md", ".markdown"):
        return {}
    m = _FRONT_RE.match(path.read_text(encoding="utf-8"))
    data = yaml.safe_load(m.group(1)) if m else None
    return data if isinstance(data, dict) else {}


def _title(body: str) -> str:
    """The first line that reads like a notice title (关于…的通知 / 公告 / 更正…)."""
    for line in body.splitlines():
        text = line.lstrip("#").strip()
        if text and len(text) <= 80 and (_TITLE_RE.search(text) or line.startswith("# ")):
            return text
    raise NoticeError("无法从文件中识别通知标题，请用 --title 指定。")


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


def _describe(a: Amendment) -> str:
    fact = f"（{a.target.fact}）" if a.target.fact else ""
    return f"{TYPE_NAMES[a.type]}{fact} {a.target.document} · {a.target.section}\n    原文：“{a.old}”\n    新文：“{a.new}”"


def _confirm(suggestions: list[Suggestion], yes: bool) -> list[Amendment]:
    chosen: list[Amendment] = []
    for i, s in enumerate(suggestions, start=1):
        print(f"[{i}] {_describe(s.amendment)}\n    依据：“{s.sentence}”")
        if yes:
            chosen.append(s.amendment)
            continue
        try:
            reply = input("    确认这条修改吗？[y/N] ").strip().lower()
        except EOFError:
            reply = ""
        if reply in ("y", "yes", "是", "确认"):
            chosen.append(s.amendment)
    return chosen


def _add(args: argparse.Namespace, settings: Settings, store: NoticeStore) -> int:
    from assistant.rules.knowledge import chunk_document, load_chunks

    path: Path = args.file
    body = convert(path)
    front = _front(path)
    title = args.title or front.get("title") or _title(body)
    doc_number = args.doc_number or front.get("doc_number")
    if doc_number is None and (m := _DOC_NUMBER_RE.search(body)):
        doc_number = m.group(0)
    published = _published(args.published or front.get("published"), body)
    body = re.sub(rf"\A#[ \t]+{re.escape(str(title))}[ \t]*\n", f"{title}\n", body)  # the title is not a section
    fields = {
        "division": args.division,
        "title": title,
        "issuer": front.get("issuer"),
        "doc_number": doc_number,
        "date": published.isoformat(),
        "source_file": path.name,
        "kind": args.kind or front.get("kind") or _kind(str(title)),
        "published": published,
    }
    try:
        meta = NoticeMeta.model_validate(fields)
        given = [Amendment.model_validate(a) for a in front.get("amendments") or []]
    except ValueError as exc:
        raise NoticeError(f"通知信息无效：{exc}") from exc
    notice_id = store.new_id(meta)
    own = chunk_document(Document(doc_id=notice_id, body=body, **meta.model_dump(include={"division", "title", "issuer", "doc_number", "date", "source_file"})))
    chunks = load_chunks(settings.knowledge_dir, settings.notices_dir) + own
    if given:
        amendments = given
        for i, a in enumerate(given, start=1):
            print(f"[{i}] {_describe(a)}")
    else:
        suggestions = suggest(body, meta.division, chunks, notice_id=notice_id)
        if suggestions:
            print(f"从通知措辞中识别出 {len(suggestions)} 条修改：")
        else:
            print("没有识别出对原通知的修改（延期至、调整为、更正为、不再、废止）；通知将作为补充内容加入知识库。")
        amendments = _confirm(suggestions, args.yes)
    meta = meta.model_copy(update={"amendments": amendments})
    verify(meta, body, chunks, name=notice_id)
    store.add(notice_id, meta, body, path)
    kind = KIND_NAMES[meta.kind]
    print(
        f"已添加通知 {notice_id}（{kind}，{published_text(meta.published)}发布，{len(amendments)} 条修改）：《{meta.title}》\n"
        f"原文件已保存；下次提问时索引自动重建，修改自发布之日起生效。"
    )
    return 0


def _list(store: NoticeStore) -> int:
    notices = store.load()
    if not notices:
        print("还没有添加任何通知。用 python -m assistant notice add 文件 --division 分赛 添加。")
    for n in notices:
        m = n.meta
        print(f"{n.notice_id}  [{m.division}] {KIND_NAMES[m.kind]} {m.published.isoformat()}  《{m.title}》  {len(m.amendments)} 条修改")
    return 0


def _show(store: NoticeStore, notice_id: str) -> int:
    n = store.get(notice_id)
    m = n.meta
    sys.stdout.write(
        f"{n.notice_id}  《{m.title}》\n分赛：{m.division}；类型：{KIND_NAMES[m.kind]}；发布日期：{m.published.isoformat()}"
        f"{'；文号：' + m.doc_number if m.doc_number else ''}；原文件：{m.source_file}\n"
    )
    for i, a in enumerate(m.amendments, start=1):
        sys.stdout.write(f"[{i}] {_describe(a)}\n")
    sys.stdout.write(f"\n{n.body}\n")
    return 0
