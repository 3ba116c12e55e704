"""The 申报书 tab: the guided chat beside the draft with 字数 counters, progress, resume by URL token, files.

The tab keeps the version of the draft it last showed and sends it with every answer, so an
answer from a tab that another tab has overtaken is never filed under the wrong question (the
service re-applies it, or says 草稿已在另一窗口更新). Every error becomes a Chinese message.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.errors import AssistantError, FileRejected
from assistant.forms.commands import bare_word
from assistant.forms.questions import without_options

from .deps import WebServices
from .forms_view import check_html, choices_html, counter_html, downloads_html, draft_html, progress_html
from .render import error_markdown, text_markdown

if TYPE_CHECKING:
    from assistant.forms.service import FormReply

log = logging.getLogger(__name__)

Messages = list[dict[str, Any]]
_SET_URL = (
    "(t) => { if (t) { const u = new URL(window.location.href); u.searchParams.set('draft', t);"
    " window.history.replaceState(null, '', u.toString()); } return []; }"
)
_COMMANDS = ["跳过", "上一步", "进度", "预览"]
# 导出 on the page is one click: the Word file downloads at once (the terminal flow asks to confirm).
_DOWNLOAD_JS = "() => { const a = document.querySelector('#form-downloads a.dl-docx'); if (a) a.click(); return []; }"
INTERNAL = "内部错误，操作未完成。已保存的内容不会丢失，请稍后再试。"


def build(services: WebServices, page: gr.Blocks, tabs: gr.Tabs) -> None:
    forms = services.forms
    if forms is None:
        gr.Markdown("申报书功能暂未启用。")
        return
    gr.Markdown(
        "逐项引导填写《山西分赛参赛项目申报书》。每个回答立即保存；请记下**草稿令牌**（或收藏本页地址），"
        "以后凭令牌继续填写。字数按 Word 的规则统计。"
    )
    with gr.Row(equal_height=True):
        new = gr.Button("新建申报书", variant="primary", elem_id="form-new", scale=1, min_width=120)
        token_box = gr.Textbox(label="草稿令牌", placeholder="粘贴令牌后点“继续填写”", elem_id="form-token", scale=3, max_length=100)
        resume = gr.Button("继续填写", elem_id="form-resume", scale=1, min_width=100)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            chat = gr.Chatbot(
                label="填写助手", elem_id="form-chat", height=420, feedback_options=None, buttons=["copy", "copy_all"]
            )
            choices = gr.HTML(choices_html(None), elem_id="form-choices")
            reply = gr.Textbox(
                label="您的回答", elem_id="form-reply", lines=3, max_lines=12, max_length=20000, placeholder="在此输入回答或命令"
            )
            counter = gr.HTML(counter_html("", None), elem_id="form-counter")
            with gr.Row():
                send = gr.Button("发送", variant="primary", elem_id="form-send", min_width=80)
                command_buttons = [gr.Button(c, size="sm", min_width=60) for c in _COMMANDS]
                export = gr.Button("导出", size="sm", min_width=60, elem_id="form-export")
        with gr.Column(scale=2, min_width=280):
            progress = gr.HTML(progress_html(None), elem_id="form-progress")
            downloads = gr.HTML(downloads_html(None), elem_id="form-downloads")
            draft = gr.HTML(draft_html(forms, None), elem_id="form-draft")
            with gr.Accordion("检查已写好的 Word 申报书", open=False, elem_id="form-check-box"):
                # no file_types: Gradio's own check says it in English; the tab checks the suffix in Chinese
                check_file = gr.File(label="上传 .docx", elem_id="form-check-file")
                check_view = gr.HTML(elem_id="form-check")
            with gr.Accordion("导入 JSON 草稿", open=False):
                import_file = gr.File(label="上传导出的 .json", elem_id="form-import-file")
    active = gr.State("")
    version = gr.State(0)  # of the draft as this tab last showed it
    max_bytes = int(services.settings.form_upload_max_mb * 1024 * 1024)

    export_tick = gr.Textbox(visible=False, elem_id="form-export-tick")  # changed by each 导出: starts the download
    outputs = [chat, reply, token_box, active, version, counter, progress, downloads, draft, choices, export_tick]

    def view(reply_: FormReply, history: Messages) -> tuple[object, ...]:
        q = reply_.question
        lim = q.limit if q else None
        return (
            history,
            "",
            reply_.token,
            reply_.token,
            reply_.version,
            counter_html("", lim),
            progress_html(reply_.progress),
            downloads_html(reply_.token),
            draft_html(forms, reply_.token, q.step_id if q else None),
            choices_html(q),
            gr.skip(),
        )

    def failed(message: str, history: Messages) -> tuple[object, ...]:
        history = history + [{"role": "assistant", "content": error_markdown(message)}]
        return (history, *(gr.skip() for _ in outputs[1:]))

    def bot(text: str) -> dict[str, str]:
        return {"role": "assistant", "content": text_markdown(text)}

    def said(r: FormReply) -> dict[str, str]:
        """The reply for the chat; a choice's options are the buttons under it, not a wall of text."""
        return bot(without_options(r.message) if r.question and r.question.choices else r.message)

    def create() -> tuple[object, ...]:
        try:
            r = forms.create()
        except Exception as exc:  # noqa: BLE001 - shown as one Chinese message
            return failed(_message(exc), [])
        return view(r, [said(r)])

    def open_draft(token: str) -> tuple[object, ...]:
        token = (token or "").strip()
        if not token:
            return failed("请先粘贴草稿令牌。", [])
        try:
            r = forms.resume(token)
        except Exception as exc:  # noqa: BLE001
            return failed(_message(exc), [])
        return view(r, [bot("已打开草稿，继续填写。"), said(r)])

    def answer(text: str, token: str, seen: int | None, history: Messages | None) -> tuple[object, ...]:
        history = list(history or [])
        text = (text or "").strip()
        if not token:
            return failed("请先点击“新建申报书”，或输入草稿令牌后点击“继续填写”。", history)
        if not text:
            return tuple(gr.skip() for _ in outputs)
        history.append({"role": "user", "content": text_markdown(text)})
        if bare_word(text) == "导出":
            return exported(token, history)
        try:
            r = forms.answer(token, text, seen or None)
        except Exception as exc:  # noqa: BLE001 - the typed reply stays in the box
            return failed(_message(exc), history)
        return view(r, history + [said(r)])

    def exported(token: str, history: Messages) -> tuple[object, ...]:
        """导出 in one click: the download starts (see _DOWNLOAD_JS) and the chat says what is still open."""
        try:
            note = forms.export_summary(token)
        except Exception as exc:  # noqa: BLE001
            return failed(_message(exc), history)
        text = f"已开始下载 Word 文件（.docx）；JSON 和 Markdown 见右侧的下载链接。\n{note}"
        return (history + [bot(text)], "", *(gr.skip() for _ in outputs[2:-1]), str(time.monotonic_ns()))

    def export_now(token: str, history: Messages | None) -> tuple[object, ...]:
        if not token:
            return failed("请先点击“新建申报书”，或输入草稿令牌后点击“继续填写”。", list(history or []))
        return exported(token, list(history or []) + [{"role": "user", "content": "导出"}])

    hidden: Any = {"api_visibility": "undocumented"}
    url = {"fn": None, "inputs": [token_box], "outputs": None, "js": _SET_URL, **hidden}
    new.click(create, None, outputs, **hidden).then(**url)
    resume.click(open_draft, [token_box], outputs, **hidden).then(**url)
    reply.submit(answer, [reply, active, version, chat], outputs, **hidden)
    send.click(answer, [reply, active, version, chat], outputs, **hidden)
    export.click(export_now, [active, chat], outputs, **hidden)
    export_tick.change(None, None, None, js=_DOWNLOAD_JS, **hidden)
    for button, command in zip(command_buttons, _COMMANDS, strict=True):
        button.click(
            lambda token, seen, history, c=command: answer(c, token, seen, history),
            [active, version, chat],
            outputs,
            **hidden,
        )

    def check(path: str | None) -> str:
        if not path:
            return ""
        data = _read_upload(path, ".docx", max_bytes)
        try:
            if isinstance(data, str):
                raise FileRejected(data)
            return check_html(forms.check(data))  # in a worker process, under the upload limits
        except Exception as exc:  # noqa: BLE001
            return f'<div class="check st-over">{text_markdown(_message(exc))}</div>'

    check_file.upload(check, check_file, check_view, **hidden)

    def import_draft(path: str | None) -> tuple[object, ...]:
        if not path:
            return tuple(gr.skip() for _ in outputs)
        data = _read_upload(path, ".json", max_bytes)
        if isinstance(data, str):
            return failed(data, [])
        try:
            r, warnings = forms.import_json(data)
        except Exception as exc:  # noqa: BLE001
            return failed(_message(exc), [])
        notes = [bot("已从 JSON 文件导入，生成了新的草稿令牌。")] + [bot(w) for w in warnings]
        return view(r, notes + [said(r)])

    import_file.upload(import_draft, import_file, outputs, **hidden).then(**url)

    def on_load(request: gr.Request) -> tuple[object, ...]:
        token = (request.query_params.get("draft") or "").strip() if request else ""
        if not token:
            return (gr.skip(), *(gr.skip() for _ in outputs))
        return (gr.Tabs(selected="form"), *open_draft(token))

    page.load(on_load, None, [tabs, *outputs], **hidden)


def _message(exc: Exception) -> str:
    """The Chinese message for an error; anything unexpected is logged, never shown."""
    if isinstance(exc, AssistantError):
        return exc.message
    log.exception("申报书 page action failed", exc_info=exc)
    return INTERNAL


def _read_upload(path: str, suffix: str, max_bytes: int) -> bytes | str:
    """The uploaded file's bytes, or a Chinese message saying why not."""
    p = Path(path)
    if p.suffix.lower() != suffix:
        return f"请上传 {suffix} 文件。"
    try:
        if p.stat().st_size > max_bytes:
            return f"文件过大（上限 {max_bytes / 1024 / 1024:g} MB）。"
        return p.read_bytes()
    except OSError:
        return "无法读取上传的文件，请重新上传。"
