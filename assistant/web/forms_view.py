"""HTML views of a 申报书 draft: sections and fields with 字数 counters, progress, downloads, Word check.

Reads the draft through the form agent's own modules (schema walk, values, Word-compatible
count); every applicant text is escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from assistant.forms.render import format_value
from assistant.forms.review import section_words
from assistant.forms.steps import get_value, section_scope, walk
from assistant.forms.validators import is_empty
from assistant.forms.wordcount import count_text

from .render import esc

if TYPE_CHECKING:
    from assistant.forms.check import CheckReport
    from assistant.forms.service import FormService, ProgressView, QuestionView

_CHECK_LABEL = {"ok": "符合", "over": "超出字数", "missing": "缺少该部分", "empty": "内容为空"}


def wc_badge(words: int, limit: int) -> str:
    over = " over" if words > limit else ""
    return f'<span class="wc{over}" title="字数（按 Word 规则）/ 限制">{words}/{limit}</span>'


def counter_html(text: str, limit: int | None) -> str:
    """The counter under the reply box; the browser keeps it live while typing (see counter.py)."""
    attr = f' data-limit="{limit}"' if limit is not None else ""
    counts = count_text(text)
    chars = f"字符数 {counts.chars}"
    if limit is None:
        return f'<div class="counter">字数 {counts.words}（{chars}）</div>'
    if counts.words > limit:
        return (
            f'<div class="counter"{attr}><span class="over">字数 {counts.words}/{limit}，超出 {counts.words - limit} 字</span>'
            f"（{chars}）</div>"
        )
    warn = "；注意：字符数已超过限制，按字符计数的平台可能判为超限" if counts.chars > limit else ""
    return f'<div class="counter"{attr}>字数 {counts.words}/{limit}（{chars}{warn}）</div>'


def choices_html(q: QuestionView | None) -> str:
    """The current question's options as short numbered buttons (a click puts the number in the reply
    box, see counter.js); typing the number, several with 、 or ",", or the label works the same."""
    if q is None or not q.choices:
        return '<div class="choices empty"></div>'
    multi = q.kind == "multi"
    groups: dict[str, list[str]] = {}
    for c in q.choices:
        pick = f"{c.number}：" if c.other else c.number
        label = f"{c.label}：____" if c.other else c.label
        groups.setdefault(c.group, []).append(
            f'<button type="button" class="opt" data-pick="{esc(pick)}" title="{esc(c.label)}">'
            f'<b>{esc(c.number)}</b> {esc(label)}</button>'
        )
    body = "".join(
        f'<div class="choice-group">{f"<div class=g>{esc(g)}</div>" if g else ""}<div class="opts">{"".join(rows)}</div></div>'
        for g, rows in groups.items()
    )
    how = "可多选：点几个选项，或输入编号如 1,2 或 1、3" if multi else "单选：点一个选项，或输入编号如 1"
    return (
        f'<div class="choices" data-multi="{int(multi)}" aria-label="{esc(q.label)}的选项">'
        f'<div class="how">{how}，再点“发送”。</div>{body}</div>'
    )


def progress_html(p: ProgressView | None) -> str:
    if p is None:
        return '<div class="draft-progress">尚未开始填写。</div>'
    return (
        f'<div class="draft-progress" data-percent="{p.percent}"><div>必填项完成 {p.done}/{p.total}（{p.percent}%）</div>'
        f'<div class="bar" role="progressbar" aria-valuenow="{p.percent}" aria-valuemin="0" aria-valuemax="100">'
        f'<div class="fill" style="width:{p.percent}%"></div></div></div>'
    )


def downloads_html(token: str | None) -> str:
    if not token:
        return '<div class="downloads"></div>'
    t = quote(token, safe="")
    links = [("docx", "下载 Word（.docx）"), ("json", "下载 JSON"), ("md", "下载 Markdown")]
    return '<div class="downloads">' + "".join(
        f'<a href="/api/v1/forms/{t}/export?format={fmt}" download class="dl-{fmt}">{label}</a>' for fmt, label in links
    ) + "</div>"


def draft_html(forms: FormService, token: str | None, current: str | None = None) -> str:
    """The whole draft by section: every field shown so far, its value, and 字数/限制 in red when over."""
    if not token:
        return '<div class="draft-view empty">新建或继续一份申报书后，这里会显示已填写的内容和字数。</div>'
    state = forms.store.load(token)
    answers: dict[str, Any] = state.answers
    groups: dict[str, list[str]] = {}
    touched: set[str] = set()
    for step in walk(forms.schema, answers):
        if step.kind != "field" or step.field is None:
            continue
        f = step.field
        value = get_value(answers, step)
        shown = format_value(f, value) if not is_empty(value) else ""
        badge = ""
        if f.limit is not None:
            words = count_text(value).words if isinstance(value, str) else 0
            badge = wc_badge(words, f.limit)
        req = "*" if f.required else ""
        cls = " current" if step.id == current else ""
        val = esc(shown) if shown else '<span class="empty">未填写</span>'
        groups.setdefault(step.where, []).append(
            f'<div class="draft-field{cls}" data-step="{esc(step.id)}"><div class="lbl">{req}{esc(step.display)}{badge}</div>'
            f'<div class="val">{val}</div></div>'
        )
        if shown or step.id == current:
            touched.add(step.where)
    section_limits = _section_limits(forms, answers)
    parts: list[str] = []
    for where, rows in groups.items():
        opened = " open" if where in touched else ""
        extra = section_limits.get(where, "")
        parts.append(f"<details{opened}><summary>{esc(where)}{extra}</summary>{''.join(rows)}</details>")
    return '<div class="draft-view">' + "".join(parts) + "</div>"


def _section_limits(forms: FormService, answers: dict[str, Any]) -> dict[str, str]:
    """Badges for sections limited as a whole (e.g. 应用成效 限 5000 字 over its parts)."""
    out: dict[str, str] = {}
    for part, section in forms.schema.sections():
        if section.limit is None or section.repeat is not None:
            continue
        words = section_words(section, section_scope(answers, section, None))
        out[f"{part.title} › {section.number}{section.title}"] = " " + wc_badge(words, section.limit)
    return out


def check_html(report: CheckReport) -> str:
    """The Word-draft check as a table: section, 字数/限制, status."""
    rows = []
    for s in report.sections:
        limit = f"{s.count}/{s.limit}" if s.limit else str(s.count)
        rows.append(
            f"<tr><td>{esc(s.title)}</td><td>{limit}</td>"
            f'<td class="st-{esc(s.status)}">{esc(_CHECK_LABEL.get(s.status, s.status))}</td></tr>'
        )
    errors = "".join(f'<li class="st-over">{esc(e)}</li>' for e in report.errors)
    table = (
        '<table class="check-table"><thead><tr><th>部分</th><th>字数/限制</th><th>结果</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
        if rows
        else ""
    )
    return f'<div class="check">{("<ul>" + errors + "</ul>") if errors else ""}{table}</div>'
