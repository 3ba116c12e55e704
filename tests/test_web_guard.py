"""Scope, quotas and errors that bind every client, against the real server (`python app.py` on loopback).

Quota buckets are per client address: tests on the strict server connect from their own loopback
address (127.0.0.0/8 is all loopback on Linux), so one test's spending never reaches another's.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from test_web_api import assert_error
from test_web_support import SOLO_ORIGIN, TRUSTED_PROXY, WebServer, strict_server, web_server

from assistant import errors as e
from assistant.web.errors import from_exception
from assistant.web.security import WebGuard
from assistant.web.sites import Sites

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def server() -> WebServer:
    return web_server()


@pytest.fixture(scope="module")
def strict() -> WebServer:
    return strict_server()


@pytest.fixture()
def client(server: WebServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=30) as c:
        yield c


def from_address(server: WebServer, address: str) -> httpx.Client:
    """A client whose connections come from `address` (any 127.x.y.z)."""
    return httpx.Client(base_url=server.base, timeout=30, transport=httpx.HTTPTransport(local_address=address))


# --- 1. scope and quotas that bind ---------------------------------------------------------------

def test_a_sites_own_origin_without_a_key_is_that_site(client: httpx.Client) -> None:
    """No `site` (or an empty one) from a site's only origin: its division lock and its quota bind."""
    headers = {"Origin": SOLO_ORIGIN}
    first = client.post("/api/v1/ask", json={"question": "益阳初赛有哪些赛道？"}, headers=headers)
    assert first.status_code == 200 and first.json()["divisions"] == ["yiyang"]
    assert first.headers["access-control-allow-origin"] == SOLO_ORIGIN
    other = client.post("/api/v1/ask", json={"question": "山西分赛一等奖奖金是多少", "site": ""}, headers=headers).json()
    assert other["status"] == "out_of_scope" and "5 万元" not in other["answer"]
    assert client.post("/api/v1/ask", json={"question": "益阳初赛有哪些赛道？"}, headers=headers).status_code == 200
    refused = client.post("/api/v1/ask", json={"question": "益阳初赛有哪些赛道？", "site": ""}, headers=headers)
    assert "3 次" in assert_error(refused, 429, "quota")


def test_an_origin_shared_by_several_sites_needs_the_key(server: WebServer, client: httpx.Client) -> None:
    refused = client.post("/api/v1/ask", json={"question": "益阳初赛有哪些赛道？"}, headers={"Origin": server.host_base})
    assert "site" in assert_error(refused, 403, "site_required")
    stream = client.post("/api/v1/ask/stream", json={"question": "益阳初赛有哪些赛道？", "site": ""},
                         headers={"Origin": server.host_base})
    assert_error(stream, 403, "site_required")


@pytest.mark.parametrize("origin", ["null", "not-a-url", "https://a.example.cn/path", "ftp://solo.example.cn", ""])
def test_null_and_malformed_origins_are_refused(client: httpx.Client, origin: str) -> None:
    resp = client.post("/api/v1/ask", json={"question": "山西分赛一等奖奖金是多少"}, headers={"Origin": origin})
    assert "Origin" in assert_error(resp, 403, "origin_refused")


def test_forwarded_for_from_an_untrusted_peer_buys_nothing(client: httpx.Client) -> None:
    """FORWARDED_ALLOW_IPS is empty by default: X-Forwarded-For from loopback is not believed."""
    headers = {"Origin": "https://daily.example.cn"}
    body = {"question": "山西分赛一等奖奖金是多少", "site": "daily"}
    assert [client.post("/api/v1/ask", json=body, headers=headers).status_code for _ in range(2)] == [200, 200]
    for i in range(1, 6):
        spoofed = client.post("/api/v1/ask", json=body, headers={**headers, "X-Forwarded-For": f"10.0.0.{i}"})
        assert_error(spoofed, 429, "quota")


def test_forwarded_for_is_believed_only_from_forwarded_allow_ips(strict: WebServer) -> None:
    body = {"question": "山西分赛一等奖奖金是多少"}
    with from_address(strict, "127.0.0.21") as direct:
        assert [direct.post("/api/v1/ask", json=body).status_code for _ in range(3)] == [200, 200, 200]
        assert_error(direct.post("/api/v1/ask", json=body, headers={"X-Forwarded-For": "10.0.0.7"}), 429, "quota")
    with from_address(strict, TRUSTED_PROXY) as proxy:
        for _ in range(3):  # each forwarded client has its own bucket; the proxy's own is untouched
            assert proxy.post("/api/v1/ask", json=body, headers={"X-Forwarded-For": "10.0.0.7"}).status_code == 200
        assert_error(proxy.post("/api/v1/ask", json=body, headers={"X-Forwarded-For": "10.0.0.7"}), 429, "quota")
        assert proxy.post("/api/v1/ask", json=body, headers={"X-Forwarded-For": "10.0.0.8"}).status_code == 200


def test_clients_without_a_key_have_a_per_address_quota(strict: WebServer) -> None:
    body = {"question": "陕西分赛报名截止时间"}
    with from_address(strict, "127.0.0.22") as c:
        assert [c.post("/api/v1/ask", json=body).status_code for _ in range(3)] == [200, 200, 200]
        message = assert_error(c.post("/api/v1/ask", json=body), 429, "quota")
        assert "每个地址" in message and "3 次" in message
        assert_error(c.post("/api/v1/ask/stream", json=body), 429, "quota")
    with from_address(strict, "127.0.0.23") as neighbour:
        assert neighbour.post("/api/v1/ask", json=body).status_code == 200


def test_a_pathological_question_is_refused_with_the_limit(client: httpx.Client) -> None:
    """2,000 distinct characters cost ~1 s of the single answer queue; the cap says its limit."""
    rng = random.Random(7)
    question = "".join(rng.sample([chr(c) for c in range(0x4E00, 0x9FA5)], 2000))
    for path in ("/api/v1/ask", "/api/v1/ask/stream"):
        message = assert_error(client.post(path, json={"question": question}), 400, "bad_input")
        assert "2000 个" in message and "上限 300" in message
    ordinary = "请问" + "山西分赛一等奖奖金是多少" * 100  # long but repetitive: cheap, still answered
    assert client.post("/api/v1/ask", json={"question": ordinary[:1900]}).status_code == 200


# --- 2. errors that never leak ---------------------------------------------------------------------

def test_lone_surrogates_are_a_chinese_400_and_the_connection_lives_on(client: httpx.Client) -> None:
    raw = b'{"question": "\\ud800\\u5c71\\u897f"}'
    assert "代理字符" in assert_error(client.post("/api/v1/ask", content=raw, headers=JSON), 400, "bad_input")
    assert client.post("/api/v1/ask", json={"question": "山西分赛一等奖奖金是多少"}).status_code == 200  # same connection
    history = b'{"question": "\\u90a3\\u9655\\u897f\\u5462", "history": [{"role": "user", "content": "\\udc00"}]}'
    assert_error(client.post("/api/v1/ask/stream", content=history, headers=JSON), 400, "bad_input")
    feedback = b'{"log_id": "x", "vote": "down", "comment": "\\udfff"}'
    assert_error(client.post("/api/v1/feedback", content=feedback, headers=JSON), 400, "bad_input")
    not_utf8 = '{"question": "山西"}'.encode("gbk")
    assert "UTF-8" in assert_error(client.post("/api/v1/ask", content=not_utf8, headers=JSON), 400, "bad_input")


def test_the_page_refuses_invalid_text_in_chinese_too(client: httpx.Client) -> None:
    """Through Gradio's own HTTP API (its Python client cannot even send such text)."""
    raw = b'{"data": ["\\ud800\\u5c71\\u897f\\u5206\\u8d5b", "\\u5168\\u90e8"]}'
    started = client.post("/gradio_api/call/ask", content=raw, headers=JSON)
    assert started.status_code == 200, started.text
    events = client.get(f"/gradio_api/call/ask/{started.json()['event_id']}").text
    kind, data = events.strip().split("\n", 1)
    assert kind == "event: error" and "代理字符" in json.loads(data.removeprefix("data: "))["error"], events


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (["山西分赛一等奖奖金是多少"], "JSON 对象"),
        ({"question": ["山西分赛一等奖奖金是多少"]}, "question 应为文本"),
        ({"question": "报名截止时间", "id": "x" * 201}, "最多 200 个字符"),
        ({"question": "报名截止时间", "history": [{"role": "user", "content": "山西"}] * 41}, "最多 40 项"),
        ({"question": "报名截止时间", "history": [{"role": "user", "content": "山" * 5001}]}, "最多 5000 个字符"),
    ],
)
def test_malformed_requests_say_what_is_wrong(client: httpx.Client, body: object, needle: str) -> None:
    assert needle in assert_error(client.post("/api/v1/ask", json=body), 422, "bad_request")


@pytest.mark.parametrize("path", ["/no-such-page", "/api/v1/no-such", "/console/no/such/thing.js"])
def test_unknown_paths_are_chinese_for_browsers_and_programs(client: httpx.Client, path: str) -> None:
    as_json = client.get(path)
    assert_error(as_json, 404)
    assert as_json.headers["x-content-type-options"] == "nosniff"
    page = client.get(path, headers={"Accept": "text/html"})
    if path.startswith("/api/"):  # the API answers JSON whatever the client accepts
        assert_error(page, 404)
    else:
        assert page.status_code == 404 and "出错了（404）" in page.text and "Not Found" not in page.text


@pytest.mark.parametrize(("method", "path"), [("TRACE", "/"), ("TRACE", "/api/v1/ask"), ("TRACE", "/console/"),
                                              ("DELETE", "/api/v1/ask"), ("PUT", "/healthz"), ("PATCH", "/")])
def test_every_method_gets_a_chinese_error(client: httpx.Client, method: str, path: str) -> None:
    resp = client.request(method, path)
    assert resp.status_code in (404, 405), resp.text
    assert_error(resp, resp.status_code)
    assert "Method Not Allowed" not in resp.text and resp.headers["x-content-type-options"] == "nosniff"


def test_console_address_redirects_to_the_console(client: httpx.Client) -> None:
    resp = client.get("/console")
    assert resp.status_code in (307, 308) and resp.headers["location"] == "/console/"
    assert client.get("/console", follow_redirects=True).status_code == 200


def test_a_500_carries_the_security_headers_and_keeps_the_connection() -> None:
    """The guard answers an unexpected exception itself: Chinese body, nosniff and CSP, no traceback."""
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail /etc/passwd")

    @app.get("/fine")
    def fine() -> dict[str, bool]:
        return {"ok": True}

    app.add_middleware(WebGuard, sites=lambda: Sites({}))
    with TestClient(app, raise_server_exceptions=False) as tc:
        resp = tc.get("/boom")
        assert resp.status_code == 500 and "服务器内部错误" in resp.json()["error"]["message"]
        assert "secret" not in resp.text and resp.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors" in resp.headers["content-security-policy"]
        page = tc.get("/boom", headers={"Accept": "text/html"})
        assert page.status_code == 500 and "出错了（500）" in page.text
        assert tc.get("/fine").json() == {"ok": True}


def test_openapi_lists_the_new_refusals(client: httpx.Client) -> None:
    responses = client.get("/openapi.json").json()["paths"]["/api/v1/ask"]["post"]["responses"]
    assert {"400", "403", "413", "422", "429"} <= set(responses)
    assert json.dumps(responses, ensure_ascii=False).count("Origin") >= 1


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (e.InputError("问题不能为空"), 400, "bad_input"),
        (e.FileRejected("无法打开文件"), 400, "bad_file"),
        (e.FileRejected("文件过大", code="file_too_large"), 413, "file_too_large"),
        (e.ConflictError("草稿已在另一窗口更新"), 409, "conflict"),
        (e.BusyError("请稍后再试"), 503, "busy"),
        (e.ConfigError("配置有误"), 500, "config"),
        (e.LLMError("模型超时"), 502, "llm"),
        (e.AssistantError("检查失败", code="check_failed"), 500, "check_failed"),
        (e.ApiError(429, "quota", "提问过于频繁", {"Retry-After": "30"}), 429, "quota"),
    ],
)
def test_one_hierarchy_each_error_with_its_code_and_status(error: e.AssistantError, status: int, code: str) -> None:
    assert isinstance(error, e.AssistantError) and from_exception(error) == (status, code, error.message)
