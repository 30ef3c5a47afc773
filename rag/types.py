"""The nouns that flow through the pipeline."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Document(BaseModel):
    """One cleaned source file."""

    doc_id: str  # the file's stem
    path: str
    title: str
    date: str | None = None
    source: str | None = None
    text: str  # cleaned text; chunk offsets point into it
    sha256: str  # of the raw file bytes


class Chunk(BaseModel):
    """A passage of a document, with offsets into the document's cleaned text."""

    chunk_id: str
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    subject: str = ""  # organisation named before the chunk when its first sentence names none


class Hit(BaseModel):
    """A retrieved chunk with its fused score and the components of that score."""

    doc_id: str
    chunk_id: str
    title: str
    text: str
    start: int
    end: int
    score: float
    subject: str = ""
    before: str = ""  # document text just before the chunk (who "其"/"该行" refers to)
    dense_score: float | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None


class Citation(BaseModel):
    """A passage the answer cites as ``[n]``; ``text`` is the passage shown to the model."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    text: str
    start: int
    end: int
    verified: bool = False
    span_start: int | None = None  # supporting span, offsets into the cleaned document
    span_end: int | None = None


class Timings(BaseModel):
    """Seconds spent in each stage of one answer."""

    retrieve: float = 0.0
    prompt: float = 0.0
    first_token: float = 0.0
    generate: float = 0.0
    verify: float = 0.0
    total: float = 0.0


class Answer(BaseModel):
    """What ``rag.ask`` returns."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    removed: list[str] = Field(default_factory=list)  # answer sentences that failed checks
    raw_text: str = ""  # the model's text before verification
    timings: Timings = Field(default_factory=Timings)
    prompt_tokens: int = 0
    generated_tokens: int = 0
