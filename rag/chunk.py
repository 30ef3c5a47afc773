"""Document -> Chunks that keep their structure: sections, lists, tables, pages.

Prose is packed sentence by sentence to about ``chunk_chars``, consecutive chunks sharing
``overlap`` sentences. A heading starts a new chunk, and every chunk carries its heading path
("说明书 > 4 故障排除") as context for search and display. A table is split by rows and every
piece carries the column names; a list stays with its lead-in sentence, or carries it when the
list runs over. PDF pages and spreadsheet rows become the chunk's locator for citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .entities import identity_names
from .language import LANG
from .normalize import LIST_ITEM_RE, fold, split_sentences
from .types import Chunk, Document, Section, locate

TOPIC_REACH = 6  # characters before a name that still count as the start of a sentence ("据", "今年")
_SOFT_BREAK_RE = re.compile(r"[，,、：:；;]")


@dataclass
class _Unit:
    start: int
    end: int
    kind: str  # "sentence", "row", "heading", "item"
    lead: str = ""  # table header or list lead-in
    paragraph: bool = False  # a blank line or line break comes before it


def _pieces(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end] (document offsets); an over-long sentence is cut at
    commas (or hard)."""
    out: list[tuple[int, int]] = []
    for a, b in split_sentences(text[start:end]):
        a, b = a + start, b + start
        while b - a > limit:
            window = text[a : a + limit]
            cuts = [m.end() for m in _SOFT_BREAK_RE.finditer(window) if m.end() > limit // 3]
            cut = a + (cuts[-1] if cuts else limit)
            out.append((a, cut))
            a = cut
        out.append((a, b))
    return out


def _units(doc: Document, limit: int) -> list[_Unit]:
    text = doc.text
    heads = {s.start for s in doc.sections}
    tables = sorted(doc.tables, key=lambda t: t.start)
    units: list[_Unit] = []
    lead = ""
    pos = 0
    for line_match in re.finditer(r"[^\n]+", text):
        a, b = line_match.span()
        paragraph = "\n" in text[pos:a]
        pos = b
        table = next((t for t in tables if t.start <= a < max(t.end, t.start + 1)), None)
        line = text[a:b]
        if a in heads:
            units.append(_Unit(a, b, "heading", paragraph=paragraph))
            lead = ""
        elif table is not None:
            units.append(_Unit(a, b, "row", lead=table.header, paragraph=paragraph))
        elif LIST_ITEM_RE.match(line):
            pieces = _pieces(text, a, b, limit)
            for i, (x, y) in enumerate(pieces):
                units.append(
                    _Unit(x, y, "item" if i == 0 else "sentence", lead=lead, paragraph=paragraph and i == 0)
                )
        else:
            pieces = _pieces(text, a, b, limit)
            for i, (x, y) in enumerate(pieces):
                units.append(_Unit(x, y, "sentence", paragraph=paragraph and i == 0))
            last = text[pieces[-1][0] : pieces[-1][1]] if pieces else ""
            lead = last if re.search(r"[：:]$", last.strip()) else ""
    return units


def heading_path(sections: list[Section], pos: int) -> str:
    """Titles of the sections enclosing ``pos``, outermost first."""
    stack: list[Section] = []
    for s in sections:
        if s.start > pos:
            break
        while stack and stack[-1].level >= s.level:
            stack.pop()
        stack.append(s)
    return " > ".join(s.title for s in stack)


def topic(sentence: str) -> str:
    """The name a sentence opens with (within its first few characters), or '': in Chinese and
    English alike the opening name is what the sentence is about ("某公司率先……")."""
    folded = fold(sentence).lstrip()
    if folded.startswith(tuple(p for p in LANG.pronouns if not p.isascii())):
        return ""  # "该行……": about what came before
    for name in identity_names(sentence):
        at = folded.find(name)
        if 0 <= at <= TOPIC_REACH:
            return name
    return ""


def subject_before(text: str, pos: int, window: int = 600) -> str:
    """What "该行", "it" or a chunk that names nothing refers to: the topic of the nearest
    sentence before ``pos`` that opens with a name, within ``window`` characters."""
    start = max(0, pos - window)
    for a, b in reversed(split_sentences(text[start:pos])):
        name = topic(text[start + a : start + b])
        if name:
            return name
    return ""


def chunk_document(doc: Document, chunk_chars: int = 260, overlap: int = 1) -> list[Chunk]:
    """Split ``doc.text`` into chunks whose offsets point into it (see the module rules)."""
    text = doc.text
    units = _units(doc, chunk_chars)
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j = i
        start = units[i].start
        while j + 1 < len(units):
            nxt = units[j + 1]
            cur = units[j]
            if nxt.kind == "heading":
                break  # a section starts a chunk of its own
            keep_with = cur.kind != "heading" and re.search(r"[：:]$", text[cur.start : cur.end].strip())
            if nxt.end - start > chunk_chars and not (keep_with and nxt.end - start <= 2 * chunk_chars):
                break
            if cur.kind == "heading" and nxt.end - start <= chunk_chars:
                j += 1
                continue
            if (
                (cur.kind == "row") != (nxt.kind == "row")
                and not keep_with
                and cur.end - start > chunk_chars // 3
            ):
                break  # a table and the prose around it go to different chunks
            if nxt.paragraph and not keep_with and cur.end - start > chunk_chars // 2:
                break
            j += 1
        end = units[j].end
        # the column names of the table rows in the chunk, else a list's lead-in it lacks
        row = next((u for u in units[i : j + 1] if u.kind == "row" and u.lead), None)
        lead = row.lead if row is not None else units[i].lead
        if lead and units[i].kind != "row" and lead in text[start:end]:
            lead = ""
        subject = ""
        if start > 0 and not doc.sections and not topic(text[start : units[i].end]):
            subject = subject_before(text, start)
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}#{len(chunks):03d}",
                doc_id=doc.doc_id,
                title=doc.title,
                text=text[start:end],
                start=start,
                end=end,
                heading=heading_path(doc.sections, start),
                lead=lead,
                locator=locate(doc.marks, start, end),
                marks=[m for m in doc.marks if m.start < end and start < m.end],
                subject=subject,
            )
        )
        if j + 1 >= len(units):
            break
        step = j + 1
        # prose chunks share their last sentences with the next one; rows, items and headings do not
        back = 0
        while back < overlap and step - back - 1 > i and units[step - back - 1].kind == "sentence":
            if units[step].kind != "sentence" or units[step].paragraph:
                break
            back += 1
        i = max(step - back, i + 1)
    return chunks
