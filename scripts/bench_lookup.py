"""Microbenchmark: what the approved-answer lookup made before every answer costs (`QAStore.lookup`).

    python scripts/bench_lookup.py                                    # embedded SQLite in a temp dir
    python scripts/bench_lookup.py --database-url postgresql+psycopg://user@127.0.0.1:5432/db   # shared mode

The lookup is one read of the change marker (the newest approved_history id) plus a dict lookup;
the script approves `--approved` answers, then times hits and misses and the parts separately.
Use an empty scratch database: the answers it approves are recorded in the history.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.db import shared_database  # noqa: E402
from assistant.web.store import QAStore, _marker  # noqa: E402


def timed(label: str, run: Callable[[], object], n: int) -> None:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"{label:44s} median {statistics.median(times) * 1e6:8.1f} µs   p95 {times[int(n * 0.95)] * 1e6:8.1f} µs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="a scratch PostgreSQL; empty = SQLite in a temp dir")
    parser.add_argument("--approved", type=int, default=50)
    parser.add_argument("-n", type=int, default=5000)
    args = parser.parse_args()
    store = QAStore(shared_database(args.database_url)) if args.database_url else QAStore.in_dir(Path(tempfile.mkdtemp()))
    questions = [f"第{i}个赛道的报名截止时间" for i in range(args.approved)]
    for q in questions:
        store.approve(question=q, scope=None, answer="审定答案[1]", citations=[], who="bench")
    store.lookup(questions[0], None)  # loaded once
    print(f"{'postgresql' if store.db.shared else 'sqlite'}, {args.approved} approved answers, {args.n} runs each")
    timed("lookup, approved question (hit)", lambda: store.lookup(questions[len(questions) // 2], None), args.n)
    timed("lookup, other question (miss)", lambda: store.lookup("完全不同的一个问题", None), args.n)
    with store.db.connect() as conn:
        timed("  of which: marker query on a held connection", lambda: _marker(conn), args.n)

    def pooled() -> int:
        with store.db.connect() as conn:
            return _marker(conn)

    timed("  (a pool checkout per read instead)", pooled, args.n)
    approved = store._current()
    timed("  of which: in-memory match", lambda: store._find(approved, "完全不同的一个问题", None), args.n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
