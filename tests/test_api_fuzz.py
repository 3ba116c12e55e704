"""Schemathesis against the real server's own OpenAPI spec: every operation (the secretariat's
with a valid token too), generated inputs from its examples, coverage and fuzzing phases, and no
answer may be a server error (5xx) or a traceback."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from cluster import start_workers, stop_all

from assistant.rules.index import KnowledgeIndex

TOKEN = "fuzz-secret"


def test_no_generated_request_gets_a_server_error(kb_index: KnowledgeIndex, kb_data_dir: Path, tmp_path: Path) -> None:
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st is not None, "schemathesis is a dev dependency (pip install -e '.[dev]')"
    (worker,) = start_workers(tmp_path, 1, {"ADMIN_TOKEN": TOKEN, "API_QUOTA_PER_MINUTE": "0", "API_QUOTA_PER_DAY": "0"},
                              seed=kb_data_dir)
    try:
        refused: list[int] = []
        for headers in ([], ["-H", f"Authorization: Bearer {TOKEN}"]):
            run = subprocess.run([st, "run", f"{worker.base}/openapi.json", "-c", "not_a_server_error", "-n", "15",
                                  "--seed", "20251202", "--phases", "examples,coverage,fuzzing", *headers],
                                 cwd=tmp_path, capture_output=True, text=True, timeout=600)
            assert run.returncode == 0, run.stdout[-4000:]
            summary = run.stdout.split("SUMMARY", 1)[-1]
            assert re.search(r"\d+ generated, \d+ passed", summary) and not re.search(r"\d+ failed", summary), summary
            found = re.search(r"Authentication failed: (\d+) operation", summary)
            refused.append(int(found.group(1)) if found else 0)
        assert refused[1] < refused[0]  # with the token the secretariat's operations ran too
        assert "Traceback" not in worker.log()
    finally:
        stop_all([worker])
