"""The secretariat console (Gradio, at /console): Q&A log, approved answers, consistency audit, evaluation report, notices.

Every handler checks the admin token itself, so the console refuses a wrong or missing token
even when called directly through Gradio's API, not only when the page hides its panels.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.models import DIVISION_IDS, Citation
from assistant.rules import divisions as div

from . import notices_tab
from .admin import audit_markdown, check_token, latest_report
from .deps import WebServices
from .errors import ApiError
from .labels import beijing_time, channel_name
from .render import answer_markdown, esc, sources_html
from .store import ApprovedEntry, FeedbackFilter, LogDetail

log = logging.getLogger(__name__)

_SCOPES = [("全部", ""), ("未限定分赛", "none")] + [(div.SHORT[d], d) for d in DIVISION_IDS]
_APPROVE_SCOPES = [("不限分赛", "")] + [(div.SHORT[d], d) for d in DIVISION_IDS]
_STATUSES = [
    ("全部", ""),
    ("已回答", "answered"),
    ("通知未写明", "not_found"),
    ("超出范围", "out_of_scope"),
    ("需澄清分赛", "clarify"),
    ("秘书处审定", "approved"),
]
_FEEDBACK = [("全部", ""), ("👍 有帮助", "up"), ("👎 没帮助", "down"), ("无反馈", "none")]
_STATUS_LABEL = dict((v, k) for k, v in _STATUSES)
_FEEDBACK_FILTER: dict[str, FeedbackFilter] = {"up": "up", "down": "down", "none": "none"}
_LOG_HEADERS = ["时间", "问题", "分赛", "状态", "渠道", "反馈"]
_APPROVED_HEADERS = ["问题", "适用范围", "答案", "审定人", "时间", "状态"]
_HISTORY_HEADERS = ["时间", "审定人", "操作", "问题", "范围", "修改前", "修改后"]
# Shares of the table's width (str | int: Gradio's own type), so every column stays on screen at
# phone width (390 px) and text wraps; page.css tightens the cells there.
_LOG_WIDTHS: list[str | int] = ["20%", "27%", "11%", "14%", "12%", "16%"]
_APPROVED_WIDTHS: list[str | int] = ["22%", "10%", "32%", "10%", "13%", "13%"]
_HISTORY_WIDTHS: list[str | int] = ["16%", "11%", "9%", "20%", "10%", "17%", "17%"]
_ACTIONS = {"approve": "审定", "edit": "修改", "revoke": "撤销"}
REVIEW = "待复核：引用的条款已被新通知修改，暂不返回，请核对后重新审定"


def approved_state(services: WebServices, entry: ApprovedEntry) -> str:
    """使用中, or 待复核 when a citation points at a clause an amendment in force changed."""
    from assistant.notices.apply import Amender
    from assistant.notices.review import needs_review

    amender = services.assistant.amend
    if isinstance(amender, Amender) and needs_review(entry.citations, amender, services.assistant.clock()):
        return REVIEW
    return "使用中"


_AUDIT_EXAMPLE = "山西分赛一等奖奖金是多少？\n陕西分赛报名截止时间\n新疆分赛的联系方式"


def _guard(settings: Any, token: str) -> None:
    try:
        check_token(settings, token)
    except ApiError as exc:
        raise gr.Error(exc.message) from None


_SHORT: dict[str, str] = {str(k): v for k, v in div.SHORT.items()}


def _scope_name(scope: str) -> str:
    return _SHORT.get(scope, scope) if scope else "不限"


def _cite_label(c: Citation) -> str:
    return f"[{c.n}] {div.SHORT[c.division]} · {c.doc_title} · {c.section}"


def build_console(services: WebServices) -> gr.Blocks:
    settings, store = services.settings, services.store
    hidden: Any = {"api_visibility": "private"}
    with gr.Blocks(title="秘书处后台 · 数据要素×大赛智能助手", analytics_enabled=False) as console:
        gr.Markdown("## 秘书处后台\n查看问答记录、审定答案、运行一致性检查、查看评估报告。所有时间均为北京时间。")
        with gr.Row(equal_height=True):
            token = gr.Textbox(label="秘书处口令", type="password", elem_id="admin-token", scale=3)
            login = gr.Button("进入", variant="primary", elem_id="admin-login", scale=1)
        login_status = gr.Markdown(elem_id="admin-status")
        with gr.Column(visible=False, elem_id="admin-main") as main:
            with gr.Tabs():
                with gr.Tab("问答记录"):
                    with gr.Row():
                        text = gr.Textbox(label="搜索问题", elem_id="log-search", scale=3)
                        scope = gr.Dropdown(_SCOPES, value="", label="分赛范围", scale=1)
                        status = gr.Dropdown(_STATUSES, value="", label="状态", scale=1)
                        feedback = gr.Dropdown(_FEEDBACK, value="", label="反馈", scale=1)
                        query = gr.Button("查询", elem_id="log-query", scale=1)
                    table = gr.Dataframe(
                        headers=_LOG_HEADERS, interactive=False, elem_id="log-table", wrap=True, column_widths=_LOG_WIDTHS,
                        elem_classes="console-table",
                    )
                    ids = gr.State([])
                    gr.Markdown("点击表格中的一行，查看回答及其引用，并可在下方审定。")
                    with gr.Row(equal_height=False):
                        detail = gr.Markdown(elem_id="log-detail")
                        detail_sources = gr.HTML(elem_id="log-sources")
                    gr.Markdown("#### 审定答案\n审定后，同一问题（规范化后相同）将优先返回此答案，并标注“秘书处审定”。修改会被记录。")
                    a_question = gr.Textbox(label="问题", elem_id="approve-question")
                    a_scope = gr.Dropdown(_APPROVE_SCOPES, value="", label="适用分赛范围", elem_id="approve-scope")
                    a_answer = gr.Textbox(label="审定答案（可编辑，保留 [n] 引用标记）", lines=5, elem_id="approve-answer")
                    a_cites = gr.CheckboxGroup(label="保留的引用", choices=[], elem_id="approve-citations")
                    a_who = gr.Textbox(label="审定人", elem_id="approve-who", max_length=50)
                    with gr.Row():
                        approve = gr.Button("审定并发布", variant="primary", elem_id="approve-save")
                        revoke = gr.Button("撤销审定", variant="stop", elem_id="approve-revoke")
                    approve_status = gr.Markdown(elem_id="approve-status")
                    cites = gr.State([])
                with gr.Tab("已审定答案"):
                    refresh = gr.Button("刷新", elem_id="approved-refresh")
                    approved_table = gr.Dataframe(
                        headers=_APPROVED_HEADERS, interactive=False, wrap=True, column_widths=_APPROVED_WIDTHS,
                        elem_id="approved-table", elem_classes="console-table",
                    )
                    gr.Markdown("#### 修改记录（谁、何时、修改前后）")
                    history_table = gr.Dataframe(
                        headers=_HISTORY_HEADERS, interactive=False, wrap=True, column_widths=_HISTORY_WIDTHS,
                        elem_id="history-table", elem_classes="console-table",
                    )
                with gr.Tab("一致性检查"):
                    gr.Markdown("对每个问题及其自动变体（全角/半角、标点、空格、语气词、省名写法）提问，报告回答或引用不一致的问题。")
                    audit_in = gr.Textbox(label="问题（每行一个）", lines=8, value=_AUDIT_EXAMPLE, elem_id="audit-questions")
                    audit_run = gr.Button("运行一致性检查", elem_id="audit-run")
                    audit_out = gr.Markdown(elem_id="audit-report")
                with gr.Tab("评估报告"):
                    report_run = gr.Button("显示最近一次评估报告", elem_id="report-show")
                    report_out = gr.Markdown(elem_id="report")
                with gr.Tab("通知管理"):
                    notices_tab.build(services, token, _guard, hidden)

        def rows(tok: str, q: str, sc: str, st: str, fb: str) -> tuple[list[list[str]], list[str]]:
            _guard(settings, tok)
            found = store.search(text=q or "", scope=sc or "", status=st or "", feedback=_FEEDBACK_FILTER.get(fb, ""))
            data = [
                [
                    beijing_time(e.ts),
                    e.question,
                    _scope_name(e.scope),
                    "秘书处审定" if e.approved else _STATUS_LABEL.get(e.status, e.status),
                    channel_name(e.channel, services.sites),
                    " ".join(x for x in ({"up": "👍", "down": "👎"}.get(e.vote, ""), e.comment) if x),
                ]
                for e in found
            ]
            return data, [e.id for e in found]

        def enter(tok: str) -> tuple[object, ...]:
            try:
                check_token(settings, tok)
            except ApiError as exc:
                return gr.Column(visible=False), "⚠️ " + esc(exc.message), gr.skip(), gr.skip()
            data, found = rows(tok, "", "", "", "")
            return gr.Column(visible=True), "已进入秘书处后台。", data, found

        login.click(enter, token, [main, login_status, table, ids], **hidden)
        token.submit(enter, token, [main, login_status, table, ids], **hidden)
        query.click(rows, [token, text, scope, status, feedback], [table, ids], **hidden)
        text.submit(rows, [token, text, scope, status, feedback], [table, ids], **hidden)

        def open_entry(tok: str, found: list[str], evt: gr.SelectData) -> tuple[object, ...]:
            _guard(settings, tok)
            row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
            entry: LogDetail | None = store.get(found[row]) if 0 <= row < len(found) else None
            if entry is None:
                raise gr.Error("没有找到这条记录。")
            a = entry.answer
            head = (
                f"**问题**：{esc(entry.question)}\n\n**分赛范围**：{_scope_name(entry.scope)}　**状态**："
                f"{_STATUS_LABEL.get(entry.status, entry.status)}　**渠道**：{esc(channel_name(entry.channel, services.sites))}"
                f"　**时间**：{beijing_time(entry.ts)}（北京时间）\n\n**回答**：\n\n"
            )
            labels = [_cite_label(c) for c in a.citations]
            return (
                head + answer_markdown(a),
                sources_html(a),
                entry.question,
                entry.scope,
                a.answer,
                gr.CheckboxGroup(choices=labels, value=labels),
                [c.model_dump() for c in a.citations],
                "",
            )

        table.select(
            open_entry,
            [token, ids],
            [detail, detail_sources, a_question, a_scope, a_answer, a_cites, cites, approve_status],
            **hidden,
        )

        def save(tok: str, question: str, sc: str, answer: str, chosen: list[str], all_cites: list[dict[str, Any]],
                 who: str) -> str:
            _guard(settings, tok)
            keep = [Citation.model_validate(c) for c in all_cites if _cite_label(Citation.model_validate(c)) in chosen]
            try:
                entry = store.approve(question=question, scope=div.parse(sc), answer=answer, citations=keep, who=who)
            except AssistantError as exc:
                return "⚠️ " + esc(exc.message)
            return f"已审定（{esc(entry.approved_by)}，北京时间 {beijing_time(entry.updated_at)}）：今后同一问题将优先返回此答案。"

        approve.click(save, [token, a_question, a_scope, a_answer, a_cites, cites, a_who], approve_status, **hidden)

        def withdraw(tok: str, question: str, sc: str, who: str) -> str:
            _guard(settings, tok)
            try:
                done = store.revoke(question=question, scope=div.parse(sc), who=who)
            except AssistantError as exc:
                return "⚠️ " + esc(exc.message)
            return "已撤销审定，该问题恢复自动回答。" if done else "这个问题没有审定答案。"

        revoke.click(withdraw, [token, a_question, a_scope, a_who], approve_status, **hidden)

        def approved_rows(tok: str) -> tuple[list[list[str]], list[list[str]]]:
            _guard(settings, tok)
            approved = [
                [e.question, _scope_name(e.scope), e.answer, e.approved_by, beijing_time(e.updated_at), approved_state(services, e)]
                for e in store.approved()
            ]
            changes = [
                [beijing_time(h.ts), h.who, _ACTIONS.get(h.action, h.action), h.canonical, _scope_name(h.scope), h.before or "", h.after or ""]
                for h in store.history()
            ]
            return approved, changes

        refresh.click(approved_rows, token, [approved_table, history_table], **hidden)

        def audit(tok: str, questions: str) -> str:
            _guard(settings, tok)
            try:
                return audit_markdown(services.assistant, (questions or "").splitlines())
            except ApiError as exc:
                return "⚠️ " + esc(exc.message)

        audit_run.click(audit, [token, audit_in], audit_out, **hidden)

        def report(tok: str) -> str:
            _guard(settings, tok)
            found = latest_report()
            if found is None:
                return "还没有评估报告：请先运行 `python -m assistant eval`。"
            return f"*{esc(found[0].parent.name)}/report.md*\n\n" + found[1]

        report_run.click(report, token, report_out, **hidden)
    built: gr.Blocks = console
    return built
