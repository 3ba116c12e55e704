"""Real worker processes and a real nginx in front of them, for tests that need several workers.

    with cluster(tmp_path, 2, {"API_QUOTA_PER_MINUTE": "0"}) as c:
        httpx.post(c.front + "/api/v1/ask", json={"question": "…"})
        c.workers[0].kill()                                   # SIGKILL, as a crash would

    with cluster(tmp_path, 2, {"DATABASE_URL": url}) as c:   # shared mode: the workers share only the database

Each worker is the systemd unit's command (`deploy/assistant@.service`, `app.py --port P`) with
its own DATA_DIR under `tmp_path` unless `data_dir` is given; the environment is the caller's
dict over a clean base (no developer LLM, embedding, proxy, quota or database settings leak in; cwd is a
temporary directory, so no `.env` either). nginx runs from `deploy/nginx.conf` rendered with the
worker ports and a free loopback port, with its pid, logs and temp files in `tmp_path`; its access
log records `$upstream_addr`, so a test can see which worker served a request and which retried.
Everything is stopped on leaving the block, and the logs are printed when it left by an error.
(Helpers only; pytest collects no tests from this module.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from servers import free_port

ROOT = Path(__file__).resolve().parent.parent
NGINX_SITE = ROOT / "deploy" / "nginx.conf"
UNIT = ROOT / "deploy" / "assistant@.service"
UNIT_ROOT = "/opt/assistant"  # where the unit expects the checkout
TODAY = "2025-06-01"
START_TIMEOUT = 240.0
_LEAKY = ("LLM_", "EMBEDDING", "FORWARDED", "API_QUOTA", "DATA_DIR", "DATABASE_URL", "REDIS_URL", "HOST", "PORT", "TODAY")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no log)"


@dataclass
class Worker:
    """One `app.py --port P` process."""

    port: int
    data_dir: Path
    log_path: Path
    proc: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """How nginx's `$upstream_addr` names this worker."""
        return f"127.0.0.1:{self.port}"

    def health(self) -> dict[str, object] | None:
        """The /healthz body, or None if the worker does not answer."""
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as resp:
                body: dict[str, object] = json.loads(resp.read())
                return body
        except (OSError, ValueError):
            return None

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, connections in flight are cut."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return _tail(self.log_path)


def unit_command(port: int) -> tuple[list[str], dict[str, str]]:
    """The worker's command line and fixed environment, read from the systemd unit for this checkout."""
    text = UNIT.read_text(encoding="utf-8")

    def local(value: str) -> str:
        value = value.replace(f"{UNIT_ROOT}/.venv/bin/python", sys.executable).replace(UNIT_ROOT, str(ROOT))
        return value.replace("%i", str(port))

    (exec_start,) = re.findall(r"^ExecStart=(.+)$", text, re.M)
    env = dict(line.split("=", 1) for line in re.findall(r"^Environment=(.+)$", text, re.M))
    return local(exec_start).split(), {k: local(v) for k, v in env.items()}


def worker_env(overrides: Mapping[str, str], data_dir: Path, work: Path, unit_env: Mapping[str, str]) -> dict[str, str]:
    """A clean base, the unit's Environment= lines, test defaults, the caller's values; DATA_DIR last."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKY)}
    return {
        **base,
        **unit_env,
        "TODAY": TODAY,
        "SITES_FILE": str(work / "sites.yaml"),  # absent unless the test writes it: no embed sites
        "LLM_BASE_URL": "",
        "LLM_MODEL": "",
        "GRADIO_ANALYTICS_ENABLED": "False",
        **overrides,
        "DATA_DIR": str(data_dir),
    }


def start_workers(
    tmp_path: Path, n: int, env: Mapping[str, str] | None = None, *, data_dir: Path | None = None,
    seed: Path | None = None, wait: bool = True, stack: ExitStack | None = None,
) -> list[Worker]:
    """Start `n` workers at the same moment (each with `tmp_path/wK/data` unless `data_dir` is
    shared) and, with `wait`, return once every one says ready. `seed` is a DATA_DIR whose built
    index (`chroma/`) is copied into each worker's own DATA_DIR first, so a worker opens it in
    seconds instead of embedding the corpus (it still checks the copy and rebuilds a stale one).
    With `stack`, each worker is stopped when the stack closes; without, call `stop_all`."""
    workers: list[Worker] = []
    try:
        for k in range(n):
            work = tmp_path / f"w{k}"
            work.mkdir(parents=True, exist_ok=True)
            port = free_port()
            own_dir = data_dir or work / "data"
            if seed is not None and not (own_dir / "chroma").exists():
                shutil.copytree(seed / "chroma", own_dir / "chroma")
            command, unit_env = unit_command(port)
            log_path = work / "worker.log"
            with log_path.open("wb") as log:
                proc = subprocess.Popen(command, cwd=work, env=worker_env(env or {}, own_dir, work, unit_env),
                                        stdout=log, stderr=subprocess.STDOUT)
            worker = Worker(port, own_dir, log_path, proc)
            workers.append(worker)
            if stack is not None:
                stack.callback(worker.stop)
        if wait:
            wait_ready(workers)
    except BaseException:
        if stack is None:
            stop_all(workers)
        raise
    return workers


def wait_ready(workers: Sequence[Worker], timeout: float = START_TIMEOUT) -> None:
    """Until every worker's /healthz says ok; a worker that exits or stays unready fails with its log."""
    deadline = time.monotonic() + timeout
    pending = list(workers)
    while pending:
        for w in list(pending):
            if w.proc.poll() is not None:
                raise RuntimeError(f"worker :{w.port} exited ({w.proc.returncode}):\n{w.log()}")
            health = w.health()
            if health is not None and health.get("status") == "ok":
                pending.remove(w)
        if pending and time.monotonic() > deadline:
            raise RuntimeError(f"worker :{pending[0].port} not ready after {timeout:.0f} s:\n{pending[0].log()}")
        if pending:
            time.sleep(0.25)


def stop_all(workers: Sequence[Worker]) -> None:
    for w in workers:
        w.stop()


@dataclass
class Nginx:
    port: int
    prefix: Path
    proc: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def error_log(self) -> Path:
        return self.prefix / "error.log"

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    def upstreams(self) -> list[tuple[str, list[str]]]:
        """(request URI, the workers tried in order) per logged request."""
        rows = []
        for line in self.access_log.read_text(encoding="utf-8", errors="replace").splitlines():
            uri, _, upstream = line.partition("\t")
            rows.append((uri, [u.strip() for u in re.split(r"[,:]\s", upstream) if u.strip()] if upstream != "-" else []))
        return rows

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: let requests in flight finish
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def log(self) -> str:
        return _tail(self.error_log)


def render_site(ports: Sequence[int], listen_port: int, template: Path = NGINX_SITE) -> str:
    """`deploy/nginx.conf` with one `server` line per worker in each upstream and a loopback listen.

    Fails loudly when the template no longer has the shape this relies on, so the example and
    the tests cannot drift apart."""
    text = template.read_text(encoding="utf-8")
    blocks = list(re.finditer(r"upstream (\w+) \{\n(.*?)\n\}", text, re.S))
    if len(blocks) < 2:
        raise ValueError(f"{template}: expected the assistant_api and assistant_page upstreams")
    for block in reversed(blocks):
        lines = block.group(2).split("\n")
        servers = [i for i, line in enumerate(lines) if re.match(r"\s*server 127\.0\.0\.1:\d+", line)]
        if not servers:
            raise ValueError(f"{template}: upstream {block.group(1)} lists no 127.0.0.1 worker")
        pattern = lines[servers[0]]
        new = [re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{p}", pattern) for p in ports]
        lines = lines[: servers[0]] + new + [line for i, line in enumerate(lines) if i > servers[0] and i not in servers]
        text = text[: block.start(2)] + "\n".join(lines) + text[block.end(2):]
    text, listens = re.subn(r"^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{listen_port};", text, flags=re.M)
    if listens != 1:
        raise ValueError(f"{template}: expected one `listen 80;`")
    return text


def _main_conf(prefix: Path, site: Path) -> str:
    """The nginx main context a distribution's /etc/nginx/nginx.conf gives, with every path in `prefix`."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers as root can use the private temp dir
    temps = "\n".join(f"    {name}_temp_path {prefix / 'tmp' / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} info;
events {{ worker_connections 1024; }}
http {{
    log_format cluster "$request_uri\\t$upstream_addr";
    access_log {prefix / 'access.log'} cluster;
{temps}
    include {site};
}}
"""


def start_nginx(tmp_path: Path, ports: Sequence[int], *, timeout: float = 15.0) -> Nginx:
    """A real nginx on a free loopback port in front of the workers on `ports` (caller stops it)."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (scripts/ensure_services.sh installs nginx-light)")
    prefix = tmp_path / "nginx"
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / name).mkdir(parents=True, exist_ok=True)
    port = free_port()
    site = prefix / "assistant.conf"
    site.write_text(render_site(ports, port), encoding="utf-8")
    conf = prefix / "nginx.conf"
    conf.write_text(_main_conf(prefix, site), encoding="utf-8")
    check = subprocess.run([binary, "-t", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    proc = subprocess.Popen([binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Nginx(port, prefix, proc)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited ({proc.returncode}):\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"nginx not listening after {timeout:.0f} s:\n{server.log()}") from None
            time.sleep(0.1)


@dataclass
class Cluster:
    workers: list[Worker]
    nginx: Nginx

    @property
    def front(self) -> str:
        return self.nginx.base

    def logs(self) -> str:
        parts = [f"--- worker :{w.port} (exit {w.proc.poll()}) ---\n{w.log()}" for w in self.workers]
        return "\n".join([*parts, f"--- nginx error.log ---\n{self.nginx.log()}"])


@contextmanager
def cluster(
    tmp_path: Path, n: int, env: Mapping[str, str] | None = None, *, data_dir: Path | None = None,
    seed: Path | None = None,
) -> Iterator[Cluster]:
    """`n` workers (started together, all ready) behind nginx; everything stops on leaving, and
    the workers' and nginx's logs go to stderr (shown by pytest) when the block fails."""
    with ExitStack() as stack:
        workers = start_workers(tmp_path, n, env, data_dir=data_dir, seed=seed, stack=stack)
        nginx = start_nginx(tmp_path, [w.port for w in workers])
        stack.callback(nginx.stop)
        running = Cluster(workers, nginx)
        try:
            yield running
        except BaseException:
            print(running.logs(), file=sys.stderr)
            raise


def asks_killing_one(
    running: Cluster, questions: Sequence[str], victim: Worker, *, n: int = 40, kill_after: int = 8, clients: int = 8,
) -> list[tuple[int, int, dict[str, object]]]:
    """`n` `POST /api/v1/ask` through nginx from `clients` threads; `victim` is SIGKILLed once
    `kill_after` have come back, while the rest are queued or in flight on every worker.
    Returns (request number, HTTP status, body) in request order; each request's id is its number."""
    import http.client
    import threading
    from concurrent.futures import ThreadPoolExecutor

    done: list[int] = []
    lock = threading.Lock()

    def one(i: int) -> tuple[int, int, dict[str, object]]:
        conn = http.client.HTTPConnection("127.0.0.1", running.nginx.port, timeout=60)
        body = json.dumps({"id": str(i), "question": questions[i % len(questions)]}, ensure_ascii=False)
        conn.request("POST", "/api/v1/ask", body.encode("utf-8"), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        status, data = resp.status, resp.read()
        conn.close()
        with lock:
            done.append(i)
        return i, status, json.loads(data) if status == 200 else {"raw": data.decode("utf-8", "replace")}

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(one, i) for i in range(n)]
        deadline = time.monotonic() + 60
        # kill while the rest are queued or in flight on both workers (bounded: a broken front fails in the caller)
        while len(done) < kill_after and not all(f.done() for f in futures) and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.kill()
        return [f.result() for f in futures]
