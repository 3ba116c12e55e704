"""The HTTP API against the real server (`python app.py` on a free loopback port, TODAY fixed)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from docx import Document
from test_web_support import ADMIN_TOKEN, TODAY, WebServer, web_server

CONTRACT_KEYS = {"id", "question", "answer", "status", "divisions", "citations", "mode", "latency_ms"}


@pytest.fixture(scope="session")
def server() -> WebServer:
    return web_server()


@pytest.fixture()
def client(server: WebServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=30) as c:
        yield c


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def assert_error(resp: httpx.Response, status: int, code: str | None = None) -> str:
    """Uniform error body with a Chinese message and no stack trace."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if code:
        assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert "Traceback" not in resp.text and 'File "' not in resp.text
    return str(message)


def test_healthz(client: httpx.Client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["mode"] == "extractive" and body["chunks"] > 100 and body["forms"] is True


def test_ask_returns_the_cli_json_contract(server: WebServer, client: httpx.Client) -> None:
    question = "山西分赛一等奖奖金是多少"
    resp = client.post("/api/v1/ask", json={"question": question, "id": "q1"})
    assert resp.status_code == 200
    data = resp.json()
    assert CONTRACT_KEYS <= set(data) and data["id"] == "q1"
    assert "5 万元" in data["answer"] and data["status"] == "answered"
    assert data["citations"][0]["division"] == "shanxi" and "山西分赛" in data["citations"][0]["doc_title"]
    assert set(data["citations"][0]) == {"n", "division", "doc_title", "section", "quote"}
    assert len(resp.headers["X-Log-Id"]) == 32
    cli = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", question, "--json"],
        cwd=server.data_dir.parent,  # no .env there
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    from_cli = json.loads(cli.stdout)
    for d in (data, from_cli):
        d.pop("latency_ms")
        d.pop("id")
    assert data == from_cli


def _events(text: str) -> list[tuple[str, dict[str, object]]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_ask_stream_sends_pieces_then_the_answer(client: httpx.Client) -> None:
    with client.stream("POST", "/api/v1/ask/stream", json={"question": "陕西分赛报名截止时间是什么时候？"}) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        events = _events(resp.read().decode("utf-8"))
    kinds = [k for k, _ in events]
    assert kinds[-2:] == ["answer", "done"] and set(kinds[:-2]) == {"token"} and len(kinds) > 3
    answer = events[-2][1]
    assert "".join(str(d["text"]) for _, d in events[:-2]) == answer["answer"]
    assert "7 月 31 日" in str(answer["answer"]) and answer["divisions"] == ["shaanxi"]
    assert len(str(events[-1][1]["log_id"])) == 32


def test_ask_and_stream_take_the_conversation_history(client: httpx.Client) -> None:
    history = [{"role": "user", "content": "山西分赛一等奖奖金多少？"}]
    data = client.post("/api/v1/ask", json={"question": "那陕西呢？", "history": history}).json()
    assert data["resolved_question"] == "陕西分赛一等奖奖金多少" and data["status"] == "not_found"
    assert data["understood"] == "按“陕西分赛一等奖奖金多少”回答" and "奖杯" in data["answer"]
    body = {"question": "二等奖呢", "history": history}
    with client.stream("POST", "/api/v1/ask/stream", json=body) as resp:
        events = _events(resp.read().decode("utf-8"))
    answer = events[-2][1]
    assert answer["resolved_question"] == "山西分赛二等奖奖金多少" and "3 万元" in str(answer["answer"])
    bad = client.post("/api/v1/ask", json={"question": "那陕西呢？", "history": [{"role": "robot", "content": "x"}]})
    assert_error(bad, 422 if bad.status_code == 422 else 400, bad.json()["error"]["code"])


def test_multi_part_answers_carry_their_parts(client: httpx.Client) -> None:
    data = client.post("/api/v1/ask", json={"question": "山西一等奖几个？每个多少钱？"}).json()
    assert [p["status"] for p in data["parts"]] == ["answered", "answered"]
    assert all(p["citations"] for p in data["parts"])


def test_stream_rejects_bad_input_before_streaming(client: httpx.Client) -> None:
    assert_error(client.post("/api/v1/ask/stream", json={"question": "   "}), 400, "bad_input")


def test_divisions_and_timeline(client: httpx.Client) -> None:
    divisions = client.get("/api/v1/divisions").json()
    assert [d["short"] for d in divisions] == ["山西", "陕西", "新疆", "益阳", "全国2025", "全国2024"]
    tl = client.get("/api/v1/timeline", params={"division": "山西"}).json()
    assert tl["today"] == TODAY and [d["id"] for d in tl["divisions"]] == ["shanxi"]
    stages = {s["name"]: s for s in tl["divisions"][0]["stages"]}
    assert stages["报名和审核"]["phase"] == "current" and stages["决赛"]["phase"] == "upcoming"
    assert all(s["citation"]["quote"] and s["when"] in s["citation"]["quote"] for s in stages.values())
    every = client.get("/api/v1/timeline").json()
    assert {d["id"] for d in every["divisions"]} == {"shanxi", "shaanxi", "xinjiang", "yiyang"}


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("post", "/api/v1/ask", {"json": {"question": ""}}, 400, "bad_input"),
        ("post", "/api/v1/ask", {"json": {"question": "报名时间", "division": "火星"}}, 400, "bad_input"),
        ("post", "/api/v1/ask", {"json": {"question": "x" * 2001}}, 400, "bad_input"),
        ("post", "/api/v1/ask", {"json": {"wrong": 1}}, 422, "bad_request"),
        ("post", "/api/v1/ask", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, None),
        ("post", "/api/v1/ask", {"content": b'{"question": "' + b"x" * 70_000 + b'"}'}, 413, "too_large"),
        ("get", "/api/v1/no-such-endpoint", {}, 404, "not_found"),
        ("get", "/api/v1/forms/not-a-real-token", {}, 404, "draft_not_found"),
        ("post", "/api/v1/feedback", {"json": {"log_id": "nope", "vote": "up"}}, 400, "bad_input"),
    ],
)
def test_uniform_errors(client: httpx.Client, method: str, path: str, kwargs: dict[str, object], status: int,
                        code: str | None) -> None:
    assert_error(getattr(client, method)(path, **kwargs), status, code)


def test_cors_only_for_listed_origins(server: WebServer, client: httpx.Client) -> None:
    preflight = {"Origin": server.host_base, "Access-Control-Request-Method": "POST"}
    ok = client.options("/api/v1/ask", headers=preflight)
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == server.host_base
    bad = client.options("/api/v1/ask", headers={**preflight, "Origin": "https://evil.example.com"})
    assert_error(bad, 403, "origin_refused")
    posted = client.post("/api/v1/ask", json={"question": "报名截止时间"}, headers={"Origin": "https://evil.example.com"})
    assert_error(posted, 403, "origin_refused")
    allowed = client.post("/api/v1/ask", json={"question": "报名截止时间", "site": "shanxi-web"},
                          headers={"Origin": server.host_base})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == server.host_base


def test_site_key_scopes_answers_and_checks_its_origins(server: WebServer, client: httpx.Client) -> None:
    body = {"question": "一等奖奖金是多少", "site": "shanxi-web"}
    scoped = client.post("/api/v1/ask", json=body, headers={"Origin": server.host_base}).json()
    assert scoped["divisions"] == ["shanxi"] and "5 万元" in scoped["answer"]
    other = client.post("/api/v1/ask", json={**body, "site": "foreign"}, headers={"Origin": server.host_base})
    assert_error(other, 403, "origin_refused")
    assert_error(client.post("/api/v1/ask", json={**body, "site": "no-such-site"}), 403, "unknown_site")
    site = client.get("/api/v1/sites/shanxi-web", headers={"Origin": server.host_base}).json()
    assert site == {"key": "shanxi-web", "title": "山西分赛智能助手", "division": "shanxi", "division_name": "山西分赛",
                    "colour": "#c0392b"}
    assert_error(client.get("/api/v1/sites/foreign", headers={"Origin": server.host_base}), 403, "origin_refused")


def test_a_site_is_locked_to_its_division(server: WebServer, client: httpx.Client) -> None:
    """A division's widget answers only its own division; a question about another is declined, not answered."""
    body = {"question": "陕西分赛一等奖奖金是多少", "site": "shanxi-web"}
    locked = client.post("/api/v1/ask", json=body, headers={"Origin": server.host_base}).json()
    assert locked["status"] == "out_of_scope" and "山西分赛" in locked["answer"]
    assert "乔春蕾" not in locked["answer"] and all(c["division"] != "shaanxi" for c in locked["citations"])
    free = client.post("/api/v1/ask", json={"question": body["question"]}).json()
    assert free["divisions"] == ["shaanxi"] and free["status"] != "out_of_scope"


def test_quota_per_minute_says_try_later(client: httpx.Client) -> None:
    body = {"question": "益阳初赛有哪些赛道？", "site": "tiny"}
    assert [client.post("/api/v1/ask", json=body).status_code for _ in range(2)] == [200, 200]
    refused = client.post("/api/v1/ask", json=body)
    assert "请稍后再试" in assert_error(refused, 429, "quota") and int(refused.headers["Retry-After"]) > 0


def test_embed_page_headers(server: WebServer, client: httpx.Client) -> None:
    page = client.get("/embed", params={"site": "shanxi-web"})
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {server.host_base}" in csp and "script-src 'self'" in csp
    assert 'data-division="shanxi"' in page.text
    assert client.get("/embed", params={"site": "nope"}).status_code == 403
    foreign = client.get("/embed", params={"site": "shanxi-web"}, headers={"Referer": "https://evil.example.com/x"})
    assert foreign.status_code == 403 and "未获授权" in foreign.text
    js = client.get("/widget.js")
    assert js.headers["content-type"].startswith("application/javascript") and "attachShadow" in js.text
    assert "frame-ancestors 'self'" in client.get("/").headers["content-security-policy"]


def test_feedback_is_stored_and_visible_to_the_console(client: httpx.Client) -> None:
    resp = client.post("/api/v1/ask", json={"question": "新疆分赛报名阶段是什么时间？"})
    log_id = resp.headers["X-Log-Id"]
    assert client.post("/api/v1/feedback", json={"log_id": log_id, "vote": "down", "comment": "日期不清楚"}).json() == {"ok": True}
    rows = client.get("/api/v1/admin/log", params={"feedback": "down"}, headers=ADMIN).json()
    assert any(r["id"] == log_id and r["comment"] == "日期不清楚" and r["vote"] == "down" for r in rows)
    detail = client.get(f"/api/v1/admin/log/{log_id}", headers=ADMIN).json()
    assert detail["answer"]["citations"][0]["context"]  # the console sees the surrounding text too


def test_admin_token_required(client: httpx.Client) -> None:
    assert_error(client.get("/api/v1/admin/log"), 401, "token_required")
    assert_error(client.get("/api/v1/admin/log", headers={"Authorization": "Bearer wrong"}), 403, "token_wrong")
    assert client.get("/api/v1/admin/log", headers=ADMIN).status_code == 200


def test_approved_answer_takes_precedence_and_changes_are_recorded(client: httpx.Client) -> None:
    question = "益阳初赛资格审查什么时候？"
    original = client.post("/api/v1/ask", json={"question": question}).json()
    assert not original.get("approved")
    approve = {"question": question, "answer": "资格审查：2025 年 7 月 11 日—7 月 18 日[1]", "who": "李四",
               "citations": original["citations"]}
    assert client.put("/api/v1/admin/approved", json=approve, headers=ADMIN).status_code == 200
    edited = {**approve, "answer": "益阳初赛资格审查：2025 年 7 月 11 日至 7 月 18 日[1]", "who": "王五"}
    assert client.put("/api/v1/admin/approved", json=edited, headers=ADMIN).status_code == 200
    for variant in ("益阳初赛资格审查什么时候", "益阳市初赛资格审查什么时候？"):  # same question after normalisation
        served = client.post("/api/v1/ask", json={"question": variant}).json()
        assert served["approved"] is True and served["note"] == "秘书处审定"
        assert served["answer"] == edited["answer"] and served["citations"] == original["citations"]
    history = client.get("/api/v1/admin/approved/history", headers=ADMIN).json()
    mine = [h for h in history if h["canonical"].startswith("益阳初赛资格审查")]
    assert [(h["action"], h["who"]) for h in mine[:2]] == [("edit", "王五"), ("approve", "李四")]
    assert mine[0]["before"] == approve["answer"] and mine[0]["after"] == edited["answer"]
    revoke = {"question": question, "who": "王五"}
    assert client.post("/api/v1/admin/approved/revoke", json=revoke, headers=ADMIN).json() == {"revoked": True}
    assert not client.post("/api/v1/ask", json={"question": question}).json().get("approved")


def test_console_audit_and_report(client: httpx.Client) -> None:
    audit = client.post("/api/v1/admin/audit", json={"questions": ["山西分赛一等奖奖金是多少？"]}, headers=ADMIN)
    assert audit.status_code == 200 and "一致性" in audit.json()["markdown"]
    assert_error(client.post("/api/v1/admin/audit", json={"questions": []}, headers=ADMIN), 400, "bad_input")
    report = client.get("/api/v1/admin/report", headers=ADMIN)
    assert report.status_code in (200, 404)
    if report.status_code == 200:
        assert report.json()["path"].endswith("report.md") and report.json()["markdown"].startswith("#")


def test_form_endpoints(client: httpx.Client) -> None:
    created = client.post("/api/v1/forms").json()
    token = created["token"]
    assert created["question"]["label"] == "项目名称" and created["progress"]["done"] == 0
    reply = client.post(f"/api/v1/forms/{token}/answer", json={"text": "数据智算平台"}).json()
    assert reply["progress"]["done"] == 1 and "项目名称" in reply["message"]
    status = client.get(f"/api/v1/forms/{token}").json()
    assert status["title"] == "数据智算平台" and status["issues"]
    docx = client.get(f"/api/v1/forms/{token}/export", params={"format": "docx"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "attachment" in docx.headers["content-disposition"]
    assert "数据智算平台" in "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs) + "\n".join(
        c.text for t in Document(io.BytesIO(docx.content)).tables for r in t.rows for c in r.cells
    )
    exported = client.get(f"/api/v1/forms/{token}/export", params={"format": "json"})
    imported = client.post("/api/v1/forms/import", files={"file": ("draft.json", exported.content, "application/json")})
    assert imported.status_code == 200 and imported.json()["token"] != token


def test_form_check_reports_over_limit_and_missing(client: httpx.Client) -> None:
    doc = Document()
    doc.add_heading("第二部分：参赛项目介绍", level=1)
    doc.add_heading("（一）项目背景（限 500 字）", level=2)
    doc.add_paragraph("背景" * 300)
    doc.add_heading("（二）应用场景（限 500 字）", level=2)
    doc.add_paragraph("场景说明。")
    buf = io.BytesIO()
    doc.save(buf)
    files = {"file": ("申报书.docx", buf.getvalue(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}
    report = client.post("/api/v1/forms/check", files=files).json()
    by_title = {s["title"]: s for s in report["sections"]}
    background = next(s for t, s in by_title.items() if "项目背景" in t)
    assert background["status"] == "over" and background["count"] == 600 and background["limit"] == 500
    assert any(s["status"] == "missing" for s in report["sections"])
    wrong = client.post("/api/v1/forms/check", files={"file": ("a.txt", b"hello", "text/plain")})
    assert_error(wrong, 400, "bad_input")


def test_openapi_documents_the_api(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/ask", "/api/v1/ask/stream", "/api/v1/divisions", "/api/v1/timeline", "/healthz",
                 "/api/v1/forms", "/api/v1/forms/{token}/answer", "/api/v1/forms/{token}", "/api/v1/forms/{token}/export",
                 "/api/v1/forms/check"):
        assert path in paths, path
    assert client.get("/docs").status_code == 200


def test_gradio_client_calls_the_page(server: WebServer) -> None:
    from gradio_client import Client

    result = Client(server.base + "/", verbose=False).predict("山西分赛一等奖奖金是多少", "全部", api_name="/ask")
    assert "5 万元" in result["answer"] and result["citations"][0]["division"] == "shanxi"
