"""Small real classes that satisfy the Protocols, for tests of the logic around them."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from rag.generators import GenerationStats, Message


class HashingEmbedder:
    """Deterministic vectors from hashed character bigrams: similar texts, similar vectors."""

    id = "test/hashing-bigrams"
    dim = 64

    def __init__(self, fail_after: int | None = None) -> None:
        self.calls = 0
        self.embedded = 0
        self.fail_after = fail_after

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(text) - 1):
            h = int(hashlib.md5(text[i : i + 2].encode()).hexdigest()[:8], 16)
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.fail_after is not None and self.embedded >= self.fail_after:
            raise RuntimeError("embedder interrupted")
        self.embedded += len(texts)
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts])


class ScriptedGenerator:
    """Streams a fixed reply (a list: one per call, the last one repeated) and records the
    messages it was given."""

    def __init__(self, reply: str | list[str]) -> None:
        self.replies = [reply] if isinstance(reply, str) else list(reply)
        self.stats = GenerationStats()
        self.calls: list[list[Message]] = []
        self.checks: list[list[Message]] = []  # the self-checks asked
        self.judgement: float | None = None  # what the self-check says

    def count_tokens(self, text: str) -> int:
        return len(text)

    def warm(self, messages: list[Message], state_dir: Path | None = None) -> str:
        return "computed"

    def yes_probability(self, messages: list[Message], yes: str, no: str) -> float | None:
        self.checks.append(messages)
        return self.judgement

    def stream(
        self,
        messages: list[Message],
        max_tokens: int,
        cancel: threading.Event | None = None,
        stats: GenerationStats | None = None,
    ) -> Iterator[str]:
        reply = self.replies[min(len(self.calls), len(self.replies) - 1)]
        self.calls.append(messages)
        self.stats = stats or GenerationStats()
        self.stats.prompt_tokens = sum(len(m["content"]) for m in messages)
        for ch in reply:
            if cancel is not None and cancel.is_set():
                return
            self.stats.generated_tokens += 1
            yield ch
