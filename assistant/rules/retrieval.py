"""Hybrid retrieval: BM25 (the index's tokenizer) and vectors, fused by RRF within each division.

One pass per question part: both retrievers score every chunk once; each target division then
takes its own fused ranking from those scores, so divisions never compete for one pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from assistant.models import Chunk, DivisionId

from .index import KnowledgeIndex

RetrievalMode = Literal["hybrid", "bm25", "vector"]
_RRF_K = 60
_POOL = 30


@dataclass(frozen=True)
class Hit:
    row: int
    chunk: Chunk
    score: float  # fused score (higher is better)
    bm25: float  # raw BM25 score (0 when not matched)


@dataclass(frozen=True)
class Ranking:
    """The fused ranking of one question part, per division."""

    per_division: dict[DivisionId, list[Hit]]

    def top(self, division: DivisionId, k: int) -> list[Hit]:
        return self.per_division.get(division, [])[:k]


class Retriever:
    """Searches one `KnowledgeIndex`."""

    def __init__(self, index: KnowledgeIndex, *, mode: RetrievalMode = "hybrid") -> None:
        self.index = index
        self.mode = mode
        self._rows = {d: np.flatnonzero(index.divisions == d) for d in sorted(set(index.divisions.tolist()))}

    def rank(self, text: str, tokens: list[str], divisions: Sequence[DivisionId], k: int = _POOL) -> Ranking:
        """Score every chunk once (BM25 on `tokens`, vectors on `text`), then fuse per division."""
        bm = self.index.bm25_scores(tokens) if self.mode != "vector" else None
        vec = self.index.vector_scores(text) if self.mode != "bm25" else None
        out: dict[DivisionId, list[Hit]] = {}
        for d in divisions:
            rows = self._rows.get(d)
            if rows is None or not len(rows):
                out[d] = []
                continue
            fused: dict[int, float] = {}
            if bm is not None:
                local = bm[rows]
                for rank, i in enumerate(np.argsort(-local, kind="stable")[:_POOL]):
                    if local[i] > 0:
                        row = int(rows[i])
                        fused[row] = fused.get(row, 0.0) + 1.0 / (_RRF_K + rank + 1)
            if vec is not None:
                local = vec[rows]
                for rank, i in enumerate(np.argsort(-local, kind="stable")[:_POOL]):
                    row = int(rows[i])
                    fused[row] = fused.get(row, 0.0) + 1.0 / (_RRF_K + rank + 1)
            order = sorted(fused, key=lambda r: (-fused[r], r))[:k]
            out[d] = [
                Hit(row=r, chunk=self.index.chunks[r], score=fused[r], bm25=float(bm[r]) if bm is not None else 0.0)
                for r in order
            ]
        return Ranking(out)

    def search(self, query: str, scope: Sequence[DivisionId], k: int = 8) -> list[Hit]:
        """The best `k` chunks of the scope (all divisions when empty), best first."""
        divisions = list(scope) or sorted(self._rows)
        ranking = self.rank(query, self.index.tokenizer.tokens(query), divisions, k=k)
        hits = [h for d in divisions for h in ranking.top(d, k)]
        return sorted(hits, key=lambda h: (-h.score, h.row))[:k]
