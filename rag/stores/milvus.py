"""The Milvus store: one collection per index, through pymilvus's ``MilvusClient``.

Each chunk is a row: its vector id (primary key), its words, the dense vector (exact
inner-product search over normalised vectors, as FAISS does here) and a sparse BM25
vector that Milvus computes from the words. The words are the ones this package's
segmenter gives (jieba with the corpus lexicon, folded: lexicon.py), joined by spaces for
Milvus's standard analyzer, and a question is sent the same way: both stores then score
the same words. (Milvus's own jieba analyzer over the raw text was tried: recall@3 on
eval/qa fell from 0.947 to 0.921, because it splits and folds differently.) The
same code serves milvus-lite embedded (``RAG_MILVUS_URI=./index/milvus.db``) and a
Milvus server or cluster (``http://host:19530``).

A build updates the collection in place (upserts by vid, deletes of vids no chunk keeps)
before it publishes the new chunk records; readers of the previous build skip vids they
do not know.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from ..errors import ConfigError, IndexCorruptError
from ..vectors import nlist_for

log = logging.getLogger(__name__)

TEXT_LIMIT = 8192  # Milvus VARCHAR length; longer chunk texts are cut for keyword search only
BATCH = 512


class MilvusStore:
    def __init__(self, uri: str, collection: str, dim: int, create: bool = False, nprobe: int = 32) -> None:
        try:
            from pymilvus import MilvusClient
        except ImportError as exc:
            raise ConfigError(
                "RAG_STORE=milvus needs pymilvus and milvus-lite: run `make setup`",
                zh="RAG_STORE=milvus 需要 pymilvus 和 milvus-lite：请运行 `make setup`。",
            ) from exc
        self.uri = uri
        self.collection = collection
        self.dim = dim
        self.nprobe = nprobe
        try:
            self._client = MilvusClient(uri)
        except Exception as exc:  # pymilvus raises its own kinds for a server that is not there
            raise ConfigError(
                f"cannot open Milvus at {uri} ({type(exc).__name__}: {exc}): check RAG_MILVUS_URI",
                zh=f"无法连接 Milvus（{uri}）：请检查 RAG_MILVUS_URI。",
            ) from exc
        if not self._client.has_collection(collection):
            if not create:
                raise IndexCorruptError(
                    f"Milvus at {uri} has no collection {collection!r} that the index names: rebuild with "
                    "`rag index`",
                    zh=f"Milvus（{uri}）中没有索引所用的集合 {collection}：请运行 `rag index` 重建。",
                )
            self._create()
        self._client.load_collection(collection)

    def _create(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        schema = self._client.create_schema(auto_id=False)
        schema.add_field("vid", DataType.INT64, is_primary=True)
        schema.add_field(
            "text",
            DataType.VARCHAR,
            max_length=TEXT_LIMIT,
            enable_analyzer=True,
            analyzer_params={"tokenizer": "standard"},
        )
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["text"],
                output_field_names=["sparse"],
            )
        )
        params = self._client.prepare_index_params()
        params.add_index("dense", index_type="FLAT", metric_type="IP")
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        self._client.create_collection(self.collection, schema=schema, index_params=params)

    def drop(self) -> None:
        """Remove the collection (a build that cannot reuse it starts a new one)."""
        if self._client.has_collection(self.collection):
            self._client.drop_collection(self.collection)
        self._create()
        self._client.load_collection(self.collection)

    # ---- writing ----

    def upsert(self, vids: list[int], vectors: np.ndarray, texts: list[str]) -> None:
        for start in range(0, len(vids), BATCH):
            rows = [
                {"vid": int(v), "text": t[:TEXT_LIMIT] or " ", "dense": vec.tolist()}
                for v, vec, t in zip(
                    vids[start : start + BATCH],
                    vectors[start : start + BATCH],
                    texts[start : start + BATCH],
                    strict=True,
                )
            ]
            self._client.upsert(self.collection, rows)

    def remove(self, vids: list[int]) -> None:
        for start in range(0, len(vids), BATCH):
            self._client.delete(self.collection, ids=[int(v) for v in vids[start : start + BATCH]])

    def flush(self) -> None:
        """Seal what was written: milvus-lite searches sealed segments through its index
        (10 ms for 20,000 vectors) and unsealed rows one by one (430 ms)."""
        self._client.flush(self.collection)

    def fit(self, min_chunks: int) -> None:
        """Exact search below ``min_chunks`` vectors, IVF_FLAT with about 4·√n clusters from
        there on (retrained when the collection outgrows it): the policy vectors.py applies
        to FAISS."""
        n = self.count()
        info = self._client.describe_index(self.collection, "dense") or {}
        kind = str(info.get("index_type", "FLAT"))
        nlist = int(info.get("nlist", 0) or (info.get("params") or {}).get("nlist", 0) or 0)
        if n < min_chunks:
            if kind == "FLAT":
                return
            want: dict[str, Any] = {"index_type": "FLAT"}
        else:
            target = nlist_for(n)
            if kind == "IVF_FLAT" and target // 4 <= nlist <= target * 4:
                return
            want = {"index_type": "IVF_FLAT", "params": {"nlist": target}}
        self._client.release_collection(self.collection)
        self._client.drop_index(self.collection, "dense")
        params = self._client.prepare_index_params()
        params.add_index("dense", metric_type="IP", **want)
        self._client.create_index(self.collection, params)
        self._client.load_collection(self.collection)

    def vectors(self, vids: list[int]) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        for start in range(0, len(vids), BATCH):
            rows = self._client.get(self.collection, ids=[int(v) for v in vids[start : start + BATCH]])
            for row in rows:
                out[int(row["vid"])] = np.asarray(row["dense"], dtype=np.float32)
        return out

    # ---- reading ----

    def search(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        hits = self._client.search(
            self.collection,
            data=[np.asarray(query, dtype=np.float32).reshape(-1).tolist()],
            anns_field="dense",
            limit=n,
            output_fields=["vid"],
            search_params={"metric_type": "IP", "params": {"nprobe": self.nprobe}},
        )
        return [(int(h["vid"] if "vid" in h else h["id"]), float(h["distance"])) for h in _first(hits)]

    def keyword(self, text: str, n: int) -> list[tuple[int, float]]:
        if not text.strip():
            return []
        hits = self._client.search(
            self.collection,
            data=[text],
            anns_field="sparse",
            limit=n,
            output_fields=["vid"],
            search_params={"metric_type": "BM25"},
        )
        # milvus-lite reports BM25 as a distance (lower is better), a server as a score
        out = [(int(h["vid"] if "vid" in h else h["id"]), float(h["distance"])) for h in _first(hits)]
        if out and out[0][1] < 0:
            out = [(v, -d) for v, d in out]
        return [(v, s) for v, s in out if s > 0]

    def count(self) -> int:
        stats = self._client.get_collection_stats(self.collection)
        return int(stats.get("row_count", 0))

    def describe(self) -> str:
        info = self._client.describe_index(self.collection, "dense") or {}
        return f"milvus {self.uri} {self.collection} ({info.get('index_type', 'FLAT')})"

    def close(self) -> None:
        self._client.close()


def _first(hits: Any) -> list[dict[str, Any]]:
    rows = list(hits[0]) if hits else []
    return [dict(h) for h in rows]
