"""Cleaning that removes page furniture, never content, and says what it removed.

Cleaning works on spans, not lines: a portal trailer, an editor credit, share buttons or a
copyright notice is cut out of the line it sits on, and the article text on that line stays.
A line is dropped only when nothing of substance is left of it. Furniture patterns come from
``rag/data/furniture.json``; the conversion artefacts (``字(pīn)`` pinyin, mojibake runs) are
mechanisms of their own. Every removal is recorded with its reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .normalize import fold, has_mojibake, remove_mojibake, strip_pinyin

FURNITURE_FILE = Path(__file__).parent / "data" / "furniture.json"
_NOISE_RE = re.compile(r"^[\W\d_]{0,6}$")  # "(0)", "|", "1/3": counters and separators


@dataclass
class Removal:
    reason: str
    text: str  # what was removed (the first 80 characters)


@dataclass
class Cleaner:
    """Cleans the lines of one document and keeps the record of what it removed."""

    removed: list[Removal] = field(default_factory=list)
    stopped: bool = False  # a tail marker was met: the rest of the page is furniture
    garbled: bool = False  # the last line had garbled characters cut out (not a trusted title)

    def _note(self, reason: str, text: str) -> None:
        if text.strip():
            self.removed.append(Removal(reason, text.strip()[:80]))

    def line(self, line: str) -> str:
        """The line with its furniture cut out ('' when nothing is left)."""
        self.garbled = False
        if self.stopped:
            self._note("page furniture after the article", line)
            return ""
        line = re.sub(r"[ \t\xa0\u3000]+", " ", line).strip()
        if not line:
            return ""
        folded = fold(line)
        if folded.strip("#*>-:： ") in _furniture()[0]:
            self.stopped = True
            self._note("page furniture after the article", line)
            return ""
        stripped = strip_pinyin(line)
        if stripped != line:
            self._note("pinyin annotations", f"{len(line) - len(stripped)} characters")
            line = stripped
        if has_mojibake(line):
            fixed = remove_mojibake(line)
            self._note("garbled characters (mojibake)", f"{len(line) - len(fixed)} characters")
            line = fixed.strip()
            self.garbled = True
        line = self._cut_spans(line)
        if _NOISE_RE.match(line):
            self._note("counter or separator", line)
            return ""
        return line

    def _cut_spans(self, line: str) -> str:
        """Remove furniture spans; offsets come from the folded line (same length as the line
        for CJK text; when folding changes the length the spans are found on the line itself)."""
        for reason, pattern in _furniture()[1]:
            folded = fold(line)
            target = folded if len(folded) == len(line) else line.lower()
            pieces = []
            last = 0
            for m in pattern.finditer(target):
                if m.end() == m.start():
                    continue
                pieces.append(line[last : m.start()])
                self._note(reason, line[m.start() : m.end()])
                last = m.end()
            if pieces:
                line = re.sub(r"\s{2,}", " ", "".join(pieces) + line[last:]).strip()
        return line


@cache
def _furniture() -> tuple[frozenset[str], list[tuple[str, re.Pattern[str]]]]:
    data = json.loads(FURNITURE_FILE.read_text(encoding="utf-8"))
    tails = frozenset(fold(t) for t in data["tail_lines"])
    spans = [(s["reason"], re.compile(s["pattern"])) for s in data["spans"]]
    return tails, spans
