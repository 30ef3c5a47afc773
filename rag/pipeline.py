"""One object that owns the index, embedder, retriever and generator of a process.

``rag.ask`` and ``rag.retrieve`` use a process-wide default built on first use (models
loaded once; the index opened as ``index.open_for_reading`` says: built only when the
corpus has none yet, never rebuilt under a reader because files changed). Tests and tools build their own
with injected collaborators.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .aliases import Aliases
from .answer import StreamEvent
from .ask import ask_stream
from .build import BuildReport, Progress, build_index
from .confidence import Calibration, load_calibration
from .context import Similar
from .embed import Embedder, make_embedder
from .generators import Generator
from .generators.llama import LlamaGenerator
from .index import Index, open_for_reading
from .models import prefill_model_path, resolve_model_path
from .question import Question
from .retrieve import HybridRetriever, Retriever
from .settings import Settings
from .snapshot import Snapshot
from .types import Answer, Document, Hit


def offline_environment() -> None:
    """What every entry point runs under: no hub downloads, no analytics."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Pipeline:
    """Cheap to construct; the index loads on first retrieval, the model on first answer."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        retriever: Retriever | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder
        self._generator = generator
        self._retriever = retriever
        self._calibration = calibration
        self._aliases: Aliases | None = None
        self._index: Index | None = None
        self._lock = threading.RLock()

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            url = self.settings.embed_url
            if self._embedder is None and url:
                from .remote_embed import RemoteEmbedder

                self._embedder = RemoteEmbedder(url, self.settings.embed_model, self.settings.embed_api_key)
            if self._embedder is None:
                self._embedder = make_embedder(self.settings.embedder, self.settings.threads)
            return self._embedder

    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = open_for_reading(self.settings, self.embedder)
            return self._index

    @property
    def stale(self) -> str | None:
        """Why the index answering now no longer matches the corpus folder, or None."""
        return self.index.stale

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                self._retriever = HybridRetriever(self.index.snapshot, self.embedder)
            return self._retriever

    @property
    def generator(self) -> Generator:
        with self._lock:
            if self._generator is None and self.settings.llm_url:
                from .generators.openai import OpenAIGenerator

                self._generator = OpenAIGenerator(
                    self.settings.llm_url,
                    self.settings.llm_model,
                    self.settings.llm_api_key,
                    timeout_s=self.settings.answer_timeout_s,
                    api=self.settings.llm_api,
                    template=self.settings.llm_template,
                )
            if self._generator is None:
                self._generator = LlamaGenerator(
                    resolve_model_path(self.settings),
                    self.settings.threads,
                    self.settings.n_ctx,
                    timeout_s=self.settings.answer_timeout_s,
                    prefill_path=prefill_model_path(self.settings),
                )
            return self._generator

    @property
    def calibration(self) -> Calibration:
        if self._calibration is None:
            path = self.settings.calibration_file
            self._calibration = load_calibration(path) if path else load_calibration()
        return self._calibration

    @property
    def aliases(self) -> Aliases:
        if self._aliases is None:
            self._aliases = Aliases.load(self.settings.aliases_path)
        return self._aliases

    def expand(self, question: Question) -> str:
        """The search query of a question: its resolved text and the corpus's own words for
        any alias it uses."""
        terms = [t for t in self.aliases.terms(question.query) if t not in question.query]
        return f"{question.query} {' '.join(terms)}".strip()

    def similarity(self, question: Question) -> Similar:
        """The embedder's similarity of the question and each of some texts (the question
        embedded once, each text once)."""
        vector: list[np.ndarray] = []
        known: dict[str, float] = {}

        def score(texts: list[str]) -> list[float]:
            new = [t for t in dict.fromkeys(texts) if t not in known]
            if new:
                if not vector:
                    vector.append(self.embedder.embed_queries([question.folded])[0])
                scores = self.embedder.embed_passages(new) @ vector[0]
                known.update(zip(new, (float(x) for x in scores), strict=True))
            return [known[t] for t in texts]

        return score

    def reindex(self, progress: Progress | None = None) -> str:
        """Update the index from the corpus and switch to it; returns the summary line."""
        return self.rebuild(progress).summary()

    def rebuild(self, progress: Progress | None = None, wait: bool = True) -> BuildReport:
        """Update the index from the corpus and switch to it; returns the whole report.
        Another process building the same index is waited for, or with ``wait=False`` an
        ``IndexBusyError``."""
        with self._lock:
            report = build_index(self.settings, self.embedder, progress, wait=wait)
            self._index = Index(self.settings, self.embedder, Snapshot.load(self.settings), fresh=True)
            self._retriever = None
            return report

    def add_documents(self, paths: list[Path]) -> BuildReport:
        """Check files, copy them into the corpus and update the index (see ``library``)."""
        from .library import add_documents

        with self._lock:
            add_documents(paths, self.settings)
            return self.rebuild()

    def remove_documents(self, doc_ids: list[str]) -> BuildReport:
        """Move documents out of the corpus (into ``.removed/``) and update the index."""
        from .library import remove_documents

        with self._lock:
            remove_documents(doc_ids, self.settings)
            return self.rebuild()

    def documents(self) -> list[Document]:
        """The documents of the index, with what cleaning kept and removed."""
        return sorted(self.index.docs.values(), key=lambda d: d.doc_id)

    def warm_up(self) -> str:
        """Load index and models, run one search (word segmenter, keyword index, query
        embedder) and put the fixed instructions in the model's KV cache, so that the first
        question costs what the tenth does. The instructions' KV state is saved beside the
        index and loaded on the next start; the self-check's model context is opened and its
        instructions read. Returns how the answers' state was obtained."""
        from .answer import build_messages, check_messages
        from .prompts import message
        from .question import read

        self.retriever.retrieve(read("你好").query, k=1)
        messages = build_messages(read("你好"), [])
        how = self.generator.warm(messages, self.settings.index_dir)
        if self.settings.self_check:
            check = check_messages("你好", "你好", "你好")
            self.generator.yes_probability(check, message("check_yes"), message("check_no"))
        return how

    def retrieve(self, question: str, k: int | None = None) -> list[Hit]:
        from .answer import validate_question
        from .question import read

        text = validate_question(question, self.settings)
        return self.retriever.retrieve(self.expand(read(text)), k=k or self.settings.top_k)

    def ask_stream(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[StreamEvent]:
        from .answer import validate_history, validate_question

        validate_question(question, self.settings)  # before anything loads: bad input fails fast
        validate_history(history, self.settings)
        return ask_stream(
            question,
            history,
            settings=self.settings,
            retriever=self.retriever,
            generator=self.generator,
            lexicon=self.index.lexicon,
            calibration=self.calibration,
            expand=self.expand,
            similarity=self.similarity,
            cancel=cancel,
        )

    def ask(self, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
        final: Answer | None = None
        for event in self.ask_stream(question, history):
            if isinstance(event, Answer):
                final = event
        assert final is not None  # ask_stream always ends with an Answer
        return final


_default: Pipeline | None = None
_default_lock = threading.Lock()


def default_pipeline() -> Pipeline:
    global _default
    with _default_lock:
        if _default is None:
            offline_environment()
            _default = Pipeline()
        return _default
