"""申报书 endpoints against the real server (`python app.py` on loopback, real SQLite in its data dir):
two tabs on one draft, hostile and damaged uploads, limits, and errors that stay Chinese."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from functools import partial

import httpx
import pytest
from docx_files import broken_xml, ordinary_docx, with_body, zip_bomb
from test_web_support import WebServer, web_server

CONFLICT = "草稿已在另一窗口更新，请刷新后再填。"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def server() -> WebServer:
    return web_server()


@pytest.fixture()
def client(server: WebServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=60) as c:
        yield c


def _at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return [r for r in results if r is not None]


def _error(resp: httpx.Response, status: int, code: str) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert "Traceback" not in resp.text and 'File "' not in resp.text
    return str(body["error"]["message"])


def test_two_tabs_answering_one_question_at_once_never_lose_an_answer(server: WebServer) -> None:
    with httpx.Client(base_url=server.base, timeout=60) as a, httpx.Client(base_url=server.base, timeout=60) as b:
        for trial in range(20):
            created = a.post("/api/v1/forms").json()
            token, version = created["token"], created["version"]
            texts = [f"甲标签页项目{trial}", f"乙标签页项目{trial}"]
            url = f"/api/v1/forms/{token}/answer"
            replies = _at_once(
                *(partial(c.post, url, json={"text": t, "version": version}) for c, t in zip((a, b), texts, strict=True))
            )
            statuses = sorted(r.status_code for r in replies)
            assert statuses == [200, 409], [r.text for r in replies]
            landed = next(t for t, r in zip(texts, replies, strict=True) if r.status_code == 200)
            refused = next(r for r in replies if r.status_code == 409)
            assert _error(refused, 409, "conflict") == CONFLICT
            assert a.get(f"/api/v1/forms/{token}").json()["title"] == landed


def test_a_stale_tab_answering_another_field_is_kept(client: httpx.Client) -> None:
    tab_a = client.post("/api/v1/forms").json()  # asked 项目名称
    token = tab_a["token"]
    tab_b = client.post(f"/api/v1/forms/{token}/answer", json={"text": "修改 参赛单位1·单位名称", "version": tab_a["version"]})
    tab_b = client.post(f"/api/v1/forms/{token}/answer", json={"text": "山西煤炭数据有限公司", "version": tab_b.json()["version"]})
    assert tab_b.status_code == 200
    late = client.post(f"/api/v1/forms/{token}/answer", json={"text": "山西智煤数据平台", "version": tab_a["version"]})
    assert late.status_code == 200 and late.json()["version"] == tab_b.json()["version"] + 1
    status = client.get(f"/api/v1/forms/{token}").json()
    assert status["title"] == "山西智煤数据平台" and status["version"] == late.json()["version"]
    md = client.get(f"/api/v1/forms/{token}/export", params={"format": "md"}).text
    assert "山西煤炭数据有限公司" in md


SLOW_PARAGRAPH = b"<w:p><w:r><w:t>" + "数据".encode() * 500 + b"</w:t></w:r></w:p>"


def test_healthz_answers_while_hostile_word_files_are_checked(client: httpx.Client, server: WebServer) -> None:
    uploads = [
        ("bomb.docx", zip_bomb()),  # 180 KB → 50 MB of XML: refused unopened
        ("slow.docx", with_body(4900, SLOW_PARAGRAPH)),  # legal (4,900 paragraphs, 14 MB), but seconds of checking
        ("bomb2.docx", zip_bomb()),
    ]
    results: dict[str, httpx.Response] = {}

    def upload(name: str, data: bytes) -> None:
        with httpx.Client(base_url=server.base, timeout=120) as c:
            results[name] = c.post("/api/v1/forms/check", files={"file": (name, data, DOCX)})

    threads = [threading.Thread(target=upload, args=u) for u in uploads]
    started = time.monotonic()
    for t in threads:
        t.start()
    waits: list[float] = []
    while any(t.is_alive() for t in threads):
        t0 = time.monotonic()
        assert client.get("/healthz", timeout=5).json()["status"] == "ok"
        waits.append(time.monotonic() - t0)
        time.sleep(0.1)
    checking = time.monotonic() - started
    for t in threads:
        t.join()
    assert checking > 0.3 and len(waits) >= 3, (checking, waits)  # /healthz was asked while checks ran
    assert max(waits) < 1.0, waits
    assert "无法打开文件：正文解压后有 48.6 MB" in _error(results["bomb.docx"], 400, "bad_file")
    slow = results["slow.docx"]
    assert slow.status_code == 200 or "秒内未能检查完" in _error(slow, 400, "bad_file")


@pytest.mark.parametrize(
    ("name", "data"), [("damaged.docx", broken_xml()), ("text.docx", b"just text"), ("cut.docx", ordinary_docx()[:5000])]
)
def test_damaged_or_non_word_files_are_a_400_with_a_chinese_message(client: httpx.Client, name: str, data: bytes) -> None:
    resp = client.post("/api/v1/forms/check", files={"file": (name, data, DOCX)})
    assert _error(resp, 400, "bad_file").startswith("无法打开文件")


def test_uploads_over_the_size_limit_are_refused_before_reading(client: httpx.Client) -> None:
    big = b"PK" + b"\0" * (6 * 1024 * 1024)
    for path, name in (("/api/v1/forms/check", "big.docx"), ("/api/v1/forms/import", "big.json")):
        resp = client.post(path, files={"file": (name, big, "application/octet-stream")})
        assert "请求内容过大" in _error(resp, 413, "too_large")


def test_deeply_nested_json_import_is_a_clear_400(client: httpx.Client) -> None:
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    resp = client.post("/api/v1/forms/import", files={"file": ("draft.json", deep, "application/json")})
    assert "JSON 嵌套超过 32 层" in _error(resp, 400, "bad_input")


def test_control_characters_in_an_answer_are_a_400(client: httpx.Client) -> None:
    token = client.post("/api/v1/forms").json()["token"]
    resp = client.post(f"/api/v1/forms/{token}/answer", json={"text": "山西\u0000智煤平台"})
    assert "控制字符" in _error(resp, 400, "bad_input")
    assert client.get(f"/api/v1/forms/{token}/export", params={"format": "docx"}).status_code == 200
