"""Real PostgreSQL and Redis servers for the shared-mode tests, on loopback, in temporary directories.

Debian's packages (scripts/ensure_services.sh installs them): `initdb`/`pg_ctl` of PostgreSQL 15
and `redis-server`. Started once per test session; each test gets its own fresh database.
PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

USER = "assistant"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: run scripts/ensure_services.sh (Debian's postgresql)")
    return path


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class Postgres:
    root: Path
    port: int

    @property
    def admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*_as_postgres(), _pg_bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"],
                       capture_output=True, check=False, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> Postgres:
    # Not under pytest's tmp dir: its parents are private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    (root / "sock").mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(root / "sock", "postgres")
    port = free_port()
    data = root / "data"
    run = [*_as_postgres()]
    subprocess.run([*run, _pg_bin("initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale"],
                   capture_output=True, check=True, timeout=120)
    options = f"-p {port} -k {root / 'sock'} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
    started = subprocess.run([*run, _pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"),
                              "-w", "-t", "60", "start"], capture_output=True, text=True, check=False, timeout=90)
    if started.returncode != 0:
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
    return Postgres(root=root, port=port)


@dataclass
class Redis:
    root: Path
    port: int
    process: subprocess.Popen[bytes]

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def start_redis() -> Redis:
    root = Path(tempfile.mkdtemp(prefix="assistant-redis-"))
    port = free_port()
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return Redis(root=root, port=port, process=process)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")
