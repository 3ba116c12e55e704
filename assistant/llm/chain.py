"""The LCEL chains of LLM mode.

answer:   PartRequest → retriever (division-scoped hybrid) → passages fitted to the token budget
          → ChatPromptTemplate (prompts/answer_*.md) → chat model (streaming) → grounding
          → `Shown`, then `Emit`/`Drop` per checked sentence, then `Finished`.
condense: {history, question} → ChatPromptTemplate (prompts/condense_*.md) → chat model → text.

The model, the retriever and the prompts are passed in; nothing here reads settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant.errors import LLMError
from assistant.models import Chunk, DivisionId
from assistant.rules import divisions as div

from .chat import StreamWatch
from .checked_stream import Drop, Emit, SentenceGate
from .passages import Passage, fit, prompt_tokens, render
from .retriever import DivisionRetriever

RETRIEVED = 6  # retrieved passages per part, after the clauses the engine itself cited


@dataclass(frozen=True)
class PartRequest:
    """One answered part of a message: what the model is asked to write."""

    question: str  # the standalone question (the engine's resolution)
    divisions: list[DivisionId]  # the engine's scope for this part
    pinned: list[Chunk] = field(default_factory=list)  # clauses the extractive answer cited: shown first
    watch: StreamWatch = field(default_factory=StreamWatch)


@dataclass(frozen=True)
class Shown:
    """The passages the model was given, numbered as it cites them."""

    passages: list[Passage]


@dataclass(frozen=True)
class Finished:
    complete: bool  # finish_reason "stop" and the stream's `data: [DONE]` seen
    finish_reason: str | None
    cut: str  # the unfinished sentence an incomplete reply ended on (never released)


ChainEvent = Shown | Emit | Drop | Finished


@dataclass(frozen=True)
class _Prepared:
    request: PartRequest
    passages: list[Passage]
    variables: dict[str, str]


def scope_label(divisions: list[DivisionId]) -> str:
    return "、".join(div.NAMES.get(d, d) for d in divisions) or "未指明"


class AnswerChain:
    """Builds the answer chain around a chat model, our retriever and the answer prompt."""

    def __init__(
        self, *, model: BaseChatModel, retriever: DivisionRetriever, prompt: ChatPromptTemplate, max_tokens: int
    ) -> None:
        self.model = model
        self.retriever = retriever
        self.prompt = prompt
        self.max_tokens = max_tokens
        self._chunks = {c.chunk_id: c for c in retriever.index.chunks}

    def build(self) -> Runnable[PartRequest, ChainEvent]:
        return (
            RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._fit, name="fit_passages")
            | RunnableLambda(self._generate, name="generate_grounded")
        )

    def _retrieve(self, request: PartRequest) -> tuple[PartRequest, list[Chunk]]:
        docs = self.retriever.invoke(request.question, divisions=request.divisions, k=RETRIEVED)
        found = [self._chunks[d.metadata["chunk_id"]] for d in docs if d.metadata.get("chunk_id") in self._chunks]
        return request, [*request.pinned, *found]

    def _fit(self, retrieved: tuple[PartRequest, list[Chunk]]) -> _Prepared:
        request, chunks = retrieved
        if not chunks:
            raise LLMError("没有检索到可供大模型参考的通知条款。")
        variables = {"passages": "", "divisions": scope_label(request.divisions), "question": request.question}
        budget = self.max_tokens - prompt_tokens(self.prompt.format_messages(**variables))
        passages = fit(chunks, budget)
        if not passages:
            raise LLMError("上下文预算不足，放不下任何通知条款：请调大 LLM_MAX_CONTEXT_TOKENS 或精简问题。")
        return _Prepared(request, passages, {**variables, "passages": render(passages)})

    def _generate(self, prepared: _Prepared) -> Runnable[_Prepared, ChainEvent]:
        def ground(stream: Iterator[AIMessage]) -> Iterator[ChainEvent]:
            yield Shown(prepared.passages)
            gate = SentenceGate([p.source for p in prepared.passages], [p.chunk.division for p in prepared.passages])
            reason: str | None = None
            got_text = False
            for chunk in stream:
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    got_text = True
                    yield from gate.feed(text)
                reason = chunk.response_metadata.get("finish_reason") or reason
            if not got_text:
                raise LLMError("大模型接口返回了空回复。")
            complete = reason == "stop" and prepared.request.watch.done
            yield from gate.close(complete=complete)
            yield Finished(complete, reason, gate.cut)

        variables: Runnable[_Prepared, dict[str, str]] = RunnableLambda(lambda p: p.variables, name="variables")
        chain: Runnable[_Prepared, ChainEvent] = (
            variables | self.prompt | self.model | RunnableGenerator(ground, name="grounding")
        )
        return chain


def condense_chain(model: BaseChatModel, prompt: ChatPromptTemplate) -> Runnable[dict[str, str], str]:
    """{history, question} → the standalone question the model reads (one line, unchecked)."""
    return prompt | model | StrOutputParser()
