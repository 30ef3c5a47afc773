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
    subject: str = ""  # organisation named before the passage when its text names none
    context: str = ""  # the subject and the text just before the passage (who "其"/"该行" is)

    @property
    def prompt_text(self) -> str:
        return f"（{self.subject}）{self.text}" if self.subject else self.text

    @property
    def folded(self) -> str:
        return fold(self.prompt_text)


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


def _passage_for(
    hit: Hit, q_tokens: set[str], q_names: set[str], lexicon: Lexicon, max_chars: int
) -> Passage | None:
    """The best sentence of a hit with its neighbour, numbered later."""
    spans = split_sentences(hit.text)
    if not spans:
        return None
    scores = [_score(hit.text[a:b], q_tokens, q_names) for a, b in spans]
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    lo, hi = best, best
    # the previous sentence carries the subject; a short best sentence gets the next too
    if lo > 0 and spans[best][1] - spans[lo - 1][0] <= max_chars:
        lo -= 1
    if (
        hi + 1 < len(spans)
        and spans[hi + 1][1] - spans[lo][0] <= max_chars
        and (lo == best or spans[hi][1] - spans[lo][0] < max_chars // 2)
    ):
        hi += 1
    a, b = spans[lo][0], spans[hi][1]
    text = hit.text[a:b]
    if b - a > max_chars:  # one long sentence: keep its start
        text, b = text[:max_chars], a + max_chars
    text = re.sub(r"\s*\n\s*", " ", text)
    subject = ""
    if not lexicon.organisations(hit.text[spans[lo][0] : spans[lo][1]]):
        subject = lexicon.subject_before(hit.text, a) or hit.subject
    before = (hit.before + hit.text[:a])[-150:]
    return Passage(
        n=0,
        hit=hit,
        text=text,
        start=hit.start + a,
        end=hit.start + b,
        sentences=[(hit.start + s, hit.start + e) for s, e in spans[lo : hi + 1]],
        subject=subject,
        context=f"{hit.subject} {before}".strip(),
    )


def select_passages(
    question: str,
    hits: list[Hit],
    lexicon: Lexicon,
    max_passages: int = 4,
    max_chars: int = 160,
    budget: int = 400,
) -> list[Passage]:
    """Up to ``max_passages`` short passages within ``budget`` characters.

    Every name the question mentions gets the best-ranked passage that holds it first (a
    question about two banks needs a passage for each); the rest of the budget goes to the
    best hits. Passages that repeat an earlier one (overlapping chunks) are skipped.
    """
    q_tokens = set(lexicon.tokens(question))
    q_names = lexicon.extract(question)
    candidates = [p for p in (_passage_for(h, q_tokens, q_names, lexicon, max_chars) for h in hits) if p]
    chosen: list[Passage] = []
    used = 0

    def overlaps(p: Passage) -> bool:
        return any(p.hit.doc_id == q.hit.doc_id and p.start < q.end and q.start < p.end for q in chosen)

    def take(p: Passage) -> bool:
        nonlocal used
        if overlaps(p) or len(chosen) >= max_passages or (chosen and used + len(p.text) > budget):
            return False
        chosen.append(p)
        used += len(p.text)
        return True

    covered = {n for n in q_names if any(n in p.folded for p in chosen)}
    for name in sorted(q_names, key=lambda n: -len(n)):
        if name in covered:
            continue
        holder = next((p for p in candidates if name in p.folded and not overlaps(p)), None)
        if holder is not None and take(holder):
            covered |= {n for n in q_names if n in holder.folded}
    for p in candidates:
        take(p)
    rank = {id(p): i for i, p in enumerate(candidates)}
    chosen.sort(key=lambda p: rank[id(p)])
    for i, p in enumerate(chosen, 1):
        p.n = i
    return chosen
