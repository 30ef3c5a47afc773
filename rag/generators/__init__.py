"""Generators: what answers a prompt. The ``Generator`` protocol, its statistics, and the
backends: ``llama`` (a GGUF model in this process, the default) and ``openai`` (any
OpenAI-compatible server: llama.cpp's, vLLM, SGLang, a hosted endpoint)."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

Message = dict[str, str]


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens whose KV state was reused from the last call
    generated_tokens: int = 0
    first_token_s: float = 0.0
    total_s: float = 0.0
    # the probability the model gave each token of the text read so far (its top choice under
    # greedy decoding); empty where the backend does not report it
    token_probs: list[float] = field(default_factory=list)

    def certainty(self) -> float | None:
        """The geometric mean of ``token_probs``: how sure the model was of what it wrote."""
        if not self.token_probs:
            return None
        return math.exp(sum(math.log(max(p, 1e-9)) for p in self.token_probs) / len(self.token_probs))

    @property
    def tokens_per_s(self) -> float:
        gen = self.total_s - self.first_token_s
        return self.generated_tokens / gen if gen > 0 and self.generated_tokens > 1 else 0.0


class Generator(Protocol):
    """Streams the text of a chat completion; ``stats`` describes the last call."""

    stats: GenerationStats

    def stream(
        self,
        messages: list[Message],
        max_tokens: int,
        cancel: threading.Event | None = None,
        stats: GenerationStats | None = None,
    ) -> Iterator[str]:
        """The reply's text as it comes; it ends early, at the next token, once ``cancel`` is
        set (a client that left) or the iterator is closed. ``stats``, when given, is filled
        with this call's figures as the text is read (safe when calls overlap)."""
        ...

    def count_tokens(self, text: str) -> int: ...

    def yes_probability(self, messages: list[Message], yes: str, no: str) -> float | None:
        """P(yes) / (P(yes) + P(no)) for the first token of the reply to ``messages``: the
        model's own judgement of a yes/no question. None where the backend cannot say."""
        ...

    def warm(self, messages: list[Message], state_dir: Path | None = None) -> str: ...
