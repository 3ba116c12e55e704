"""The chat on the applicant page as a browser uses it (headless chromium, 1280 and 390 px).

A conversation kept per browser and sent as history, each answer with its own sources, feedback
per answer, stop, regenerate, reload, the scope switch said, an over-long paste refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from test_web_browser import CHROMIUM, FLAGS, TIMEOUT, ask, fill, follow_link, open_page
from test_web_support import WebServer, artifact, web_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/lib/chromium/chromium (make browser)"),
]
WIDTHS = [1280, 390]


@pytest.fixture(scope="module")
def server() -> WebServer:
    return web_server()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


def _page(browser: Any, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    return pg


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def page(browser: Any, request: Any) -> Iterator[Any]:
    pg = _page(browser, request.param)
    pg.width = request.param
    yield pg
    pg.context.close()


def sources_of(row: Any) -> str:
    return str(row.locator(".sources").inner_text())


def test_three_turns_each_answer_with_its_own_sources_kept_across_a_reload(server: WebServer, page: Any) -> None:
    open_page(page, server.base + "/")
    first = ask(page, "山西分赛一等奖奖金是多少")
    assert "5 万元" in first.inner_text()
    second = ask(page, "那陕西呢？")
    assert "陕西分赛" in second.inner_text() and "按“陕西分赛一等奖奖金是多少”回答" in second.inner_text()
    third = ask(page, "报名截止时间呢？")
    assert "陕西分赛" in third.inner_text() and "7 月 31 日" in third.inner_text()
    rows = page.locator("#chat .message-row")
    first, second = rows.nth(1), rows.nth(3)
    assert "山西分赛" in sources_of(first) and "陕西" not in sources_of(first)  # the first answer keeps its sources
    assert "陕西分赛" in sources_of(second) and "山西分赛" not in sources_of(second)
    assert "|" not in page.inner_text("#chat .sources")
    follow_link(page, second.locator("a.cite").first, "#src-1-1")  # [1] leads to its own card under that answer
    assert page.locator("#src-1-1").is_visible()
    page.screenshot(path=artifact(f"chat-three-turns-{page.width}.png"), full_page=True)

    page.reload()
    page.wait_for_function("() => document.querySelectorAll('#chat .message-row').length === 6")
    assert "5 万元" in page.locator("#chat .message-row").nth(1).inner_text()
    fourth = ask(page, "那新疆呢？")  # the kept conversation is still the history
    assert "新疆分赛" in fourth.inner_text() and "报名" in fourth.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.width + 10

    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chat .message-row').length === 0")
    assert page.locator("#chat .sources").count() == 0
    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_timeout(800)
    assert page.locator("#chat .message-row").count() == 0  # a cleared conversation stays cleared


def _feedback(server: WebServer) -> list[tuple[str, str]]:
    with sqlite3.connect(server.data_dir / "web.sqlite") as db:
        return list(db.execute("SELECT vote, comment FROM feedback ORDER BY rowid"))


def test_feedback_per_answer_comment_kept_and_vote_changeable(server: WebServer, browser: Any) -> None:
    page = _page(browser, 1280)
    open_page(page, server.base + "/")
    page.click("#new-chat")
    ask(page, "新疆分赛决赛在什么时候")
    ask(page, "益阳分赛的联系方式是什么？")
    chat = page.locator("#chat")
    assert chat.get_by_label("踩", exact=True).count() == 2  # each answer has its own buttons
    chat.get_by_label("踩", exact=True).first.click()  # the earlier answer can be rated too
    page.wait_for_function("() => document.querySelector('#feedback-status')?.innerText.includes('第 1 条回答')")
    box = page.locator("#comment textarea, #comment input").first
    box.fill("日期不够清楚")
    box.press("Enter")
    page.wait_for_function("() => document.querySelector('#feedback-status')?.innerText.includes('回答的意见')")
    assert _feedback(server)[-1] == ("down", "日期不够清楚")
    chat.get_by_label("赞", exact=True).first.click()  # changing the vote keeps the comment
    page.wait_for_function("() => document.querySelector('#feedback-status')?.innerText.includes('有帮助')")
    assert _feedback(server)[-1] == ("up", "日期不够清楚")
    assert box.input_value() == "日期不够清楚"
    page.reload()  # the vote stays shown on its answer, the other answer shows none
    page.wait_for_function("() => document.querySelectorAll('#chat .message-row').length === 4")
    page.wait_for_timeout(500)
    labels = chat.locator("button").evaluate_all("bs => bs.map(b => b.getAttribute('aria-label'))")
    assert not {"Copy message", "Liked", "Disliked"} & set(labels)  # no English labels
    votes = [x for x in labels if x not in ("清空对话", "复制这条消息")]
    assert votes == ["踩", "已赞（再点取消）", "踩", "赞"]
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chat .message-row').length === 0")
    assert not box.is_enabled()  # nothing left to comment on
    page.context.close()


def test_stop_regenerate_and_enter_while_streaming(server: WebServer, browser: Any) -> None:
    page = _page(browser, 1280)
    open_page(page, server.base + "/")
    page.click("#new-chat")
    fill(page, "question", "山西分赛有哪些赛道和赛题？")
    page.click("#send")
    page.wait_for_function("() => document.querySelector('#chat')?.innerText.includes('▌')")
    assert not page.locator("#question textarea").is_enabled()  # Enter while streaming: visibly disabled
    page.click("#stop")
    # 停止 is said (the cut turn in the chat reads 已停止生成 too when the stop lands before the last piece)
    page.wait_for_function("() => document.querySelector('#ask-notice')?.innerText.includes('已停止生成')")
    page.wait_for_function("() => !document.querySelector('#question textarea').disabled")
    page.screenshot(path=artifact("chat-stopped.png"), full_page=True)
    page.click("#regenerate")
    page.wait_for_function(
        "() => document.querySelectorAll('#chat .message-row').length === 2 && document.querySelector('#chat .sources')"
    )
    assert "已停止生成" not in page.inner_text("#chat")
    page.click("#copy-answer")
    page.wait_for_function("() => document.querySelector('#copy-answer')?.innerText.includes('已复制')")
    page.context.close()


def test_the_named_division_wins_over_the_selector_and_says_so(server: WebServer, browser: Any) -> None:
    page = _page(browser, 390)
    open_page(page, server.base + "/")
    page.click("#new-chat")
    page.locator("#division").get_by_text("山西", exact=True).click()
    text = ask(page, "陕西分赛报名截止时间").inner_text()
    assert "您问的是陕西分赛" in text and "当前选择的是山西分赛" in text and "7 月 31 日" in text
    suggestions = page.inner_text("#suggestions")  # follow-ups from the answer's subject
    assert "那陕西呢？" not in suggestions and "那山西呢？" in suggestions and "陕西分赛一等奖奖金是多少？" in suggestions
    assert "报名截止" not in suggestions
    page.screenshot(path=artifact("chat-scope-switch-390.png"), full_page=True)
    page.context.close()


def test_an_over_long_paste_is_refused_with_the_limit(server: WebServer, browser: Any) -> None:
    page = _page(browser, 1280)
    open_page(page, server.base + "/")
    page.click("#new-chat")
    fill(page, "question", "山西" * 1001)
    page.click("#send")
    page.wait_for_function("() => document.querySelector('#ask-notice')?.innerText.includes('2000')")
    assert "2002" in page.inner_text("#ask-notice")
    assert len(page.locator("#question textarea").input_value()) == 2002  # not cut
    assert page.locator("#chat .message-row").count() == 0
    page.context.close()


def _widget(page: Any, server: WebServer, key: str = "shanxi-web") -> Any:
    page.goto(server.host_base + "/two.html")
    page.wait_for_selector(f"[data-shuju-widget={key}] .bubble[data-state=ready]")
    page.click(f"[data-shuju-widget={key}] .bubble")
    return page.frame_locator(f"[data-shuju-widget={key}] iframe")


def _widget_ask(frame: Any, question: str) -> Any:
    before = frame.locator(".msg.bot").count()
    frame.locator("#q").fill(question)
    frame.locator("#q").press("Enter")
    frame.locator(".msg.bot").nth(before).wait_for()
    frame.locator("#send:not([disabled])").wait_for()
    return frame.locator(".msg.bot").last


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
def test_widget_keeps_its_conversation_and_refuses_another_division(
    server: WebServer, browser: Any, width: int
) -> None:
    page = _page(browser, width)
    frame = _widget(page, server)
    assert "只回答山西分赛的问题" in frame.locator(".intro").inner_text()
    first = _widget_ask(frame, "一等奖奖金是多少")
    assert "5 万元" in first.inner_text() and first.locator(".cites li").count() >= 1
    follow = _widget_ask(frame, "二等奖呢？")  # the kept conversation is sent as history
    assert "二等奖" in follow.inner_text() and "山西分赛" in follow.inner_text()
    other = _widget_ask(frame, "陕西分赛报名截止时间")
    assert "只回答山西分赛的问题" in other.inner_text() and "7 月 31 日" not in other.inner_text()
    assert other.locator(".cites").count() == 0
    first = frame.locator(".msg.bot").nth(1)
    first.locator(".vote-down").click()
    assert first.locator(".vote-down").get_attribute("aria-pressed") == "true"
    first.locator(".comment").fill("想知道税前还是税后")
    first.locator(".comment").press("Enter")
    first.locator(".status", has_text="已记录").wait_for()
    page.wait_for_timeout(300)
    assert _feedback(server)[-1] == ("down", "想知道税前还是税后")
    first.locator(".cite").first.click()
    page.screenshot(path=artifact(f"widget-conversation-{width}.png"))

    frame = _widget(page, server)  # a reload: the conversation and the vote are still there
    frame.locator(".msg.bot").nth(3).wait_for()
    assert frame.locator(".msg.user").count() == 3
    assert frame.locator(".msg.bot").nth(1).locator(".vote-down.on").count() == 1
    assert frame.locator(".msg.bot").nth(1).locator(".comment").input_value() == "想知道税前还是税后"
    frame.locator("#q").fill("山西" * 1001)
    frame.locator("#q").press("Enter")
    assert "2000 字符以内" in frame.locator("#notice").inner_text()
    assert len(frame.locator("#q").input_value()) == 2002
    frame.locator("#new").click()
    assert frame.locator(".msg.user").count() == 0
    page.context.close()


def test_timeline_at_phone_width_has_years_and_no_overlap(server: WebServer, browser: Any) -> None:
    page = _page(browser, 390)
    open_page(page, server.base + "/")
    page.get_by_role("tab", name="赛程时间线").click()
    page.wait_for_selector("#timeline table.tl-table")
    assert page.inner_text("#timeline .tl-year") == "2025 年"
    boxes = page.locator("#timeline .tl-tick").evaluate_all(
        "ts => ts.filter(t => t.offsetParent).map(t => { const r = t.getBoundingClientRect(); return [r.left, r.right]; })"
    )
    assert len(boxes) >= 3
    assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:], strict=False)), boxes  # no tick covers the next
    heights = page.locator("#timeline .phase").evaluate_all("ps => ps.map(p => p.getBoundingClientRect().height)")
    assert max(heights) < 1.6 * min(heights), heights  # no badge wraps to 已/结/束
    legend = page.inner_text("#timeline .tl-legend")
    table = page.inner_text("#timeline table.tl-table")
    for state in ("已结束", "进行中", "未开始"):
        assert (state in legend) == (state in table)  # the legend shows only states that occur
    assert "今天" in legend and page.locator("#timeline .tl-now").count() == 1
    page.screenshot(path=artifact("timeline-390.png"), full_page=True)
    page.context.close()


def test_widget_stop_and_enter_while_answering(server: WebServer, browser: Any) -> None:
    page = _page(browser, 1280)
    held: list[Any] = []
    page.route("**/api/v1/ask/stream", lambda route: held.append(route))  # pending until the test lets go
    frame = _widget(page, server, "shaanxi-web")
    frame.locator("#q").fill("报名截止时间")
    frame.locator("#q").press("Enter")
    frame.locator("#stop:not([hidden])").wait_for()
    assert frame.locator("#send").is_disabled() and frame.locator("#send").inner_text() == "回答中…"
    frame.locator("#q").fill("一等奖奖金是多少")
    frame.locator("#q").press("Enter")  # while answering: said, not silently dropped
    assert "正在回答上一个问题" in frame.locator("#notice").inner_text()
    assert frame.locator("#q").input_value() == "一等奖奖金是多少"
    frame.locator("#stop").click()
    frame.locator(".msg.bot .stopped").wait_for()
    assert frame.locator("#send").is_enabled() and not frame.locator("#stop").is_visible()
    page.screenshot(path=artifact("widget-stopped.png"))
    for route in held:
        try:
            route.abort()
        except Exception:  # noqa: BLE001 - the browser may have dropped the request already
            pass
    page.context.close()


def test_the_conversation_survives_a_server_restart(server: WebServer, browser: Any, tmp_path: Any) -> None:
    """Its own server on its own port (the session's server stays up), stopped and started again."""
    import shutil
    import subprocess
    import sys

    from test_web_support import ROOT, _wait_ready, free_port

    data = tmp_path / "data"
    shutil.copytree(server.data_dir / "chroma", data / "chroma")  # the index is built: starts in seconds
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**server.env, "PORT": str(port), "DATA_DIR": str(data), "PAGE_STREAM_DELAY_MS": "0"}
    log_path = tmp_path / "server.log"

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env,
                                stdout=log_path.open("ab"), stderr=subprocess.STDOUT)
        _wait_ready(base, proc, log_path)
        return proc

    def stop(proc: subprocess.Popen[bytes]) -> None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    proc = start()
    pg = _page(browser, 1280)
    try:
        open_page(pg, base + "/")
        ask(pg, "新疆分赛报名截止是哪天")
        stop(proc)
        proc = start()  # a new process: Gradio would draw a new random BrowserState secret
        open_page(pg, base + "/")
        pg.wait_for_function("() => document.querySelectorAll('#chat .message-row').length === 2")
        assert "新疆分赛报名截止是哪天" in pg.inner_text("#chat")
        answer = ask(pg, "那陕西呢？")  # and it is still sent as history
        assert "陕西" in answer.inner_text() and "out_of_scope" not in answer.inner_text()
        pg.screenshot(path=artifact("chat-after-restart.png"), full_page=True)
    finally:
        pg.context.close()
        stop(proc)
