"""The FAISS store (the default): the vectors in a FAISS index file and a BM25 index over
each chunk's words, both inside the published build folder. Exact or IVF search is
chosen by size (vectors.py); BM25 is built in memory on first keyword search."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from .. import vectors as dense


class FaissStore:
    def __init__(self, index: Any, vids: list[int], tokens: list[list[str]]) -> None:
        self.index = index
        self.vids = vids
        self.tokens = tokens
        self._bm25: Any = None

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
        """The ``n`` best chunks by BM25: the summed scores of each question word's postings,
        read from bm25s's precomputed matrix. One ``bincount`` over the postings replaces
        bm25s's ``np.add.at`` per word, and the best are picked among the chunks that have a
        posting, not among all: at a million chunks both dominated the search."""
        words = text.split()
        if not words or not self.vids:
            return []
        bm25 = self.bm25
        matrix = bm25.scores
        pointers, rows, values = matrix["indptr"], matrix["indices"], matrix["data"]
        spans = [(pointers[t], pointers[t + 1]) for t in bm25.get_tokens_ids(words)]
        if not spans:
            return []
        found = np.concatenate([rows[a:b] for a, b in spans])
        scores = np.bincount(
            found, weights=np.concatenate([values[a:b] for a, b in spans]), minlength=len(self.vids)
        )
        k = min(n, len(self.vids))
        # a chunk is listed once for each question word it holds, so the k·words best postings
        # hold the k best chunks (ties at the cut aside)
        pool = found if len(found) < len(scores) else np.arange(len(scores))
        reach = k * len(spans)
        if len(pool) > reach:
            pool = pool[np.argpartition(-scores[pool], reach - 1)[:reach]]
        pool = np.unique(pool)
        top = pool[np.argsort(-scores[pool], kind="stable")[:k]]
        return [(self.vids[int(r)], float(scores[r])) for r in top if scores[r] > 0]

    @property
    def bm25(self) -> Any:
        if self._bm25 is None:
            import bm25s

            # bm25s sets its own logger to DEBUG when imported; undo that side effect
            logging.getLogger("bm25s").setLevel(logging.WARNING)
            retriever = bm25s.BM25(k1=1.2, b=0.75)
            retriever.index(self.tokens if self.tokens else [[""]], show_progress=False)
            self._bm25 = retriever
        return self._bm25

    def count(self) -> int:
        return int(self.index.ntotal)

    def describe(self) -> str:
        return dense.kind(self.index)
