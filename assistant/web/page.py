"""The applicant page (Gradio): rules chat with sources, the timeline, and the 申报书 tab."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.models import Answer
from assistant.rules import divisions as div

from . import form_tab
from .deps import WebServices
from .render import (
    answer_markdown,
    error_markdown,
    partial_markdown,
    sources_html,
    text_markdown,
    timeline_html,
)
from .streaming import Piece, stream_answer
from .timeline import build_timeline

log = logging.getLogger(__name__)

DIVISION_CHOICES = ["全部", "山西", "陕西", "新疆", "益阳", "全国2025", "全国2024"]
TIMELINE_CHOICES = ["全部", "山西", "陕西", "新疆", "益阳"]
SUGGESTIONS = [
    "山西分赛一等奖奖金是多少？",
    "陕西分赛报名截止时间是什么时候？",
    "新疆分赛的联系方式是什么？",
    "益阳初赛有哪些赛道？",
    "参赛单位需要满足什么条件？",
]
_PIECE_DELAY = 0.012  # seconds between extractive pieces: reads as streaming, costs ~0.3 s an answer
_INTERNAL = "服务暂时出错，请稍后再试。"

Messages = list[dict[str, Any]]


def build_page(services: WebServices) -> gr.Blocks:
    with gr.Blocks(title="数据要素×大赛智能助手", analytics_enabled=False) as page:
        gr.Markdown(
            "## 数据要素×大赛智能助手\n依据 2025 年“数据要素×”大赛各分赛官方通知回答问题，每条回答都标注通知原文出处。",
            elem_id="page-head",
        )
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("规则问答", id="ask", elem_id="tab-ask"):
                _chat_tab(services)
            with gr.Tab("赛程时间线", id="timeline", elem_id="tab-timeline"):
                _timeline_tab(services, page)
            with gr.Tab("申报书填写", id="form", elem_id="tab-form"):
                form_tab.build(services, page, tabs)

        def ask(question: str, division: str = "全部") -> dict[str, object]:
            """Answer one question (the same JSON as POST /api/v1/ask)."""
            try:
                answer, _ = services.ask(question, division, channel="gradio")
            except AssistantError as exc:
                raise gr.Error(exc.message) from None
            return answer.public()

        gr.api(ask, api_name="ask")
    built: gr.Blocks = page
    return built


def _chat_tab(services: WebServices) -> None:
    division = gr.Radio(DIVISION_CHOICES, value="全部", label="分赛范围", elem_id="division")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            chat = gr.Chatbot(
                label="问答",
                elem_id="chat",
                height=440,
                buttons=["copy"],
                feedback_options=None,
                placeholder="请在下方输入问题，或点击推荐问题。",
            )
            with gr.Row(equal_height=True):
                question = gr.Textbox(
                    show_label=False,
                    placeholder="请输入问题，例如：山西分赛报名截止时间是什么时候？",
                    elem_id="question",
                    scale=5,
                    lines=1,
                    max_lines=4,
                    max_length=2000,
                )
                send = gr.Button("发送", variant="primary", elem_id="send", scale=1, min_width=72)
            gr.Markdown("推荐问题：")
            with gr.Row(elem_classes="suggest"):
                suggestion_buttons = [gr.Button(q, size="sm", elem_classes="suggestion") for q in SUGGESTIONS]
            with gr.Row():
                up = gr.Button("👍 有帮助", size="sm", elem_id="vote-up", min_width=90)
                down = gr.Button("👎 没帮助", size="sm", elem_id="vote-down", min_width=90)
                copy = gr.Button("📋 复制回答", size="sm", elem_id="copy-answer", min_width=90)
            comment = gr.Textbox(label="意见（可选）", placeholder="哪里不对或不清楚？", elem_id="comment", lines=1, max_length=1000)
            feedback_status = gr.Markdown(elem_id="feedback-status")
        with gr.Column(scale=2, min_width=260):
            gr.Markdown("#### 出处")
            sources = gr.HTML(sources_html(None), elem_id="sources")
    last_id = gr.State("")
    turns = gr.State([])  # this session's earlier questions, as typed: the conversation follow-ups build on
    last_text = gr.Textbox(visible=False, elem_id="last-answer")
    new_chat = gr.Button("🆕 新对话", size="sm", elem_id="new-chat", min_width=90)

    def respond(
        text: str, scope_label: str, history: Messages | None, earlier: list[str] | None
    ) -> Iterator[tuple[object, ...]]:
        history = list(history or [])
        earlier = list(earlier or [])
        text = (text or "").strip()
        if not text:
            yield history, "", gr.skip(), gr.skip(), gr.skip(), gr.skip(), earlier
            return
        history += [{"role": "user", "content": text_markdown(text)}, {"role": "assistant", "content": "…"}]
        yield history, "", gr.skip(), gr.skip(), gr.skip(), "", earlier
        conversation = [{"role": "user", "content": t} for t in earlier]
        try:
            scope, locked = services.scope(scope_label, None)
            so_far = ""
            for item in stream_answer(
                services.assistant, text, scope, services.cpu_slot, history=conversation, locked=locked
            ):
                if isinstance(item, Piece):
                    so_far += item.text
                    history[-1] = {"role": "assistant", "content": partial_markdown(so_far)}
                    yield history, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                    if services.assistant.llm is None:
                        time.sleep(_PIECE_DELAY)
                    continue
                assert isinstance(item, Answer)
                log_id = services.record(item, scope, "page")
                history[-1] = {"role": "assistant", "content": answer_markdown(item)}
                yield history, gr.skip(), sources_html(item), log_id, item.answer, "", [*earlier, text]
        except AssistantError as exc:
            history[-1] = {"role": "assistant", "content": error_markdown(exc.message)}
            yield history, gr.skip(), gr.skip(), "", "", "", earlier
        except Exception:
            log.exception("page answer failed")
            history[-1] = {"role": "assistant", "content": error_markdown(_INTERNAL)}
            yield history, gr.skip(), gr.skip(), "", "", "", earlier

    outputs = [chat, question, sources, last_id, last_text, feedback_status, turns]
    inputs = [question, division, chat, turns]
    hidden: Any = {"api_visibility": "undocumented"}
    question.submit(respond, inputs, outputs, **hidden)
    send.click(respond, inputs, outputs, **hidden)
    for button, text in zip(suggestion_buttons, SUGGESTIONS, strict=True):
        button.click(lambda t=text: t, None, question, queue=False, **hidden).then(respond, inputs, outputs, **hidden)

    new_chat.click(
        lambda: ([], [], sources_html(None), "", "", ""),
        None,
        [chat, turns, sources, last_id, last_text, feedback_status],
        queue=False,
        **hidden,
    )

    def vote(kind: str, note: str, qa_id: str) -> tuple[str, str]:
        if not qa_id:
            return "请先提问，再评价回答。", note
        try:
            services.store.feedback(qa_id, "up" if kind == "up" else "down", note)
        except AssistantError as exc:
            return error_markdown(exc.message), note
        return "已记录您的反馈，谢谢！", ""

    up.click(lambda n, i: vote("up", n, i), [comment, last_id], [feedback_status, comment], **hidden)
    down.click(lambda n, i: vote("down", n, i), [comment, last_id], [feedback_status, comment], **hidden)
    copy.click(
        None,
        [last_text],
        None,
        js="(t) => { if (t && navigator.clipboard) { navigator.clipboard.writeText(t); } return []; }",
        **hidden,
    )


def _timeline_tab(services: WebServices, page: gr.Blocks) -> None:
    gr.Markdown("各分赛通知中的赛程安排。每个日期都注明出处，并按今天的日期标出已结束、进行中或未开始。")
    choice = gr.Radio(TIMELINE_CHOICES, value="全部", label="分赛", elem_id="timeline-division")
    view = gr.HTML(elem_id="timeline")

    def show(label: str) -> str:
        return timeline_html(build_timeline(services.assistant, div.parse(label)))

    choice.change(show, choice, view, api_visibility="undocumented")
    page.load(show, choice, view, api_visibility="undocumented")
