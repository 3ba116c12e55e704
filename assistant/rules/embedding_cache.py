"""Chunk embeddings kept in the shared database, so N workers embed the corpus once between them.

Each worker still builds its own vector index (its own DATA_DIR); before embedding a chunk it
looks the vector up by the embedder's identity (model, version, dimension) and the sha256 of
the exact string the model reads (an e5 passage includes its "passage: " prefix). New vectors
are written with `insert … on conflict do nothing`, so workers building at once never clash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from sqlalchemy import select

from assistant.db import Database
from assistant.db.dialect import insert
from assistant.db.schema import embeddings

_LOOKUP = 500  # hashes per SELECT … IN


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """The `embeddings` table: float32 little-endian vectors by (model, text_hash)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def get(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors among `hashes`."""
        found: dict[str, np.ndarray] = {}
        wanted = sorted(set(hashes))
        with self.database.connect() as conn:
            for start in range(0, len(wanted), _LOOKUP):
                rows = conn.execute(
                    select(embeddings.c.text_hash, embeddings.c.vector).where(
                        embeddings.c.model == model, embeddings.c.text_hash.in_(wanted[start : start + _LOOKUP])
                    )
                )
                for text_hash_, vector in rows:
                    found[text_hash_] = np.frombuffer(vector, dtype="<f4").astype(np.float32)
        return found

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Store new vectors; one already there (another worker was first) is left as it is."""
        if not vectors:
            return
        rows = [
            {"model": model, "text_hash": h, "vector": np.asarray(v, dtype="<f4").tobytes()} for h, v in vectors.items()
        ]
        statement = insert(self.database, embeddings).on_conflict_do_nothing(index_elements=["model", "text_hash"])
        with self.database.begin() as conn:
            conn.execute(statement, rows)
