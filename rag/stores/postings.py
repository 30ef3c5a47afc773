"""The FAISS store's keyword index: BM25 postings computed once at build and saved beside the
vectors, so that a reader memory-maps them instead of indexing every chunk again at start
(about a minute at a million chunks).

For each word of the vocabulary, the rows of the chunks that hold it and the word's BM25 score
in each (k1 1.2, b 0.75, as bm25s computes them at build). A question's score for a chunk is
the sum over the question's words, a word said twice counting twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

VOCAB = "keyword-vocab.json"
POINTERS = "keyword-indptr.npy"
ROWS = "keyword-rows.npy"
SCORES = "keyword-scores.npy"
FILES = (VOCAB, POINTERS, ROWS, SCORES)


@dataclass(frozen=True)
class Postings:
    vocab: dict[str, int]  # word -> its postings' number
    pointers: np.ndarray  # postings of word w: rows[pointers[w]:pointers[w + 1]]
    rows: np.ndarray  # chunk rows
    scores: np.ndarray  # the word's BM25 score in that chunk
    chunks: int

    @classmethod
    def build(cls, tokens: list[list[str]]) -> Postings:
        """BM25 postings of the chunks' words (bm25s computes the scores)."""
        import bm25s

        # bm25s sets its own logger to DEBUG when imported; undo that side effect
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(tokens if tokens else [[""]], show_progress=False)
        return cls.of(bm25, len(tokens))

    @classmethod
    def of(cls, bm25: Any, chunks: int) -> Postings:
        """The postings of a bm25s index of ``chunks`` chunks (its score matrix, word by word)."""
        matrix = bm25.scores
        words = len(matrix["indptr"]) - 1  # bm25s lists an empty word that has no postings
        return cls(
            vocab={str(w): int(i) for w, i in bm25.vocab_dict.items() if int(i) < words},
            pointers=np.asarray(matrix["indptr"], dtype=np.int64),
            rows=np.asarray(matrix["indices"], dtype=np.int32),
            scores=np.asarray(matrix["data"], dtype=np.float32),
            chunks=chunks,
        )

    @property
    def nbytes(self) -> int:
        return int(self.pointers.nbytes + self.rows.nbytes + self.scores.nbytes)

    def save(self, folder: Path) -> None:
        (folder / VOCAB).write_text(
            json.dumps({"chunks": self.chunks, "vocab": self.vocab}, ensure_ascii=False), encoding="utf-8"
        )
        np.save(folder / POINTERS, self.pointers)
        np.save(folder / ROWS, self.rows)
        np.save(folder / SCORES, self.scores)

    @classmethod
    def load(cls, folder: Path) -> Postings:
        """Memory-mapped: pages are read as searches touch them. Raises OSError or ValueError
        on a missing or unreadable file (the caller turns that into an index error)."""
        head = json.loads((folder / VOCAB).read_text(encoding="utf-8"))
        postings = cls(
            vocab=head["vocab"],
            pointers=np.load(folder / POINTERS, mmap_mode="r"),
            rows=np.load(folder / ROWS, mmap_mode="r"),
            scores=np.load(folder / SCORES, mmap_mode="r"),
            chunks=int(head["chunks"]),
        )
        words = len(postings.pointers) - 1
        if (
            any(not 0 <= i < words for i in postings.vocab.values())
            or len(postings.rows) != len(postings.scores)
            or (words and int(postings.pointers[-1]) != len(postings.rows))
        ):
            raise ValueError(f"the keyword index in {folder} is inconsistent")
        return postings

    def search(self, words: list[str], n: int) -> list[tuple[int, float]]:
        """The ``n`` best rows by BM25, best first (ties in row order); only rows sharing a word.

        One ``bincount`` over the words' postings sums the scores, and the best are picked
        among the rows that have a posting, not among all: at a million chunks a sum per word
        and a sort of every row dominated the search."""
        ids = [self.vocab[w] for w in words if w in self.vocab]
        if not ids or not self.chunks:
            return []
        spans = [(int(self.pointers[t]), int(self.pointers[t + 1])) for t in ids]
        found = np.concatenate([self.rows[a:b] for a, b in spans])
        scores = np.bincount(
            found, weights=np.concatenate([self.scores[a:b] for a, b in spans]), minlength=self.chunks
        )
        k = min(n, self.chunks)
        # a row is listed once for each question word it holds, so the k·words best postings
        # hold the k best rows (ties at the cut aside)
        pool = found if len(found) < len(scores) else np.arange(len(scores))
        reach = k * len(spans)
        if len(pool) > reach:
            pool = pool[np.argpartition(-scores[pool], reach - 1)[:reach]]
        pool = np.unique(pool)
        top = pool[np.argsort(-scores[pool], kind="stable")[:k]]
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]
