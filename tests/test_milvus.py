"""The Milvus store: milvus-lite embedded (a .db file in the index folder), and the same code
against `milvus-lite server` on a loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.build import build_index
from rag.embed import E5Embedder
from rag.errors import IndexCorruptError
from rag.index import Index, open_for_reading
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.snapshot import Snapshot
from rag.stores.milvus import MilvusStore
from tests.fakes import HashingEmbedder
from tests.ports import free_port

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    shutil.copytree(SEEDS, tmp_path / "corpus")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", store="milvus")


def test_a_milvus_index_is_built_searched_and_updated_incrementally(
    settings: Settings, tmp_path: Path
) -> None:
    index = Index.build(settings, HashingEmbedder())
    m = index.manifest
    assert (m.store, m.store_collection) == ("milvus", "rag_chunks") and m.store_uri.endswith(
        "index/milvus.db"
    )
    assert sorted(p.name for p in index.snapshot.path.iterdir()) == [
        "chunks.json",
        "docs.json",
        "lexicon.json",
        "manifest.json",
    ]  # the vectors live in the collection
    store = index.snapshot.store
    assert isinstance(store, MilvusStore) and store.count() == len(index.chunks)
    upload = tmp_path / "潮汐.md"
    upload.write_text("# 潮汐发电\n\n某电站去年发电量为12亿千瓦时。", encoding="utf-8")
    embedder = HashingEmbedder()
    index.embedder = embedder
    report = index.add([upload])
    assert report.embedded == embedder.embedded == 1 and index.snapshot.store is not None
    assert index.snapshot.store.count() == len(index.chunks)
    assert index.chunks[index.keyword("潮汐发电的发电量", 3)[0][0]].doc_id == "潮汐.md"
    query = HashingEmbedder().embed_queries(["潮汐发电 电站 发电量"])
    assert index.chunks[index.search(query, 1)[0][0]].doc_id == "潮汐.md"
    index.remove(["潮汐.md"])
    # broken once on purpose (the build not deleting vectors no chunk keeps): 84 vectors, 83 chunks
    assert "潮汐.md" not in index.docs and index.snapshot.store.count() == len(index.chunks)


def test_switching_between_faiss_and_milvus_needs_only_the_setting(settings: Settings) -> None:
    build_index(settings, HashingEmbedder())
    faiss = settings.model_copy(update={"store": "faiss"})
    assert "store changed" in str(Snapshot.load(faiss).staleness(faiss, HashingEmbedder()))
    index = open_for_reading(faiss, HashingEmbedder())  # another store: nothing to read, so built
    assert index.manifest.store == "faiss" and index.snapshot.faiss_index.ntotal == len(index.chunks)
    back = open_for_reading(settings, HashingEmbedder())
    assert back.manifest.store == "milvus" and back.stale is None


def test_a_missing_collection_is_named_not_served(settings: Settings) -> None:
    index = Index.build(settings, HashingEmbedder())
    assert index.snapshot.store is not None
    index.snapshot.store._client.drop_collection("rag_chunks")
    with pytest.raises(IndexCorruptError, match="no collection 'rag_chunks'"):
        Snapshot.load(settings)


@pytest.mark.slow
def test_retrieval_through_milvus_matches_faiss(settings: Settings, e5: E5Embedder, tmp_path: Path) -> None:
    milvus = Pipeline(settings, embedder=e5)
    faiss = Pipeline(settings.model_copy(update={"store": "faiss", "index_dir": tmp_path / "f"}), embedder=e5)
    milvus.rebuild()
    faiss.rebuild()
    for question in (
        "苏商银行欺诈风险标签准确率提升了多少？",
        "江苏银行每天节约多少工作量？",
        "Which bank uses large models for credit?",
    ):
        # dense search is exact in both, and Milvus's BM25 scores the same words
        assert milvus.retrieve(question)[0].chunk.chunk_id == faiss.retrieve(question)[0].chunk.chunk_id


@pytest.fixture
def milvus_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    cli = Path(sys.executable).with_name("milvus-lite")
    server = subprocess.Popen(
        [
            str(cli),
            "server",
            "--data-dir",
            str(tmp_path / "milvus-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=30)


def test_the_same_code_serves_a_milvus_server(settings: Settings, milvus_server: str) -> None:
    remote = settings.model_copy(update={"milvus_uri": milvus_server, "milvus_collection": "seeds"})
    index = Index.build(remote, HashingEmbedder())
    assert index.manifest.store_uri == milvus_server and index.snapshot.store is not None
    assert index.snapshot.store.count() == len(index.chunks) > 50
    assert index.keyword("苏商银行欺诈风险标签", 3)
    assert Snapshot.load(remote).staleness(remote, HashingEmbedder()) is None


def test_a_large_milvus_collection_switches_to_ivf_and_back(settings: Settings) -> None:
    small_threshold = settings.model_copy(update={"ann_min_chunks": 50, "ann_nprobe": 64})
    index = Index.build(small_threshold, HashingEmbedder())
    assert len(index.chunks) > 50 and "(IVF_FLAT)" in index.manifest.dense_search
    query = HashingEmbedder().embed_queries([index.chunks[7].text])
    assert index.search(query, 1)[0][0] == 7  # every cluster searched: as exact
    index.remove(["000_c4a4f23599adab00.txt", "001_52125b8569c8db8d.txt", "004_967d3e782a009d5f.txt"])
    assert len(index.chunks) < 50 and "(FLAT)" in index.manifest.dense_search
