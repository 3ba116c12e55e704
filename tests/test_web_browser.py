"""The browser scenarios of the web product, in Debian's headless chromium driven by playwright.

Screenshots of every page go to test-artifacts/. The server is the real one (test_web_support).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from docx import Document
from test_web_support import ADMIN_TOKEN, WebServer, artifact, web_server

CHROMIUM = Path("/usr/lib/chromium/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT = 20_000  # ms

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/lib/chromium/chromium (make browser)"),
]


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


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.dialogs = []  # any alert() would mean a script ran
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def fill(pg: Any, elem_id: str, text: str) -> None:
    """Fill a Gradio textbox (rendered as input or textarea)."""
    pg.locator(f"#{elem_id} textarea, #{elem_id} input").first.fill(text)


def open_page(pg: Any, url: str) -> None:
    pg.goto(url)
    pg.wait_for_selector("#question textarea")  # Gradio pages never reach networkidle


def ask(pg: Any, question: str) -> Any:
    """Ask on the applicant page and return the last answer bubble once its sources are shown."""
    before = pg.locator("#chat .message-row").count()
    fill(pg, "question", question)
    pg.click("#send")
    pg.wait_for_function(  # the question is the last but one row (a restored conversation may come first)
        """([n, q]) => { const rows = document.querySelectorAll('#chat .message-row');
                         return rows.length >= n + 2 && rows[rows.length - 2].innerText.includes(q); }""",
        arg=[before, question.strip()[:20]],
        timeout=TIMEOUT,
    )
    pg.wait_for_function(  # the placeholder (…) and the stream cursor (▌) are gone from the last bubble
        """() => { const rows = document.querySelectorAll('#chat .message-row');
                   const t = rows.length ? rows[rows.length - 1].innerText.trim() : '';
                   return t && t !== '…' && !t.includes('▌'); }""",
        timeout=TIMEOUT,
    )
    return pg.locator("#chat .message-row").last


def follow_link(pg: Any, link: Any, fragment: str) -> None:
    """Click an in-page link until the location shows its fragment: a click that lands while
    Gradio re-renders the chat after a stream (a busy machine) reaches a node already replaced."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        link.click()
        try:
            pg.wait_for_function("(f) => location.hash === f", arg=fragment, timeout=TIMEOUT // 3)
            return
        except PlaywrightTimeout:
            continue
    assert pg.evaluate("location.hash") == fragment


def test_1_applicant_sees_the_amount_with_a_citation(server: WebServer, page: Any) -> None:
    open_page(page, server.base + "/")
    answer = ask(page, "山西分赛一等奖奖金是多少")
    assert "5 万元" in answer.inner_text() and "[1]" in answer.inner_text()
    page.wait_for_selector("#chat .sources .src")
    source = answer.locator(".sources").inner_text()
    assert "山西分赛" in source and "关于举办2025年“数据要素×”大赛山西分赛的通知" in source and "五、奖项设置" in source
    answer.locator(".sources details summary").first.click()
    assert "奖金总额 60 万元" in answer.locator(".src-ctx").first.inner_text()
    page.locator("#chat").get_by_label("赞", exact=True).first.click()
    page.wait_for_function("() => document.querySelector('#feedback-status')?.innerText.includes('已记录')")
    page.screenshot(path=artifact("1-applicant-answer.png"), full_page=True)
    page.get_by_role("tab", name="赛程时间线").click()
    page.wait_for_selector("#timeline table.tl-table")
    assert "进行中" in page.inner_text("#timeline") and "未开始" in page.inner_text("#timeline")
    page.screenshot(path=artifact("1-timeline.png"), full_page=True)


def test_1b_a_follow_up_builds_on_the_conversation_until_a_new_one(server: WebServer, page: Any) -> None:
    open_page(page, server.base + "/")
    ask(page, "山西分赛一等奖奖金是多少")
    follow = ask(page, "陕西呢？").inner_text()
    assert "陕西分赛" in follow and "山西分赛：" not in follow  # understood as 陕西分赛一等奖奖金是多少
    assert "一等奖" in follow and "奖杯" in follow
    page.screenshot(path=artifact("1b-follow-up.png"), full_page=True)
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chat .message-row').length === 0")
    fresh = ask(page, "陕西呢？").inner_text()
    assert "奖杯" not in fresh  # a new conversation has nothing to follow up on


def test_2_widget_on_a_division_site_answers_in_its_division(server: WebServer, page: Any) -> None:
    page.goto(server.host_base + "/two.html")
    for key in ("shanxi-web", "shaanxi-web"):  # two widgets on one page, each ready on its own
        page.wait_for_selector(f"[data-shuju-widget={key}] .bubble[data-state=ready]")
    page.click("[data-shuju-widget=shanxi-web] .bubble")
    frame = page.frame_locator("[data-shuju-widget=shanxi-web] iframe")
    frame.locator("#q").fill("一等奖奖金是多少")
    frame.locator("#send").click()
    frame.locator(".msg.bot .cites").wait_for()
    text = frame.locator(".msg.bot").last.inner_text()
    assert "山西分赛" in text and "5 万元" in text and "陕西" not in text
    page.screenshot(path=artifact("2-widget-shanxi.png"))
    page.click("[data-shuju-widget=shaanxi-web] .bubble")  # opening the second closes the first
    assert not page.locator("[data-shuju-widget=shanxi-web] .panel").is_visible()
    second = page.frame_locator("[data-shuju-widget=shaanxi-web] iframe")
    second.locator("#q").fill("报名截止时间")
    second.locator("#send").click()
    second.locator(".msg.bot .cites").wait_for()
    assert "陕西分赛" in second.locator(".msg.bot").last.inner_text()
    page.screenshot(path=artifact("2-widget-second.png"))
    assert page.dialogs == []


def test_3_widget_with_a_key_not_allowed_for_the_site_is_refused(server: WebServer, page: Any) -> None:
    page.goto(server.host_base + "/foreign.html")
    page.wait_for_selector("[data-shuju-widget=foreign] .bubble[data-state=refused]")
    page.click("[data-shuju-widget=foreign] .bubble")
    assert "未获授权" in page.inner_text("[data-shuju-widget=foreign] .refused")
    assert page.locator("[data-shuju-widget=foreign] iframe").count() == 0
    direct = page.frame_locator("#direct")
    assert "未获授权" in direct.locator(".refusal").inner_text()
    assert direct.locator("#q").count() == 0
    page.screenshot(path=artifact("3-widget-refused.png"))
    # Another origin framing the chat without a Referer: the browser enforces frame-ancestors.
    page.goto(f"http://localhost:{server.host_port}/sneaky.html")
    page.wait_for_timeout(1500)
    frame = next(f for f in page.frames if f != page.main_frame)
    assert frame.locator("#q").count() == 0
    page.screenshot(path=artifact("3-frame-ancestors-blocked.png"))


def test_4_markup_in_a_question_renders_as_text(server: WebServer, page: Any) -> None:
    attack = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    open_page(page, server.base + "/")
    ask(page, attack)
    chat = page.locator("#chat")
    assert "<script>window.__pwned = 1</script>" in chat.inner_text()
    assert chat.locator("img").count() == 0 and chat.locator("script").count() == 0
    assert page.evaluate("() => window.__pwned") is None and page.dialogs == []
    page.screenshot(path=artifact("4-markup-as-text.png"), full_page=True)
    page.goto(server.host_base + "/two.html")  # and inside the embedded chat
    page.wait_for_selector("[data-shuju-widget=shanxi-web] .bubble[data-state=ready]")
    page.click("[data-shuju-widget=shanxi-web] .bubble")
    frame = page.frame_locator("[data-shuju-widget=shanxi-web] iframe")
    frame.locator("#q").fill(attack)
    frame.locator("#send").click()
    frame.locator(".msg.bot").nth(1).wait_for()
    assert attack in frame.locator(".msg.user").last.inner_text()
    assert frame.locator("img").count() == 0
    assert frame.locator("body").evaluate("() => window.__pwned") is None
    page.screenshot(path=artifact("4-markup-in-widget.png"))


def _send_form(page: Any, text: str) -> None:
    before = page.locator("#form-chat .message-row").count()
    fill(page, "form-reply", text)
    page.click("#form-send")
    page.wait_for_function(
        "n => document.querySelectorAll('#form-chat .message-row').length >= n + 2", arg=before, timeout=TIMEOUT
    )


def _over_limit_docx(path: Path) -> Path:
    doc = Document()
    doc.add_heading("第二部分：参赛项目介绍", level=1)
    doc.add_heading("（一）项目背景（限 500 字）", level=2)
    doc.add_paragraph("背景" * 300)
    doc.save(str(path))
    return path


def test_5_form_resumes_by_token_and_downloads_docx(server: WebServer, page: Any) -> None:
    open_page(page, server.base + "/")
    page.get_by_role("tab", name="申报书填写").click()
    page.click("#form-new")
    page.wait_for_function("() => new URL(location.href).searchParams.get('draft')")
    token = page.evaluate("() => new URL(location.href).searchParams.get('draft')")
    _send_form(page, "城市数据智算平台")
    _send_form(page, "1.1")
    _send_form(page, "跳过")  # 项目来源 → 项目简述 (1000字以内)
    page.wait_for_selector("#form-counter .counter[data-limit='1000']")
    reply = page.locator("#form-reply textarea")
    reply.fill("基于AI的Deep Learning平台")  # Word counts 8
    page.wait_for_function("() => document.querySelector('#form-counter')?.innerText.includes('字数 8/1000')")
    reply.fill("数" * 1001)
    page.wait_for_selector("#form-counter .counter .over")
    reply.fill("基于AI的Deep Learning平台")
    page.click("#form-send")
    page.wait_for_function("() => document.querySelector('#form-draft')?.innerText.includes('Deep Learning')")
    page.screenshot(path=artifact("5-form.png"), full_page=True)

    page.goto(f"{server.base}/?draft={token}")  # a reload by the token in the URL
    page.wait_for_function("() => document.querySelector('#form-draft')?.innerText.includes('城市数据智算平台')")
    draft = page.inner_text("#form-draft")
    assert "基于AI的Deep Learning平台" in draft and "打造能源数据应用体系" in draft
    assert page.locator("#form-draft .wc", has_text="8/1000").count() == 1
    assert "必填项完成" in page.inner_text("#form-progress")
    with page.expect_download() as download:
        page.click("#form-downloads a.dl-docx")
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".docx")
    doc = Document(io.BytesIO(Path(path).read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "城市数据智算平台" in text
    page.click("#form-check-box button, #form-check-box .label-wrap")  # open the accordion
    page.set_input_files("#form-check-file input[type=file]", str(_over_limit_docx(artifact("over-limit.docx"))))
    page.wait_for_selector("#form-check table.check-table")
    check = page.inner_text("#form-check")
    assert "超出字数" in check and "600/500" in check
    page.screenshot(path=artifact("5-form-resumed.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 400
    page.screenshot(path=artifact("5-form-phone.png"), full_page=True)


def test_6_console_refuses_without_token_and_approved_answer_is_served(server: WebServer, page: Any) -> None:
    question = "新疆分赛的联系方式是什么？"
    open_page(page, server.base + "/")
    original = ask(page, question).inner_text()
    assert "秘书处审定" not in original

    page.goto(server.base + "/console/")
    page.wait_for_selector("#admin-login")
    page.click("#admin-login")
    page.wait_for_function("() => document.querySelector('#admin-status')?.innerText.includes('需要秘书处口令')")
    assert not page.locator("#admin-main").is_visible()
    fill(page, "admin-token", "not-the-token")
    page.click("#admin-login")
    page.wait_for_function("() => document.querySelector('#admin-status')?.innerText.includes('口令错误')")
    assert not page.locator("#admin-main").is_visible()
    page.screenshot(path=artifact("6-console-refused.png"), full_page=True)

    fill(page, "admin-token", ADMIN_TOKEN)
    page.click("#admin-login")
    page.wait_for_selector("#admin-main", state="visible")
    fill(page, "log-search", "新疆分赛的联系方式")
    page.click("#log-query")
    page.wait_for_function(
        "() => document.querySelector('#log-table [data-testid=cell-0-1]')?.innerText.includes('新疆分赛的联系方式')"
    )
    page.click("#log-table [data-testid=cell-0-1]")
    page.wait_for_function("() => document.querySelector('#approve-answer textarea')?.value.length > 0")
    assert "新疆分赛" in page.inner_text("#log-sources")
    approved_text = "新疆分赛咨询电话以通知所列联系人为准，工作日 9:00—18:00 可拨打[1]"
    fill(page, "approve-answer", approved_text)
    fill(page, "approve-who", "赵六")
    page.click("#approve-save")
    page.wait_for_function("() => document.querySelector('#approve-status')?.innerText.includes('已审定')")
    page.screenshot(path=artifact("6-console-approved.png"), full_page=True)
    page.get_by_role("tab", name="一致性检查").click()
    page.click("#audit-run")
    page.wait_for_function("() => document.querySelector('#audit-report')?.innerText.includes('一致性')")
    page.get_by_role("tab", name="评估报告").click()
    page.click("#report-show")
    page.wait_for_function(  # the latest evals/results/<run>/report.md, or a note that there is none yet
        "() => /report\\.md|还没有评估报告/.test(document.querySelector('#report')?.innerText || '')"
    )
    page.screenshot(path=artifact("6-console-report.png"), full_page=True)

    open_page(page, server.base + "/")
    page.click("#new-chat")  # another applicant: no conversation before the question
    page.wait_for_function("() => document.querySelectorAll('#chat .message-row').length === 0")
    served = ask(page, question).inner_text()
    assert "秘书处审定" in served and "工作日 9:00—18:00" in served
    page.wait_for_selector("#chat .sources .approved-badge")
    page.screenshot(path=artifact("6-applicant-sees-approved.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # the chat on a phone
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 400
    page.screenshot(path=artifact("6-applicant-phone.png"), full_page=True)
    httpx.post(  # leave the server as we found it
        server.base + "/api/v1/admin/approved/revoke",
        json={"question": question, "who": "赵六"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )


def test_7_two_tabs_on_one_draft_the_stale_one_is_told_to_refresh(server: WebServer, browser: Any) -> None:
    token = httpx.post(f"{server.base}/api/v1/forms", timeout=30).json()["token"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        tabs = [context.new_page(), context.new_page()]
        for tab in tabs:
            tab.set_default_timeout(TIMEOUT)
            tab.goto(f"{server.base}/?draft={token}")
            tab.wait_for_function("() => document.querySelector('#form-chat')?.innerText.includes('项目名称')")
        first, second = tabs
        _send_form(first, "第一个标签页的项目")
        _send_form(second, "第二个标签页的项目")  # still shown 项目名称, which the first tab has filled
        assert "草稿已在另一窗口更新，请刷新后再填" in second.inner_text("#form-chat")
        assert second.locator("#form-reply textarea").input_value() == "第二个标签页的项目"  # nothing typed is lost
        second.screenshot(path=artifact("7-form-conflict.png"), full_page=True)
        status = httpx.get(f"{server.base}/api/v1/forms/{token}", timeout=30).json()
        assert status["title"] == "第一个标签页的项目"
        second.reload()  # as the message says: refresh, then fill in
        second.wait_for_function("() => document.querySelector('#form-draft')?.innerText.includes('第一个标签页的项目')")
        _send_form(second, "修改 项目名称")
        _send_form(second, "第二个标签页的项目")
        assert httpx.get(f"{server.base}/api/v1/forms/{token}", timeout=30).json()["title"] == "第二个标签页的项目"
        second.click("#form-check-box button, #form-check-box .label-wrap")
        damaged = artifact("damaged.docx")
        damaged.write_bytes(b"PK\x03\x04 not really a Word file")
        second.set_input_files("#form-check-file input[type=file]", str(damaged))
        second.wait_for_function("() => document.querySelector('#form-check')?.innerText.includes('无法打开文件')")
    finally:
        context.close()


def _skip_to(base: str, token: str, step_id: str) -> None:
    """Move a draft to `step_id` through the HTTP API by answering 跳过 (as an applicant in a hurry would)."""
    for _ in range(200):
        reply = httpx.post(f"{base}/api/v1/forms/{token}/answer", json={"text": "跳过"}, timeout=30).json()
        if (reply.get("question") or {}).get("step_id") == step_id:
            return
    raise AssertionError(f"never reached {step_id}")


def _last_form_message(page: Any) -> str:
    return str(page.locator("#form-chat .message-row").last.inner_text())


def test_8_form_chat_options_counter_skip_explain_and_one_click_export(server: WebServer, page: Any) -> None:
    open_page(page, server.base + "/")
    page.get_by_role("tab", name="申报书填写").click()
    page.click("#form-new")
    page.wait_for_function("() => new URL(location.href).searchParams.get('draft')")
    token = page.evaluate("() => new URL(location.href).searchParams.get('draft')")
    page.wait_for_function("() => document.querySelector('#form-counter')?.innerText.includes('字数 0')")  # empty box: 0
    _send_form(page, "城市数据智算平台")
    # the box is emptied after sending, and the counter follows it (not the text just sent)
    page.wait_for_function("() => document.querySelector('#form-counter')?.innerText.includes('字数 0')")
    assert "字数 8" not in page.inner_text("#form-counter")
    # 赛道: short numbered options as buttons, not a wall of text in the chat
    page.wait_for_selector("#form-choices .opt[data-pick='1.2']")
    assert "1.2 煤炭关键工序数字改造" not in _last_form_message(page)
    page.click("#form-choices .opt[data-pick='1.2']")
    assert page.locator("#form-reply textarea").input_value() == "1.2"
    _send_form(page, "1.2")
    assert "已记录：赛道及参赛方向" in page.inner_text("#form-chat") and "煤炭关键工序数字改造" in page.inner_text("#form-chat")
    _send_form(page, "4")  # 项目来源: a bare number
    assert "已记录：项目来源“山西省”" in page.inner_text("#form-chat")
    _send_form(page, "跳过")
    _send_form(page, "跳过")  # 项目简述, 业务场景 → 项目服务对象 (多选)
    page.click("#form-choices .opt[data-pick='1']")
    page.click("#form-choices .opt[data-pick='3']")
    assert page.locator("#form-reply textarea").input_value() == "1、3"
    _send_form(page, "1,2")  # several numbers, ASCII comma
    assert "已记录：项目服务对象“政府、事业单位”" in page.inner_text("#form-chat")
    page.screenshot(path=artifact("8-form-options.png"), full_page=True)
    # the chat's buttons all say what they do (no unlabeled share icon)
    for button in page.locator("#form-chat button").all():
        assert (button.get_attribute("aria-label") or button.inner_text().strip()), button.inner_html()[:200]

    _skip_to(server.base, token, "team.members[+1]")  # 添加团队成员, with no 团队联络人 chosen
    page.reload()
    page.wait_for_function("() => document.querySelector('#form-chat')?.innerText.includes('是否添加第 2 名成员')")
    before = page.locator("#form-chat .message-row").count()
    page.get_by_role("button", name="跳过", exact=True).click()
    page.wait_for_function("n => document.querySelectorAll('#form-chat .message-row').length >= n + 2", arg=before)
    moved_on = _last_form_message(page)
    assert "好的，不再添加" in moved_on and "是否添加第 2 名成员" not in moved_on, moved_on

    _send_form(page, "修改 参赛单位1·统一社会信用代码")
    _send_form(page, "说明")
    explained = _last_form_message(page)
    assert "18 位统一社会信用代码" in explained and "按模板要求如实填写" not in explained, explained

    with page.expect_download() as download:  # one click, nothing to type
        page.click("#form-export")
    assert download.value.suggested_filename.endswith(".docx")
    page.wait_for_function("() => document.querySelector('#form-chat')?.innerText.includes('已开始下载 Word 文件')")
    assert "确认导出请回复" not in page.inner_text("#form-chat")
    page.screenshot(path=artifact("8-form-export.png"), full_page=True)


def test_9_console_at_phone_width_shows_every_column_beijing_time_and_chinese_channels(
    server: WebServer, browser: Any
) -> None:
    question = "山西分赛咨询电话是多少？"
    assert httpx.post(f"{server.base}/api/v1/ask", json={"question": question}, timeout=30).status_code == 200
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT)
        pg.goto(server.base + "/console/")
        pg.wait_for_selector("#admin-token input")
        fill(pg, "admin-token", ADMIN_TOKEN)
        pg.click("#admin-login")
        pg.wait_for_selector("#admin-main", state="visible")
        fill(pg, "log-search", "山西分赛咨询电话")
        pg.click("#log-query")
        pg.wait_for_function(
            "q => document.querySelector('#log-table [data-testid=cell-0-1]')?.innerText.includes(q)", arg="山西分赛咨询电话"
        )
        when = pg.inner_text("#log-table [data-testid=cell-0-0]").replace("\n", " ").strip()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", when), when  # not 2025-07-25T06:03:41+00:00
        utc = pg.evaluate("() => new Date().toISOString().slice(11, 13)")
        beijing = (int(utc) + 8) % 24
        assert int(when[11:13]) in {beijing, (beijing + 1) % 24}, (when, utc)  # 北京时间 is UTC+8
        table = pg.inner_text("#log-table")
        assert "接口" in table and "api" not in table
        for header in pg.locator("#log-table th").all():  # every column on screen at 390 px
            box = header.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (header.inner_text(), box)
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 400
        pg.screenshot(path=artifact("9-console-phone.png"), full_page=True)
    finally:
        context.close()


_ENGLISH_SCAN = """() => { const out = new Set();
  document.querySelectorAll('body *').forEach(el => {
    if (el.closest('svg, style, script')) return;
    const data = el.closest('[data-testid^=cell-], .message-row .message-content, #log-detail')  // what users wrote
      || (el.closest('.console-table table') && !el.closest('th'));
    for (const a of ['aria-label', 'title', 'alt', 'placeholder']) {
      const v = el.getAttribute(a); if (v && /[A-Za-z]{3,}/.test(v)) out.add(a + ': ' + v.slice(0, 80));
    }
    for (const n of el.childNodes) {
      if (!data && n.nodeType === 3 && /[A-Za-z]{3,}/.test(n.textContent)) out.add('text: ' + n.textContent.trim().slice(0, 80));
    }
  });
  return [...out]; }"""
_OUR_WORDS = {"Word", "JSON", "Markdown", "API", "MCP", "docx", "json", "draft"}  # product words, file names


def _english(page: Any) -> list[str]:
    found = page.evaluate(_ENGLISH_SCAN)
    return [s for s in found if set(re.findall(r"[A-Za-z]{3,}", s.split(": ", 1)[1])) - _OUR_WORDS]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_10_no_english_from_gradio_on_the_page_the_form_tab_and_the_console(
    server: WebServer, browser: Any, locale: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT)
        open_page(pg, server.base + "/")
        ask(pg, "山西分赛一等奖奖金是多少")
        pg.wait_for_timeout(300)
        seen = _english(pg)
        pg.get_by_role("tab", name="申报书填写").click()
        pg.click("#form-new")
        pg.wait_for_function("() => new URL(location.href).searchParams.get('draft')")
        pg.click("#form-check-box button, #form-check-box .label-wrap")
        draft = artifact("draft.json")
        draft.write_text("{}", encoding="utf-8")
        pg.set_input_files("#form-check-file input[type=file]", str(draft))  # not a Word file
        pg.wait_for_function("() => document.querySelector('#form-check')?.innerText.includes('请上传 .docx 文件')")
        pg.wait_for_timeout(300)
        seen += _english(pg)  # no "Invalid file type: draft.json. Only .docx allowed." toast
        pg.goto(server.base + "/console/")
        pg.wait_for_selector("#admin-token input")
        fill(pg, "admin-token", ADMIN_TOKEN)
        pg.click("#admin-login")
        pg.wait_for_selector("#log-table table")
        pg.wait_for_timeout(300)
        seen += _english(pg)
        assert not seen, sorted(set(seen))
    finally:
        context.close()
