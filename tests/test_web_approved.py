"""Approved answers reach every wording of the same question (its meaning-bearing key), and the
console sees which approved question matched; against the real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from test_web_api import ADMIN
from test_web_support import WebServer, web_server


@pytest.fixture()
def client() -> Iterator[httpx.Client]:
    server: WebServer = web_server()
    with httpx.Client(base_url=server.base, timeout=30) as c:
        yield c


def test_an_approved_answer_reaches_the_same_question_in_other_words(client: httpx.Client) -> None:
    approved_question = "山西分赛的咨询电话是多少？"
    original = client.post("/api/v1/ask", json={"question": approved_question}).json()
    approve = {"question": approved_question, "answer": "山西分赛咨询电话：0351-0000000[1]", "who": "张三",
               "citations": original["citations"]}
    assert client.put("/api/v1/admin/approved", json=approve, headers=ADMIN).status_code == 200
    try:
        for variant in ("山西分赛咨询电话多少", "请问山西分赛咨询电话是多少呀"):
            resp = client.post("/api/v1/ask", json={"question": variant})
            served = resp.json()
            assert served["approved"] is True and served["answer"] == approve["answer"], variant
            assert served["note"] == f"秘书处审定（按已审定的问题“{approved_question}”）"
            detail = client.get(f"/api/v1/admin/log/{resp.headers['X-Log-Id']}", headers=ADMIN).json()
            assert approved_question in detail["answer"]["note"]  # the console shows which one matched
        same = client.post("/api/v1/ask", json={"question": "山西分赛的咨询电话是多少"}).json()
        assert same["approved"] is True and same["note"] == "秘书处审定"
        for other in ("陕西分赛咨询电话多少", "山西分赛咨询电话", "山西分赛报名截止时间是多少"):
            assert not client.post("/api/v1/ask", json={"question": other}).json().get("approved"), other
    finally:
        client.post("/api/v1/admin/approved/revoke", json={"question": approved_question, "who": "张三"}, headers=ADMIN)
    assert not client.post("/api/v1/ask", json={"question": "山西分赛咨询电话多少"}).json().get("approved")
