"""Hard-wrapped text: lines cut at a fixed width in the middle of sentences, joined again.

Plain text and Markdown are often wrapped at 70 to 100 columns ("A command-line option
always\\noverrides the same setting"), and a text converted from a PDF is cut at its page
width ("也是该型火箭一子级首次实现\\n海上回收"). A line break then splits a sentence in two,
so the sentence that supports an answer loses its subject or its figure. A line is taken as
wrapped when it is about as wide as the document's widest lines, does not end a sentence,
and the next line continues it (not blank, not a list item, heading or table row). A text
whose lines are whole paragraphs has no such lines and is left as it is; so is the first
line, which is usually a title.
"""

from __future__ import annotations

import re
import unicodedata

from ..normalize import CJK

_ENDS = re.compile(r"[。！？；：.!?;:…”’」』)）\]】\"']$")
_STARTS_BLOCK = re.compile(
    r"^\s*(?:[-*+•·●▪]\s|\d{1,3}(?:[.．](?!\d)|[)、])|[（(]?[一二三四五六七八九十]{1,3}[、）)]|[（(]\d{1,3}[）)]"
    r"|第[一二三四五六七八九十百\d]{1,4}[条章节款]|#{1,6}\s|\||>|[\w ]{1,12}[:：]\s*\S)"
)
_CJK_EDGE = re.compile(f"[{CJK}\u3000-\u303f\uff00-\uffef]")  # Chinese, its punctuation, full width
MIN_WIDTH = 40  # narrower texts are lists or verse, not wrapped prose
SHARE = 0.75  # a wrapped line is at least this share of the document's wrap width


def width(line: str) -> int:
    """Display columns: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def unwrap(lines: list[str]) -> list[str]:
    """The lines with each hard-wrapped one joined to the line that continues it."""
    widths = sorted(
        width(line.rstrip()) for line in lines if line.strip() and not line.lstrip().startswith("|")
    )
    if len(widths) < 3:
        return lines
    wrap_at = widths[int(0.9 * (len(widths) - 1))]
    if wrap_at < MIN_WIDTH:
        return lines
    first = next(i for i, line in enumerate(lines) if line.strip())
    out: list[str] = []
    last = ""  # the last physical line added to out[-1]
    for i, line in enumerate(lines):
        body = line.strip()
        wrapped = (
            out
            and i - 1 > first
            and last.strip()
            and body
            and width(last.rstrip()) >= SHARE * wrap_at
            and not _ENDS.search(last.rstrip())
            and not _STARTS_BLOCK.match(line)
            and not last.lstrip().startswith(("|", "#"))
        )
        if wrapped:
            joint = "" if _CJK_EDGE.match(out[-1][-1:]) or _CJK_EDGE.match(body[:1]) else " "
            out[-1] = out[-1].rstrip() + joint + body
        else:
            out.append(line)
        last = line
    return out
