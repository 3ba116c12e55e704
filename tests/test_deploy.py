"""Several real workers (`app.py --port P`) behind a real nginx rendered from `deploy/nginx.conf`.

Start-up flags, workers started together on one empty DATA_DIR, routing (round-robin API,
sticky page, event streams through the proxy), the client address nginx forwards, and a
worker SIGKILLed while asks go through nginx. Each worker has its own DATA_DIR unless a test
is about sharing one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cluster import (
    ROOT,
    Cluster,
    Worker,
    asks_killing_one,
    cluster,
    free_port,
    nginx_binary,
    render_site,
    start_workers,
    stop_all,
    wait_ready,
    worker_env,
)

from assistant.rules.index import KnowledgeIndex

needs_nginx = pytest.mark.skipif(nginx_binary() is None, reason="nginx missing: scripts/ensure_services.sh installs nginx-light")
NO_QUOTA = {"API_QUOTA_PER_MINUTE": "0", "API_QUOTA_PER_DAY": "0"}
QUESTIONS = ["山西分赛一等奖奖金多少？", "陕西分赛报名截止时间是什么时候？", "新疆分赛的联系方式是什么？", "益阳初赛有哪些赛道？"]


@pytest.fixture(scope="module")
def prebuilt(kb_index: KnowledgeIndex, kb_data_dir: Path) -> Path:
    """A DATA_DIR holding the session's built index, copied into each worker's own DATA_DIR."""
    return kb_data_dir


def ask(base: str, question: str, **extra: object) -> httpx.Response:
    return httpx.post(f"{base}/api/v1/ask", json={"question": question, **extra}, timeout=60)


def test_the_shipped_nginx_example_renders_for_any_worker_ports(tmp_path: Path) -> None:
    site = render_site([5001, 5002, 5003], 6000)
    for upstream in ("assistant_api", "assistant_page"):
        block = site.split(f"upstream {upstream} {{", 1)[1].split("}", 1)[0]
        assert [line.split()[1] for line in block.splitlines() if line.strip().startswith("server ")] == [
            "127.0.0.1:5001", "127.0.0.1:5002", "127.0.0.1:5003"]
    assert "listen 127.0.0.1:6000;" in site and "listen 80;" not in site
    bent = tmp_path / "nginx.conf"
    bent.write_text(site.replace("listen 127.0.0.1:6000;", "listen 8080;"), encoding="utf-8")
    with pytest.raises(ValueError, match="listen 80"):  # a template the tests cannot render fails loudly
        render_site([5001], 6001, template=bent)


def test_port_and_host_flags_override_the_settings(tmp_path: Path, prebuilt: Path) -> None:
    port, ignored = free_port(), free_port()
    data_dir = tmp_path / "data"
    shutil.copytree(prebuilt / "chroma", data_dir / "chroma")
    env = worker_env(NO_QUOTA, data_dir, tmp_path, {"HOST": "127.0.0.2", "PORT": str(ignored)})
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
                                cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = Worker(port, data_dir, log_path, proc)
    try:
        wait_ready([worker])
        assert ask(worker.base, QUESTIONS[0]).json()["status"] == "answered"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.2:{ignored}/healthz", timeout=2)
        assert f"http://127.0.0.1:{port}/" in worker.log()  # the address it prints is the one it binds
    finally:
        worker.stop()


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--bogus"], "--bogus"), (["--port", "http"], "--port"), (["--port", "70000"], "--port"), (["--port"], "--port")],
)
def test_a_bad_command_line_is_said_in_chinese(tmp_path: Path, args: list[str], named: str) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=tmp_path, capture_output=True, text=True,
                          env=worker_env({}, tmp_path / "data", tmp_path, {}), timeout=60)
    assert done.returncode == 2
    assert "无法启动：命令行参数有误" in done.stderr and named in done.stderr
    assert "Traceback" not in done.stderr and "usage:" not in done.stderr and "error:" not in done.stderr
    assert not (tmp_path / "data").exists()  # refused before any start-up work


def test_workers_started_together_on_one_empty_data_dir_all_serve(tmp_path: Path) -> None:
    shared = tmp_path / "shared-data"
    workers = start_workers(tmp_path, 3, NO_QUOTA, data_dir=shared, wait=False)
    try:
        wait_ready(workers)
        answers = [ask(w.base, QUESTIONS[1]).json() for w in workers]
        assert all(a["status"] == "answered" for a in answers)
        assert len({json.dumps(a["citations"], ensure_ascii=False) + a["answer"] for a in answers}) == 1
        builds = sum(w.log().count("building vector index") for w in workers)
        assert builds == 1, [w.log() for w in workers]  # one built it, the others opened what it built
    finally:
        stop_all(workers)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, prebuilt: Path) -> Iterator[Cluster]:
    if nginx_binary() is None:
        pytest.skip("nginx missing: scripts/ensure_services.sh installs nginx-light")
    with cluster(tmp_path_factory.mktemp("pair"), 2, NO_QUOTA, seed=prebuilt) as running:
        yield running


@needs_nginx
def test_the_api_is_shared_round_robin_and_the_page_is_sticky(pair: Cluster) -> None:
    before = len(pair.nginx.upstreams())
    direct = {q: ask(pair.workers[0].base, q).json() for q in QUESTIONS}
    for q in QUESTIONS:
        via = ask(pair.front, q).json()
        assert (via["answer"], via["citations"]) == (direct[q]["answer"], direct[q]["citations"])
    for _ in range(4):
        page = httpx.get(pair.front + "/", timeout=30)
        assert page.status_code == 200 and "gradio" in page.text.lower()
    time.sleep(0.2)  # nginx writes the access log line after the response
    rows = pair.nginx.upstreams()[before:]
    api = {tried[-1] for uri, tried in rows if uri == "/api/v1/ask"}
    page_workers = {tried[-1] for uri, tried in rows if uri == "/"}
    assert api == {w.address for w in pair.workers}
    assert len(page_workers) == 1


@needs_nginx
def test_event_streams_pass_through_nginx(pair: Cluster) -> None:
    from gradio_client import Client

    expected = ask(pair.front, QUESTIONS[0]).json()
    events: list[tuple[str, dict[str, object]]] = []
    with httpx.stream("POST", pair.front + "/api/v1/ask/stream", json={"question": QUESTIONS[0]}, timeout=60) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        name = ""
        for line in resp.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line.split(":", 1)[1])))
    kinds = [k for k, _ in events]
    assert kinds[0] == "token" and kinds[-2:] == ["answer", "done"] and set(kinds[:-2]) == {"token"}
    assert events[-2][1]["answer"] == expected["answer"]
    # The page's own queue (Gradio's event stream) through the sticky upstream.
    result = Client(pair.front + "/", verbose=False).predict(QUESTIONS[0], "全部", api_name="/ask")
    assert result["citations"][0]["quote"] == expected["citations"][0]["quote"]


@needs_nginx
def test_nginx_forwards_the_client_address_and_replaces_a_forged_one(tmp_path: Path, prebuilt: Path) -> None:
    """Key-less quota 2 a minute: counted per real client (nginx's X-Forwarded-For, believed
    because the unit sets FORWARDED_ALLOW_IPS=127.0.0.1), and a forged header changes nothing."""
    with cluster(tmp_path, 1, {"API_QUOTA_PER_MINUTE": "2", "API_QUOTA_PER_DAY": "100"}, seed=prebuilt) as running:

        def from_address(address: str, forged: str | None = None) -> int:
            transport = httpx.HTTPTransport(local_address=address)
            headers = {"X-Forwarded-For": forged} if forged else {}
            with httpx.Client(transport=transport, timeout=60) as client:
                return client.post(running.front + "/api/v1/ask", json={"question": QUESTIONS[0]}, headers=headers).status_code

        assert [from_address("127.0.0.2") for _ in range(2)] == [200, 200]
        assert from_address("127.0.0.2", forged="203.0.113.7") == 429
        assert from_address("127.0.0.3") == 200


@needs_nginx
def test_a_worker_killed_during_40_asks_costs_no_answer(tmp_path: Path, prebuilt: Path) -> None:
    with cluster(tmp_path, 2, NO_QUOTA, seed=prebuilt) as running:
        victim, survivor = running.workers
        front = running.nginx
        results = asks_killing_one(running, QUESTIONS, victim)

        failed = [(i, status, body) for i, status, body in results if status != 200 or not body.get("answer")]
        assert not failed, failed
        assert [body["id"] for _, _, body in results] == [str(i) for i in range(40)]
        assert victim.proc.returncode == -9 and survivor.health() is not None
        time.sleep(0.2)
        rows = [tried for uri, tried in front.upstreams() if uri == "/api/v1/ask"]
        assert len(rows) == 40
        retried = [tried for tried in rows if len(tried) > 1]
        assert retried and all(tried[0] == victim.address and tried[-1] == survivor.address for tried in retried)


def _strace_killing_at_write(worker: Worker, nth: int, log: Path) -> subprocess.Popen[bytes]:
    """Attach strace to every thread of `worker`: SIGKILL it on entering its `nth` socket write
    from now on (strace's fault injection), and record every write with its bytes in `log`."""
    strace = shutil.which("strace")
    assert strace, "strace missing: scripts/ensure_services.sh installs it"
    threads = ",".join(p.name for p in Path(f"/proc/{worker.proc.pid}/task").iterdir())
    calls = "write,writev,sendto,sendmsg"
    tracer = subprocess.Popen(
        [strace, "-f", "-qq", "-s", "1000000", "-xx", "-o", str(log), "-p", threads,
         "-e", f"trace={calls}", "-e", f"inject={calls}:signal=KILL:when={nth}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # attached: the worker's state says it is traced
        status = Path(f"/proc/{worker.proc.pid}/status").read_text()
        if any(line.startswith("TracerPid:") and line.split()[1] != "0" for line in status.splitlines()):
            return tracer
        time.sleep(0.05)
    tracer.kill()
    raise AssertionError("strace did not attach: " + (tracer.stderr.read() if tracer.stderr else b"").decode())


@needs_nginx
def test_a_worker_killed_between_its_reply_head_and_body_costs_no_answer(tmp_path: Path, prebuilt: Path) -> None:
    """The moment nginx cannot recover from: a worker SIGKILLed after a reply's head is written
    and before its body. strace kills the worker on entering its second socket write; a worker
    writing head and body apart has then sent nginx a bare head (a truncated reply for that
    client), a worker writing each reply whole has sent a whole reply or nothing, and nothing is
    retried on the other worker."""
    with cluster(tmp_path, 2, NO_QUOTA, seed=prebuilt) as running:
        victim, survivor = running.workers
        log = tmp_path / "victim.strace"
        tracer = _strace_killing_at_write(victim, 2, log)
        try:
            replies = []
            for i in range(4):  # round-robin: at least two reach the victim, the second dies there
                try:
                    replies.append(ask(running.front, QUESTIONS[i]))
                except httpx.HTTPError as exc:  # a truncated reply: the head came, the body did not
                    replies.append(exc)
            tracer.wait(timeout=30)
        finally:
            if tracer.poll() is None:
                tracer.kill()
        assert victim.proc.wait(timeout=10) == -9, "strace did not kill the worker at its second write"
        assert all(isinstance(r, httpx.Response) and r.status_code == 200 and r.json()["answer"] for r in replies), replies
        assert survivor.health() is not None
        heads = [line for line in log.read_text().splitlines() if "\\x48\\x54\\x54\\x50\\x2f\\x31\\x2e\\x31\\x20" in line]
        assert heads, "the victim wrote no reply before it was killed"
        for line in heads:  # each reply went out in one write: head and the whole JSON body
            raw = bytes.fromhex(line.split('"', 2)[1].replace("\\x", ""))
            head, _, body = raw.partition(b"\r\n\r\n")
            length = int(next(v for k, _, v in (h.partition(b": ") for h in head.split(b"\r\n")) if k.lower() == b"content-length"))
            assert len(body) == length and json.loads(body)["answer"]
