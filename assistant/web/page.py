"""The applicant page (Gradio): rules chat with sources, the timeline, and the 申报书 tab."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.models import Answer, DivisionId
from assistant.rules import divisions as div

from . import form_tab
from .deps import WebServices
from .render import (
    bubble_html,
    error_markdown,
    partial_markdown,
    stopped_markdown,
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
_INTERNAL = "服务暂时出错，请稍后再试。"
_PLACEHOLDER = "请输入问题，回车发送"
MAX_KEPT_TURNS = 20  # turns kept in the browser and sent as history
CHAT_KEY = "shuju-chat"
# Gradio encrypts a BrowserState in the browser with a secret it sends to the browser; left out, the
# secret is random per process, so every restart made the kept conversations unreadable. It guards
# nothing (each browser receives it): it only has to be the same after a restart and on every worker.
CHAT_SECRET = hashlib.sha256(f"{CHAT_KEY}/v1".encode()).hexdigest()[:32]
_COPY_JS = """(t) => {
  const b = document.querySelector('#copy-answer');
  if (!t) { if (b) b.textContent = '还没有回答可复制'; return []; }
  const done = () => { if (b) { b.textContent = '已复制'; setTimeout(() => { b.textContent = '复制回答'; }, 2000); } };
  const fallback = () => {
    const box = document.createElement('textarea'); box.value = t; document.body.appendChild(box); box.select();
    const ok = document.execCommand('copy'); box.remove();
    if (ok) { done(); } else if (b) { b.textContent = '复制失败，请手动选择文字'; }
  };
  if (navigator.clipboard) { navigator.clipboard.writeText(t).then(done, fallback); } else { fallback(); }
  return [];
}"""

Messages = list[dict[str, Any]]


def build_page(services: WebServices) -> gr.Blocks:
    with gr.Blocks(title="数据要素×大赛智能助手", analytics_enabled=False) as page:
        gr.Markdown(
            "## 数据要素×大赛智能助手\n依据 2025 年“数据要素×”大赛各分赛官方通知回答问题，每条回答都标注通知原文出处。",
            elem_id="page-head",
        )
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("规则问答", id="ask", elem_id="tab-ask"):
                _chat_tab(services, page)
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


Turn = dict[str, Any]  # one question and its answer as kept in the browser (see `_turn`)


def _turn(question: str) -> Turn:
    """A conversation turn as kept in the browser: plain JSON, re-rendered on every load."""
    return {"q": question, "state": "pending", "text": "", "answer": None, "log": "", "vote": None, "comment": ""}


def _bubble(turn: Turn, i: int) -> str:
    if turn["state"] == "done" and turn["answer"]:
        return bubble_html(Answer.model_validate(turn["answer"]), i)
    if turn["state"] == "stopped":
        return stopped_markdown(turn["text"])
    if turn["state"] == "error":
        return error_markdown(turn["text"])
    return partial_markdown(turn["text"]) if turn["text"] else "…"


def _chat(turns: list[Turn]) -> Any:
    """The Chatbot's messages and the vote shown on each answer."""
    messages: Messages = []
    for i, t in enumerate(turns):
        messages += [{"role": "user", "content": text_markdown(t["q"])}, {"role": "assistant", "content": _bubble(t, i)}]
    value: Any = messages
    return gr.Chatbot(value=value, feedback_value=[t.get("vote") for t in turns])


def conversation(turns: list[Turn]) -> list[dict[str, str]]:
    """The history sent to the engine: answered turns only (a stopped or failed one is left out)."""
    out: list[dict[str, str]] = []
    for t in turns:
        if t["state"] == "done":
            out += [{"role": "user", "content": t["q"]}, {"role": "assistant", "content": t["text"]}]
    return out[-2 * MAX_KEPT_TURNS :]


_TOPICS = [
    ("报名", "报名截止时间是什么时候？"),
    ("奖", "一等奖奖金是多少？"),
    ("赛道", "有哪些赛道？"),
    ("联系", "的联系方式是什么？"),
    ("条件", "参赛单位需要满足什么条件？"),
    ("决赛", "决赛什么时候举行？"),
]
_REGIONS: tuple[DivisionId, ...] = ("shanxi", "shaanxi", "xinjiang", "yiyang")


def follow_ups(answer: Answer | None) -> list[str]:
    """Suggested next questions from the answer's subject: the same question for another division,
    then other topics of the division answered. Before any answer: the general suggestions."""
    regions = [d for d in (answer.divisions if answer else []) if d in _REGIONS]
    if answer is None or answer.status == "out_of_scope" or not regions:
        return list(SUGGESTIONS)
    asked = answer.resolved_question or answer.question
    here = div.SHORT[regions[0]]
    others = [f"那{div.SHORT[d]}呢？" for d in _REGIONS if d not in regions][:2]
    topics = [f"{here}分赛{t}" for key, t in _TOPICS if key not in asked]
    return (others + topics)[: len(SUGGESTIONS)]


def _chat_tab(services: WebServices, page: gr.Blocks) -> None:
    division = gr.Radio(DIVISION_CHOICES, value="全部", label="分赛范围（所问问题写明其他分赛时，按所写分赛回答）", elem_id="division")
    chat = gr.Chatbot(
        label="问答",
        show_label=False,
        elem_id="chat",
        height=520,
        buttons=["copy"],
        feedback_options=("Like", "Dislike"),
        placeholder="请在下方输入问题，或点击推荐问题。每条回答下方列出它自己的出处。",
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            label="您的问题",  # hidden, but read out by screen readers (else Gradio says "Textbox")
            show_label=False,
            placeholder=_PLACEHOLDER,
            elem_id="question",
            scale=5,
            lines=1,
            max_lines=4,
        )
        send = gr.Button("发送", variant="primary", elem_id="send", scale=1, min_width=72)
        stop = gr.Button("停止", variant="stop", elem_id="stop", scale=1, min_width=72, interactive=False)
    notice = gr.Markdown(elem_id="ask-notice")
    gr.Markdown("推荐问题：", elem_id="suggest-head")
    with gr.Row(elem_classes="suggest", elem_id="suggestions"):
        suggestion_buttons = [gr.Button(q, size="sm", elem_classes="suggestion") for q in SUGGESTIONS]
    with gr.Row():
        new_chat = gr.Button("新对话", size="sm", elem_id="new-chat", min_width=90)
        regenerate = gr.Button("重新生成", size="sm", elem_id="regenerate", min_width=90)
        copy = gr.Button("复制回答", size="sm", elem_id="copy-answer", min_width=90)
    comment = gr.Textbox(
        label="意见（先在回答下点赞或踩，再写意见，按回车或“提交意见”）",
        placeholder="哪里不对或不清楚？",
        elem_id="comment",
        lines=1,
        max_length=1000,
        interactive=False,
    )
    send_comment = gr.Button("提交意见", size="sm", elem_id="send-comment", interactive=False)
    feedback_status = gr.Markdown(elem_id="feedback-status")
    # this browser's conversation, kept across reloads and server restarts (see CHAT_SECRET)
    turns = gr.BrowserState([], storage_key=CHAT_KEY, secret=CHAT_SECRET)
    partial = gr.State("")  # the text streamed so far, for 停止
    target = gr.State(-1)  # the answer the comment box is about
    last_text = gr.Textbox(visible=False, elem_id="last-answer")
    hidden: Any = {"api_visibility": "undocumented"}

    def answer_turns(text: str, scope_label: str, kept: list[Turn]) -> Iterator[tuple[object, ...]]:
        """Stream the answer to `text` as the next turn of `kept`."""
        kept = list(kept or [])[-(MAX_KEPT_TURNS - 1) :]
        skip = [gr.skip()] * len(suggestion_buttons)
        text = (text or "").strip()
        if not text:
            yield gr.skip(), gr.skip(), gr.skip(), "请输入问题。", gr.skip(), gr.skip(), *skip
            return
        try:
            services.check_cost(text)  # the same bound as the API: one pathological question cannot hold the queue
            scope, locked = services.scope(scope_label, None)
            stream = stream_answer(
                services.assistant, text, scope, history=conversation(kept), locked=locked
            )
        except AssistantError as exc:  # e.g. too long: refused with the limit, the text stays in the box
            yield gr.skip(), gr.skip(), gr.skip(), error_markdown(exc.message), gr.skip(), gr.skip(), *skip
            return
        turn = _turn(text)
        kept.append(turn)
        yield _chat(kept), "", kept, "", "", gr.skip(), *skip
        try:
            for item in stream:
                if isinstance(item, Piece):
                    turn["text"] += item.text
                    yield _chat(kept), gr.skip(), gr.skip(), gr.skip(), turn["text"], gr.skip(), *skip
                    if services.assistant.llm is None:
                        time.sleep(services.settings.page_stream_delay_ms / 1000)  # reads as streaming
                    continue
                assert isinstance(item, Answer)
                turn.update(state="done", text=item.answer, answer=item.model_dump(mode="json"))
                turn["log"] = services.record(item, scope, "page")
                yield _chat(kept), gr.skip(), kept, "", "", item.answer, *follow_ups(item)
        except AssistantError as exc:
            turn.update(state="error", text=exc.message)
            yield _chat(kept), gr.skip(), kept, gr.skip(), "", gr.skip(), *skip
        except Exception:
            log.exception("page answer failed")
            turn.update(state="error", text=_INTERNAL)
            yield _chat(kept), gr.skip(), kept, gr.skip(), "", gr.skip(), *skip

    def regenerate_last(scope_label: str, kept: list[Turn]) -> Iterator[tuple[object, ...]]:
        kept = list(kept or [])
        if not kept:
            yield gr.skip(), gr.skip(), gr.skip(), "还没有可以重新生成的回答。", gr.skip(), gr.skip(), *(
                [gr.skip()] * len(suggestion_buttons)
            )
            return
        yield from answer_turns(kept[-1]["q"], scope_label, kept[:-1])

    def locked_ui() -> tuple[object, ...]:
        return (
            gr.Textbox(interactive=False, placeholder="正在回答，请稍候…（可点“停止”）"),
            gr.Button(interactive=False, value="回答中…"),
            gr.Button(interactive=True),
            gr.Button(interactive=False),
        )

    def open_ui() -> tuple[object, ...]:
        return (
            gr.Textbox(interactive=True, placeholder=_PLACEHOLDER),
            gr.Button(interactive=True, value="发送"),
            gr.Button(interactive=False),
            gr.Button(interactive=True),
        )

    ui = [question, send, stop, regenerate]
    outputs = [chat, question, turns, notice, partial, last_text, *suggestion_buttons]
    inputs = [question, division, turns]
    running = []
    triggers: list[Any] = [question.submit, send.click]
    for trigger in triggers:
        step = trigger(locked_ui, None, ui, queue=False, **hidden).then(answer_turns, inputs, outputs, **hidden)
        running.append(step)
        step.then(open_ui, None, ui, queue=False, **hidden)
    for button in suggestion_buttons:
        step = (
            button.click(lambda t: t, button, question, queue=False, **hidden)
            .then(locked_ui, None, ui, queue=False, **hidden)
            .then(answer_turns, inputs, outputs, **hidden)
        )
        running.append(step)
        step.then(open_ui, None, ui, queue=False, **hidden)
    step = regenerate.click(locked_ui, None, ui, queue=False, **hidden).then(
        regenerate_last, [division, turns], outputs, **hidden
    )
    running.append(step)
    step.then(open_ui, None, ui, queue=False, **hidden)

    def stopped(kept: list[Turn], so_far: str) -> tuple[object, ...]:
        kept = list(kept or [])
        if kept and kept[-1]["state"] == "pending":
            kept[-1] = {**kept[-1], "state": "stopped", "text": so_far or ""}
        return (_chat(kept), kept, "已停止生成。", *open_ui())

    stop.click(stopped, [turns, partial], [chat, turns, notice, *ui], cancels=running, queue=False, **hidden)

    def restore(kept: list[Turn]) -> tuple[object, ...]:
        kept = [t for t in (kept or []) if isinstance(t, dict) and "q" in t]
        for t in kept:  # a turn cut off by a reload mid-answer counts as stopped
            if t.get("state") == "pending":
                t["state"] = "stopped"
        done = [t for t in kept if t["state"] == "done"]
        last = Answer.model_validate(done[-1]["answer"]) if done else None
        return (_chat(kept), kept, last.answer if last else "", *follow_ups(last))

    page.load(restore, [turns], [chat, turns, last_text, *suggestion_buttons], **hidden)

    def cleared() -> tuple[object, ...]:
        """A new conversation: nothing of the old one stays (answers, sources, votes, comment)."""
        return (_chat([]), [], "", "", -1, gr.Textbox(value="", interactive=False), gr.Button(interactive=False), "",
                *SUGGESTIONS)

    reset = [chat, turns, last_text, feedback_status, target, comment, send_comment, notice, *suggestion_buttons]
    new_chat.click(cleared, None, reset, queue=False, **hidden)
    chat.clear(cleared, None, reset, queue=False, **hidden)  # the chat's own 🗑 button clears the same way

    def vote(kept: list[Turn], like: gr.LikeData) -> tuple[object, ...]:
        kept = list(kept or [])
        i = (like.index if isinstance(like.index, int) else like.index[0]) // 2
        if i >= len(kept) or not kept[i].get("log"):
            return gr.skip(), "这条回答无法评价。", gr.skip(), gr.skip(), gr.skip()
        choice = "Like" if like.liked is True else "Dislike" if like.liked is False else None
        t = kept[i] = {**kept[i], "vote": choice}
        if choice is None:
            return kept, "已取消评价。", i, gr.skip(), gr.skip()
        try:
            services.store.feedback(t["log"], "up" if choice == "Like" else "down", t.get("comment", ""))
        except AssistantError as exc:
            return gr.skip(), error_markdown(exc.message), gr.skip(), gr.skip(), gr.skip()
        label = "有帮助（赞）" if choice == "Like" else "没帮助（踩）"
        return (
            kept,
            f"已记录您对第 {i + 1} 条回答的评价：{label}。可在下方补充意见。",
            i,
            gr.Textbox(value=t.get("comment", ""), interactive=True),
            gr.Button(interactive=True),
        )

    chat.like(vote, [turns], [turns, feedback_status, target, comment, send_comment], **hidden)

    def save_comment(note: str, i: int, kept: list[Turn]) -> tuple[object, ...]:
        kept = list(kept or [])
        if i < 0 or i >= len(kept) or not kept[i].get("vote"):
            return gr.skip(), "请先在回答下点赞或踩，再写意见。"
        t = kept[i] = {**kept[i], "comment": (note or "").strip()}
        try:
            services.store.feedback(t["log"], "up" if t["vote"] == "Like" else "down", t["comment"])
        except AssistantError as exc:
            return gr.skip(), error_markdown(exc.message)
        return kept, f"已记录您对第 {i + 1} 条回答的意见，谢谢！"

    comment.submit(save_comment, [comment, target, turns], [turns, feedback_status], **hidden)
    send_comment.click(save_comment, [comment, target, turns], [turns, feedback_status], **hidden)
    copy.click(
        None,
        [last_text],
        None,
        js=_COPY_JS,
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
