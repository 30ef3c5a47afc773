"""The index of a corpus as one object: open it, search it, add and remove documents.

``Index.open`` only reads: it loads the last published build (snapshot.py) and says, in
``stale``, why that build no longer matches the corpus. Reading never writes. Writing
(``update``, ``add``, ``remove``) takes the folder's writer lock, builds in steps
(build.py), publishes atomically and then serves the new build.

How a reader that finds no usable index behaves is ``open_for_reading``: it builds the
first index of a corpus (there is nothing to read yet), rebuilds a damaged one only when
``RAG_CORRUPT_INDEX=rebuild`` (and says so), and answers from a stale one, saying so,
rather than rebuilding under a running server.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .build import BuildReport, Progress, build_index
from .embed import Embedder
from .errors import IndexCorruptError, IndexMissingError
from .lexicon import Lexicon
from .library import add_documents, remove_documents
from .manifest import Manifest
from .settings import Settings
from .snapshot import Snapshot
from .types import Chunk, Document

log = logging.getLogger(__name__)


class Index:
    def __init__(
        self, settings: Settings, embedder: Embedder, snapshot: Snapshot, fresh: bool = False
    ) -> None:
        """``fresh``: the snapshot was just built from the corpus, so there is no need to hash
        every file again to know that it matches."""
        self.settings = settings
        self.embedder = embedder
        self.snapshot = snapshot
        self.stale: str | None = None if fresh else snapshot.staleness(settings, embedder)

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder) -> Index:
        """The last published index; ``IndexMissingError`` or ``IndexCorruptError`` otherwise."""
        return cls(settings, embedder, Snapshot.load(settings))

    @classmethod
    def build(cls, settings: Settings, embedder: Embedder, progress: Progress | None = None) -> Index:
        """Build (or update) the index of ``settings.corpus_dir`` and open it."""
        build_index(settings, embedder, progress)
        return cls(settings, embedder, Snapshot.load(settings), fresh=True)

    @property
    def docs(self) -> dict[str, Document]:
        return self.snapshot.docs

    @property
    def chunks(self) -> list[Chunk]:
        return self.snapshot.chunks

    @property
    def lexicon(self) -> Lexicon:
        return self.snapshot.lexicon

    @property
    def manifest(self) -> Manifest:
        return self.snapshot.manifest

    def search(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        return self.snapshot.search(query, n)

    def keyword(self, question: str, n: int) -> list[tuple[int, float]]:
        return self.snapshot.keyword(question, n)

    def update(self, progress: Progress | None = None, wait: bool = True) -> BuildReport:
        """Bring the index up to date with the corpus folder and serve the new build."""
        report = build_index(self.settings, self.embedder, progress, wait=wait)
        self.snapshot = Snapshot.load(self.settings)
        self.stale = None  # just built from the corpus
        return report

    def add(self, paths: list[Path], progress: Progress | None = None) -> BuildReport:
        """Check the files, copy them into the corpus (nothing is copied if one is bad) and
        update the index."""
        add_documents(paths, self.settings)
        return self.update(progress)

    def remove(self, doc_ids: list[str]) -> BuildReport:
        """Move the documents out of the corpus (into ``.removed/``) and update the index."""
        remove_documents(doc_ids, self.settings)
        return self.update()


def open_for_reading(settings: Settings, embedder: Embedder, progress: Progress | None = None) -> Index:
    """The index a reader (``ask``, ``serve``, ``eval``) answers from.

    - none yet, or one built from another corpus folder or with another embedder (nothing
      of it can answer here): the first index of this corpus is built;
    - damaged: rebuilt with a warning, or with ``RAG_CORRUPT_INDEX=refuse`` the error;
    - stale (files changed since): opened as it is, with ``Index.stale`` saying why and a
      warning; ``rag index`` or the UI's button updates it.
    """
    try:
        index = Index.open(settings, embedder)
    except IndexMissingError:
        log.warning("no index yet in %s; building one from %s", settings.index_dir, settings.corpus_dir)
        return Index.build(settings, embedder, progress)
    except IndexCorruptError as exc:
        if settings.corrupt_index == "refuse":
            raise
        log.warning("%s; rebuilding it now (RAG_CORRUPT_INDEX=refuse stops instead)", exc)
        return Index.build(settings, embedder, progress)
    if index.stale is not None and not index.snapshot.usable_for(settings, embedder):
        log.warning("the index in %s cannot serve here (%s); building one", settings.index_dir, index.stale)
        return Index.build(settings, embedder, progress)
    if index.stale is not None:
        log.warning("the index is stale: %s. Answers come from its last build: run `rag index`", index.stale)
    return index
