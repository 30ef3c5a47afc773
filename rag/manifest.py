"""The manifest of a published index: what it was built from and the checksum of each file.

It is the first file a reader opens. A manifest from another format version, with a
missing field or a field of the wrong type is an ``IndexCorruptError`` that says which; a
manifest written by a newer version says so, so that nobody mistakes it for damage.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import IndexCorruptError
from .stores.postings import FILES as POSTINGS_FILES

FORMAT_VERSION = 5  # 5: the FAISS store's BM25 postings saved beside its vectors
ARTEFACTS = ("docs.json", "chunks.json", "lexicon.json")
FAISS_ARTEFACTS = ("vectors.faiss", *POSTINGS_FILES)


class FileState(BaseModel):
    """One file of the corpus as the build saw it; skipped files are recorded too, so that
    they do not make the index look stale."""

    model_config = ConfigDict(extra="forbid")

    sha256: str
    doc_id: str | None
    chunks: int = 0
    skipped: str | None = None  # why the file could not be read
    chars_in: int = 0
    chars_kept: int = 0
    removed: dict[str, int] = Field(default_factory=dict)  # characters cleaning removed, by reason


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: int
    embedder: str  # the embedder's id: vectors of another embedder live in another space
    embedder_hash: str = ""  # the fingerprint of its weights (embed.fingerprint)
    dim: int
    dense_search: str  # "exact", the approximate index's description (vectors.py), or the Milvus store
    store: str = "faiss"  # where vectors and the keyword index live (stores/)
    store_uri: str = ""  # Milvus: its URI and collection
    store_collection: str = ""
    chunking: dict[str, object]  # chunk settings and the hash of the indexing code
    corpus_dir: str
    files: dict[str, FileState]
    documents: int
    chunks: int
    built_at: str
    seconds: float
    checksums: dict[str, str]  # sha256 of each artefact

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / "manifest.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexCorruptError(
                f"index file {path} is missing: rebuild with `rag index`",
                zh=f"索引文件 {path} 不见了：请运行 `rag index` 重建索引。",
            ) from exc
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(
                f"index file {path} is unreadable ({exc}): rebuild with `rag index`",
                zh=f"索引文件 {path} 无法读取：请运行 `rag index` 重建索引。",
            ) from exc
        version = raw.get("format_version") if isinstance(raw, dict) else None
        if isinstance(version, int) and version > FORMAT_VERSION:
            raise IndexCorruptError(
                f"the index in {folder} was written by a newer version of rag (format {version}; this "
                f"one reads {FORMAT_VERSION}): upgrade rag, or rebuild the index with `rag index`",
                zh=f"{folder} 中的索引由更新版本的程序写成（格式 {version}，本版本只能读 {FORMAT_VERSION}）："
                "请升级，或运行 `rag index` 重建索引。",
            )
        if version != FORMAT_VERSION:
            raise IndexCorruptError(
                f"the index in {folder} has format {version}, this version reads {FORMAT_VERSION}: "
                "rebuild with `rag index`",
                zh=f"{folder} 中的索引格式为 {version}，本版本只能读 {FORMAT_VERSION}："
                "请运行 `rag index` 重建。",
            )
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise IndexCorruptError(
                f"{path} is damaged ({where}: {first['msg']}): rebuild with `rag index`",
                zh=f"索引文件 {path} 已损坏（{where}）：请运行 `rag index` 重建索引。",
            ) from exc

    def write(self, folder: Path) -> None:
        (folder / "manifest.json").write_text(self.model_dump_json(indent=1), encoding="utf-8")

    def verify(self, folder: Path) -> None:
        """Raise ``IndexCorruptError`` naming every artefact whose bytes differ from the record
        of them (a damaged disk, a partial copy, a hand edit)."""
        bad = []
        for name in self.artefacts():
            try:
                if sha256_of(folder / name) != self.checksums.get(name):
                    bad.append(name)
            except OSError as exc:
                bad.append(f"{name} ({exc.strerror})")
        if bad:
            raise IndexCorruptError(
                f"index in {folder}: {', '.join(bad)} changed or damaged since it was built (checksum "
                "mismatch): rebuild with `rag index`",
                zh=f"{folder} 中的索引文件 {', '.join(bad)} 已损坏（校验和不符）："
                "请运行 `rag index` 重建索引。",
            )

    def artefacts(self) -> tuple[str, ...]:
        """The files of the build folder: with Milvus, vectors and keyword index are in the
        collection."""
        return ARTEFACTS + FAISS_ARTEFACTS if self.store == "faiss" else ARTEFACTS

    def source_hashes(self) -> dict[str, str]:
        return {name: state.sha256 for name, state in self.files.items()}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
