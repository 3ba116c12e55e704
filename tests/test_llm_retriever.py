"""`assistant.as_retriever()`: the engine's hybrid, division-scoped retrieval as a LangChain retriever."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_openai import FakeOpenAI, Text, loopback_only
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_openai import ChatOpenAI

import assistant
from assistant.errors import InputError
from assistant.rules.index import KnowledgeIndex

__all__ = ["loopback_only"]  # the autouse guard of fake_openai applies to this module

METADATA = {"division", "doc_title", "section", "chunk_id"}


def test_as_retriever_is_a_base_retriever_with_provenance(kb_index: KnowledgeIndex) -> None:
    retriever = assistant.as_retriever(index=kb_index)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("山西分赛一等奖奖金多少")
    assert len(docs) == 4 and all(isinstance(d, Document) for d in docs)
    assert all(METADATA <= set(d.metadata) for d in docs)
    assert {d.metadata["division"] for d in docs} == {"shanxi"}  # the division the question names
    texts = {c.chunk_id: c.text for c in kb_index.chunks}
    assert all(d.page_content == texts[d.metadata["chunk_id"]] for d in docs)  # verbatim notice text
    assert any("5 万元" in d.page_content for d in docs)


@pytest.mark.parametrize(("division", "expected"), [("shaanxi", {"shaanxi"}), ("陕西", {"shaanxi"}), ("新疆分赛", {"xinjiang"})])
def test_as_retriever_is_scoped_by_division(kb_index: KnowledgeIndex, division: str, expected: set[str]) -> None:
    docs = assistant.as_retriever(division, k=6, index=kb_index).invoke("报名截止时间")
    assert len(docs) == 6 and {d.metadata["division"] for d in docs} == expected


def test_several_divisions_take_turns_and_a_call_may_override(kb_index: KnowledgeIndex) -> None:
    retriever = assistant.as_retriever(["shanxi", "shaanxi"], k=4, index=kb_index)
    divisions = [d.metadata["division"] for d in retriever.invoke("一等奖奖金")]
    assert divisions == ["shanxi", "shaanxi", "shanxi", "shaanxi"]
    override = retriever.invoke("一等奖奖金", divisions=["yiyang"], k=2)
    assert [d.metadata["division"] for d in override] == ["yiyang", "yiyang"]
    unscoped = assistant.as_retriever(index=kb_index, k=8).invoke("报名截止时间")
    assert len({d.metadata["division"] for d in unscoped}) > 1


def test_an_unknown_division_is_a_chinese_error(kb_index: KnowledgeIndex) -> None:
    with pytest.raises(InputError, match="未知的分赛"):
        assistant.as_retriever("beijing", index=kb_index)


def test_usable_in_a_two_step_lcel_chain(kb_index: KnowledgeIndex) -> None:
    def joined(docs: list[Document]) -> str:
        return "\n\n".join(f"[{d.metadata['section']}] {d.page_content}" for d in docs)

    context = assistant.as_retriever("shanxi", k=2, index=kb_index) | RunnableLambda(joined)
    text = context.invoke("一等奖奖金多少")
    assert "五、奖项设置" in text and "5 万元" in text


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def test_someone_elses_rag_chain_with_our_retriever(kb_index: KnowledgeIndex, server: FakeOpenAI) -> None:
    server.enqueue(Text("一等奖奖金 5 万元/个。"))
    prompt = ChatPromptTemplate.from_messages([("system", "只根据资料回答。\n{context}"), ("human", "{question}")])
    model = ChatOpenAI(base_url=server.base_url, model="fake-model", api_key="test", temperature=0)  # type: ignore[arg-type]
    retriever = assistant.as_retriever("shanxi", k=3, index=kb_index)
    chain = (
        {"context": retriever | RunnableLambda(lambda docs: "\n".join(d.page_content for d in docs)), "question": RunnablePassthrough()}
        | prompt
        | model
        | StrOutputParser()
    )
    assert chain.invoke("一等奖奖金多少") == "一等奖奖金 5 万元/个。"
    system = server.requests[0]["messages"][0]["content"]
    assert "一等奖 3 个 奖金 5 万元/个" in system
