"""Retrieval benchmark: cold and warm index builds of seeds/, retrieve latency on the seeds,
and the same at 100k chunks (synthetic: seed vectors plus noise, replicated BM25 tokens) with
FAISS exact search as the baseline for an HNSW index.

    .venv/bin/python scripts/bench_retrieval.py [--scale 100000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import faiss
import numpy as np

from rag.embed import E5Embedder
from rag.evaluate import DEFAULT_SET, load_set
from rag.index import IndexData, build_index, load_index
from rag.retrieve import HybridRetriever
from rag.settings import PROJECT_ROOT, Settings


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def latency(fn: Callable[[str], object], questions: list[str], reps: int = 3) -> tuple[float, float]:
    times = []
    for _ in range(reps):
        for q in questions:
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), pct(times, 0.95)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=100_000)
    args = ap.parse_args()
    questions = [i.question for i in load_set(DEFAULT_SET)]
    e5 = E5Embedder()
    tmp = Path(tempfile.mkdtemp(prefix="bench-retrieval-"))
    try:
        shutil.copytree(PROJECT_ROOT / "seeds", tmp / "seeds")
        settings = Settings(corpus_dir=tmp / "seeds", index_dir=tmp / "index")
        t = time.perf_counter()
        cold = build_index(settings, e5)
        cold_s = time.perf_counter() - t
        t = time.perf_counter()
        build_index(settings, e5)
        warm_s = time.perf_counter() - t
        data = load_index(settings)
        retriever = HybridRetriever(data, e5)
        retriever.retrieve(questions[0])  # jieba and BM25 load
        p50, p95 = latency(lambda q: retriever.retrieve(q, 5), questions)
        e_p50, _ = latency(lambda q: e5.embed_queries([q]), questions, reps=1)
        print("## seeds/")
        print(f"cold build: {cold_s:.1f} s ({cold.documents} documents, {cold.chunks} chunks)")
        print(f"warm build, nothing changed: {warm_s:.2f} s")
        print(f"retrieve p50 {p50:.1f} ms, p95 {p95:.1f} ms (of which query embedding p50 {e_p50:.1f} ms)")

        # ---- scale: synthetic vectors around the real ones, replicated token lists
        n = args.scale
        rng = np.random.default_rng(0)
        base = np.vstack([data.faiss_index.reconstruct(v) for v in data.vids]).astype(np.float32)
        reps = n // len(base) + 1
        vecs = np.repeat(base, reps, axis=0)[:n] + rng.normal(0, 0.02, (n, base.shape[1])).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        chunks = (data.chunks * reps)[:n]
        tokens = (data.tokens * reps)[:n]
        flat = faiss.IndexIDMap2(faiss.IndexFlatIP(base.shape[1]))
        flat.add_with_ids(vecs, np.arange(n, dtype=np.int64))
        t = time.perf_counter()
        hnsw_inner = faiss.IndexHNSWFlat(base.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        hnsw_inner.hnsw.efSearch = 64
        hnsw = faiss.IndexIDMap2(hnsw_inner)
        hnsw.add_with_ids(vecs, np.arange(n, dtype=np.int64))
        hnsw_build = time.perf_counter() - t
        queries = e5.embed_queries(questions)
        flat_ids = flat.search(queries, 10)[1]
        hnsw_ids = hnsw.search(queries, 10)[1]
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(flat_ids, hnsw_ids, strict=True)])
        f50, f95 = latency(lambda q: flat.search(e5.embed_queries([q]), 30), questions[:30], reps=1)
        h50, h95 = latency(lambda q: hnsw.search(e5.embed_queries([q]), 30), questions[:30], reps=1)
        print(f"\n## {n:,} chunks (synthetic)")
        print(f"dense exact (IndexFlatIP): p50 {f50:.1f} ms, p95 {f95:.1f} ms  <- baseline")
        print(
            f"dense HNSW (M=32, efSearch=64): p50 {h50:.1f} ms, p95 {h95:.1f} ms, "
            f"recall@10 vs exact {recall:.3f}, build {hnsw_build:.1f} s, speed-up x{f50 / h50:.1f}"
        )
        for name, index in (("exact", flat), ("HNSW", hnsw)):
            big = IndexData(
                path=tmp,
                manifest=data.manifest,
                docs=data.docs,
                chunks=chunks,
                vids=list(range(n)),
                tokens=tokens,
                faiss_index=index,
                lexicon=data.lexicon,
            )
            t = time.perf_counter()
            _ = big.bm25
            bm25_build = time.perf_counter() - t
            r = HybridRetriever(big, e5)
            p50, p95 = latency(partial(r.retrieve, k=5), questions[:30], reps=1)
            print(
                f"hybrid retrieve with {name} dense: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
                f"(BM25 index built in {bm25_build:.1f} s)"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
