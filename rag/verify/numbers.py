"""Figures of an answer sentence against its passages: whole values with units, dates by parts.

An answer's figure that the question already gives (its year, its "10米") adds nothing; every
other figure must be stated by a passage the sentence cites (see ``figures.matches``).
"""

from __future__ import annotations

from ..context import Passage
from ..figures import Figure, figures, matches, years
from ..normalize import fold
from ..question import Question


def novel_figures(sentence: str, question: Question) -> list[Figure]:
    """The figures of a sentence that the question does not already state."""
    given = list(question.figures) + figures(" ".join(f"{y}年" for y in question.years))
    return [f for f in figures(sentence) if not any(matches(f, g) for g in given)]


def sentence_years(passage: Passage) -> frozenset[int]:
    """Years the passage, its label or the text before it names (for dates written without one)."""
    return years(figures(f"{passage.label} {passage.before} {passage.text}"))


def holding(passage: Passage, claim: Figure) -> list[tuple[int, int]]:
    """Document spans of the passage's sentences that state the figure."""
    context = sentence_years(passage)
    out = []
    for a, b, text in passage.sentence_texts():
        if any(matches(claim, f, context) for f in figures(text)):
            out.append((a, b))
    if not out and any(matches(claim, f, context) for f in figures(fold(passage.label))):
        out.append((passage.start, passage.start))  # stated by the section heading
    return out
