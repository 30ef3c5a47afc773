"""Offline, Chinese-first question answering over your own documents, with verified citations.

>>> import rag
>>> answer = rag.ask("江苏银行部署DeepSeek后每天节约多少工作量？")
>>> answer.text, [c.doc_id for c in answer.citations]
"""

from __future__ import annotations

from collections.abc import Iterator

from .answer import StreamEvent
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
from .index import BuildReport
from .pipeline import Pipeline, default_pipeline
from .settings import Settings
from .types import Answer, Chunk, Citation, Hit, Timings

__all__ = [
    "Answer",
    "BuildReport",
    "Chunk",
    "Citation",
    "ConfigError",
    "CorpusError",
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
    "ask",
    "ask_stream",
    "build_index",
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
