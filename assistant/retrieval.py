"""Hybrid retrieval within a division scope: BM25 (jieba) and vector search fused by RRF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import lexicon
from .index import KnowledgeIndex
from .models import Chunk, DivisionId

RetrievalMode = Literal["hybrid", "bm25", "vector"]
_RRF_K = 60
_POOL = 30


@dataclass(frozen=True)
class Hit:
    row: int
    chunk: Chunk
    score: float  # fused score (higher is better)
    bm25: float  # raw BM25 score (0 when not matched)


class Retriever:
    """Searches one `KnowledgeIndex`; `scope` limits results to the given divisions."""

    def __init__(self, index: KnowledgeIndex, *, mode: RetrievalMode = "hybrid") -> None:
        self.index = index
        self.mode = mode

    def _mask(self, scope: list[DivisionId]) -> np.ndarray:
        if not scope:
            return np.ones(len(self.index.chunks), dtype=bool)
        return np.isin(self.index.divisions, list(scope))

    def bm25_ranked(self, query_tokens: list[str], scope: list[DivisionId]) -> list[tuple[int, float]]:
        scores = self.index.bm25_scores(query_tokens)
        scores = np.where(self._mask(scope), scores, -1.0)
        order = np.argsort(-scores, kind="stable")[:_POOL]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]

    def search(self, query: str, scope: list[DivisionId], k: int = 8) -> list[Hit]:
        qtokens = lexicon.tokens(query)
        bm = self.bm25_ranked(qtokens, scope) if self.mode != "vector" else []
        vec = self.index.vector_search(query, scope, _POOL) if self.mode != "bm25" else []
        fused: dict[int, float] = {}
        for rank, (row, _) in enumerate(bm):
            fused[row] = fused.get(row, 0.0) + 1.0 / (_RRF_K + rank + 1)
        for rank, (row, _) in enumerate(vec):
            fused[row] = fused.get(row, 0.0) + 1.0 / (_RRF_K + rank + 1)
        bm_raw = dict(bm)
        order = sorted(fused, key=lambda r: (-fused[r], r))[:k]
        return [Hit(row=r, chunk=self.index.chunks[r], score=fused[r], bm25=bm_raw.get(r, 0.0)) for r in order]
