"""The persisted search index: a Chroma collection of chunk embeddings plus an in-memory BM25.

The Chroma collection lives in `DATA_DIR/chroma` and is rebuilt automatically whenever the
knowledge files or the embedding configuration change (content hash stored on the collection).
BM25 over ~1k chunks takes milliseconds, so it is rebuilt in memory at start-up.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np
from tqdm import tqdm

from . import lexicon
from .embeddings import Embedder
from .knowledge import corpus_hash, load_chunks
from .models import Chunk, DivisionId
from .units import Unit, split_units

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)
COLLECTION = "notices"
_BATCH = 16
_TERM_RE = re.compile(r"(?:数据要素\s*[×x]\s*)?([\u4e00-\u9fff]{2,10}?)(?:领域)?(?:赛题指南|赛题|赛道)?$")


def embedding_text(chunk: Chunk) -> str:
    return f"{chunk.doc_title}\n{chunk.section}\n{chunk.text}"


def bm25_text(chunk: Chunk) -> str:
    # The section path is repeated: headings carry most of a clause's topic.
    return f"{chunk.section}\n{chunk.section}\n{chunk.text}"


def _heading_terms(chunks: list[Chunk]) -> set[str]:
    terms: set[str] = set()
    for c in chunks:
        for part in c.section.split(" > "):
            name = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．:：]?\s*|^赛[道题][一二三四五六七八九十\d]+[：:]\s*", "", part)
            m = _TERM_RE.search(name.replace("*", ""))
            if m:
                terms.add(m.group(1))
    return terms


@dataclass
class KnowledgeIndex:
    chunks: list[Chunk]
    corpus_hash: str
    index_hash: str
    embedder: Embedder
    collection: object  # chromadb Collection (kept untyped at this edge)
    bm25: bm25s.BM25
    divisions: np.ndarray  # division id per chunk row
    units: list[list[Unit]]  # answer units per chunk row
    idf: dict[str, float]
    max_idf: float
    _query_cache: dict[str, np.ndarray] = field(default_factory=dict)

    def idf_of(self, token: str) -> float:
        """Inverse document frequency; unseen tokens count as the rarest."""
        return self.idf.get(token, self.max_idf)

    def bm25_scores(self, query_tokens: list[str]) -> np.ndarray:
        if not query_tokens:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(query_tokens), dtype=np.float32)

    def query_vector(self, query: str) -> np.ndarray:
        """The query embedding, computed once per text (a question is searched in several divisions)."""
        cache = self._query_cache
        vec = cache.get(query)
        if vec is None:
            vec = self.embedder.query(query)
            if len(cache) > 2048:
                cache.clear()
            cache[query] = vec
        return vec

    def vector_search(self, query: str, scope: list[DivisionId], k: int) -> list[tuple[int, float]]:
        """(chunk row, cosine similarity) best first, within the division scope."""
        q = self.query_vector(query)
        where: dict[str, object] | None = {"division": {"$in": list(scope)}} if scope else None
        res = self.collection.query(  # type: ignore[attr-defined]
            query_embeddings=[q.tolist()], n_results=k, where=where, include=["distances", "metadatas"]
        )
        out: list[tuple[int, float]] = []
        for meta, dist in zip(res["metadatas"][0], res["distances"][0], strict=True):
            out.append((int(meta["row"]), 1.0 - float(dist)))
        return out


def _client(data_dir: Path) -> object:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    (data_dir / "chroma").mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(
        path=str(data_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    )


def _build_collection(client: object, chunks: list[Chunk], embedder: Embedder, index_hash: str, progress: bool) -> object:
    try:
        client.delete_collection(COLLECTION)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - absent collection
        pass
    col = client.create_collection(  # type: ignore[attr-defined]
        COLLECTION, metadata={"hnsw:space": "cosine", "index_hash": index_hash}, embedding_function=None
    )
    bar = tqdm(total=len(chunks), desc="建立向量索引", unit="段", disable=not progress)
    for start in range(0, len(chunks), _BATCH):
        batch = chunks[start : start + _BATCH]
        vecs = embedder.passages([embedding_text(c) for c in batch])
        col.add(
            ids=[c.chunk_id for c in batch],
            embeddings=vecs.tolist(),
            documents=[c.text for c in batch],
            metadatas=[
                {"row": start + i, "division": c.division, "section": c.section, "doc_title": c.doc_title}
                for i, c in enumerate(batch)
            ],
        )
        bar.update(len(batch))
    bar.close()
    return col


def open_index(
    *, knowledge_dir: Path, data_dir: Path, embedder: Embedder, rebuild: bool = False, progress: bool = True
) -> KnowledgeIndex:
    """Load the chunks, then open the persisted collection or (re)build it if stale."""
    chunks = load_chunks(knowledge_dir)
    chash = corpus_hash(knowledge_dir)
    ihash = hashlib.sha256(f"{chash}|{embedder.name}|{COLLECTION}|v1".encode()).hexdigest()
    client = _client(data_dir)
    col = None
    if not rebuild:
        try:
            existing = client.get_collection(COLLECTION, embedding_function=None)  # type: ignore[attr-defined]
            meta = existing.metadata or {}
            if meta.get("index_hash") == ihash and existing.count() == len(chunks):
                col = existing
        except Exception:  # noqa: BLE001 - missing collection means build it
            col = None
    if col is None:
        log.info("building vector index for %d chunks with %s", len(chunks), embedder.name)
        col = _build_collection(client, chunks, embedder, ihash, progress)
    lexicon.add_terms(_heading_terms(chunks))
    corpus_tokens = [lexicon.tokens(bm25_text(c)) for c in chunks]
    bm = bm25s.BM25()
    bm.index(corpus_tokens, show_progress=False)
    units = [split_units(c.text) for c in chunks]
    return KnowledgeIndex(
        chunks=chunks,
        corpus_hash=chash,
        index_hash=ihash,
        embedder=embedder,
        collection=col,
        bm25=bm,
        divisions=np.array([c.division for c in chunks]),
        units=units,
        idf=(idf := _idf(corpus_tokens)),
        max_idf=max(idf.values(), default=1.0),
    )


def _idf(corpus_tokens: list[list[str]]) -> dict[str, float]:
    df: dict[str, int] = {}
    for toks in corpus_tokens:
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    n = len(corpus_tokens)
    return {t: float(np.log((n - d + 0.5) / (d + 0.5) + 1.0)) for t, d in df.items()}
