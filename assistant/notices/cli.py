"""`python -m assistant notice add FILE --division ID [--yes] | list | show ID | remove ID`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from assistant.models import DIVISION_IDS
from assistant.settings import Settings

from .amendments import Suggestion
from .intake import Draft, commit, describe, prepare
from .model import KIND_NAMES, Amendment, published_text
from .store import NoticeStore, open_store


def add_subparser(sub: Any) -> str:
    p = sub.add_parser("notice", help="通知管理：添加补充通知、延期公告、更正")
    actions = p.add_subparsers(dest="notice_command", required=True)
    a = actions.add_parser("add", help="添加一份通知（.docx / 文字版 .pdf / .md）")
    a.add_argument("file", type=Path, help="通知文件")
    a.add_argument("--division", required=True, choices=DIVISION_IDS, help="所属分赛")
    a.add_argument("--yes", action="store_true", help="确认全部建议的修改，不逐条询问（也不预览，除非加 --preview）")
    a.add_argument("--preview", action="store_true", help="添加前列出回答将会改变的问题（逐条确认时总会预览）")
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
    store = open_store(settings)
    if args.notice_command == "add":
        return _add(args, settings, store)
    if args.notice_command == "list":
        return _list(store)
    if args.notice_command == "show":
        return _show(store, args.notice_id)
    store.remove(args.notice_id)
    print(f"已删除通知 {args.notice_id}；{_TAKES_EFFECT[store.shared]}")
    return 0


_TAKES_EFFECT = {False: "下次提问时索引自动重建。", True: "各服务进程随即按新语料重建索引并回答。"}


def _ask(prompt: str) -> bool:
    try:
        reply = input(prompt).strip().lower()
    except EOFError:
        reply = ""
    return reply in ("y", "yes", "是", "确认")


def _preview(draft: Draft, amendments: list[Amendment], settings: Settings, store: NoticeStore) -> str:
    """The answers that will change: our cases and the logged questions, before and after."""
    from assistant.evals.cases import DEFAULT_CASES
    from assistant.services import build_assistant
    from assistant.web.store import QAStore

    from .preview import audit_set, changes, engines, render

    print("正在预览回答的变化（评估用例和已记录的提问）……", flush=True)
    engine = build_assistant(settings, progress=False)
    log = QAStore.from_settings(settings)
    try:
        questions = audit_set(DEFAULT_CASES, log)
    finally:
        log.close()
    found, audited = changes(*engines(engine, draft, amendments, store.load()), questions)
    return render(found, audited)


def _confirm(suggestions: list[Suggestion], yes: bool) -> list[Amendment]:
    chosen: list[Amendment] = []
    for i, s in enumerate(suggestions, start=1):
        print(f"[{i}] {describe(s.amendment)}\n    依据：“{s.sentence}”")
        if yes:
            chosen.append(s.amendment)
            continue
        if _ask("    确认这条修改吗？[y/N] "):
            chosen.append(s.amendment)
    return chosen


def _add(args: argparse.Namespace, settings: Settings, store: NoticeStore) -> int:
    draft = prepare(
        args.file, args.division, settings, title=args.title, kind=args.kind, published=args.published, doc_number=args.doc_number
    )
    if draft.given:
        amendments = draft.given
        for i, a in enumerate(amendments, start=1):
            print(f"[{i}] {describe(a)}")
    else:
        if draft.suggestions:
            print(f"从通知措辞中识别出 {len(draft.suggestions)} 条修改：")
        else:
            print("没有识别出对原通知的修改（延期至、调整为、更正为、不再、废止）；通知将作为补充内容加入知识库。")
        amendments = _confirm(draft.suggestions, args.yes)
    if amendments and (args.preview or not args.yes):
        print(_preview(draft, amendments, settings, store), flush=True)
        if not args.yes and not _ask("确认添加这份通知吗？[y/N] "):
            print("已取消，未添加通知。")
            return 0
    meta = commit(draft, amendments, store)
    print(
        f"已添加通知 {draft.notice_id}（{KIND_NAMES[meta.kind]}，{published_text(meta.published)}发布，{len(amendments)} 条修改）：《{meta.title}》\n"
        f"原文件已保存；{_TAKES_EFFECT[store.shared]}修改自发布之日起生效。"
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
        sys.stdout.write(f"[{i}] {describe(a)}\n")
    sys.stdout.write(f"\n{n.body}\n")
    return 0
