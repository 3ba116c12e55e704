"""HTML and Markdown fragments for the pages. Every user or model text is escaped here, so no script runs."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from assistant.models import Answer, Citation
from assistant.rules import divisions as div

from .timeline import Timeline

_MARKER_RE = re.compile(r"\[(\d{1,3})\]")
_PHASE_LABEL = {"passed": "已结束", "current": "进行中", "upcoming": "未开始", "unknown": "以通知为准"}
APPROVED_BADGE = "秘书处审定"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def text_markdown(text: str) -> str:
    """User or model text for a Markdown view: HTML escaped, so `<script>` shows as text."""
    return esc(text)


def answer_markdown(answer: Answer) -> str:
    """An answer for the chat: escaped text, citation markers as superscripts, the 审定 badge."""
    body = _MARKER_RE.sub(r'<sup class="cite">[\1]</sup>', esc(answer.answer))
    if answer.understood:
        body = f'<span class="understood">{esc(answer.understood)}</span>\n\n' + body
    if answer.approved:
        body = f'<span class="approved-badge">{APPROVED_BADGE}</span>\n\n' + body
    return body


def partial_markdown(text: str) -> str:
    return esc(text) + " ▌"


def error_markdown(message: str) -> str:
    return "⚠️ " + esc(message)


def quote_html(text: str) -> str:
    """Notice text, escaped; the notices' own bold tags (<b>…</b>) are kept as bold."""
    return esc(text).replace("&lt;b&gt;", "<b>").replace("&lt;/b&gt;", "</b>")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _is_rule(line: str) -> bool:
    return bool(re.fullmatch(r"\|?[\s:|-]+\|?", line.strip())) and "-" in line


def table_row_text(quote: str, context: str = "") -> str:
    """A quoted Markdown table row as 表头：值；…, using the header of its table in the context.

    Anything that is not a table row is returned unchanged."""
    lines = [ln for ln in quote.strip().splitlines() if ln.strip()]
    if not lines or not all(ln.strip().startswith("|") for ln in lines):
        return quote
    header: list[str] = []
    block: list[str] = []
    for ln in context.splitlines():
        if ln.strip().startswith("|"):
            block.append(ln)
            if lines[0].strip() in ln.strip():
                header = _cells(block[0]) if not _is_rule(block[0]) else []
                break
        else:
            block = []
    rows: list[str] = []
    for ln in lines:
        if _is_rule(ln):
            continue
        cells = _cells(ln)
        if header and len(header) == len(cells) and cells != header:
            rows.append("；".join(f"{h}：{v}" if h else v for h, v in zip(header, cells, strict=True) if v))
        else:
            rows.append("；".join(c for c in cells if c))
    return "\n".join(rows)


def _context_html(context: str, quote: str) -> str:
    at = context.find(quote) if quote else -1
    if at < 0:
        return quote_html(context)
    return quote_html(context[:at]) + "<mark>" + quote_html(quote) + "</mark>" + quote_html(context[at + len(quote) :])


def _one_line(fragment: str) -> str:
    """HTML inside a Markdown chat bubble must not hold a blank line (it would end the HTML block)."""
    return fragment.replace("\r", "").replace("\n", "<br>")


SUPERSEDED_BADGE = "已调整（原规定，已被新通知修改）"


def citation_html(c: Citation, turn: int | None = None) -> str:
    """One source card: division, notice, section path, the verbatim quote (a table row as 表头：值)."""
    anchor = f"src-{c.n}" if turn is None else f"src-{turn}-{c.n}"
    # a clause a later notice changed: shown for what it replaced, never as the rule in force
    badge = f' <span class="src-superseded">{SUPERSEDED_BADGE}</span>' if c.role == "superseded" else ""
    ctx = ""
    if c.context:
        ctx = f'<details><summary>查看上下文</summary><div class="src-ctx">{_context_html(c.context, c.quote)}</div></details>'
    return _one_line(
        f'<div class="src" id="{anchor}">'
        f'<div class="src-head"><span class="src-n">[{c.n}]</span> <span class="src-div">{esc(div.NAMES[c.division])}</span>{badge}</div>'
        f'<div class="src-doc">{esc(c.doc_title)}</div>'
        f'<div class="src-sec">{esc(c.section)}</div>'
        f'<blockquote class="src-quote">{quote_html(table_row_text(c.quote, c.context or ""))}</blockquote>{ctx}</div>'
    )


def sources_html(answer: Answer | None, turn: int | None = None) -> str:
    if answer is None:
        return '<div class="sources empty">回答的出处（分赛、通知、章节、原文）会显示在这里。</div>'
    if not answer.citations:
        return '<div class="sources empty">这条回答没有引用通知原文。</div>'
    head = f'<div class="approved-badge">{APPROVED_BADGE}</div>' if answer.approved else ""
    cards = "".join(citation_html(c, turn) for c in answer.citations)
    return f'<div class="sources" data-turn="{turn if turn is not None else ""}">' + head + cards + "</div>"


def bubble_html(answer: Answer, turn: int) -> str:
    """An answer in the chat with its own source cards under it; each [n] links to its card."""
    body = _MARKER_RE.sub(lambda m: f'<a class="cite" href="#src-{turn}-{m[1]}">[{m[1]}]</a>', esc(answer.answer))
    if answer.understood:
        body = f'<span class="understood">{esc(answer.understood)}</span>\n\n' + body
    if answer.approved:
        body = f'<span class="approved-badge">{APPROVED_BADGE}</span>\n\n' + body
    if not answer.citations:
        return body
    title = f'<div class="src-title">出处（{len(answer.citations)} 条）</div>'
    return body + "\n\n" + _one_line(title + sources_html(answer, turn))


def stopped_markdown(text: str) -> str:
    return (esc(text) if text else "") + ' <span class="stopped">（已停止生成）</span>'


# -- timeline ---------------------------------------------------------------------------------


def timeline_html(tl: Timeline) -> str:
    if not any(d.stages for d in tl.divisions):
        return '<div class="timeline empty">所选分赛的通知没有列出赛程安排。</div>'
    return (
        f'<div class="timeline"><p class="tl-today">今天：{tl.today.isoformat()}（“已结束/进行中/未开始”以此日期判断）</p>'
        + _over(tl)
        + _chart(tl)
        + _table(tl)
        + "</div>"
    )


def _over(tl: Timeline) -> str:
    """Said plainly when every stage shown has ended."""
    stages = [s for d in tl.divisions for s in d.stages]
    if not stages or any(s.phase != "passed" for s in stages):
        return ""
    years = sorted({s.end.year for s in stages if s.end})
    year = f"{years[-1]} 年" if years else ""
    who = "大赛" if len(tl.divisions) > 1 else div.NAMES[tl.divisions[0].id]
    return f'<p class="tl-over" role="status">{year}{who}各阶段均已结束。</p>'


def _table(tl: Timeline) -> str:
    rows: list[str] = []
    for d in tl.divisions:
        for s in d.stages:
            rows.append(
                f'<tr class="phase-{s.phase}"><td>{esc(div.SHORT[d.id])}</td><td>{esc(s.name)}</td>'
                f"<td>{esc(s.when)}<sup class=\"cite\">[{s.citation.n}]</sup></td>"
                f'<td class="tl-state"><span class="phase phase-{s.phase}">{_PHASE_LABEL[s.phase]}</span></td>'
                f'<td class="tl-src">{esc(s.citation.section)}：“{esc(s.citation.quote)}”</td></tr>'
            )
    return (
        '<table class="tl-table"><thead><tr><th>分赛</th><th>阶段</th><th>时间（通知原文）</th><th>状态</th>'
        '<th class="tl-src">出处</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def _next_month(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def _chart(tl: Timeline) -> str:
    """Bars on a date axis fitted to the stages (months, the year beside the axis), today marked.

    Plain HTML and CSS, no script. Today widens the axis only when it is near the stages;
    otherwise it is said beside the chart, so the bars are not squeezed into a corner."""
    spans = [(s.start or s.end - timedelta(days=30), s.end) for d in tl.divisions for s in d.stages if s.end]
    if not spans:
        return ""
    lo = min(a for a, _ in spans)
    hi = max(b for _, b in spans)
    if lo - timedelta(days=45) <= tl.today <= hi + timedelta(days=45):
        lo, hi = min(lo, tl.today), max(hi, tl.today)
    lo = date(lo.year, lo.month, 1)
    hi = _next_month(hi) - timedelta(days=1)
    total = max((hi - lo).days + 1, 1)

    def pct(d: date) -> float:
        return round(100 * (d - lo).days / total, 2)

    months: list[date] = []
    m = lo
    while m <= hi:
        months.append(m)
        m = _next_month(m)
    step = 1 if len(months) <= 8 else 2 if len(months) <= 16 else 3
    ticks = []
    for i, m in enumerate(months):
        label = f"{m.year}年{m.month}月" if m.month == 1 and i else f"{m.month}月"
        minor = " tl-minor" if i % 2 else ""  # hidden on a phone
        if i % step == 0:
            ticks.append(f'<span class="tl-tick{minor}" style="left:{pct(m)}%">{label}</span>')
    rows: list[str] = []
    shown: set[str] = set()
    for d in tl.divisions:
        for s in d.stages:
            if not s.end:
                continue
            shown.add(s.phase)
            start = s.start or max(lo, s.end - timedelta(days=30))
            left, width = pct(start), max(pct(s.end + timedelta(days=1)) - pct(start), 0.8)
            open_start = " tl-open" if s.start is None else ""
            rows.append(
                f'<div class="tl-row"><div class="tl-label">{esc(div.SHORT[d.id])} · {esc(s.name)}</div>'
                f'<div class="tl-track"><div class="tl-bar phase-{s.phase}{open_start}" style="left:{left}%;width:{width}%"'
                f' title="{esc(s.when)}（{_PHASE_LABEL[s.phase]}）"></div></div></div>'
            )
    legend = "".join(f'<span class="phase phase-{k}">{v}</span>' for k, v in _PHASE_LABEL.items() if k in shown)
    if lo <= tl.today <= hi:
        now = f'<div class="tl-now-wrap"><div class="tl-label"></div><div class="tl-track"><div class="tl-now" style="left:{pct(tl.today)}%"></div></div></div>'
        legend += '<span class="tl-now-key">┆ 今天</span>'
    else:
        side = "之后" if tl.today > hi else "之前"
        now = ""
        legend += f'<span class="tl-now-key">今天（{tl.today.isoformat()}）在图中时间范围{side}</span>'
    year = f"{lo.year} 年" if lo.year == hi.year else f"{lo.year}–{hi.year} 年"
    return (
        f'<div class="tl-chart"><div class="tl-legend">{legend}</div>'
        f'<div class="tl-axis-wrap"><div class="tl-label tl-year">{year}</div><div class="tl-axis">{"".join(ticks)}</div></div>'
        f'<div class="tl-rows">{now}'
        + "".join(rows)
        + "</div></div>"
    )
