"""Build, update and load the persisted hybrid index.

Layout of ``index_dir``::

    CURRENT               name of the live build folder (replaced atomically)
    .lock                 the writer lock (pid of the builder; see checkpoint.py)
    embeddings/           vectors saved while a build runs, so a killed build resumes
    prefix-<key>.npz      the chat model's KV state of the fixed instructions (generate.py)
    build-<stamp>/
        manifest.json     format version, embedder id and dim, chunking, source hashes
        docs.json         cleaned documents (what citations point into)
        chunks.json       chunks with their vector ids and BM25 tokens
        lexicon.json      how many chunks hold each token (how specific a word is here)
        vectors.faiss     FAISS index over normalised vectors: exact (IndexIDMap2 over
                          IndexFlatIP), or IVF for large corpora (see vectors.py)

A build writes a new folder and only then points ``CURRENT`` at it, so an interrupted
build leaves the previous index intact. Updates reuse the vectors of unchanged files, and
of unchanged chunks (by the hash of their text) in changed ones.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import vectors as dense
from .checkpoint import Checkpoints, text_hash, writer_lock
from .chunk import chunk_document
from .embed import Embedder
from .errors import ConfigError, CorpusError, IndexCorruptError, IndexMissingError
from .ingest import SUFFIXES, corpus_files, load_document
from .lexicon import Lexicon
from .lexicon import tokens as lexicon_tokens
from .normalize import fold
from .settings import Settings
from .types import Chunk, Document

log = logging.getLogger(__name__)

FORMAT_VERSION = 4
# Code whose change alters what gets indexed: a change forces a full rebuild.
_PIPELINE_MODULES = ("ingest.py", "normalize.py", "chunk.py", "entities.py", "lexicon.py", "index.py")


def pipeline_hash() -> str:
    digest = hashlib.sha256()
    for name in _PIPELINE_MODULES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


Progress = Callable[[int, int], None]  # (done, total) embedding progress


@dataclass
class IndexData:
    """A loaded index: documents, chunks, vectors, BM25 and the corpus lexicon."""

    path: Path
    manifest: dict[str, Any]
    docs: dict[str, Document]
    chunks: list[Chunk]
    vids: list[int]
    tokens: list[list[str]]
    faiss_index: Any
    lexicon: Lexicon
    _bm25: Any = field(default=None, repr=False)

    @property
    def bm25(self) -> Any:
        if self._bm25 is None:
            import bm25s

            # bm25s sets its own logger to DEBUG when imported; undo that side effect
            logging.getLogger("bm25s").setLevel(logging.WARNING)
            retriever = bm25s.BM25(k1=1.2, b=0.75)
            retriever.index(self.tokens if self.tokens else [[""]], show_progress=False)
            self._bm25 = retriever
        return self._bm25


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


def _retention(docs: list[Document]) -> dict[str, Any]:
    return {
        "chars_in": sum(d.chars_in for d in docs),
        "chars_kept": sum(d.chars_kept for d in docs),
        "heavy_losses": [(d.doc_id, round(d.kept_share, 3)) for d in docs if d.kept_share < 0.8],
    }


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexCorruptError(f"index file {path} is missing: rebuild with `rag index`") from exc
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index file {path} is unreadable ({exc}): rebuild with `rag index`") from exc


ARTEFACTS = ("docs.json", "chunks.json", "lexicon.json", "vectors.faiss")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_checksums(path: Path, manifest: dict[str, Any]) -> None:
    """Raise ``IndexCorruptError`` naming every artefact whose bytes differ from the manifest's
    record of them (a damaged disk, a partial copy, a hand edit)."""
    recorded = manifest.get("checksums") or {}
    bad = []
    for name in ARTEFACTS:
        try:
            if _sha256(path / name) != recorded.get(name):
                bad.append(name)
        except OSError as exc:
            bad.append(f"{name} ({exc.strerror})")
    if bad:
        raise IndexCorruptError(
            f"index in {path}: {', '.join(bad)} changed or damaged since it was built (checksum "
            "mismatch): rebuild with `rag index`",
            zh=f"{path} 中的索引文件 {', '.join(bad)} 已损坏（校验和不符）：请运行 `rag index` 重建索引。",
        )


def current_path(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / "CURRENT").read_text().strip()
    except OSError:
        return None
    return index_dir / name if name else None


def load_index(settings: Settings) -> IndexData:
    """Load the live index; raise ``IndexMissingError`` or ``IndexCorruptError``."""
    import faiss

    path = current_path(settings.index_dir)
    if path is None or not path.is_dir():
        raise IndexMissingError(f"no index in {settings.index_dir}: run `rag index`")
    manifest = _read_json(path / "manifest.json")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(
            f"index in {path} has format {manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}: rebuild with `rag index`"
        )
    verify_checksums(path, manifest)
    try:
        docs = {d["doc_id"]: Document(**d) for d in _read_json(path / "docs.json")}
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexCorruptError(
            f"documents in {path} do not match this version: rebuild with `rag index`"
        ) from exc
    rows = _read_json(path / "chunks.json")
    try:
        lexicon = Lexicon.from_json(_read_json(path / "lexicon.json"))
    except ValueError as exc:
        raise IndexCorruptError(f"{path / 'lexicon.json'} does not match this version: rebuild") from exc
    try:
        index = faiss.read_index(str(path / "vectors.faiss"))
    except RuntimeError as exc:
        raise IndexCorruptError(f"{path / 'vectors.faiss'} is unreadable: rebuild with `rag index`") from exc
    dense.configure(index, settings)
    if index.ntotal != len(rows) or index.d != manifest.get("dim"):
        raise IndexCorruptError(
            f"index in {path} holds {index.ntotal} vectors of dim {index.d} for {len(rows)} chunks "
            f"(manifest dim {manifest.get('dim')}): rebuild with `rag index`"
        )
    try:
        chunks = [Chunk(**{k: r[k] for k in Chunk.model_fields}) for r in rows]
        vids = [int(r["vid"]) for r in rows]
        tokens = [list(r["tokens"]) for r in rows]
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexCorruptError(
            f"chunk records in {path} do not match this version: rebuild with `rag index`"
        ) from exc
    return IndexData(
        path=path,
        manifest=manifest,
        docs=docs,
        chunks=chunks,
        vids=vids,
        tokens=tokens,
        faiss_index=index,
        lexicon=lexicon,
    )


def _chunking(settings: Settings) -> dict[str, object]:
    return {"chunk_chars": settings.chunk_chars, "overlap": settings.chunk_overlap, "code": pipeline_hash()}


def _source_hashes(settings: Settings) -> dict[str, str]:
    out = {}
    for path in corpus_files(settings.corpus_dir):
        out[str(path.relative_to(settings.corpus_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def staleness(settings: Settings, embedder: Embedder, data: IndexData) -> str | None:
    """Why the loaded index does not match settings and corpus, or None when it does."""
    m = data.manifest
    if m.get("embedder") != embedder.id:
        return f"embedder changed ({m.get('embedder')} -> {embedder.id})"
    if m.get("chunking") != _chunking(settings):
        return "chunking settings or indexing code changed"
    if m.get("corpus_dir") != str(settings.corpus_dir.resolve()):
        return "corpus folder changed"
    if {k: v["sha256"] for k, v in m.get("files", {}).items()} != _source_hashes(settings):
        return "corpus files changed"
    return None


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


def _build(settings: Settings, embedder: Embedder, progress: Progress | None) -> BuildReport:
    import faiss

    started = time.perf_counter()
    old: IndexData | None = None
    try:
        old = load_index(settings)
        if staleness(settings, embedder, old) is None:
            return BuildReport(
                documents=len(old.docs),
                chunks=len(old.chunks),
                embedded=0,
                reused=len(old.chunks),
                removed_files=0,
                skipped=[],
                seconds=time.perf_counter() - started,
                path=old.path,
                **_retention(list(old.docs.values())),
            )
        if old.manifest.get("embedder") != embedder.id or old.manifest.get("chunking") != _chunking(settings):
            old = None  # vectors or chunk boundaries cannot be reused
    except (IndexMissingError, IndexCorruptError) as exc:
        log.info("building a new index: %s", exc)
        old = None

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

    old_by_doc: dict[str, tuple[str, list[int]]] = {}
    if old is not None:
        for i, ch in enumerate(old.chunks):
            sha = old.docs[ch.doc_id].sha256 if ch.doc_id in old.docs else ""
            old_by_doc.setdefault(ch.doc_id, (sha, []))[1].append(i)

    chunks: list[Chunk] = []
    vids: list[int] = []
    new_chunks: list[Chunk] = []
    new_positions: list[int] = []
    reused_vids: set[int] = set()
    next_vid = (max(old.vids) + 1) if old is not None and old.vids else 0
    for doc in docs:
        prev = old_by_doc.get(doc.doc_id)
        if old is not None and prev is not None and prev[0] == doc.sha256:
            for i in prev[1]:
                chunks.append(old.chunks[i])
                vids.append(old.vids[i])
                reused_vids.add(old.vids[i])
            continue
        for ch in chunk_document(doc, settings.chunk_chars, settings.chunk_overlap):
            new_positions.append(len(chunks))
            chunks.append(ch)
            vids.append(next_vid)
            next_vid += 1
            new_chunks.append(ch)

    checkpoints = Checkpoints(settings.index_dir, embedder.id)
    vectors, embedded = _embed_all(
        embedder, new_chunks, progress, checkpoints, _old_vectors(old, reused_vids)
    )
    if old is not None:
        index = old.faiss_index
        stale = np.array([v for v in old.vids if v not in reused_vids], dtype=np.int64)
        if len(stale):
            index.remove_ids(stale)
    else:
        index = dense.exact(embedder.dim)
    if len(new_chunks):
        index.add_with_ids(vectors, np.array([vids[p] for p in new_positions], dtype=np.int64))
    index = dense.fit(index, settings)

    old_tokens = {id(old.chunks[i]): old.tokens[i] for i in range(len(old.chunks))} if old is not None else {}
    tokens = [old_tokens.get(id(c)) or lexicon_tokens(index_text(c)) for c in chunks]
    lexicon = Lexicon.from_token_lists(tokens)
    old_ids = set(old.docs) if old is not None else set()
    removed = len(old_ids - {d.doc_id for d in docs})

    # every source file, skipped ones included, so that they do not make the index look stale
    file_state: dict[str, dict[str, object]] = {}
    by_path = {Path(d.path): d for d in docs}
    per_doc = Counter(c.doc_id for c in chunks)
    for path in files:
        source = by_path.get(path)
        key = str(path.relative_to(settings.corpus_dir))
        if source is None:
            file_state[key] = {
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "doc_id": None,
                "chunks": 0,
                "skipped": next((s for s in skipped if str(path) in s), "unreadable"),
            }
        else:
            file_state[key] = {
                "sha256": source.sha256,
                "doc_id": source.doc_id,
                "chunks": per_doc[source.doc_id],
                "chars_in": source.chars_in,
                "chars_kept": source.chars_kept,
                "removed": dict(Counter(r.reason for r in source.removed)),
            }
    manifest: dict[str, object] = {
        "format_version": FORMAT_VERSION,
        "embedder": embedder.id,
        "dim": embedder.dim,
        "dense_search": dense.kind(index),
        "chunking": _chunking(settings),
        "corpus_dir": str(settings.corpus_dir.resolve()),
        "files": file_state,
        "documents": len(docs),
        "chunks": len(chunks),
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    manifest["seconds"] = round(time.perf_counter() - started, 3)

    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=settings.index_dir))
    try:
        _write_json(tmp / "docs.json", [d.model_dump() for d in docs])
        _write_json(
            tmp / "chunks.json",
            [c.model_dump() | {"vid": v, "tokens": t} for c, v, t in zip(chunks, vids, tokens, strict=True)],
        )
        _write_json(tmp / "lexicon.json", lexicon.to_json())
        faiss.write_index(index, str(tmp / "vectors.faiss"))
        manifest["checksums"] = {name: _sha256(tmp / name) for name in ARTEFACTS}
        _write_json(tmp / "manifest.json", manifest)
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
    checkpoints.clear()
    return BuildReport(
        documents=len(docs),
        chunks=len(chunks),
        embedded=embedded,
        reused=len(chunks) - embedded,
        removed_files=removed,
        skipped=skipped,
        seconds=time.perf_counter() - started,
        path=final,
        **_retention(docs),
    )


def index_text(chunk: Chunk) -> str:
    """What both search sides see for a chunk: its section path and subject, then its text."""
    label = " ".join(x for x in (chunk.heading, chunk.lead, chunk.subject) if x)
    return f"{label}：{chunk.text}" if label else chunk.text


def embed_text(chunk: Chunk) -> str:
    """What the dense model sees for a chunk: its folded index text."""
    return fold(index_text(chunk))


CHECKPOINT_CHUNKS = 32  # vectors saved together while a build runs (about two seconds of work)


def _old_vectors(old: IndexData | None, reused_vids: set[int]) -> dict[str, np.ndarray]:
    """Vectors of the old index's chunks that are not reused as they are, by text hash: a
    changed document keeps the vectors of its unchanged chunks."""
    if old is None or len(reused_vids) == len(old.vids):
        return {}
    vecs, ids = dense.all_vectors(old.faiss_index)
    row_of = {int(v): i for i, v in enumerate(ids)}
    return {
        text_hash(embed_text(c)): vecs[row_of[v]]
        for c, v in zip(old.chunks, old.vids, strict=True)
        if v not in reused_vids and v in row_of
    }


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


def ensure_index(settings: Settings, embedder: Embedder, progress: Progress | None = None) -> IndexData:
    """The live index, built or updated first when missing, corrupt or stale."""
    try:
        data = load_index(settings)
        reason = staleness(settings, embedder, data)
        if reason is None:
            return data
        log.info("index is stale (%s); updating", reason)
    except IndexMissingError:
        log.info("no index yet; building one from %s", settings.corpus_dir)
    except IndexCorruptError as exc:
        if settings.corrupt_index == "refuse":
            raise
        log.warning("%s; rebuilding it now (RAG_CORRUPT_INDEX=refuse stops instead)", exc)
    build_index(settings, embedder, progress)
    return load_index(settings)
