"""The FAISS store (the default): the vectors in a FAISS index file and the BM25 postings of
each chunk's words, both inside the published build folder. Exact or IVF search is
chosen by size (vectors.py); the postings are memory-mapped (postings.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import vectors as dense
from .postings import Postings


class FaissStore:
    def __init__(self, index: Any, vids: list[int], postings: Postings) -> None:
        self.index = index
        self.vids = vids
        self.postings = postings

    def search(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        if not self.vids:
            return []
        # FAISS spreads a search over queries, so one question gains nothing from more threads;
        # worse, its idle OpenMP threads spin for a while after each search and slow the
        # embedder that runs right after (18 ms against 11 ms per question on 2 cores)
        import faiss

        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self.index.search(np.ascontiguousarray(query), min(n, len(self.vids)))
        finally:
            faiss.omp_set_num_threads(threads)  # builds keep all cores
        return [(int(v), float(s)) for v, s in zip(ids[0], scores[0], strict=True) if v >= 0]

    def keyword(self, text: str, n: int) -> list[tuple[int, float]]:
        """The ``n`` best chunks by BM25 (see postings.py)."""
        if not self.vids:
            return []
        return [(self.vids[r], s) for r, s in self.postings.search(text.split(), n)]

    def count(self) -> int:
        return int(self.index.ntotal)

    def describe(self) -> str:
        return dense.kind(self.index)
