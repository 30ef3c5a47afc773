"""Retrieval benchmark: seeds/ end to end, then dense search at scale on real-text vectors.

seeds/: cold and warm index builds, and retrieval p50/p95 split into its parts (query
embedding, dense search, keyword search), next to exact dense search alone.

Scale: every passage of the RGB benchmark's data files (a fetched snapshot of
github:chen700564/RGB; its data stay out of git) is embedded with the bundled e5 once
(cached under ~/.cache/rag-bench), then tiled with small perturbations up to 100k and 1M
vectors. For each size: exact search (the reference), the IVF index that ``rag/vectors.py``
builds at several nprobe values, HNSW where its build fits the time, and the Milvus store
(milvus-lite embedded, as ``RAG_STORE=milvus`` uses it): build seconds,
memory per chunk, query p50/p95 one question at a time, and recall@10 against exact search,
for the benchmark's own questions. Then the keyword side at the same size: the passages'
words tiled the same way, through the FAISS store's BM25 (build, memory, p50/p95).

    .venv/bin/python scripts/bench_retrieval.py [--rgb PATH-TO-RGB-GIT] [--sizes 100000,1000000]

``--keyword-only`` runs only the keyword rows, which need no embedding.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from rag import vectors
from rag.build import build_index
from rag.embed import E5Embedder
from rag.evaluate import DEFAULT_SET, load_set
from rag.lexicon import tokens as lexicon_tokens
from rag.normalize import fold
from rag.retrieve import HybridRetriever
from rag.settings import PROJECT_ROOT, Settings
from rag.snapshot import Snapshot
from rag.stores.faiss import FaissStore
from rag.stores.postings import Postings

RGB_FILES = ("data/zh_refine.json", "data/zh_int.json", "data/zh_fact.json", "data/en_fact.json")
CACHE = Path.home() / ".cache" / "rag-bench"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def timed(fn: Callable[[Any], object], inputs: list[Any], reps: int = 1) -> tuple[float, float]:
    """p50 and p95 milliseconds of ``fn`` on each input, one at a time."""
    times = []
    for _ in range(reps):
        for x in inputs:
            t = time.perf_counter()
            fn(x)
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), pct(times, 0.95)


def seeds_part(e5: E5Embedder) -> None:
    questions = [i.question for i in load_set(DEFAULT_SET)]
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
        data = Snapshot.load(settings)
        r = HybridRetriever(data, e5)
        r.retrieve(questions[0])  # word segmenter and keyword index load
        p50, p95 = timed(lambda q: r.retrieve(q, 5), questions, reps=3)
        e50, e95 = timed(lambda q: e5.embed_queries([fold(q)]), questions, reps=3)
        queries = [e5.embed_queries([fold(q)]) for q in questions]
        d50, _ = timed(lambda v: data.faiss_index.search(v, 30), queries, reps=3)
        k50, _ = timed(lambda q: r.lexical(q, 30), questions, reps=3)
        print(
            f"## seeds/ ({cold.documents} documents, {cold.chunks} chunks, "
            f"dense search {vectors.kind(data.faiss_index)})"
        )
        print(
            f"cold build {cold_s:.1f} s ({cold.chunks / cold_s:.1f} chunks/s); "
            f"warm build, nothing changed {warm_s:.2f} s"
        )
        print(f"retrieve, {len(questions)} questions x3: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        print(
            f"  query embedding p50 {e50:.1f} ms (p95 {e95:.1f}); dense search p50 {d50:.2f} ms; "
            f"keyword search p50 {k50:.1f} ms"
        )
        print(f"  retrieval without the query embedding: p50 about {p50 - e50:.1f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def rgb_texts(git_dir: Path) -> tuple[list[str], list[str]]:
    """Unique passages and questions of the RGB data files in a git snapshot."""
    passages: dict[str, None] = {}
    questions: dict[str, None] = {}
    for name in RGB_FILES:
        text = subprocess.run(
            ["git", "-C", str(git_dir), "show", f"HEAD:{name}"], capture_output=True, text=True, check=True
        ).stdout
        for line in text.splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            questions[item["query"]] = None
            for key in ("positive", "negative", "positive_wrong"):
                for p in item.get(key, []):
                    for s in p if isinstance(p, list) else [p]:
                        if s.strip():
                            passages[s.strip()] = None
    return list(passages), list(questions)


def embedded(e5: E5Embedder, texts: list[str], kind: str) -> np.ndarray:
    """Vectors of ``texts``, cached by content; prints the throughput when it embeds."""
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"rgb-{kind}-{key}.npy"
    if path.exists():
        return np.asarray(np.load(path), dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    embed = e5.embed_passages if kind == "passages" else e5.embed_queries
    out = np.vstack([embed(texts[i : i + 32]) for i in range(0, len(texts), 32)])
    s = time.perf_counter() - t
    print(f"embedded {len(texts)} {kind} in {s:.0f} s ({len(texts) / s:.1f}/s)", flush=True)
    np.save(path, out)
    return out


def tiled(base: np.ndarray, n: int, sigma: float, seed: int = 0) -> np.ndarray:
    """``n`` vectors: copies of ``base`` with Gaussian noise of ``sigma`` per dimension, normalised."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for a in range(0, n, 100_000):
        b = min(n, a + 100_000)
        block = base[np.arange(a, b) % len(base)] + rng.normal(0, sigma, (b - a, base.shape[1]))
        out[a:b] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def searcher(index: Any) -> Callable[[np.ndarray], object]:
    return lambda v: index.search(v, 30)


def index_bytes(index: Any) -> int:
    return int(faiss.serialize_index(index).nbytes)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, truth, strict=True)]))


def milvus_row(data: np.ndarray, queries: np.ndarray, single: list[np.ndarray], truth: np.ndarray) -> None:
    """The Milvus store as the index uses it: milvus-lite embedded, exact search below
    RAG_ANN_MIN_CHUNKS vectors and IVF_FLAT (nprobe RAG_ANN_NPROBE) from there on."""
    from rag.stores.milvus import MilvusStore

    folder = Path(tempfile.mkdtemp(prefix="rag-milvus-"))
    try:
        t = time.perf_counter()
        defaults = Settings()
        store = MilvusStore(
            str(folder / "bench.db"), "bench", data.shape[1], create=True, nprobe=defaults.ann_nprobe
        )
        store.upsert(list(range(len(data))), data, [""] * len(data))
        store.flush()
        store.fit(defaults.ann_min_chunks)
        build = time.perf_counter() - t
        found = np.array([[v for v, _ in store.search(q, 10)] for q in queries])
        r = recall(found, truth)
        p50, p95 = timed(lambda v: store.search(v, 30), single)
        disk = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / len(data)
        print(
            f"Milvus ({store.describe().split('(')[-1].rstrip(')')}, nprobe {store.nprobe}, milvus-lite): "
            f"build {build:.0f} s, {disk:.0f} B/chunk on disk, "
            f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, recall@10 {r:.3f}"
        )
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def keyword_row(base: list[list[str]], questions: list[str], n: int, seed: int = 0) -> FaissStore:
    """BM25 at ``n`` chunks, as the FAISS store builds and searches it: the RGB passages' words,
    tiled, each copy after the first missing about one word in twenty."""
    rng = random.Random(seed)
    docs = [
        toks if i < len(base) else [t for t in toks if rng.random() >= 0.05]
        for i, toks in ((i, base[i % len(base)]) for i in range(n))
    ]
    queries = [" ".join(lexicon_tokens(q)) for q in questions]
    queries = [q for q in queries if q]
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    t = time.perf_counter()
    bm25 = bm25s.BM25(k1=1.2, b=0.75)  # what a build computes and saves beside the vectors
    bm25.index(docs, show_progress=False)
    store = FaissStore(None, list(range(n)), Postings.of(bm25, n))
    build = time.perf_counter() - t
    mem = store.postings.nbytes / n
    # what a reader does at start: read the saved postings back (memory-mapped) and search
    folder = Path(tempfile.mkdtemp(prefix="bench-postings-"))
    try:
        store.postings.save(folder)
        t = time.perf_counter()
        loaded = FaissStore(None, list(range(n)), Postings.load(folder))
        loaded.keyword(queries[0], 30)
        load = time.perf_counter() - t
        k50, k95 = timed(lambda q: loaded.keyword(q, 30), queries)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    r50, r95 = timed(lambda q: bm25.retrieve([q.split()], k=30, show_progress=False), queries)
    print(
        f"keyword (BM25): build {build:.0f} s, read back at start {load:.2f} s with the first search, "
        f"{mem:.0f} B/chunk, p50 {k50:.1f} ms, p95 {k95:.1f} ms; "
        f"bm25s's own retrieve on the same index (reference): p50 {r50:.1f} ms, p95 {r95:.1f} ms"
    )
    return store


def hybrid_row(e5: E5Embedder, ivf: Any, store: FaissStore, questions: list[str]) -> None:
    """Both sides of retrieval one question at a time, as a question meets them: the query
    embedding, the IVF search and the keyword search (fusing 60 candidates is not included)."""

    def one(question: str) -> None:
        ivf.search(e5.embed_queries([question]), 30)
        store.keyword(" ".join(lexicon_tokens(question)), 30)

    one(questions[0])  # the encoder's first call pays for its setup
    e50, e95 = timed(lambda q: e5.embed_queries([q]), questions)
    p50, p95 = timed(one, questions)
    print(
        f"hybrid, one question at a time (embedding + IVF nprobe {ivf.nprobe} + BM25): "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms; the query embedding alone: p50 {e50:.1f} ms, p95 {e95:.1f} ms"
    )


def keyword_part(git_dir: Path, sizes: list[int]) -> None:
    """Only the keyword rows of the scale part: they need no embedding (minutes saved)."""
    passages, questions = rgb_texts(git_dir)
    print(f"\n## keyword search: {len(passages):,} unique RGB passages, {len(questions)} questions")
    words = [lexicon_tokens(p) for p in passages]
    for n in sizes:
        print(f"\n### {n:,} chunks")
        keyword_row(words, questions, n)


def scale_part(
    e5: E5Embedder, git_dir: Path, sizes: list[int], sigma: float, hnsw_max: int, milvus_max: int
) -> None:
    passages, questions = rgb_texts(git_dir)
    print(f"\n## real-text vectors: {len(passages):,} unique RGB passages, {len(questions)} questions")
    base = embedded(e5, passages, "passages")
    queries = embedded(e5, questions, "queries")
    single = [queries[i : i + 1] for i in range(len(queries))]
    words = [lexicon_tokens(p) for p in passages]
    for n in sizes:
        data = tiled(base, n, sigma)
        ids = np.arange(n, dtype=np.int64)
        print(f"\n### {n:,} vectors (tiled, noise sigma {sigma} per dimension)")
        t = time.perf_counter()
        flat = vectors.exact(data.shape[1])
        flat.add_with_ids(data, ids)
        build = time.perf_counter() - t
        truth = flat.search(queries, 10)[1]
        f50, f95 = timed(searcher(flat), single)
        mem = index_bytes(flat) / n
        print(
            f"exact (reference): build {build:.1f} s, {mem:.0f} B/chunk, p50 {f50:.1f} ms, p95 {f95:.1f} ms"
        )
        t = time.perf_counter()
        ivf = vectors.approximate(data, ids, nprobe=1)
        build = time.perf_counter() - t
        mem = index_bytes(ivf) / n
        for nprobe in (8, 16, 32, 64):
            ivf.nprobe = nprobe
            r = recall(ivf.search(queries, 10)[1], truth)
            p50, p95 = timed(searcher(ivf), single)
            print(
                f"IVF{ivf.nlist} nprobe {nprobe:>2}: build {build:.0f} s, {mem:.0f} B/chunk, "
                f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, recall@10 {r:.3f}, x{f50 / p50:.0f} faster"
            )
        ivf.nprobe = Settings().ann_nprobe
        hybrid_row(e5, ivf, keyword_row(words, questions, n), questions)
        del ivf
        if n <= hnsw_max:
            t = time.perf_counter()
            hnsw = faiss.IndexHNSWFlat(data.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.add(data)
            build = time.perf_counter() - t
            hnsw.hnsw.efSearch = 64
            r = recall(hnsw.search(queries, 10)[1], truth)
            p50, p95 = timed(searcher(hnsw), single)
            mem = index_bytes(hnsw) / n
            print(
                f"HNSW M=32 efSearch 64: build {build:.0f} s, {mem:.0f} B/chunk, "
                f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, recall@10 {r:.3f}"
            )
            del hnsw
        if n <= milvus_max:
            milvus_row(data, queries, single, truth)
        del flat, data


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rgb", type=Path, help="a fetched snapshot of github:chen700564/RGB (git dir)")
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--sigma", type=float, default=0.01, help="noise per dimension of the tiled copies")
    ap.add_argument("--hnsw-max", type=int, default=100_000, help="largest size that also builds HNSW")
    ap.add_argument("--milvus-max", type=int, default=1_000_000, help="largest size also put in Milvus")
    ap.add_argument("--skip-seeds", action="store_true")
    ap.add_argument("--keyword-only", action="store_true", help="scale part: BM25 only, no vectors")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.keyword_only and args.rgb:
        keyword_part(args.rgb, sizes)
        return
    e5 = E5Embedder()
    if not args.skip_seeds:
        seeds_part(e5)
    if args.rgb:
        scale_part(e5, args.rgb, sizes, args.sigma, args.hnsw_max, args.milvus_max)
    else:
        print("\n(no --rgb: the real-text scale part needs a fetched RGB snapshot)")


if __name__ == "__main__":
    main()
