"""Select the sentences worth the model's time: the best sentence of each hit and its neighbour.

Every prompt token costs ~18 ms of CPU before the first answer word, so passages are
built from the sentences that match the question (with the previous sentence, which
usually carries the subject a lone sentence loses: "该行..."), not from whole chunks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import Lexicon
from .normalize import fold, numbers, split_sentences
from .types import Hit


@dataclass
class Passage:
    """A numbered passage of the prompt: a few consecutive sentences of one chunk."""

    n: int
    hit: Hit
    text: str
    start: int  # offsets into the cleaned document
    end: int
    sentences: list[tuple[int, int]] = field(default_factory=list)  # document offsets

    @property
    def folded(self) -> str:
        return fold(self.text)


def _score(sentence: str, q_tokens: set[str], q_names: set[str]) -> float:
    folded = fold(sentence)
    score = 0.0
    for tok in q_tokens:
        if tok in folded:
            score += 3.0 if tok in q_names else min(len(tok), 4) / 2
    for name in q_names:
        if name in folded:
            score += 2.0
    if numbers(sentence):
        score += 0.5  # questions here mostly ask for figures
    return score


def select_passages(
    question: str,
    hits: list[Hit],
    lexicon: Lexicon,
    max_passages: int = 4,
    max_chars: int = 170,
    budget: int = 520,
) -> list[Passage]:
    """Pick up to ``max_passages`` short passages, best hit first, within ``budget`` chars."""
    q_tokens = set(lexicon.tokens(question))
    q_names = lexicon.extract(question)
    passages: list[Passage] = []
    used = 0
    for hit in hits:
        spans = split_sentences(hit.text)
        if not spans:
            continue
        scores = [_score(hit.text[a:b], q_tokens, q_names) for a, b in spans]
        best = max(range(len(spans)), key=lambda i: (scores[i], -i))
        lo, hi = best, best
        # the previous sentence carries the subject; a short best sentence gets the next too
        if lo > 0 and spans[best][1] - spans[lo - 1][0] <= max_chars:
            lo -= 1
        if hi + 1 < len(spans) and spans[hi + 1][1] - spans[lo][0] <= max_chars and (
            lo == best or spans[hi][1] - spans[lo][0] < max_chars // 2
        ):
            hi += 1
        a, b = spans[lo][0], spans[hi][1]
        text = hit.text[a:b]
        if b - a > max_chars:  # one long sentence: keep the part around the best match
            text = text[:max_chars]
            b = a + max_chars
        text = re.sub(r"\s*\n\s*", " ", text)
        if passages and used + len(text) > budget:
            break
        used += len(text)
        passages.append(
            Passage(
                n=len(passages) + 1, hit=hit, text=text, start=hit.start + a, end=hit.start + b,
                sentences=[(hit.start + s, hit.start + e) for s, e in spans[lo:hi + 1]],
            )
        )
        if len(passages) >= max_passages:
            break
    return passages
