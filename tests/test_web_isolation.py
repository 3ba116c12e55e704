"""Slow parts cannot starve request handling: with the LLM endpoint hanging and 60 clients waiting on
it, `/healthz` still answers at once (a load balancer would otherwise drop the instance).

A real local OpenAI-compatible server (tests/fake_openai.py) that holds every request, and the real
app server (`python app.py`) in LLM mode pointed at it.
"""

from __future__ import annotations

import threading
import time

import httpx
from fake_openai import MODEL, Delay, FakeOpenAI, Text
from test_web_support import _start, web_server

CLIENTS = 60
LLM_TIMEOUT = 15  # seconds the app waits on the model before it falls back to the extractive answer
WARM_UP_CALLS = 1  # the server's warm-up asks the model once before it reports ready


def test_healthz_answers_in_under_100_ms_while_60_clients_wait_on_a_hanging_llm() -> None:
    with FakeOpenAI(responder=lambda request: Delay(120, Text("太迟了。"))) as llm:
        server = _start(
            {"LLM_BASE_URL": llm.base_url, "LLM_MODEL": MODEL, "LLM_TIMEOUT": str(LLM_TIMEOUT),
             "API_QUOTA_PER_MINUTE": "0", "API_QUOTA_PER_DAY": "0"},
            seed=web_server().data_dir,
        )
        results: list[httpx.Response | Exception] = []

        def client(i: int) -> None:
            try:
                with httpx.Client(base_url=server.base, timeout=120) as c:
                    results.append(c.post("/api/v1/ask", json={"question": "山西分赛一等奖奖金是多少？", "id": f"c{i}"}))
            except Exception as exc:  # noqa: BLE001 - counted below
                results.append(exc)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
        started = time.monotonic()
        for t in threads:
            t.start()
        deadline = time.monotonic() + LLM_TIMEOUT - 5
        while len(llm.requests) < WARM_UP_CALLS + CLIENTS and time.monotonic() < deadline:  # all waiting on the model
            time.sleep(0.05)
        waits: list[float] = []
        with httpx.Client(base_url=server.base, timeout=3) as probe:
            for _ in range(10):
                t0 = time.monotonic()
                try:
                    assert probe.get("/healthz").json()["status"] == "ok"
                except httpx.TimeoutException:
                    pass
                waits.append(time.monotonic() - t0)
                time.sleep(0.05)
        waiting = len(llm.requests) - WARM_UP_CALLS
        assert max(waits) < 0.1, ([round(w, 3) for w in waits], waiting)
        assert time.monotonic() - started < LLM_TIMEOUT, "measured after the model timed out: proves nothing"
        assert waiting == CLIENTS  # every client was waiting on the model, none queued behind the others
        for t in threads:
            t.join(60)
        # every client got the extractive answer with the visible note, none an error
        assert len(results) == CLIENTS and all(isinstance(r, httpx.Response) for r in results), results[:3]
        assert all(r.status_code == 200 and "5 万元" in r.json()["answer"] for r in results if isinstance(r, httpx.Response))
