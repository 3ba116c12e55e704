"""Load test: N concurrent clients POST /api/v1/ask on loopback for a fixed time; prints throughput, latency, errors.

    python scripts/load_test.py                      # against a running server (make run), 20 clients, 60 s
    python scripts/load_test.py --spawn              # start app.py on a free port (fresh temp DATA_DIR), stop it after
    python scripts/load_test.py --clients 20 --duration 60 --check   # exit 1 if the targets are missed

Targets (2 cores, extractive mode): no errors, at least 30 answers/s, p95 under 500 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "山西分赛一等奖奖金是多少？",
    "陕西分赛报名截止时间是什么时候？",
    "新疆分赛的联系方式是什么？",
    "益阳初赛有哪些赛道？",
    "参赛单位需要满足什么条件？",
    "山西分赛决赛什么时候举行？",
    "陕西分赛怎么报名？",
    "新疆分赛报名阶段是什么时间？",
    "益阳初赛推荐报名的时间？",
    "全国赛题指南有哪些赛道？",
    "山西分赛初赛评审方式是什么？",
    "报名截止时间",
    "参赛需要交报名费吗？",
    "一个单位可以报几个项目？",
    "陕西分赛有多少个赛道？",
    "山西分赛优秀奖有多少个？",
    "新疆分赛的颁奖仪式在什么时候？",
    "益阳初赛资格审查什么时候？",
    "今天天气怎么样？",
    "2024年全国大赛有哪些赛道？",
]
MAX_CLIENTS = 200
MAX_DURATION = 600


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(host: str, port: int, deadline: float, offset: int, tally: Tally, division: str | None) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    i = offset
    while time.perf_counter() < deadline:
        body = {"question": QUESTIONS[i % len(QUESTIONS)], "id": str(i)}
        if division:
            body["division"] = division
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        i += 1
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/ask", payload, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            elapsed = time.perf_counter() - started
            if resp.status != 200:
                error = f"HTTP {resp.status}"
            elif "answer" not in json.loads(data):
                error = "no answer in body"
            else:
                error = ""
        except (OSError, http.client.HTTPException, ValueError) as exc:
            elapsed = time.perf_counter() - started
            error = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
        with tally.lock:
            if error:
                tally.errors[error] += 1
            else:
                tally.latencies.append(elapsed)
    conn.close()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(host: str, port: int, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            ok = resp.status == 200 and json.loads(resp.read()).get("status") == "ok"
            conn.close()
            if ok:
                return True
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.5)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Drive POST /api/v1/ask with concurrent clients.")
    parser.add_argument("--url", default="http://127.0.0.1:7860", help="server base URL (loopback)")
    parser.add_argument("--clients", type=int, default=20, help=f"concurrent clients (1–{MAX_CLIENTS})")
    parser.add_argument("--duration", type=float, default=60.0, help=f"seconds (1–{MAX_DURATION})")
    parser.add_argument("--division", default=None, help="scope every question to this division")
    parser.add_argument("--spawn", action="store_true", help="start app.py on a free loopback port for the run")
    parser.add_argument("--data-dir", default=None, help="DATA_DIR for --spawn (default: a fresh temporary directory)")
    parser.add_argument("--check", action="store_true", help="exit 1 unless: no errors, ≥30 answers/s, p95 < 500 ms")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--clients must be 1–{MAX_CLIENTS} and --duration 1–{MAX_DURATION} seconds")

    server: subprocess.Popen[bytes] | None = None
    if args.spawn:
        port = _free_port()
        # A separate data dir keeps the load out of the real Q&A log (the index is built there once).
        data_dir = args.data_dir or tempfile.mkdtemp(prefix="load-test-")
        # Capacity is measured: the per-address quota for key-less clients (20 a minute by default)
        # would turn most of the load into 429s, so the spawned server runs without it.
        env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "DATA_DIR": data_dir,
               "API_QUOTA_PER_MINUTE": "0", "API_QUOTA_PER_DAY": "0"}
        server_log = open(Path(data_dir) / "load-test-server.log", "wb")  # closed after the server stops
        server = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=server_log, stderr=subprocess.STDOUT)
        host = "127.0.0.1"
    else:
        parts = urlsplit(args.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error("the load test only drives a server on loopback (127.0.0.1 / localhost)")
    try:
        if not _wait_healthy(host, port, 300 if server else 5):
            hint = f"日志：{server_log.name}" if server else "请先运行 make run，或加 --spawn。"
            print(f"服务器 http://{host}:{port} 未就绪：{hint}", file=sys.stderr)
            return 2
        tally = Tally()
        deadline = time.perf_counter() + args.duration
        threads = [
            threading.Thread(target=_client, args=(host, port, deadline, n * 7, tally, args.division), daemon=True)
            for n in range(args.clients)
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
            server_log.close()

    ok = len(tally.latencies)
    errors = sum(tally.errors.values())
    rate = ok / wall if wall else 0.0
    p50 = _percentile(tally.latencies, 50) * 1000 if ok else float("nan")
    p95 = _percentile(tally.latencies, 95) * 1000 if ok else float("nan")
    p99 = _percentile(tally.latencies, 99) * 1000 if ok else float("nan")
    mean = statistics.fmean(tally.latencies) * 1000 if ok else float("nan")
    print(f"clients {args.clients}, duration {wall:.1f} s, target http://{host}:{port}/api/v1/ask")
    print(f"answers {ok}, errors {errors}{' ' + dict(tally.errors).__repr__() if errors else ''}")
    print(f"throughput {rate:.1f} answers/s")
    print(f"latency ms: p50 {p50:.0f}, p95 {p95:.0f}, p99 {p99:.0f}, mean {mean:.0f}, max {max(tally.latencies, default=0) * 1000:.0f}")
    met = errors == 0 and rate >= 30 and p95 < 500
    print("targets (no errors, ≥30 answers/s, p95 < 500 ms):", "met" if met else "NOT met")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    raise SystemExit(main())
