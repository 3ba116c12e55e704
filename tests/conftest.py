"""Shared fixtures: one real index (Chroma on a temp dir, local embedding) per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.rules.index import KnowledgeIndex
from assistant.rules.pipeline import Engine as Assistant
from assistant.services import build_assistant, build_index
from assistant.settings import Settings

# Never let a developer's environment point tests at a real model or store.
for _var in ("LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY", "EMBEDDING", "EMBEDDING_BASE_URL", "DATA_DIR", "TODAY"):
    os.environ.pop(_var, None)

TODAY = "2026-11-21"


@pytest.fixture(scope="session")
def kb_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kb-data")


@pytest.fixture(scope="session")
def kb_settings(kb_data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=kb_data_dir, today=TODAY)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def kb_index(kb_settings: Settings) -> KnowledgeIndex:
    return build_index(kb_settings, progress=False)


@pytest.fixture(scope="session")
def assistant(kb_settings: Settings, kb_index: KnowledgeIndex) -> Assistant:
    return build_assistant(kb_settings, index=kb_index)
