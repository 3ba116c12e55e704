"""Load test: N concurrent clients POST /api/v1/ask on loopback for a fixed time; prints throughput, latency, errors.

    python scripts/load_test.py                      # against a running server (make run), 20 clients, 60 s
    python scripts/load_test.py --spawn              # start app.py on a free port (fresh temp DATA_DIR), stop it after
    python scripts/load_test.py --clients 20 --duration 60 --check   # exit 1 if the targets are missed
    python scripts/load_test.py --url http://127.0.0.1:8080          # against an nginx front (deploy/nginx.conf)
    python scripts/load_test.py --workers 1,2 --duration 30          # 1 worker, then 2, each behind a real nginx
    python scripts/load_test.py --workers 1,2,1,2 --duration 20      # alternated, on a machine others use too

`--workers` starts, for each count, that many `app.py --port P` workers (each with its own temp
DATA_DIR, the index built once and copied in) behind nginx rendered from deploy/nginx.conf by
tests/cluster.py, drives the nginx front, stops them, and prints one row per count and the
throughput ratio: the same run on the same machine.

Targets (2 cores, extractive mode): no errors, at least 30 answers/s, p95 under 500 ms.
"""

from __future__ import annotations

import argparse
import contextlib
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
from typing import Any
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


@dataclass
class Result:
    target: str
    clients: int
    wall: float
    tally: Tally

    @property
    def answers(self) -> int:
        return len(self.tally.latencies)

    @property
    def errors(self) -> int:
        return sum(self.tally.errors.values())

    @property
    def rate(self) -> float:
        return self.answers / self.wall if self.wall else 0.0

    def ms(self, p: float) -> float:
        return _percentile(self.tally.latencies, p) * 1000 if self.tally.latencies else float("nan")

    @property
    def met(self) -> bool:
        return self.errors == 0 and self.rate >= 30 and self.ms(95) < 500


def drive(host: str, port: int, clients: int, duration: float, division: str | None) -> Result:
    """`clients` threads asking one after another for `duration` seconds."""
    tally = Tally()
    deadline = time.perf_counter() + duration
    threads = [
        threading.Thread(target=_client, args=(host, port, deadline, n * 7, tally, division), daemon=True)
        for n in range(clients)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(f"http://{host}:{port}/api/v1/ask", clients, time.perf_counter() - started, tally)


def report(result: Result) -> None:
    lat = result.tally.latencies
    mean = statistics.fmean(lat) * 1000 if lat else float("nan")
    errors = result.errors
    print(f"clients {result.clients}, duration {result.wall:.1f} s, target {result.target}")
    print(f"answers {result.answers}, errors {errors}{' ' + dict(result.tally.errors).__repr__() if errors else ''}")
    print(f"throughput {result.rate:.1f} answers/s")
    print(f"latency ms: p50 {result.ms(50):.0f}, p95 {result.ms(95):.0f}, p99 {result.ms(99):.0f}, mean {mean:.0f}, "
          f"max {max(lat, default=0) * 1000:.0f}")
    print("targets (no errors, ≥30 answers/s, p95 < 500 ms):", "met" if result.met else "NOT met")


def compare_workers(counts: list[int], clients: int, duration: float, division: str | None, *, shared: bool = False) -> list[Result]:
    """For each count, that many workers behind a real nginx, driven through the nginx front; with
    `shared`, in shared mode on a throw-away PostgreSQL (log, approvals lookup, quotas in the database)."""
    sys.path.insert(0, str(ROOT / "tests"))  # the cluster helpers the deployment tests use
    from cluster import cluster, worker_env

    # Capacity is measured, so no key-less quota; the index is built once and copied into each DATA_DIR.
    env = {"API_QUOTA_PER_MINUTE": "0", "API_QUOTA_PER_DAY": "0"}
    results = []
    with contextlib.ExitStack() as stack:
        if shared:
            from servers import start_postgres

            postgres = start_postgres()
            stack.callback(postgres.stop)
            env["DATABASE_URL"] = postgres.new_database()
            print("shared mode: workers on a throw-away PostgreSQL", flush=True)
        results = _compare(counts, clients, duration, division, env, cluster, worker_env)
    print("\nworkers | answers/s | p50 ms | p95 ms | errors")
    for n, r in zip(counts, results, strict=True):
        print(f"{n:7d} | {r.rate:9.1f} | {r.ms(50):6.0f} | {r.ms(95):6.0f} | {r.errors}")
    # Alternating counts (1,2,1,2) spreads a busy machine's drift over both; each count's mean rate is compared.
    means = {n: statistics.fmean(r.rate for m, r in zip(counts, results, strict=True) if m == n) for n in sorted(set(counts))}
    low, high = min(means), max(means)
    if high != low and means[low]:
        print(f"throughput ratio {high} vs {low} worker(s): {means[high] / means[low]:.2f}×")
    return results


def _compare(counts: list[int], clients: int, duration: float, division: str | None, env: dict[str, str],
             cluster: Any, worker_env: Any) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="load-test-") as tmp:
        seed = Path(tmp) / "seed"
        seed_env = {**worker_env({}, seed, Path(tmp), {}), "PYTHONPATH": str(ROOT)}  # the workers' clean environment
        built = subprocess.run([sys.executable, "-m", "assistant", "ingest"], cwd=tmp, env=seed_env, capture_output=True, text=True)
        if built.returncode != 0:
            raise RuntimeError(f"python -m assistant ingest failed:\n{built.stderr[-3000:]}")
        for n in counts:
            with cluster(Path(tmp) / f"workers-{n}", n, env, seed=seed) as running:
                print(f"--- {n} worker(s) behind nginx :{running.nginx.port} ---", flush=True)
                result = drive("127.0.0.1", running.nginx.port, clients, duration, division)
                report(result)
                results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Drive POST /api/v1/ask with concurrent clients.")
    parser.add_argument("--url", default="http://127.0.0.1:7860", help="server base URL (loopback)")
    parser.add_argument("--clients", type=int, default=20, help=f"concurrent clients (1–{MAX_CLIENTS})")
    parser.add_argument("--duration", type=float, default=60.0, help=f"seconds (1–{MAX_DURATION})")
    parser.add_argument("--division", default=None, help="scope every question to this division")
    parser.add_argument("--spawn", action="store_true", help="start app.py on a free loopback port for the run")
    parser.add_argument("--data-dir", default=None, help="DATA_DIR for --spawn (default: a fresh temporary directory)")
    parser.add_argument("--workers", default=None,
                        help="worker counts to compare, e.g. 1,2: each started behind a real nginx (deploy/nginx.conf)")
    parser.add_argument("--shared", action="store_true",
                        help="with --workers: shared mode, the workers on a throw-away PostgreSQL (DATABASE_URL)")
    parser.add_argument("--check", action="store_true", help="exit 1 unless: no errors, ≥30 answers/s, p95 < 500 ms")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--clients must be 1–{MAX_CLIENTS} and --duration 1–{MAX_DURATION} seconds")
    if args.workers is not None:
        try:
            counts = [int(n) for n in args.workers.split(",")]
        except ValueError:
            counts = []
        if not counts or not all(1 <= n <= 16 for n in counts) or args.spawn:
            parser.error("--workers takes counts 1–16 separated by commas (e.g. 1,2), without --spawn")
        results = compare_workers(counts, args.clients, args.duration, args.division, shared=args.shared)
        return 1 if args.check and not all(r.met for r in results) else 0

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
        result = drive(host, port, args.clients, args.duration, args.division)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
            server_log.close()

    report(result)
    return 1 if args.check and not result.met else 0


if __name__ == "__main__":
    raise SystemExit(main())
