"""The console's 通知管理 tab: add a 补充通知 / 延期公告 / 更正, confirm its amendments, list and remove.

The notice is read and its amendments suggested by `assistant.notices.intake`, as on the CLI;
after an add or a removal the engine is rebuilt from the new corpus, so the running server
answers by the new notice without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.models import DIVISION_IDS
from assistant.notices.intake import Draft, commit, describe, prepare
from assistant.notices.model import KIND_NAMES, Amendment
from assistant.notices.store import NoticeStore
from assistant.rules import divisions as div
from assistant.settings import Settings

from .deps import WebServices
from .render import esc

log = logging.getLogger(__name__)

_DIVISIONS = [(div.SHORT[d], d) for d in DIVISION_IDS]
_HEADERS = ["编号", "分赛", "类型", "发布日期", "标题", "修改条数"]
INTERNAL = "内部错误，操作未完成，请查看日志。"


def reload_engine(services: WebServices) -> None:
    """A new engine on the new corpus (the index rebuilds itself); answers in flight keep the old one."""
    from assistant.services import build_assistant

    services.assistant = build_assistant(services.settings, progress=False, approved=services.store)


def notice_rows(store: NoticeStore) -> list[list[str]]:
    return [
        [n.notice_id, div.SHORT[n.meta.division], KIND_NAMES[n.meta.kind], n.meta.published.isoformat(), n.meta.title, str(len(n.meta.amendments))]
        for n in store.load()
    ]


def _amendments(found: Draft) -> list[Amendment]:
    return found.given or [s.amendment for s in found.suggestions]


def read_notice(settings: Settings, file: str | None, division: str, day: str) -> tuple[str, list[str], Draft | None]:
    """The preview (title, kind, date, each amendment with its target clause), its labels and the draft."""
    if not file:
        return "⚠️ 请先选择通知文件。", [], None
    try:
        found = prepare(Path(file), div.parse(division) or DIVISION_IDS[0], settings, published=day.strip() or None)
    except AssistantError as exc:
        return "⚠️ " + esc(exc.message), [], None
    labels = [f"[{i}] {describe(a)}" for i, a in enumerate(_amendments(found), start=1)]
    head = f"**《{esc(found.meta.title)}》** {KIND_NAMES[found.meta.kind]}，{found.meta.published.isoformat()} 发布"
    body = "\n".join(f"- {esc(x)}" for x in labels) or "没有识别出对原通知的修改；通知将作为补充内容加入知识库。"
    return f"{head}\n\n{body}", labels, found


def add_notice(services: WebServices, store: NoticeStore, found: Draft | None, picked: list[str]) -> str:
    """Store the notice with the amendments ticked, then answer by it at once."""
    if found is None:
        return "⚠️ 请先上传文件并点击“识别修改”。"
    keep = [a for i, a in enumerate(_amendments(found), start=1) if any(p.startswith(f"[{i}] ") for p in picked)]
    try:
        meta = commit(found, keep, store)
        reload_engine(services)
    except AssistantError as exc:
        return "⚠️ " + esc(exc.message)
    except Exception:  # noqa: BLE001 - never show a traceback on the page
        log.exception("adding a notice failed")
        return "⚠️ " + INTERNAL
    return f"已添加通知 {found.notice_id}（{len(meta.amendments)} 条修改），回答已按新通知更新。"


def remove_notice(services: WebServices, store: NoticeStore, notice_id: str) -> str:
    try:
        store.remove(notice_id.strip())
        reload_engine(services)
    except AssistantError as exc:
        return "⚠️ " + esc(exc.message)
    return f"已删除通知 {esc(notice_id.strip())}，回答恢复原规定。"


def build(services: WebServices, token: gr.Textbox, guard: Callable[[Any, str], None], hidden: dict[str, Any]) -> None:
    settings = services.settings
    store = NoticeStore(settings.notices_dir)
    gr.Markdown("上传补充通知、延期公告或更正（.docx、文字版 .pdf 或 .md），核对识别出的修改后确认添加。修改自发布日期起生效。")
    with gr.Row():
        upload = gr.File(label="通知文件", file_types=[".docx", ".pdf", ".md"], elem_id="notice-file", scale=3)
        division = gr.Dropdown(_DIVISIONS, value=DIVISION_IDS[0], label="所属分赛", elem_id="notice-division", scale=1)
        published = gr.Textbox(label="发布日期（可空，默认取落款）", placeholder="2025-07-25", elem_id="notice-published", scale=1)
    read = gr.Button("识别修改", elem_id="notice-read")
    preview = gr.Markdown(elem_id="notice-preview")
    chosen = gr.CheckboxGroup(label="确认的修改", choices=[], elem_id="notice-amendments")
    add = gr.Button("确认添加", variant="primary", elem_id="notice-add")
    status = gr.Markdown(elem_id="notice-status")
    draft = gr.State(None)
    table = gr.Dataframe(headers=_HEADERS, interactive=False, wrap=True, elem_id="notice-table")
    with gr.Row():
        remove_id = gr.Textbox(label="要删除的通知编号", elem_id="notice-remove-id", scale=3)
        remove = gr.Button("删除通知", variant="stop", elem_id="notice-remove", scale=1)
    refresh = gr.Button("刷新列表", elem_id="notice-refresh")

    def rows(tok: str) -> list[list[str]]:
        guard(settings, tok)
        return notice_rows(store)

    def on_read(tok: str, file: str | None, d: str, day: str) -> tuple[object, ...]:
        guard(settings, tok)
        text, labels, found = read_notice(settings, file, d, day or "")
        return text, gr.update(choices=labels, value=labels), found

    def on_add(tok: str, found: Draft | None, picked: list[str]) -> tuple[str, list[list[str]], None]:
        guard(settings, tok)
        return add_notice(services, store, found, picked or []), notice_rows(store), None

    def on_remove(tok: str, notice_id: str) -> tuple[str, list[list[str]]]:
        guard(settings, tok)
        return remove_notice(services, store, notice_id or ""), notice_rows(store)

    read.click(on_read, [token, upload, division, published], [preview, chosen, draft], **hidden)
    add.click(on_add, [token, draft, chosen], [status, table, draft], **hidden)
    remove.click(on_remove, [token, remove_id], [status, table], **hidden)
    refresh.click(rows, token, table, **hidden)
