"""The dense side of the index: exact FAISS search for small corpora, an inverted-file
index (IVF) from ``settings.ann_min_chunks`` vectors on.

Exact search reads every vector for every question, so its time grows with the corpus; at
some tens of thousands of chunks it costs more than the rest of retrieval. IVF groups the
vectors into ``nlist`` clusters (about 4·√n) and compares the question with the vectors of
the ``nprobe`` nearest clusters only. ``scripts/bench_retrieval.py`` chose the defaults on
real-text vectors (recall@10 against exact search, and latency, at 100k and 1M vectors).

Both kinds take vector ids, so documents are added and removed incrementally either way. An
IVF index that has grown far beyond the size it was trained for is trained again, and one
that shrinks well below the threshold goes back to exact search.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .settings import Settings


def exact(dim: int) -> Any:
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def nlist_for(n: int) -> int:
    """Clusters for ``n`` vectors: the power of two nearest to 4·√n."""
    return int(2 ** round(math.log2(max(4 * math.sqrt(max(n, 1)), 1))))


def ivf_of(index: Any) -> Any | None:
    import faiss

    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def kind(index: Any) -> str:
    ivf = ivf_of(index)
    return f"IVF{ivf.nlist}, nprobe {ivf.nprobe}" if ivf is not None else "exact"


def all_vectors(index: Any) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, ids) of every entry, read back from either kind of index."""
    import faiss

    ivf = ivf_of(index)
    if ivf is None:
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        vectors = index.index.reconstruct_n(0, index.ntotal) if len(ids) else np.zeros((0, index.d))
        return np.asarray(vectors, dtype=np.float32), ids
    lists = ivf.invlists
    all_ids, all_vecs = [], []
    for i in range(ivf.nlist):
        size = lists.list_size(i)
        if size:
            all_ids.append(faiss.rev_swig_ptr(lists.get_ids(i), size).copy())
            codes = faiss.rev_swig_ptr(lists.get_codes(i), size * ivf.code_size).copy()
            all_vecs.append(codes.view(np.float32).reshape(size, ivf.d))
    if not all_ids:
        return np.zeros((0, ivf.d), dtype=np.float32), np.zeros(0, dtype=np.int64)
    return np.vstack(all_vecs), np.concatenate(all_ids).astype(np.int64)


def approximate(vectors: np.ndarray, ids: np.ndarray, nprobe: int, seed: int = 0) -> Any:
    """An IVF-Flat index over normalised ``vectors``, trained on (a sample of) them."""
    import faiss

    n, dim = vectors.shape
    nlist = nlist_for(n)
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    rows = np.random.default_rng(seed).permutation(n)[: 64 * nlist]
    index.train(np.ascontiguousarray(vectors[np.sort(rows)]))
    index.add_with_ids(np.ascontiguousarray(vectors), ids)
    index.nprobe = min(nprobe, nlist)
    return index


def fit(index: Any, settings: Settings) -> Any:
    """The kind of index that suits its size now (the same object when nothing changes)."""
    n = index.ntotal
    ivf = ivf_of(index)
    if ivf is None and n < settings.ann_min_chunks:
        return index
    if ivf is not None and n >= settings.ann_min_chunks // 2 and 4 * ivf.nlist >= nlist_for(n):
        configure(index, settings)
        return index
    vectors, ids = all_vectors(index)
    if n < settings.ann_min_chunks:
        flat = exact(index.d)
        flat.add_with_ids(vectors, ids)
        return flat
    return approximate(vectors, ids, settings.ann_nprobe)


def configure(index: Any, settings: Settings) -> None:
    """Search-time parameters, which are settings rather than part of the saved index."""
    ivf = ivf_of(index)
    if ivf is not None:
        ivf.nprobe = min(settings.ann_nprobe, ivf.nlist)
