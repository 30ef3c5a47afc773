"""Where a passage's sentence stands: its text, its neighbour before, what places the passage.

The checks read a passage at one of its sentences (document offsets, as ``SentenceCheck.spans``
holds them): the sentence itself, the window where the question's qualifiers should stand
(the passage's label, the sentence before, the sentence), and the passage's surroundings (its
document's title, section and the text before it)."""

from __future__ import annotations

import re

from ..context import Passage
from ..normalize import fold


def window(p: Passage, span: tuple[int, int]) -> str:
    """The supporting sentence with the sentence before it (in the document) and the passage's
    label, folded: where the question's qualifiers should stand."""
    sents = p.sentence_texts()
    idx = next((i for i, (a, b, _) in enumerate(sents) if (a, b) == span), None)
    if idx is None:
        own, prev = "", ""
    else:
        own = sents[idx][2]
        # the text before a passage often ends with its last sentence's "；" or "。" and a line break
        before = [x for x in re.split(r"(?<=[。！？!?；;])", p.before) if x.strip()]
        prev = sents[idx - 1][2] if idx > 0 else (before[-1] if before else "")
    return fold(f"{p.label} {prev} {own}")


def sentence(p: Passage, span: tuple[int, int]) -> str:
    """The text of the passage's sentence at ``span`` (document offsets), or ""."""
    return next((t for a, b, t in p.sentence_texts() if (a, b) == span), "")


def surroundings(p: Passage) -> str:
    """The passage with what places it: its document's title, its section, the text before it."""
    return f"{p.chunk.title} {p.label} {p.before} {p.text}"
