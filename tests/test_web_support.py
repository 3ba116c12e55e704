"""Shared by the web tests: one real server (`python app.py`) for the whole session, and a host page server.

The server runs as a subprocess on a free 127.0.0.1 port with its own data dir (the index is
built there once), TODAY fixed, an admin token and a sites file naming the host page's origin.
The host page server plays a division website on a second port. Both stop at exit.
(This module holds helpers only; pytest collects no tests from it.)
"""

from __future__ import annotations

import atexit
import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
TODAY = "2025-06-01"
ADMIN_TOKEN = "test-admin-token-0123456789"
STARTUP_TIMEOUT = 300
SOLO_ORIGIN = "https://solo.example.cn"  # the only origin of the site "solo" (no other site lists it)
TRUSTED_PROXY = "127.0.0.9"  # FORWARDED_ALLOW_IPS of the strict server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class WebServer:
    base: str
    port: int
    data_dir: Path
    host_base: str  # the "division website" (second port)
    host_port: int
    log_path: Path
    env: dict[str, str]


def _sites_yaml(host_origin: str) -> str:
    return f"""
sites:
  shanxi-web:
    title: 山西分赛智能助手
    division: shanxi
    colour: "#c0392b"
    origins: ["{host_origin}"]
    quota: {{per_minute: 60, per_day: 1000}}
  shaanxi-web:
    title: 陕西分赛智能助手
    division: shaanxi
    colour: "#2d7d46"
    origins: ["{host_origin}"]
  foreign:
    title: 新疆分赛智能助手
    division: xinjiang
    origins: ["https://example.gov.cn"]
  tiny:
    title: 配额测试
    division: yiyang
    origins: ["{host_origin}"]
    quota: {{per_minute: 2, per_day: 100}}
  solo:
    title: 独占来源的站点
    division: yiyang
    origins: ["{SOLO_ORIGIN}"]
    quota: {{per_minute: 1000, per_day: 3}}
  daily:
    title: 每日配额测试
    division: shanxi
    origins: ["https://daily.example.cn"]
    quota: {{per_minute: 1000, per_day: 2}}
"""


def _host_pages(base: str, host_dir: Path, port: int) -> None:
    """Pages of a division website that embed the widget (served from a second port)."""
    widget = f"{base}/widget.js"
    (host_dir / "two.html").write_text(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>分赛官网</title></head><body>'
        "<h1>分赛官网（两个挂件）</h1>"
        f'<script src="{widget}" data-site="shanxi-web"></script>'
        f'<script src="{widget}" data-site="shaanxi-web"></script></body></html>',
        encoding="utf-8",
    )
    (host_dir / "foreign.html").write_text(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>未授权网站</title></head><body>'
        "<h1>未授权的网站</h1>"
        f'<script src="{widget}" data-site="foreign"></script>'
        f'<iframe id="direct" src="{base}/embed?site=foreign" width="320" height="160"></iframe></body></html>',
        encoding="utf-8",
    )
    # Served as http://localhost:PORT, another origin than http://127.0.0.1:PORT; no Referer is sent,
    # so only the Content-Security-Policy frame-ancestors header can stop the framing.
    (host_dir / "sneaky.html").write_text(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>冒用</title></head><body>'
        f'<iframe id="sneaky" referrerpolicy="no-referrer" src="{base}/embed?site=shanxi-web" width="320" height="200">'
        "</iframe></body></html>",
        encoding="utf-8",
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


def _serve_host(host_dir: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(host_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.time() + STARTUP_TIMEOUT
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as resp:
                if json.loads(resp.read()).get("status") == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server not ready after {STARTUP_TIMEOUT} s:\n{log_path.read_text(errors='replace')[-3000:]}")


@functools.lru_cache(maxsize=1)
def web_server() -> WebServer:
    """Start (once per test session) the real server and the host page server."""
    # answers stream for about a second, so a test can press 停止 while one is still streaming
    return _start({"API_QUOTA_PER_MINUTE": "0", "API_QUOTA_PER_DAY": "0", "PAGE_STREAM_DELAY_MS": "40"})


@functools.lru_cache(maxsize=1)
def strict_server() -> WebServer:
    """A second real server with small key-less quotas and one trusted proxy address
    (its index copied from the first server's, so it starts in seconds)."""
    first = web_server()
    env = {"API_QUOTA_PER_MINUTE": "1000", "API_QUOTA_PER_DAY": "3", "FORWARDED_ALLOW_IPS": TRUSTED_PROXY,
           "QUESTION_MAX_DISTINCT_CHARS": "300"}
    return _start(env, seed=first.data_dir)


def _start(overrides: dict[str, str], seed: Path | None = None) -> WebServer:
    work = Path(tempfile.mkdtemp(prefix="web-tests-"))
    data_dir, host_dir = work / "data", work / "host"
    host_dir.mkdir(parents=True)
    if seed is not None:
        shutil.copytree(seed / "chroma", data_dir / "chroma")
    port, host_port = free_port(), free_port()
    base, host_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{host_port}"
    (work / "sites.yaml").write_text(_sites_yaml(host_base), encoding="utf-8")
    _host_pages(base, host_dir, host_port)
    httpd = _serve_host(host_dir, host_port)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "EMBEDDING", "FORWARDED", "API_QUOTA"))},
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(data_dir),
        "TODAY": TODAY,
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "SITES_FILE": str(work / "sites.yaml"),
        "LLM_BASE_URL": "",
        "LLM_MODEL": "",
        "GRADIO_ANALYTICS_ENABLED": "False",
        **overrides,
    }
    log_path = work / "server.log"
    log = log_path.open("wb")
    # cwd is the temp dir, so a developer's .env cannot leak into the tests.
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        httpd.shutdown()
        log.close()

    atexit.register(stop)
    _wait_ready(base, proc, log_path)
    return WebServer(base, port, data_dir, host_base, host_port, log_path, env)


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
