"""Shared mode end to end: real `app.py` workers, each with its own DATA_DIR, sharing only one real
PostgreSQL (DATABASE_URL), behind a real nginx rendered from `deploy/nginx.conf`.

What the operator is promised: workers started together on an empty database all come up; an
approval made on one worker is served by the others and a revocation on another is gone on the
first; a per-minute quota holds across workers; simultaneous draft answers through different
workers lose nothing; a worker SIGKILLed mid-load costs no answer and no log row is lost or
doubled; a notice added on one worker's machine is answered by the others without a restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from cluster import ROOT, Cluster, asks_killing_one, cluster, nginx_binary
from servers import Postgres
from test_notices import DEADLINE_Q, _docx

pytestmark = pytest.mark.skipif(nginx_binary() is None, reason="nginx missing: scripts/ensure_services.sh installs nginx-light")

TOKEN = "shared-mode-secret"
QUOTA = 3  # per client and minute on /api/v1/ask, across all workers
TODAY = "2025-08-05"  # after the 补充通知 of 2025-07-25 is published
QUESTION = "山西分赛一等奖奖金是多少？"


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _rows(url: str, sql: str) -> int:
    with psycopg.connect(_dsn(url)) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _client(address: str) -> httpx.Client:
    """A client from its own loopback address: the workers count quotas per client address."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=120)


def _until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        time.sleep(0.5)


def _at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run each call on its own thread, released together; their responses in order."""
    replies: list[httpx.Response | None] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(k: int) -> None:
        barrier.wait()
        replies[k] = calls[k]()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(r is not None for r in replies)
    return [r for r in replies if r is not None]


def _post(url: str, body: dict[str, object], address: str = "127.0.0.1") -> Callable[[], httpx.Response]:
    def send() -> httpx.Response:
        with _client(address) as c:
            return c.post(url, json=body)
    return send


@pytest.fixture(scope="module")
def database(pg_server: Postgres) -> str:
    return pg_server.new_database()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[Cluster]:
    """Three workers started at the same moment on an empty database (schema, embedding cache and
    all), each with its own empty DATA_DIR."""
    env = {"DATABASE_URL": database, "ADMIN_TOKEN": TOKEN, "API_QUOTA_PER_MINUTE": str(QUOTA),
           "API_QUOTA_PER_DAY": "0", "TODAY": TODAY, "CORPUS_CHECK_SECONDS": "5"}
    with cluster(tmp_path_factory.mktemp("shared"), 3, env) as running:
        yield running


def test_workers_started_together_on_an_empty_database_all_serve(shared: Cluster, database: str) -> None:
    for n, w in enumerate(shared.workers):
        with _client(f"127.0.0.{20 + n}") as c:
            body = c.post(f"{w.base}/api/v1/ask", json={"question": QUESTION}).json()
        assert body["status"] == "answered" and "5 万元" in body["answer"], body
    assert _rows(database, "SELECT count(*) FROM alembic_version") == 1
    # the corpus was embedded once into the shared cache, not once per worker
    assert _rows(database, "SELECT count(DISTINCT text_hash) FROM embeddings") == _rows(database, "SELECT count(*) FROM embeddings")


def test_an_approval_on_one_worker_is_served_by_another_and_revoked_from_a_third(shared: Cluster) -> None:
    w1, w2, w3 = shared.workers
    admin = {"Authorization": f"Bearer {TOKEN}"}
    question = "益阳初赛的咨询电话是多少？"
    approved = "请拨打益阳市数据局咨询电话（以通知原文为准）。"
    with _client("127.0.0.31") as c:
        put = c.put(f"{w1.base}/api/v1/admin/approved", headers=admin,
                    json={"question": question, "division": "yiyang", "answer": approved, "who": "秘书处张三"})
        assert put.status_code == 200, put.text
        served = c.post(f"{w2.base}/api/v1/ask", json={"question": question, "division": "yiyang"}).json()
        assert served.get("approved") is True and served["answer"].startswith(approved), served
        listed = c.get(f"{w3.base}/api/v1/admin/approved", headers=admin).json()
        assert [e["question"] for e in listed] == [question]
        revoked = c.post(f"{w3.base}/api/v1/admin/approved/revoke", headers=admin,
                         json={"question": question, "division": "yiyang", "who": "秘书处李四"})
        assert revoked.status_code == 200 and revoked.json() == {"revoked": True}, revoked.text
    with _client("127.0.0.32") as c:
        again = c.post(f"{w1.base}/api/v1/ask", json={"question": question, "division": "yiyang"}).json()
        assert "approved" not in again and approved not in again["answer"], again
        history = c.get(f"{w2.base}/api/v1/admin/approved/history", headers=admin).json()
    assert [(h["action"], h["who"]) for h in history] == [("revoke", "秘书处李四"), ("approve", "秘书处张三")]


def test_a_per_minute_quota_holds_across_workers(shared: Cluster) -> None:
    """Eight asks from one client spread over three workers at once: exactly QUOTA are answered."""
    if time.time() % 60 > 45:  # all eight in one minute window
        time.sleep(61 - time.time() % 60)
    replies = _at_once(*(_post(f"{shared.workers[i % 3].base}/api/v1/ask", {"question": QUESTION}, "127.0.0.41")
                         for i in range(8)))
    statuses = [r.status_code for r in replies]
    assert sorted(statuses) == [200] * QUOTA + [429] * (8 - QUOTA), statuses


def test_simultaneous_draft_answers_through_different_workers_lose_nothing(shared: Cluster) -> None:
    """20 rounds: one window on worker 1 answers 项目名称 while one on worker 2 answers 单位名称, at once."""
    w1, w2, _ = shared.workers
    with httpx.Client(timeout=60) as c:
        for trial in range(20):
            a = c.post(f"{w1.base}/api/v1/forms").json()
            token = a["token"]
            b = c.post(f"{w2.base}/api/v1/forms/{token}/answer", json={"text": "修改 参赛单位1·单位名称", "version": a["version"]}).json()
            replies = _at_once(
                _post(f"{w1.base}/api/v1/forms/{token}/answer", {"text": f"智煤平台{trial}", "version": a["version"]}),
                _post(f"{w2.base}/api/v1/forms/{token}/answer", {"text": f"煤炭数据公司{trial}", "version": b["version"]}),
            )
            assert [r.status_code for r in replies] == [200, 200], [r.text for r in replies]
            exported = c.get(f"{shared.workers[2].base}/api/v1/forms/{token}/export", params={"format": "json"})
            assert exported.status_code == 200
            text = exported.content.decode("utf-8")
            assert f"智煤平台{trial}" in text and f"煤炭数据公司{trial}" in text, text[:500]


def test_a_notice_added_on_one_workers_machine_is_answered_by_the_others(shared: Cluster, database: str, tmp_path: Path) -> None:
    """`notice add` run beside worker 1 (its DATA_DIR, the shared DATABASE_URL); the other workers
    pick the notice up from the database (NOTIFY) and answer with the new deadline, no restart."""
    w1, w2, w3 = shared.workers
    env = {**os.environ, "DATA_DIR": str(w1.data_dir), "DATABASE_URL": database, "TODAY": TODAY, "PYTHONIOENCODING": "utf-8"}
    added = subprocess.run([sys.executable, "-m", "assistant", "notice", "add", str(_docx(tmp_path / "延期.docx")),
                            "--division", "shaanxi", "--yes"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert added.returncode == 0, added.stderr
    polls = iter(range(50, 250))

    def answered_new(worker_base: str) -> bool:
        with _client(f"127.0.1.{next(polls)}") as c:
            body = c.post(f"{worker_base}/api/v1/ask", json={"question": DEADLINE_Q}).json()
        return "2025年8月10日" in body.get("answer", "") and "原定" in body.get("answer", "")

    for worker in (w2, w3, w1):
        _until(lambda base=worker.base: answered_new(base), 280, f"worker :{worker.port} answers the postponed deadline")
    removed = subprocess.run([sys.executable, "-m", "assistant", "notice", "remove", "notice-shaanxi-20250725"], cwd=ROOT,
                             env={**env, "DATA_DIR": str(w3.data_dir)}, capture_output=True, text=True, timeout=300)
    assert removed.returncode == 0, removed.stderr
    _until(lambda: not answered_new(w2.base), 280, "worker 2 answers the original deadline again")


def test_a_worker_killed_mid_load_costs_no_answer_and_no_log_row(tmp_path: Path, database: str, shared: Cluster) -> None:
    """Two more workers on the same database without a quota: one is SIGKILLed during 40 asks
    through nginx; all 40 are answered and exactly 40 rows reach the shared Q&A log."""
    before = _rows(database, "SELECT count(*) FROM qa_log")
    env = {"DATABASE_URL": database, "API_QUOTA_PER_MINUTE": "0", "API_QUOTA_PER_DAY": "0", "TODAY": TODAY}
    questions = [QUESTION, "陕西分赛报名截止时间是什么时候？", "新疆分赛的联系方式是什么？", "益阳初赛有哪些赛道？"]
    with cluster(tmp_path, 2, env) as running:
        victim, survivor = running.workers
        results = asks_killing_one(running, questions, victim)
        failed = [(i, status, body) for i, status, body in results if status != 200 or not body.get("answer")]
        assert not failed, failed
        assert victim.proc.returncode == -9 and survivor.health() is not None
    # the other workers (the module's cluster) are idle: every new row is one of these 40
    assert _rows(database, "SELECT count(*) FROM qa_log") - before == 40
    assert _rows(database, "SELECT count(DISTINCT id) FROM qa_log") == _rows(database, "SELECT count(*) FROM qa_log")
