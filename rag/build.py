"""Build or update the index: the writer side.

A build is a few steps: take the writer lock, read the corpus, plan which chunks keep
their vectors, embed the rest (checkpointed, so a killed build resumes), update the
vectors, and publish. Publishing writes a new folder and only then points ``CURRENT`` at
it, so an interrupted build leaves the previous index intact and readers never see half
of one. Updates reuse the vectors of unchanged files, and of unchanged chunks (by the hash
of their text) in changed or renamed ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import vectors as dense
from .checkpoint import Checkpoints, text_hash, writer_lock
from .chunk import chunk_document
from .embed import Embedder, fingerprint
from .errors import ConfigError, CorpusError, IndexCorruptError, IndexMissingError
from .ingest import SUFFIXES, corpus_files, load_document
from .lexicon import Lexicon
from .lexicon import tokens as lexicon_tokens
from .manifest import FORMAT_VERSION, FileState, Manifest, sha256_of
from .settings import Settings
from .snapshot import Snapshot, chunking, embed_text, index_text, store_of
from .stores.postings import Postings
from .types import Chunk, Document

if TYPE_CHECKING:
    from .stores.milvus import MilvusStore

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total) embedding progress
CHECKPOINT_CHUNKS = 32  # vectors saved together while a build runs (about two seconds of work)


@dataclass
class BuildReport:
    documents: int
    chunks: int
    embedded: int
    reused: int
    removed_files: int
    skipped: list[str]
    seconds: float
    path: Path
    chars_in: int = 0  # characters of text the indexed files held
    chars_kept: int = 0  # characters of it that cleaning kept
    heavy_losses: list[tuple[str, float]] = field(default_factory=list)  # (doc_id, share kept) < 0.8

    def summary(self) -> str:
        kept = f", {self.chars_kept / self.chars_in:.1%} of characters kept" if self.chars_in else ""
        skipped = f", {len(self.skipped)} files skipped" if self.skipped else ""
        read = self.documents + len(self.skipped)
        return (
            f"{read} files read: {self.documents} documents, {self.chunks} chunks ({self.embedded} embedded, "
            f"{self.reused} reused, {self.removed_files} files removed){skipped}{kept}, {self.seconds:.1f} s"
        )

    def summary_zh(self) -> str:
        """The summary in Chinese, for the Chinese UI."""
        kept = f"，保留了 {self.chars_kept / self.chars_in:.1%} 的文字" if self.chars_in else ""
        skipped = f"，跳过 {len(self.skipped)} 个无法读取的文件" if self.skipped else ""
        return (
            f"读取 {self.documents + len(self.skipped)} 个文件：{self.documents} 篇文档、{self.chunks} 个片段"
            f"（新嵌入 {self.embedded} 个，复用 {self.reused} 个，移除 {self.removed_files} 个文件）"
            f"{skipped}{kept}，用时 {self.seconds:.1f} 秒"
        )

    def details(self) -> list[str]:
        """One line per skipped file (with the reason) and per document that lost over 20%."""
        lines = [f"skipped: {reason}" for reason in self.skipped]
        lines += [f"cleaning kept only {share:.0%} of {doc_id}" for doc_id, share in self.heavy_losses]
        return lines


def build_index(
    settings: Settings, embedder: Embedder, progress: Progress | None = None, wait: bool = True
) -> BuildReport:
    """Build or update the index of ``settings.corpus_dir``; only changed text is embedded.

    One builder at a time (see ``checkpoint.writer_lock``): another waits, or with
    ``wait=False`` raises ``IndexBusyError``. A build killed half-way resumes from its
    embedding checkpoints.
    """
    try:
        with writer_lock(settings.index_dir, wait=wait):
            for leftover in settings.index_dir.glob(".build-*"):  # a killed build's unpublished folder
                shutil.rmtree(leftover, ignore_errors=True)
            return _build(settings, embedder, progress)
    except OSError as exc:  # the folder itself: permissions, a file in the way, a full disk
        raise ConfigError(
            f"cannot write the index in {settings.index_dir}: {exc.strerror or exc}; check that the "
            "folder is writable and the disk has room, or choose another with RAG_INDEX_DIR",
            zh=f"无法在 {settings.index_dir} 写入索引：{exc.strerror or exc}。请检查文件夹权限和磁盘空间，"
            "或用 RAG_INDEX_DIR 换一个文件夹。",
        ) from exc


@dataclass
class _Plan:
    """The chunks of the new index and where each vector comes from."""

    chunks: list[Chunk] = field(default_factory=list)
    vids: list[int] = field(default_factory=list)
    new: list[int] = field(default_factory=list)  # positions of chunks that need a vector
    reused_vids: set[int] = field(default_factory=set)  # vectors kept in place from the old index


def _build(settings: Settings, embedder: Embedder, progress: Progress | None) -> BuildReport:
    started = time.perf_counter()
    old = _previous(settings, embedder)
    if old is not None and old.staleness(settings, embedder) is None:
        return _report(old.docs.values(), len(old.chunks), 0, 0, [], old.path, started)
    if old is not None and not _vectors_reusable(old, settings, embedder):
        old = None
    files, docs, skipped = _read_corpus(settings)
    plan = _plan(docs, old, settings)
    checkpoints = Checkpoints(settings.index_dir, embedder.id)
    new_chunks = [plan.chunks[p] for p in plan.new]
    store = _milvus(settings, embedder.dim, fresh=old is None) if settings.store == "milvus" else None
    known = _old_vectors(old, plan, store)
    vectors, embedded = _embed_all(embedder, new_chunks, progress, checkpoints, known)
    old_tokens: dict[int, list[str]] = {}
    if old is not None and old.words is not None:
        old_tokens = {id(c): t for c, t in zip(old.chunks, old.words, strict=True)}
    tokens = [old_tokens.get(id(c)) or lexicon_tokens(index_text(c)) for c in plan.chunks]
    if store is not None:
        _update_store(store, old, plan, vectors, tokens)
        store.fit(settings.ann_min_chunks)
        index, searched = None, store.describe()
    else:
        index = _update_vectors(old, plan, vectors, embedder.dim, settings)
        searched = dense.kind(index)
    store_name, store_uri, store_collection = store_of(settings)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        embedder=embedder.id,
        embedder_hash=fingerprint(embedder),
        dim=embedder.dim,
        dense_search=searched,
        store=store_name,
        store_uri=store_uri,
        store_collection=store_collection,
        chunking=chunking(settings),
        corpus_dir=str(settings.corpus_dir.resolve()),
        files=_file_states(settings, files, docs, skipped, plan.chunks),
        documents=len(docs),
        chunks=len(plan.chunks),
        built_at=time.strftime("%Y-%m-%d %H:%M:%S"),
        seconds=round(time.perf_counter() - started, 3),
        checksums={},
    )
    final = _publish(settings, manifest, docs, plan, tokens, index)
    checkpoints.clear()
    removed = len(set(old.docs) - {d.doc_id for d in docs}) if old is not None else 0
    return _report(docs, len(plan.chunks), embedded, removed, skipped, final, started)


def _report(
    docs: Iterable[Document],
    chunks: int,
    embedded: int,
    removed: int,
    skipped: list[str],
    path: Path,
    started: float,
) -> BuildReport:
    docs = list(docs)
    return BuildReport(
        documents=len(docs),
        chunks=chunks,
        embedded=embedded,
        reused=chunks - embedded,
        removed_files=removed,
        skipped=skipped,
        seconds=time.perf_counter() - started,
        path=path,
        chars_in=sum(d.chars_in for d in docs),
        chars_kept=sum(d.chars_kept for d in docs),
        heavy_losses=[(d.doc_id, round(d.kept_share, 3)) for d in docs if d.kept_share < 0.8],
    )


def _previous(settings: Settings, embedder: Embedder) -> Snapshot | None:
    """The published index, when there is a readable one, with its chunks' words to reuse."""
    try:
        return Snapshot.load(settings, words=True)
    except (IndexMissingError, IndexCorruptError) as exc:
        log.info("building a new index: %s", exc)
        return None


def _vectors_reusable(old: Snapshot, settings: Settings, embedder: Embedder) -> bool:
    """Same embedder and same chunk boundaries: unchanged files keep their chunks and vectors."""
    m = old.manifest
    same_space = m.embedder == embedder.id and m.embedder_hash in ("", fingerprint(embedder))
    same_store = (m.store, m.store_uri, m.store_collection) == store_of(settings)
    return same_space and same_store and m.chunking == chunking(settings)


def _read_corpus(settings: Settings) -> tuple[list[Path], list[Document], list[str]]:
    """Every file of the corpus, the documents read from them, and why others were skipped."""
    files = corpus_files(settings.corpus_dir)
    docs: list[Document] = []
    skipped: list[str] = []
    for path in files:
        try:
            docs.append(load_document(path, settings.corpus_dir))
        except CorpusError as exc:
            log.warning("skipped: %s", exc)
            skipped.append(str(exc))
    if not docs:
        raise CorpusError(
            f"no indexable document in {settings.corpus_dir} ({', '.join(SUFFIXES)}): add some files",
            zh=f"{settings.corpus_dir} 中没有可索引的文档：请添加 {', '.join(SUFFIXES)} 文件。",
        )
    return files, docs, skipped


def _plan(docs: list[Document], old: Snapshot | None, settings: Settings) -> _Plan:
    """Unchanged documents keep their chunks and vector ids; the others are chunked anew."""
    old_rows: dict[str, tuple[str, list[int]]] = {}
    if old is not None:
        for row, ch in enumerate(old.chunks):
            sha = old.docs[ch.doc_id].sha256 if ch.doc_id in old.docs else ""
            old_rows.setdefault(ch.doc_id, (sha, []))[1].append(row)
    plan = _Plan()
    next_vid = (max(old.vids) + 1) if old is not None and old.vids else 0
    for doc in docs:
        prev = old_rows.get(doc.doc_id)
        if old is not None and prev is not None and prev[0] == doc.sha256:
            for row in prev[1]:
                plan.chunks.append(old.chunks[row])
                plan.vids.append(old.vids[row])
                plan.reused_vids.add(old.vids[row])
            continue
        for ch in chunk_document(doc, settings.chunk_chars, settings.chunk_overlap):
            plan.new.append(len(plan.chunks))
            plan.chunks.append(ch)
            plan.vids.append(next_vid)
            next_vid += 1
    return plan


def _old_vectors(old: Snapshot | None, plan: _Plan, store: MilvusStore | None) -> dict[str, np.ndarray]:
    """Vectors of the old index's chunks that are not kept in place, by text hash: a changed
    or renamed document keeps the vectors of its unchanged chunks."""
    if old is None or len(plan.reused_vids) == len(old.vids):
        return {}
    moved = [v for v in old.vids if v not in plan.reused_vids]
    if store is not None:
        by_vid = store.vectors(moved)
    else:
        vecs, ids = dense.all_vectors(old.faiss_index)
        by_vid = {int(v): vecs[i] for i, v in enumerate(ids)}
    return {
        text_hash(embed_text(c)): by_vid[v]
        for c, v in zip(old.chunks, old.vids, strict=True)
        if v not in plan.reused_vids and v in by_vid
    }


def _milvus(settings: Settings, dim: int, fresh: bool) -> MilvusStore:
    """The Milvus collection of this index; emptied when nothing of the old index is reused."""
    from .stores.milvus import MilvusStore

    store = MilvusStore(
        settings.milvus_target, settings.milvus_collection, dim, create=True, nprobe=settings.ann_nprobe
    )
    if fresh:
        store.drop()
    return store


def _update_store(
    store: MilvusStore, old: Snapshot | None, plan: _Plan, vectors: np.ndarray, tokens: list[list[str]]
) -> None:
    """Delete the vectors no chunk keeps and upsert the new ones with their words (upsert: a
    killed build may have written some of these vids already)."""
    if old is not None:
        store.remove([v for v in old.vids if v not in plan.reused_vids])
    if plan.new:
        words = [" ".join(tokens[p]) for p in plan.new]
        store.upsert([plan.vids[p] for p in plan.new], vectors, words)
    store.flush()


def _embed_all(
    embedder: Embedder,
    chunks: list[Chunk],
    progress: Progress | None,
    checkpoints: Checkpoints,
    known: dict[str, np.ndarray],
) -> tuple[np.ndarray, int]:
    """Vectors of ``chunks`` and how many were embedded now; the rest come from ``known``
    and from the checkpoints of an interrupted build."""
    texts = [embed_text(c) for c in chunks]
    hashes = [text_hash(t) for t in texts]
    if chunks:
        known = checkpoints.load() | known
    out = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    todo = []
    for i, h in enumerate(hashes):
        if h in known and known[h].shape == (embedder.dim,):
            out[i] = known[h]
        else:
            todo.append(i)
    batch, pending = 16, []
    for start in range(0, len(todo), batch):
        rows = todo[start : start + batch]
        out[rows] = embedder.embed_passages([texts[r] for r in rows])
        pending += rows
        if len(pending) >= CHECKPOINT_CHUNKS or start + batch >= len(todo):
            checkpoints.save([hashes[r] for r in pending], out[pending])
            pending = []
        if progress:
            progress(len(chunks) - len(todo) + min(start + batch, len(todo)), len(chunks))
    return np.ascontiguousarray(out), len(todo)


def _update_vectors(
    old: Snapshot | None, plan: _Plan, vectors: np.ndarray, dim: int, settings: Settings
) -> Any:
    """The old FAISS index less the vectors no chunk keeps, plus the new ones; switched
    between exact and approximate by size (vectors.py)."""
    if old is not None:
        index = old.faiss_index
        stale = np.array([v for v in old.vids if v not in plan.reused_vids], dtype=np.int64)
        if len(stale):
            index.remove_ids(stale)
    else:
        index = dense.exact(dim)
    if plan.new:
        index.add_with_ids(vectors, np.array([plan.vids[p] for p in plan.new], dtype=np.int64))
    return dense.fit(index, settings)


def _file_states(
    settings: Settings, files: list[Path], docs: list[Document], skipped: list[str], chunks: list[Chunk]
) -> dict[str, FileState]:
    """Every source file, skipped ones included, so that they do not make the index look stale."""
    by_path = {Path(d.path): d for d in docs}
    per_doc = Counter(c.doc_id for c in chunks)
    states = {}
    for path in files:
        source = by_path.get(path)
        key = str(path.relative_to(settings.corpus_dir))
        if source is None:
            states[key] = FileState(
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                doc_id=None,
                skipped=next((s for s in skipped if str(path) in s), "unreadable"),
            )
        else:
            states[key] = FileState(
                sha256=source.sha256,
                doc_id=source.doc_id,
                chunks=per_doc[source.doc_id],
                chars_in=source.chars_in,
                chars_kept=source.chars_kept,
                removed=dict(Counter(r.reason for r in source.removed)),
            )
    return states


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _publish(
    settings: Settings,
    manifest: Manifest,
    docs: list[Document],
    plan: _Plan,
    tokens: list[list[str]],
    index: Any,
) -> Path:
    """Write the build into a hidden folder, checksum it, rename it into place and point
    ``CURRENT`` at it; then delete older builds. Returns the published folder."""
    import faiss

    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=settings.index_dir))
    try:
        _write_json(tmp / "docs.json", [d.model_dump() for d in docs])
        rows = zip(plan.chunks, plan.vids, tokens, strict=True)
        _write_json(tmp / "chunks.json", [c.model_dump() | {"vid": v, "tokens": t} for c, v, t in rows])
        _write_json(tmp / "lexicon.json", Lexicon.from_token_lists(tokens).to_json())
        if index is not None:
            faiss.write_index(index, str(tmp / "vectors.faiss"))
            Postings.build(tokens).save(tmp)
        manifest.checksums = {name: sha256_of(tmp / name) for name in manifest.artefacts()}
        manifest.write(tmp)
        final = settings.index_dir / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{tmp.name[-6:]}"
        os.replace(tmp, final)
        pointer = settings.index_dir / ".CURRENT.tmp"
        pointer.write_text(final.name)
        os.replace(pointer, settings.index_dir / "CURRENT")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for stale_dir in settings.index_dir.glob("build-*"):
        if stale_dir != final:
            shutil.rmtree(stale_dir, ignore_errors=True)
    return final
