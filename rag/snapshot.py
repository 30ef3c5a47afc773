"""A published build of the index, loaded for reading.

Layout of ``index_dir``::

    CURRENT               name of the live build folder (replaced atomically)
    .lock                 the writer lock (pid of the builder; see checkpoint.py)
    embeddings/           vectors saved while a build runs, so a killed build resumes
    prefix-<key>.npz      the chat model's KV state of the fixed instructions (generate.py)
    build-<stamp>/
        manifest.json     format version, embedder, chunking, sources and checksums (manifest.py)
        docs.json         cleaned documents (what citations point into)
        chunks.json       chunks with their vector ids and BM25 tokens
        lexicon.json      how many chunks hold each token (how specific a word is here)
        vectors.faiss     FAISS index over normalised vectors: exact (IndexIDMap2 over
                          IndexFlatIP), or IVF for large corpora (see vectors.py)
        keyword-*         BM25 postings of the chunks' words, memory-mapped by readers
                          (stores/postings.py)

Readers only read: ``Snapshot.load`` opens what ``CURRENT`` names, checks every file
against the manifest's checksums, and raises ``IndexMissingError`` or ``IndexCorruptError``.
Writing is build.py's job.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import vectors as dense
from .embed import Embedder, fingerprint
from .errors import IndexCorruptError, IndexMissingError
from .ingest import corpus_files
from .lexicon import Lexicon
from .manifest import Manifest
from .normalize import fold
from .settings import Settings
from .stores import Store
from .stores.faiss import FaissStore
from .stores.postings import Postings
from .types import Chunk, Document

log = logging.getLogger(__name__)

# Code whose change alters what gets indexed: a change marks the index stale.
_PIPELINE_MODULES = ("ingest.py", "normalize.py", "chunk.py", "entities.py", "lexicon.py", "build.py")


def pipeline_hash() -> str:
    digest = hashlib.sha256()
    for name in _PIPELINE_MODULES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def chunking(settings: Settings) -> dict[str, object]:
    """What decides the chunks of a corpus: the settings and the indexing code."""
    return {"chunk_chars": settings.chunk_chars, "overlap": settings.chunk_overlap, "code": pipeline_hash()}


def source_hashes(settings: Settings) -> dict[str, str]:
    return {
        str(path.relative_to(settings.corpus_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in corpus_files(settings.corpus_dir)
    }


def index_text(chunk: Chunk) -> str:
    """What both search sides see for a chunk: its section path and subject, then its text."""
    label = " ".join(x for x in (chunk.heading, chunk.lead, chunk.subject) if x)
    return f"{label}：{chunk.text}" if label else chunk.text


def embed_text(chunk: Chunk) -> str:
    """What the dense model sees for a chunk: its folded index text."""
    return fold(index_text(chunk))


def store_of(settings: Settings) -> tuple[str, str, str]:
    """(store, uri, collection) as the manifest records them."""
    if settings.store == "milvus":
        return ("milvus", settings.milvus_target, settings.milvus_collection)
    return ("faiss", "", "")


def current_path(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / "CURRENT").read_text().strip()
    except OSError:
        return None
    return index_dir / name if name else None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexCorruptError(f"index file {path} is missing: rebuild with `rag index`") from exc
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index file {path} is unreadable ({exc}): rebuild with `rag index`") from exc


@dataclass
class Snapshot:
    """A loaded index: documents, chunks, vectors, BM25 and the corpus lexicon."""

    path: Path
    manifest: Manifest
    docs: dict[str, Document]
    chunks: list[Chunk]
    vids: list[int]
    words: list[list[str]] | None  # each chunk's BM25 words; loaded only for a build (see load)
    faiss_index: Any  # None when the vectors live in Milvus
    lexicon: Lexicon
    store: Store = field(repr=False)  # dense and keyword search: FaissStore or MilvusStore
    _row_of_vid: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._row_of_vid = {vid: row for row, vid in enumerate(self.vids)}

    @classmethod
    def load(cls, settings: Settings, words: bool = False) -> Snapshot:
        """The live index of ``settings.index_dir``; raise ``IndexMissingError`` or
        ``IndexCorruptError`` (saying what is wrong).

        ``words``: keep each chunk's BM25 words, which the next build reuses. A reader does
        not need them (its keyword search reads the saved postings), and as Python lists they
        cost more memory than the chunk's vector and postings together."""
        path = current_path(settings.index_dir)
        if path is not None and not path.is_dir():
            raise IndexCorruptError(
                f"{settings.index_dir / 'CURRENT'} names {path.name}, which is gone (deleted or moved): "
                "rebuild with `rag index`",
                zh=f"索引指向的 {path.name} 不见了（被删除或移动）：请运行 `rag index` 重建索引。",
            )
        if path is None:
            raise IndexMissingError(
                f"no index in {settings.index_dir}: run `rag index`",
                zh=f"{settings.index_dir} 中还没有索引：请先运行 `rag index`。",
            )
        manifest = Manifest.read(path)
        manifest.verify(path)
        try:
            docs = {d["doc_id"]: Document(**d) for d in _read_json(path / "docs.json")}
            rows = _read_json(path / "chunks.json")
            chunks = [Chunk(**{k: r[k] for k in Chunk.model_fields}) for r in rows]
            vids = [int(r["vid"]) for r in rows]
            tokens = [list(r["tokens"]) for r in rows] if words else None
            lexicon = Lexicon.from_json(_read_json(path / "lexicon.json"))
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexCorruptError(
                f"the records in {path} do not match this version ({exc}): rebuild with `rag index`"
            ) from exc
        if manifest.store == "milvus":
            from .stores.milvus import MilvusStore

            store = MilvusStore(
                manifest.store_uri, manifest.store_collection, manifest.dim, nprobe=settings.ann_nprobe
            )
            held = store.count()
            if held != len(rows):  # a build killed after updating the collection
                log.warning("the Milvus collection holds %d vectors for %d chunks", held, len(rows))
            return cls(path, manifest, docs, chunks, vids, tokens, None, lexicon, store)
        index = _read_vectors(path / "vectors.faiss")
        dense.configure(index, settings)
        if index.ntotal != len(rows) or index.d != manifest.dim:
            raise IndexCorruptError(
                f"index in {path} holds {index.ntotal} vectors of dim {index.d} for {len(rows)} chunks "
                f"(manifest dim {manifest.dim}): rebuild with `rag index`"
            )
        try:
            postings = Postings.load(path)
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise IndexCorruptError(
                f"the keyword index in {path} is unreadable ({exc}): rebuild with `rag index`",
                zh=f"{path} 中的关键词索引无法读取：请运行 `rag index` 重建索引。",
            ) from exc
        if postings.chunks != len(rows):
            raise IndexCorruptError(
                f"the keyword index in {path} covers {postings.chunks} chunks of {len(rows)}: "
                "rebuild with `rag index`",
                zh=f"{path} 中的关键词索引与分块数不符：请运行 `rag index` 重建索引。",
            )
        faiss_store = FaissStore(index, vids, postings)
        return cls(path, manifest, docs, chunks, vids, tokens, index, lexicon, faiss_store)

    def staleness(self, settings: Settings, embedder: Embedder) -> str | None:
        """Why this index does not match settings and corpus, or None when it does."""
        m = self.manifest
        if m.embedder != embedder.id:
            return f"embedder changed ({m.embedder} -> {embedder.id})"
        if m.embedder_hash not in ("", fingerprint(embedder)):  # "": built before fingerprints
            return f"the weights of embedder {embedder.id} changed"
        if (m.store, m.store_uri, m.store_collection) != store_of(settings):
            return f"the store changed ({m.store} -> {settings.store})"
        if m.corpus_dir != str(settings.corpus_dir.resolve()):
            return f"it was built from another corpus folder ({m.corpus_dir})"
        if m.chunking != chunking(settings):
            return "chunking settings or indexing code changed"
        now = source_hashes(settings)
        before = m.source_hashes()
        if now != before:
            added = len(now.keys() - before.keys())
            removed = len(before.keys() - now.keys())
            changed = sum(1 for k in now.keys() & before.keys() if now[k] != before[k])
            return f"files changed since it was built ({added} added, {changed} changed, {removed} gone)"
        return None

    def usable_for(self, settings: Settings, embedder: Embedder) -> bool:
        """Whether a reader may answer from it though stale: its vectors are in the embedder's
        space and it indexes this corpus folder (an older state of it)."""
        m = self.manifest
        same_space = m.embedder == embedder.id and m.embedder_hash in ("", fingerprint(embedder))
        same_store = (m.store, m.store_uri, m.store_collection) == store_of(settings)
        return same_space and same_store and m.corpus_dir == str(settings.corpus_dir.resolve())

    def search(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Dense search: (chunk row, cosine similarity), best first."""
        if not self.chunks:
            return []
        hits = self.store.search(query, min(n, len(self.chunks)))
        # a store updated by a newer build may hold vectors this one does not know
        return [(self._row_of_vid[v], s) for v, s in hits if v in self._row_of_vid]

    def keyword(self, question: str, n: int) -> list[tuple[int, float]]:
        """BM25 search: (chunk row, score), best first; only chunks sharing a word. Both
        stores get the words of this package's segmenter, joined by spaces."""
        tokens = self.lexicon.tokens(question)
        if not tokens or not self.chunks:
            return []
        hits = self.store.keyword(" ".join(tokens), min(n, len(self.chunks)))
        return [(self._row_of_vid[v], s) for v, s in hits if v in self._row_of_vid]


def _read_vectors(path: Path) -> Any:
    import faiss

    try:
        return faiss.read_index(str(path))
    except RuntimeError as exc:
        raise IndexCorruptError(f"{path} is unreadable: rebuild with `rag index`") from exc
