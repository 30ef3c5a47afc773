"""Offline, Chinese-first question answering over your own documents, with verified citations.

>>> import rag
>>> answer = rag.ask("差旅住宿费一线城市每晚的标准是多少？")
>>> answer.text, [c.doc_id for c in answer.citations]
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .answer import StreamEvent
from .build import BuildReport
from .errors import (
    ConfigError,
    CorpusError,
    GenerationError,
    IndexCorruptError,
    IndexMissingError,
    InputError,
    ModelError,
    RagError,
)
from .pipeline import Pipeline, default_pipeline
from .settings import Settings
from .types import Answer, Chunk, Citation, Document, Hit, Timings

__all__ = [
    "Answer",
    "BuildReport",
    "Chunk",
    "Citation",
    "ConfigError",
    "CorpusError",
    "Document",
    "GenerationError",
    "Hit",
    "IndexCorruptError",
    "IndexMissingError",
    "InputError",
    "ModelError",
    "Pipeline",
    "RagError",
    "Settings",
    "Timings",
    "add_documents",
    "ask",
    "ask_stream",
    "build_index",
    "documents",
    "remove_documents",
    "retrieve",
]


def retrieve(question: str, k: int = 5) -> list[Hit]:
    """The ``k`` best passages for a question from the default index (built if absent)."""
    return default_pipeline().retrieve(question, k)


def ask(question: str, history: list[tuple[str, str]] | None = None) -> Answer:
    """Answer a question from the default corpus with verified citations, or abstain."""
    return default_pipeline().ask(question, history)


def ask_stream(question: str, history: list[tuple[str, str]] | None = None) -> Iterator[StreamEvent]:
    """Like ``ask``: yields the candidate passages, then each verified sentence as it passes,
    then the Answer."""
    return default_pipeline().ask_stream(question, history)


def build_index(settings: Settings | None = None) -> str:
    """Build or update the index of ``settings.corpus_dir``; returns a one-line summary."""
    pipeline = default_pipeline() if settings is None else Pipeline(settings)
    return pipeline.reindex()


def add_documents(paths: list[str | Path]) -> BuildReport:
    """Check files (type, size, readable text), copy them into the corpus folder and update the
    index. Nothing is written if one file is bad (``InputError`` says which and why)."""
    return default_pipeline().add_documents([Path(p) for p in paths])


def remove_documents(doc_ids: list[str]) -> BuildReport:
    """Move documents (ids as ``documents()`` gives them) into ``<corpus>/.removed/`` and update
    the index."""
    return default_pipeline().remove_documents(doc_ids)


def documents() -> list[Document]:
    """The indexed documents: id, title, format, characters in and kept, what cleaning removed."""
    return default_pipeline().documents()
