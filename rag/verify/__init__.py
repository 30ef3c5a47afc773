"""Checks of an answer against its passages, split by job.

markers    citation markers and answer sentences
numbers    figures: whole values with units, dates by parts
names      novel names and words, and where a passage holds them
support    one sentence: novelty, support, qualifiers (the confidence's inputs)
spans      a passage read at one sentence: the sentence, its window, its surroundings
frames     the question's frame filled with another thing in the answer's clause
years      another year, or a part of a year for the whole and the whole for a part
conflicts  dates that other passages give differently
"""

from .conflicts import conflict_notes
from .markers import is_refusal, parse_markers, split_answer
from .spans import window
from .support import SentenceCheck, Support, answers_the_type, check_sentence

__all__ = [
    "SentenceCheck",
    "Support",
    "answers_the_type",
    "check_sentence",
    "conflict_notes",
    "is_refusal",
    "parse_markers",
    "split_answer",
    "window",
]
