"""Document -> Chunks: sentence-aware, a few hundred characters, overlapping by whole sentences."""

from __future__ import annotations

import re

from .lexicon import Lexicon
from .normalize import split_sentences
from .types import Chunk, Document

_SOFT_BREAK_RE = re.compile(r"[，,、：:]")


def _pieces(text: str, limit: int) -> list[tuple[int, int]]:
    """Sentence spans, with any sentence longer than ``limit`` cut at commas (or hard)."""
    out: list[tuple[int, int]] = []
    for start, end in split_sentences(text):
        while end - start > limit:
            window = text[start : start + limit]
            cuts = [m.end() for m in _SOFT_BREAK_RE.finditer(window) if m.end() > limit // 3]
            cut = start + (cuts[-1] if cuts else limit)
            out.append((start, cut))
            start = cut
        out.append((start, end))
    return out


def chunk_document(
    doc: Document, chunk_chars: int = 260, overlap: int = 1, lexicon: Lexicon | None = None
) -> list[Chunk]:
    """Split ``doc.text`` into chunks whose offsets point into it.

    Sentences are packed until ``chunk_chars``; a paragraph end closes a chunk that is
    already more than half full. Consecutive chunks share ``overlap`` sentences. With a
    lexicon, a chunk whose first sentence names no organisation carries the one named last
    before it as ``subject`` (indexed with it, so "智能客服接通率..." is found for 上海银行).
    """
    text = doc.text
    pieces = _pieces(text, chunk_chars)
    chunks: list[Chunk] = []
    i = 0
    while i < len(pieces):
        j = i
        start = pieces[i][0]
        while j + 1 < len(pieces):
            nxt_end = pieces[j + 1][1]
            if nxt_end - start > chunk_chars:
                break
            gap = text[pieces[j][1] : pieces[j + 1][0]]
            if "\n" in gap and pieces[j][1] - start > chunk_chars // 2:
                break
            j += 1
        end = pieces[j][1]
        subject = ""
        if lexicon is not None and not lexicon.organisations(text[start : pieces[i][1]]):
            subject = lexicon.subject_before(text, start)
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}#{len(chunks):03d}",
                doc_id=doc.doc_id,
                title=doc.title,
                text=text[start:end],
                start=start,
                end=end,
                subject=subject,
            )
        )
        if j + 1 >= len(pieces):
            break
        i = max(j + 1 - overlap, i + 1)
    return chunks
