"""Per-worker vector search: Chroma (today) against a plain in-memory numpy matrix, on this corpus.

    python scripts/bench_vectors.py [--database-url postgresql+psycopg://…] [--out FILE.json]

In shared mode a worker gets its chunk vectors from the shared database, so what remains
per worker is: make the index from those vectors (build), search it per question (query),
and hold it (RSS). Each variant runs in a fresh interpreter on the same vectors:

- `chroma`: today's path, a persistent Chroma collection in a fresh DATA_DIR, then its
  embeddings read back into the matrix the retriever multiplies (`open_index`); plus a reopen
  of the persisted collection (a restart), and Chroma's own filtered HNSW query for comparison;
- `numpy`: the matrix alone, normalised from the vectors, nothing persisted.

Query times are one question's per-division top-10 (what the retriever asks for) over the
evaluation questions; `top10_agree` is the share of Chroma's top-10 ids the exact matrix search
also ranks top-10. With `--database-url`, the time to read every chunk vector from the shared
cache (warm, one worker) is reported too.
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

K = 10


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _child(variant: str, work: Path) -> dict[str, object]:
    """Runs in a fresh interpreter: build, query, RSS of one variant."""
    import resource

    from assistant.rules.knowledge import load_chunks

    chunks = load_chunks(ROOT / "knowledge")
    vectors = np.load(work / "vectors.npy")
    queries = np.load(work / "queries.npy")
    divisions_of_query = json.loads((work / "query_divisions.json").read_text(encoding="utf-8"))
    start_rss = rss_mb()  # the chunks and the vectors loaded, no index yet
    divisions = np.array([c.division for c in chunks])
    out: dict[str, object] = {"chunks": len(chunks)}
    started = time.perf_counter()
    if variant == "chroma":
        from assistant.rules import index as index_module

        data = work / f"data-{os.getpid()}"
        client = index_module._client(data)
        col = index_module._build_collection(client, chunks, vectors, "bench")
        matrix = index_module._stored_vectors(col, chunks)
        out["build_s"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        again = index_module._client(data).get_collection(index_module.COLLECTION, embedding_function=None)  # type: ignore[attr-defined]
        index_module._stored_vectors(again, chunks)
        out["reopen_s"] = round(time.perf_counter() - started, 3)
    else:
        matrix = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        out["build_s"] = round(time.perf_counter() - started, 3)
    matrix_ms: list[float] = []
    exact: list[list[str]] = []
    for vec, scope in zip(queries, divisions_of_query, strict=True):
        t = time.perf_counter()
        scores = matrix @ vec
        ids: list[str] = []
        for d in scope:
            rows = np.flatnonzero(divisions == d)
            top = rows[np.argsort(-scores[rows], kind="stable")[:K]]
            ids.extend(chunks[i].chunk_id for i in top)
        matrix_ms.append((time.perf_counter() - t) * 1000)
        exact.append(ids)
    out["matrix_query_p50_ms"] = round(statistics.median(matrix_ms), 3)
    out["matrix_query_p95_ms"] = round(pct(matrix_ms, 95), 3)
    if variant == "chroma":
        chroma_ms: list[float] = []
        agree = total = 0
        for vec, scope, mine in zip(queries, divisions_of_query, exact, strict=True):
            t = time.perf_counter()
            ids = []
            for d in scope:
                got = col.query(query_embeddings=[vec.tolist()], n_results=K, where={"division": d})  # type: ignore[attr-defined]
                ids.extend(got["ids"][0])
            chroma_ms.append((time.perf_counter() - t) * 1000)
            agree += len(set(ids) & set(mine))
            total += len(ids)
        out["chroma_query_p50_ms"] = round(statistics.median(chroma_ms), 3)
        out["chroma_query_p95_ms"] = round(pct(chroma_ms, 95), 3)
        out["top10_agree"] = round(agree / max(total, 1), 4)
    out["rss_mb"] = rss_mb()
    out["rss_over_start_mb"] = round(rss_mb() - start_rss, 1)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def _prepare(work: Path, database_url: str) -> dict[str, object]:
    """The corpus vectors (as the shared cache hands them out) and the questions' vectors, once."""
    from assistant.rules.embeddings import USEM3Embedder
    from assistant.rules.index import _chunk_vectors
    from assistant.rules.knowledge import load_chunks
    from scripts.bench import load_cases

    embedder = USEM3Embedder()
    chunks = load_chunks(ROOT / "knowledge")
    report: dict[str, object] = {}
    cache = None
    if database_url:
        from assistant.db import shared_database
        from assistant.rules.embedding_cache import EmbeddingCache

        cache = EmbeddingCache(shared_database(database_url))
        _chunk_vectors(chunks, embedder, cache, progress=False)  # fill it if empty
        started = time.perf_counter()
        vectors = _chunk_vectors(chunks, embedder, cache, progress=False)
        report["read_all_vectors_from_shared_cache_s"] = round(time.perf_counter() - started, 3)
    else:
        vectors = _chunk_vectors(chunks, embedder, None, progress=False)
    started = time.perf_counter()
    _chunk_vectors(chunks, embedder, None, progress=False)
    report["embed_all_chunks_s"] = round(time.perf_counter() - started, 1)
    all_divisions = sorted({c.division for c in chunks})
    questions: list[str] = []
    scopes: list[list[str]] = []
    for case in load_cases():  # each question searched in its gold divisions (all of them when none)
        scope = sorted({g["division"] for g in case.get("gold") or []}) or all_divisions
        for q in [case["question"], *case.get("paraphrases", [])]:
            questions.append(q)
            scopes.append(scope)
    np.save(work / "vectors.npy", np.asarray(vectors, dtype=np.float32))
    np.save(work / "queries.npy", np.stack([embedder.query(q) for q in questions]))
    (work / "query_divisions.json").write_text(json.dumps(scopes), encoding="utf-8")
    report["questions"] = len(questions)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", choices=["chroma", "numpy"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help="fresh interpreters per variant (the median is kept)")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.work)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report = _prepare(work, args.database_url)
        for variant in ("chroma", "numpy"):
            runs = []
            for _ in range(args.repeat):
                child = subprocess.run(
                    [sys.executable, __file__, "--child", variant, "--work", str(work)],
                    check=True, capture_output=True, text=True, cwd=ROOT,
                )
                runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
            report[variant] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(json.dumps({variant: report[variant]}, ensure_ascii=False), flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
