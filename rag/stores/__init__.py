"""Where an index's vectors and keyword index live.

``faiss`` (the default): a FAISS file and a BM25 index inside each published build folder
(vectors.py, snapshot.py). ``milvus``: a Milvus collection holding each chunk's dense
vector and a BM25 sparse field filled by Milvus's own Chinese analyzer (milvus.py), either
embedded (milvus-lite, a ``.db`` path) or a Milvus server or cluster (``http://host:19530``).
The chunk records, documents and manifest stay in the build folder either way.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Store(Protocol):
    """A searchable set of chunk vectors and texts, keyed by vector id (vid)."""

    def search(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Dense search: (vid, cosine similarity), best first."""
        ...

    def keyword(self, text: str, n: int) -> list[tuple[int, float]]:
        """Keyword (BM25) search: (vid, score), best first; only chunks sharing a word."""
        ...

    def count(self) -> int: ...

    def describe(self) -> str: ...
