"""Citation markers in answer text: ``[1]``, ``[1,2]``, ``【1】``, and answers split into sentences."""

from __future__ import annotations

import re

from ..language import LANG
from ..normalize import fold, split_sentences

_MARK_RE = re.compile(
    r"\s*[\[【［](\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)[\]】］](?:\s*[、,，和及]\s*(?=[\[【［]))?"
)
_LEADING_MARKS_RE = re.compile(r"^\s*((?:[\[【［]\d{1,2}(?:\s*[,，、]\s*\d{1,2})*[\]】］]\s*)+)")


# Markdown a model writes around a sentence: a heading's hashes, a list item's bullet or number
# (followed by a space, or by emphasis: "1、2月" is no list), emphasis and code marks
_LIST_RE = re.compile(r"^\s*(?:#{1,6}\s+|[-*•·]\s+|\d{1,2}[.)）]\s+|\d{1,2}[.、)）]\s*(?=\*\*|__))")
_EMPHASIS_RE = re.compile(r"\*\*|__|`")
_OPENS_LIST_RE = re.compile(
    r"(?:(?<=：)|(?<=[^\d]:)(?P<space>))\s*\d{1,2}[.．]$"
)  # "流程是：1." (not "3:2.")


def parse_markers(text: str) -> tuple[str, list[int]]:
    """Strip ``[n]`` markers and Markdown from a sentence; return it and the numbers cited, in
    order. A list item's number ("1. **低算力**：…") is no figure of the answer."""
    cites: list[int] = []
    for m in _MARK_RE.finditer(text):
        cites += [int(x) for x in re.split(r"\s*[,，、]\s*", m.group(1))]
    body = _EMPHASIS_RE.sub("", _LIST_RE.sub("", _MARK_RE.sub("", text)))
    return body.strip(), list(dict.fromkeys(cites))


def split_answer(text: str) -> list[str]:
    """Answer sentences, each keeping its markers, also those written after its full stop. A
    list's first number after a colon ends no sentence: "流程是：1. 到诊区签到。" is one."""
    out: list[str] = []
    opened = ""
    for a, b in split_sentences(text):
        piece = text[a:b]
        lead = _LEADING_MARKS_RE.match(piece)
        if lead and out:
            out[-1] += lead.group(1).strip()  # "第一句。[1]第二句" : [1] belongs to the first
            piece = piece[lead.end() :]
        if _OPENS_LIST_RE.search(piece):
            opened += _OPENS_LIST_RE.sub(lambda m: "" if m.group("space") is None else " ", piece)
            continue
        if piece.strip() or opened:
            out.append(opened + piece)
        opened = ""
    return out + ([opened] if opened else [])


def is_refusal(text: str) -> bool:
    """Does the sentence say the documents do not hold the answer?"""
    return bool(LANG.refusal_re.search(fold(text)))
