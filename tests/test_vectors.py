"""Dense search: exact below the size threshold, IVF above it, incremental either way."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rag import vectors
from rag.build import build_index
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.snapshot import Snapshot
from rag.stores.faiss import FaissStore
from rag.stores.postings import Postings
from tests.fakes import HashingEmbedder

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _unit(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _settings(tmp_path: Path, **kw: int) -> Settings:
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", **kw)


def test_small_index_stays_exact_and_large_one_becomes_ivf(tmp_path: Path) -> None:
    settings = _settings(tmp_path, ann_min_chunks=2000, ann_nprobe=8)
    small = vectors.exact(32)
    small.add_with_ids(_unit(500), np.arange(500, dtype=np.int64))
    assert vectors.fit(small, settings) is small and vectors.kind(small) == "exact"

    big = vectors.exact(32)
    data, ids = _unit(3000), np.arange(10, 3010, dtype=np.int64)
    big.add_with_ids(data, ids)
    ivf = vectors.fit(big, settings)
    assert vectors.kind(ivf) == f"IVF{vectors.nlist_for(3000)}, nprobe 8"
    back, back_ids = vectors.all_vectors(ivf)
    order = np.argsort(back_ids)
    assert np.array_equal(back_ids[order], ids) and np.allclose(back[order], data)


def test_ivf_searching_every_cluster_finds_what_exact_search_finds(tmp_path: Path) -> None:
    data = _unit(3000)
    exact = vectors.exact(32)
    exact.add_with_ids(data, np.arange(3000, dtype=np.int64))
    ivf = vectors.approximate(data, np.arange(3000, dtype=np.int64), nprobe=vectors.nlist_for(3000))
    queries = _unit(20, seed=1)
    assert np.array_equal(exact.search(queries, 10)[1], ivf.search(queries, 10)[1])
    ivf.nprobe = 1  # one cluster of about 24 misses some neighbours: the check above can fail
    assert not np.array_equal(exact.search(queries, 10)[1], ivf.search(queries, 10)[1])


def test_ivf_shrinking_below_half_the_threshold_goes_back_to_exact(tmp_path: Path) -> None:
    settings = _settings(tmp_path, ann_min_chunks=2000)
    ivf = vectors.approximate(_unit(3000), np.arange(3000, dtype=np.int64), nprobe=8)
    ivf.remove_ids(np.arange(1500, dtype=np.int64))
    assert vectors.fit(ivf, settings) is ivf  # 1500 is above half the threshold
    ivf.remove_ids(np.arange(1500, 2200, dtype=np.int64))
    flat = vectors.fit(ivf, settings)
    assert vectors.kind(flat) == "exact" and flat.ntotal == 800
    assert set(vectors.all_vectors(flat)[1]) == set(range(2200, 3000))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "corpus")
    return tmp_path / "corpus"


def test_an_index_over_the_threshold_is_saved_as_ivf_and_updates_incrementally(
    tmp_path: Path, corpus: Path
) -> None:
    settings = _settings(tmp_path, ann_min_chunks=40, ann_nprobe=4)
    build_index(settings, HashingEmbedder())
    data = Snapshot.load(settings)
    assert data.manifest.dense_search.startswith("IVF")
    assert vectors.kind(data.faiss_index).endswith("nprobe 4")  # the setting, applied on load

    (corpus / "new.md").write_text("# 新文章\n\n测试银行部署了新的大模型，效率提升50%。", encoding="utf-8")
    (corpus / "001_52125b8569c8db8d.txt").unlink()
    embedder = HashingEmbedder()
    report = build_index(settings, embedder)
    assert 0 < embedder.embedded < report.chunks  # only the new file was embedded
    data = Snapshot.load(settings)
    assert data.manifest.dense_search.startswith("IVF") and data.faiss_index.ntotal == len(data.chunks)
    retriever = HybridRetriever(data, embedder)
    (row, _score), *_ = retriever.dense("新文章 测试银行部署了新的大模型，效率提升50%。", 3)
    assert data.chunks[row].doc_id == "new.md"  # the new vector is in the IVF lists
    assert all(h.doc_id != "001_52125b8569c8db8d.txt" for h in retriever.retrieve("银行", 20))


def test_a_search_runs_on_one_thread_and_leaves_the_thread_setting_as_it_was() -> None:
    import faiss

    index = vectors.exact(32)
    data = _unit(200)
    index.add_with_ids(data, np.arange(200, dtype=np.int64))
    store = FaissStore(index, list(range(200)), Postings.build([]))
    faiss.omp_set_num_threads(2)
    seen = []
    real_search = index.search

    def spy(query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        seen.append(faiss.omp_get_max_threads())
        return real_search(query, k)

    index.search = spy
    assert store.search(data[7:8], 3)[0][0] == 7
    assert seen == [1] and faiss.omp_get_max_threads() == 2  # index builds keep both cores
