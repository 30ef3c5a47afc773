"""Hybrid retrieval: dense (FAISS inner product) + BM25 (jieba tokens), fused by rank.

Both sides see the folded text, so traditional and simplified spellings meet. English
questions lean on the dense side (the multilingual embedder crosses languages; BM25 on
Chinese tokens cannot). Near-duplicate passages (articles that repeat a paragraph) are
collapsed so the top results carry different information.
"""

from __future__ import annotations

from typing import Protocol

from .embed import Embedder
from .normalize import fold
from .snapshot import Snapshot
from .types import Hit

RRF_K = 20
DUPLICATE_JACCARD = 0.5


class Retriever(Protocol):
    def retrieve(self, question: str, k: int = 5) -> list[Hit]: ...


def _bigrams(text: str) -> set[str]:
    t = "".join(fold(text).split())
    return {t[i : i + 2] for i in range(len(t) - 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class HybridRetriever:
    """Retrieves from a loaded index with the embedder that built it."""

    bm25_weight = 1.0  # relative to the dense side, for Chinese questions

    def __init__(self, index: Snapshot, embedder: Embedder, candidates: int = 30) -> None:
        self.index = index
        self.embedder = embedder
        self.candidates = candidates

    def _before(self, doc_id: str, start: int, chars: int = 150) -> str:
        doc = self.index.docs.get(doc_id)
        return doc.text[max(0, start - chars) : start] if doc is not None else ""

    def dense(self, question: str, n: int) -> list[tuple[int, float]]:
        """(chunk row, cosine similarity), best first."""
        if not self.index.chunks:
            return []
        return self.index.search(self.embedder.embed_queries([fold(question)]), n)

    def lexical(self, question: str, n: int) -> list[tuple[int, float]]:
        """(chunk row, BM25 score), best first; empty when no query token is in the corpus."""
        return self.index.keyword(question, n)

    def retrieve(self, question: str, k: int = 5) -> list[Hit]:
        w_dense, w_bm25 = 1.0, self.bm25_weight
        tokens = self.index.lexicon.tokens(question)
        if tokens:  # words the corpus never uses (English over Chinese text) cannot match
            w_bm25 *= sum(1 for t in tokens if self.index.lexicon.known(t)) / len(tokens)
        dense = self.dense(question, self.candidates)
        lexical = self.lexical(question, self.candidates)
        fused: dict[int, float] = {}
        for rank, (row, _) in enumerate(dense):
            fused[row] = fused.get(row, 0.0) + w_dense / (RRF_K + rank + 1)
        for rank, (row, _) in enumerate(lexical):
            fused[row] = fused.get(row, 0.0) + w_bm25 / (RRF_K + rank + 1)
        dense_of = {row: (rank, s) for rank, (row, s) in enumerate(dense)}
        bm25_of = {row: (rank, s) for rank, (row, s) in enumerate(lexical)}
        order = sorted(fused, key=lambda r: (-fused[r], r))
        hits: list[Hit] = []
        kept: list[set[str]] = []
        for row in order:
            chunk = self.index.chunks[row]
            grams = _bigrams(chunk.text)
            if any(jaccard(grams, other) > DUPLICATE_JACCARD for other in kept):
                continue
            kept.append(grams)
            d = dense_of.get(row)
            b = bm25_of.get(row)
            hits.append(
                Hit(
                    chunk=chunk,
                    score=fused[row],
                    before=self._before(chunk.doc_id, chunk.start),
                    dense_score=d[1] if d else None,
                    bm25_score=b[1] if b else None,
                    dense_rank=d[0] + 1 if d else None,
                    bm25_rank=b[0] + 1 if b else None,
                )
            )
            if len(hits) >= k:
                break
        return hits
