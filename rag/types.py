"""The nouns that flow through the pipeline."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, computed_field

_LOCATOR_RE = re.compile(r"^(.*?)第(\d+)([页行])$")


class Section(BaseModel):
    """A heading of a document: where it starts in the cleaned text, its level and title."""

    start: int
    level: int
    title: str


class Table(BaseModel):
    """A table of a document: its rows span ``start``..``end``; ``header`` names the columns."""

    start: int
    end: int
    header: str


class Mark(BaseModel):
    """A locator of a stretch of text: a PDF page, a spreadsheet's sheet and row."""

    start: int
    end: int
    label: str


def locate(marks: list[Mark], start: int, end: int) -> str:
    """'第3页', '第3–4页', '费用表 第4–9行' for the marks a stretch of text overlaps."""
    hit = [m for m in marks if m.start < end and start < m.end] or [m for m in marks if m.start <= start][-1:]
    if not hit:
        return ""
    first, last = hit[0].label, hit[-1].label
    if first == last:
        return first
    a, b = _LOCATOR_RE.match(first), _LOCATOR_RE.match(last)
    if a and b and a.group(1) == b.group(1) and a.group(3) == b.group(3):
        return f"{a.group(1)}第{a.group(2)}–{b.group(2)}{a.group(3)}"
    return f"{first}–{last}"


class Removal(BaseModel):
    reason: str
    text: str


class Document(BaseModel):
    """One cleaned source file, with its structure and the record of what cleaning removed."""

    doc_id: str  # the file's path relative to the corpus folder, extension included
    path: str
    title: str
    date: str | None = None
    source: str | None = None
    format: str = ""  # the file's suffix: .txt, .pdf, ...
    text: str  # cleaned text; chunk offsets point into it
    sha256: str  # of the raw file bytes
    sections: list[Section] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    marks: list[Mark] = Field(default_factory=list)
    chars_in: int = 0  # characters of text the file held
    chars_kept: int = 0  # characters of it the cleaned text keeps
    removed: list[Removal] = Field(default_factory=list)

    @property
    def kept_share(self) -> float:
        return self.chars_kept / self.chars_in if self.chars_in else 1.0


class Chunk(BaseModel):
    """A passage of a document, with offsets into the document's cleaned text."""

    chunk_id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    heading: str = ""  # the section path above the chunk ("第三章 住宿费 > 第六条"), if any
    lead: str = ""  # a table's column names, or a list's lead-in sentence, when the chunk lacks it
    locator: str = ""  # page or sheet and row: "第3页", "费用表 第4行"
    subject: str = ""  # a name from the sentences before the chunk, when its own text names none
    marks: list[Mark] = Field(default_factory=list)  # the document's locators within the chunk

    @property
    def context(self) -> str:
        """What the chunk is about beyond its own text: title, section path and subject."""
        return " ".join(x for x in (self.title, self.heading, self.lead, self.subject) if x)


class Hit(BaseModel):
    """A retrieved chunk with its fused score and the components of that score."""

    chunk: Chunk
    score: float
    before: str = ""  # document text just before the chunk (whom "其" or "it" refers to)
    dense_score: float | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id

    @computed_field  # type: ignore[prop-decorator]
    @property
    def chunk_id(self) -> str:
        return self.chunk.chunk_id

    @property
    def text(self) -> str:
        return self.chunk.text


class Citation(BaseModel):
    """A passage the answer cites as ``[n]``: a span of one chunk, as shown to the model."""

    n: int
    chunk: Chunk
    text: str  # the passage text shown to the model (a span of the chunk)
    start: int  # offsets of ``text`` in the cleaned document
    end: int
    verified: bool = False
    span_start: int | None = None  # the supporting sentence, offsets into the cleaned document
    span_end: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id

    @property
    def title(self) -> str:
        return self.chunk.title

    @computed_field  # type: ignore[prop-decorator]
    @property
    def locator(self) -> str:
        """Page or sheet and row of the supporting sentence (else of the whole chunk)."""
        if self.span_start is not None and self.span_end is not None and self.chunk.marks:
            return locate(self.chunk.marks, self.span_start, max(self.span_end, self.span_start + 1))
        return self.chunk.locator

    @property
    def span_text(self) -> str:
        """The supporting sentence (empty when none was found)."""
        if self.span_start is None or self.span_end is None:
            return ""
        return self.text[max(0, self.span_start - self.start) : max(0, self.span_end - self.start)]


class Timings(BaseModel):
    """Seconds spent in each stage of one answer."""

    retrieve: float = 0.0
    prompt: float = 0.0
    first_token: float = 0.0
    first_text: float = 0.0  # when the first verified text (or the refusal) was ready
    generate: float = 0.0
    verify: float = 0.0  # the checks, the confidence and the self-check
    self_check: float = 0.0  # of which the model's own yes/no judgement
    total: float = 0.0


class Answer(BaseModel):
    """What ``rag.ask`` returns."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    confidence: float = 0.0  # calibrated probability that the answer is right
    reason: str = ""  # why it abstained, in a few words (for logs and evaluation)
    withheld: str = ""  # verified text not shown because the confidence was below the threshold
    signals: dict[str, float] = Field(default_factory=dict)  # the confidence's inputs
    removed: list[str] = Field(default_factory=list)  # answer sentences that failed checks
    raw_text: str = ""  # the model's text before verification
    timings: Timings = Field(default_factory=Timings)
    prompt_tokens: int = 0
    generated_tokens: int = 0
