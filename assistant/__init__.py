"""数据要素× competition assistant: cited rules answers and the 申报书 form agent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .llm.retriever import DivisionRetriever
    from .rules.index import KnowledgeIndex
    from .settings import Settings

__version__ = "0.1.0"
__all__ = ["as_retriever"]


def as_retriever(
    division: str | Sequence[str] | None = None,
    k: int = 4,
    *,
    index: KnowledgeIndex | None = None,
    settings: Settings | None = None,
) -> DivisionRetriever:
    """The notices as a LangChain `BaseRetriever`: the engine's hybrid (BM25 + vectors, RRF)
    retrieval, scoped to `division` (an id, a Chinese name, or several; None = the divisions the
    question names, else all). Documents carry `division`, `doc_title`, `section`, `chunk_id`.
    LangChain is imported only when this is called."""
    from .llm.retriever import as_retriever as build

    return build(division, k, index=index, settings=settings)
