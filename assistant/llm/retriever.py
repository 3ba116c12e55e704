"""The engine's hybrid retrieval (jieba + BM25 and vectors, fused per division) as a LangChain retriever.

    from assistant import as_retriever
    docs = as_retriever(division="shanxi", k=4).invoke("一等奖奖金多少")
    docs[0].metadata  # {"division": "shanxi", "doc_title": …, "section": …, "chunk_id": …, …}

The same `rules.retrieval.Retriever` the extractive path ranks with; each division is ranked
within itself, so several divisions never compete for one pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import PrivateAttr

from assistant.errors import InputError
from assistant.models import Chunk, DivisionId
from assistant.rules import divisions as div
from assistant.rules.index import KnowledgeIndex
from assistant.rules.retrieval import Hit, Retriever
from assistant.rules.text import canonical_question
from assistant.settings import Settings


def chunk_document(chunk: Chunk, score: float | None = None) -> Document:
    """A chunk as a LangChain `Document`: verbatim text, provenance in the metadata."""
    metadata: dict[str, Any] = {
        "division": chunk.division,
        "doc_title": chunk.doc_title,
        "section": chunk.section,
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
    }
    if score is not None:
        metadata["score"] = round(score, 6)
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.chunk_id)


def parse_divisions(division: str | Sequence[str] | None) -> tuple[DivisionId, ...]:
    """Ids or Chinese names (山西, 陕西分赛…); None or "" means every division."""
    values = [division] if isinstance(division, str) or division is None else list(division)
    out: list[DivisionId] = []
    for value in values:
        d = div.parse(value)
        if d is not None and d not in out:
            out.append(d)
    return tuple(out)


class DivisionRetriever(BaseRetriever):
    """Top-`k` chunks of the notices for a question, scoped to `divisions`.

    With no divisions set, the divisions a question names (山西分赛…) scope it; a question naming
    none searches every division. `invoke(q, divisions=[…], k=…)` overrides both per call.
    """

    divisions: tuple[DivisionId, ...] = ()
    k: int = 4
    _index: KnowledgeIndex = PrivateAttr()
    _search: Retriever = PrivateAttr()

    def __init__(self, index: KnowledgeIndex, **fields: Any) -> None:
        super().__init__(**fields)
        if self.k < 1:
            raise InputError("k 至少为 1。")
        self._index = index
        self._search = Retriever(index)

    @property
    def index(self) -> KnowledgeIndex:
        return self._index

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        divisions: Sequence[DivisionId] | None = None,
        k: int | None = None,
    ) -> list[Document]:
        return [chunk_document(h.chunk, h.score) for h in self.hits(query, divisions=divisions, k=k)]

    def hits(self, query: str, *, divisions: Sequence[DivisionId] | None = None, k: int | None = None) -> list[Hit]:
        text = canonical_question(query) or query
        scope = list(divisions or self.divisions or div.detect(text))
        limit = k or self.k
        if not scope:
            return self._search.search(text, [], k=limit)  # every division, one fused order
        ranking = self._search.rank(text, self._index.tokenizer.tokens(text), scope, k=limit)
        # Several divisions take turns, so each is represented before any gets its k-th chunk.
        lists = [ranking.top(d, limit) for d in scope]
        out: list[Hit] = []
        for rank in range(limit):
            for hits in lists:
                if rank < len(hits) and len(out) < limit:
                    out.append(hits[rank])
        return out


def as_retriever(
    division: str | Sequence[str] | None = None,
    k: int = 4,
    *,
    index: KnowledgeIndex | None = None,
    settings: Settings | None = None,
) -> DivisionRetriever:
    """A `BaseRetriever` over the notices (the index is opened or built from settings if not given)."""
    if index is None:
        from assistant.services import build_index
        from assistant.settings import get_settings

        index = build_index(settings or get_settings(), progress=False)
    return DivisionRetriever(index, divisions=parse_divisions(division), k=k)
