"""The search index: chunk embeddings in one in-memory matrix plus an in-memory BM25.

Embedded mode persists the embeddings in a Chroma collection in `DATA_DIR/chroma`, rebuilt
automatically whenever the knowledge files or the embedding configuration change (content hash
stored on the collection). Shared mode keeps them in the shared database's embedding cache
instead, and a worker holds only the matrix: no Chroma per worker (scripts/bench_vectors.py:
it cost ~7 s a build and ~160 MB a worker, and searched the same). Either way a question's
vector search over all divisions is a single matrix product; BM25 over a few hundred chunks
takes milliseconds, so it is rebuilt in memory at start-up. The index owns its tokenizer. Several processes
may open one DATA_DIR at once (workers started together): a file lock lets one build while the
others wait and then open what it built.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np
from tqdm import tqdm

from assistant.models import Chunk

from .embedding_cache import EmbeddingCache, text_hash
from .embeddings import Embedder
from .knowledge import corpus_hash, load_chunks
from .text import plain
from .tokenizer import Tokenizer
from .units import Unit, split_units

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)
COLLECTION = "notices"
_BATCH = 16
_TERM_RE = re.compile(r"(?:数据要素\s*[×x]\s*)?([\u4e00-\u9fff]{2,10}?)(?:领域)?(?:赛题指南|赛题|赛道)?$")
_QUERY_CACHE = 2048


def embedding_text(chunk: Chunk) -> str:
    return f"{chunk.doc_title}\n{chunk.section}\n{chunk.text}"


def bm25_text(chunk: Chunk) -> str:
    # The section path is repeated: headings carry most of a clause's topic.
    return f"{chunk.section}\n{chunk.section}\n{chunk.text}"


def heading_terms(chunks: list[Chunk]) -> list[str]:
    """Track and topic names from the headings, taught to the tokenizer as whole words."""
    terms: set[str] = set()
    for c in chunks:
        if not c.section.startswith("附件"):
            continue  # body headings ("二、初赛时间") are phrases, not names
        for part in c.section.split(" > "):
            name = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．:：]?\s*|^赛[道题][一二三四五六七八九十\d]+[：:]\s*", "", part)
            m = _TERM_RE.search(name.replace("*", ""))
            if m:
                terms.add(m.group(1))
    return sorted(terms)


@dataclass
class KnowledgeIndex:
    chunks: list[Chunk]
    corpus_hash: str
    index_hash: str
    embedder: Embedder
    collection: object | None  # chromadb Collection (kept untyped at this edge); None in shared mode
    tokenizer: Tokenizer
    bm25: bm25s.BM25
    vectors: np.ndarray  # one L2-normalised embedding per chunk row
    divisions: np.ndarray  # division id per chunk row
    units: list[list[Unit]]  # answer units per chunk row
    plain_units: list[list[str]]  # the same units, as matched (plain text)
    plain_sections: list[str]  # each chunk's section path, as matched
    idf: dict[str, float]
    max_idf: float
    char_df: dict[str, int]  # chunks a character occurs in
    plain_text: str  # every chunk's section and text, plain, joined: "do the notices use this word?"
    _query_cache: dict[str, np.ndarray] = field(default_factory=dict)

    def known(self, word: str) -> bool:
        """Whether the notices use this word (as a token, or inside their text)."""
        return word in self.idf

    def bm25_scores(self, query_tokens: list[str]) -> np.ndarray:
        if not query_tokens:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(query_tokens), dtype=np.float32)

    def query_vector(self, query: str) -> np.ndarray:
        """The query embedding, computed once per text."""
        cache = self._query_cache
        vec = cache.get(query)
        if vec is None:
            vec = self.embedder.query(query)
            if len(cache) > _QUERY_CACHE:
                cache.clear()
            cache[query] = vec
        return vec

    def vector_scores(self, query: str) -> np.ndarray:
        """Cosine similarity of the query with every chunk row."""
        return np.asarray(self.vectors @ self.query_vector(query), dtype=np.float32)


@contextmanager
def _build_lock(data_dir: Path) -> Iterator[None]:
    """Hold `DATA_DIR/index.lock` exclusively: one process at a time opens, checks or builds the collection.

    Without it two workers started together on an empty DATA_DIR each delete and create the
    collection, and one dies (`Collection [notices] already exists`). The kernel drops the lock
    when its holder exits, even on SIGKILL, so a crashed build never blocks the next start.
    """
    with (data_dir / "index.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _client(data_dir: Path) -> object:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    (data_dir / "chroma").mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(
        path=str(data_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    )


def _chunk_vectors(chunks: list[Chunk], embedder: Embedder, cache: EmbeddingCache | None, progress: bool) -> np.ndarray:
    """One embedding per chunk: read from `cache` when stored there, else computed (in batches of
    _BATCH, as without a cache) and written back batch by batch."""
    texts = [embedding_text(c) for c in chunks]
    rows: list[np.ndarray | None] = [None] * len(texts)
    keys = [text_hash(embedder.passage_input(t)) for t in texts] if cache is not None else []
    if cache is not None:
        stored = cache.get(embedder.identity, keys)
        rows = [stored.get(k) for k in keys]
    todo = [i for i, row in enumerate(rows) if row is None]
    if todo:
        log.info("embedding %d of %d chunks with %s", len(todo), len(chunks), embedder.name)
    bar = tqdm(total=len(todo), desc="建立向量索引", unit="段", disable=not progress or not todo)
    for start in range(0, len(todo), _BATCH):
        batch = todo[start : start + _BATCH]
        vecs = embedder.passages([texts[i] for i in batch])
        for i, vec in zip(batch, vecs, strict=True):
            rows[i] = vec
        if cache is not None:
            cache.put(embedder.identity, {keys[i]: vec for i, vec in zip(batch, vecs, strict=True)})
        bar.update(len(batch))
    bar.close()
    return np.stack([row for row in rows if row is not None]) if rows else np.zeros((0, 0), dtype=np.float32)


def _build_collection(client: object, chunks: list[Chunk], vectors: np.ndarray, index_hash: str) -> object:
    try:
        client.delete_collection(COLLECTION)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - absent collection
        pass
    col = client.create_collection(  # type: ignore[attr-defined]
        COLLECTION, metadata={"hnsw:space": "cosine", "index_hash": index_hash}, embedding_function=None
    )
    for start in range(0, len(chunks), _BATCH):
        batch = chunks[start : start + _BATCH]
        col.add(
            ids=[c.chunk_id for c in batch],
            embeddings=vectors[start : start + _BATCH].tolist(),
            documents=[c.text for c in batch],
            metadatas=[
                {"row": start + i, "division": c.division, "section": c.section, "doc_title": c.doc_title}
                for i, c in enumerate(batch)
            ],
        )
    return col


def _stored_vectors(col: object, chunks: list[Chunk]) -> np.ndarray:
    """The collection's embeddings in chunk-row order."""
    got = col.get(include=["embeddings", "metadatas"])  # type: ignore[attr-defined]
    rows: dict[int, np.ndarray] = {}
    for meta, emb in zip(got["metadatas"], got["embeddings"], strict=True):
        rows[int(meta["row"])] = np.asarray(emb, dtype=np.float32)
    return _normalised(np.stack([rows[i] for i in range(len(chunks))]))


def _normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.maximum(norms, 1e-12), dtype=np.float32)


def _persisted(
    data_dir: Path, chunks: list[Chunk], embedder: Embedder, ihash: str, *, rebuild: bool, progress: bool
) -> tuple[object, np.ndarray]:
    """The DATA_DIR Chroma collection (embedded mode) and its vectors, (re)built if stale."""
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
        col = _build_collection(client, chunks, _chunk_vectors(chunks, embedder, None, progress), ihash)
    return col, _stored_vectors(col, chunks)


def open_index(
    *,
    knowledge_dir: Path,
    data_dir: Path,
    embedder: Embedder,
    rebuild: bool = False,
    progress: bool = True,
    extra_dirs: Sequence[Path] = (),
    embedding_cache: EmbeddingCache | None = None,
) -> KnowledgeIndex:
    """Load the chunks (`knowledge/`, then notices added at run time in `extra_dirs`), then their
    vectors: from `embedding_cache` in shared mode (read, and filled with what is missing), else
    from the persisted collection, (re)built if stale."""
    chunks = load_chunks(knowledge_dir, *extra_dirs)
    chash = corpus_hash(knowledge_dir, *extra_dirs)
    ihash = hashlib.sha256(f"{chash}|{embedder.name}|{COLLECTION}|v1".encode()).hexdigest()
    col: object | None
    if embedding_cache is not None:
        col, vectors = None, _normalised(_chunk_vectors(chunks, embedder, embedding_cache, progress))
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        with _build_lock(data_dir):
            col, vectors = _persisted(data_dir, chunks, embedder, ihash, rebuild=rebuild, progress=progress)
    tokenizer = Tokenizer(heading_terms(chunks))
    corpus_tokens = [tokenizer.tokens(bm25_text(c)) for c in chunks]
    bm = bm25s.BM25()
    bm.index(corpus_tokens, show_progress=False)
    units = [split_units(c.text) for c in chunks]
    idf = _idf(corpus_tokens)
    char_df: dict[str, int] = {}
    for c in chunks:
        for ch in set(plain(c.section + c.text)):
            char_df[ch] = char_df.get(ch, 0) + 1
    return KnowledgeIndex(
        chunks=chunks,
        corpus_hash=chash,
        index_hash=ihash,
        embedder=embedder,
        collection=col,
        tokenizer=tokenizer,
        bm25=bm,
        vectors=vectors,
        divisions=np.array([c.division for c in chunks]),
        units=units,
        plain_units=[[plain(u.text) for u in us] for us in units],
        plain_sections=[plain(c.section) for c in chunks],
        idf=idf,
        max_idf=max(idf.values(), default=1.0),
        char_df=char_df,
        plain_text="\n".join(plain(c.section + c.text) for c in chunks),
    )


def _idf(corpus_tokens: list[list[str]]) -> dict[str, float]:
    df: dict[str, int] = {}
    for toks in corpus_tokens:
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    n = len(corpus_tokens)
    return {t: float(np.log((n - d + 0.5) / (d + 0.5) + 1.0)) for t, d in df.items()}
