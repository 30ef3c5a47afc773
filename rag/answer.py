"""ask(): question -> retrieve -> select passages -> prompt -> generate -> verify -> Answer."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

from .context import Passage, select_passages
from .errors import InputError
from .generate import Generator, Message
from .lexicon import Lexicon
from .normalize import fold, is_english, is_traditional, split_sentences, to_traditional
from .prompts import message, render_user, system_prompt
from .retrieve import Retriever
from .settings import Settings
from .types import Answer, Citation, Hit, Timings
from .verify import (
    CheckedSentence,
    asks_for_figure,
    check_sentence,
    dates_of,
    is_refusal,
    question_constraints,
    split_answer,
    support_span,
)

log = logging.getLogger(__name__)

StreamEvent = list[Citation] | str | Answer
_PRONOUN_RE = re.compile(r"它们|它|该行|这家银行|这家|该银行|其|他们|they|it|its|this bank", re.I)


def validate_question(question: object, settings: Settings) -> str:
    if not isinstance(question, str):
        raise InputError(f"the question must be text, not {type(question).__name__}")
    text = question.strip()
    if not text:
        raise InputError("the question is empty: type a question about the documents")
    if len(text) > settings.max_question_chars:
        raise InputError(
            f"the question has {len(text)} characters, more than the limit of "
            f"{settings.max_question_chars}: shorten it (or raise RAG_MAX_QUESTION_CHARS)"
        )
    return text


def resolve_followup(question: str, history: list[tuple[str, str]] | None, lexicon: Lexicon) -> str:
    """Make a follow-up self-contained: borrow the names of the earlier turn it refers to."""
    if not history or lexicon.extract(question):
        return question
    for user_turn, _ in reversed(history):
        names = sorted(n for n in lexicon.extract(user_turn) if n != "deepseek")
        if names:
            subject = "、".join(names)
            if _PRONOUN_RE.search(question):
                return _PRONOUN_RE.sub(subject, question, count=1)
            return f"{subject}：{question}"
    return question


def _passage_block(passages: list[Passage]) -> str:
    return "\n".join(f"[{p.n}] {p.prompt_text}" for p in passages)


def build_messages(question: str, passages: list[Passage]) -> list[Message]:
    language = message("language_en") if is_english(question) else ""
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": render_user(_passage_block(passages), question, language)},
    ]


def _citation(p: Passage, verified: bool, span: tuple[int, int] | None) -> Citation:
    return Citation(
        n=p.n,
        doc_id=p.hit.doc_id,
        chunk_id=p.hit.chunk_id,
        title=p.hit.title,
        text=p.text,
        start=p.start,
        end=p.end,
        verified=verified,
        span_start=span[0] if span else None,
        span_end=span[1] if span else None,
    )


def passages_as_citations(passages: list[Passage]) -> list[Citation]:
    return [_citation(p, False, None) for p in passages]


def _conflict_notes(
    kept: list[CheckedSentence],
    passages: list[Passage],
    hits: list[Hit],
    question: str,
    lexicon: Lexicon,
) -> list[str]:
    """Where another article gives a different date for what was asked, say so and cite it.

    Retrieved hits that did not fit in the prompt are searched too; a passage of one that is
    cited here is appended to ``passages`` under the next number.
    """
    names, _, terms = question_constraints(question, lexicon)
    names.discard("deepseek")  # the corpus's common topic says nothing about who
    cited = {c for s in kept for c in s.cites}
    given = {d for s in kept for d in dates_of(s.text)}
    if not given or not names:
        return []
    others = [
        p
        for p in select_passages(question, hits, lexicon, max_passages=len(hits), budget=10**6)
        if not any(p.hit.doc_id == q.hit.doc_id and p.start < q.end and q.start < p.end for q in passages)
    ]
    cited_docs = {p.hit.doc_id for p in passages if p.n in cited}
    notes: list[str] = []
    for p in [q for q in passages if q.n not in cited] + others:
        if p.hit.doc_id in cited_docs:
            continue
        for a, b in split_sentences(p.text):
            s = fold(p.text[a:b])
            # the date's own sentence must name what was asked about
            shared = sum(1 for t in terms if t in s) / len(terms) if terms else 1.0
            if not all(n in s for n in names) or (shared < 0.5 and len(s) > 60):
                continue
            for date in dates_of(s):
                if date in given:
                    continue
                if p not in passages:
                    p.n = len(passages) + 1
                    passages.append(p)
                key = "conflict_en" if is_english(question) else "conflict_zh"
                notes.append(message(key).format(value=date, cite=f"[{p.n}]"))
                given.add(date)
                cited_docs.add(p.hit.doc_id)
    return notes


def _abstain(
    question: str,
    passages: list[Passage],
    started: float,
    timings: Timings,
    raw: str = "",
    removed: list[str] | None = None,
) -> Answer:
    text = message("abstain_en" if is_english(question) else "abstain_zh")
    if is_traditional(question):
        text = to_traditional(text)
    timings.total = time.perf_counter() - started
    return Answer(
        question=question,
        text=text,
        citations=passages_as_citations(passages),
        abstained=True,
        raw_text=raw,
        removed=removed or [],
        timings=timings,
    )


def ask_stream(
    question: str,
    history: list[tuple[str, str]] | None = None,
    *,
    settings: Settings,
    retriever: Retriever,
    generator: Generator,
    lexicon: Lexicon,
) -> Iterator[StreamEvent]:
    """Yield the candidate passages (``list[Citation]``), then text deltas, then the ``Answer``."""
    started = time.perf_counter()
    original = validate_question(question, settings)
    timings = Timings()
    resolved = resolve_followup(original, history, lexicon)
    hits: list[Hit] = retriever.retrieve(resolved, k=settings.top_k + 3)
    passages = select_passages(
        resolved, hits, lexicon, max_passages=settings.context_passages, budget=settings.context_chars
    )
    timings.retrieve = time.perf_counter() - started
    yield passages_as_citations(passages)

    best_dense = max((h.dense_score for h in hits if h.dense_score is not None), default=0.0)
    constraints = question_constraints(resolved, lexicon)
    names, years, _ = constraints
    context = " ".join(p.folded for p in passages)
    missing = [n for n in sorted(names | years) if n not in context]
    threshold = settings.min_relevance_en if is_english(resolved) else settings.min_relevance
    if not passages or best_dense < threshold or missing:
        log.info("abstaining before generation: best=%.3f missing=%s", best_dense, missing)
        answer = _abstain(original, passages, started, timings)
        yield answer
        return

    messages = build_messages(resolved, passages)
    timings.prompt = time.perf_counter() - started - timings.retrieve
    traditional = is_traditional(original)
    pieces: list[str] = []
    gen_started = time.perf_counter()
    for delta in generator.stream(messages, settings.max_tokens):
        if not pieces:
            timings.first_token = time.perf_counter() - started
        pieces.append(delta)
        yield to_traditional(delta) if traditional else delta
    timings.generate = time.perf_counter() - gen_started
    stats = generator.stats
    raw = "".join(pieces).strip()

    verify_started = time.perf_counter()
    checked = [check_sentence(s, passages, lexicon, constraints) for s in split_answer(raw)]
    kept = [c for c in checked if c.verified and not is_refusal(c.text)]
    removed = [c.text for c in checked if not c.verified]
    if asks_for_figure(resolved) and not any(re.search(r"\d", c.text) for c in kept):
        removed += [c.text for c in kept]  # asked for a figure or date, got none: no answer
        kept = []
    timings.verify = time.perf_counter() - verify_started
    if not kept:
        answer = _abstain(original, passages, started, timings, raw, removed)
        answer.prompt_tokens, answer.generated_tokens = stats.prompt_tokens, stats.generated_tokens
        yield answer
        return

    joiner = " " if is_english(original) else ""
    parts = [c.text + "".join(f"[{n}]" for n in c.cites) for c in kept]
    parts += _conflict_notes(kept, passages, hits, resolved, lexicon)
    text = joiner.join(_end_sentence(p, is_english(original)) for p in parts)
    if traditional:
        text = to_traditional(text)
    by_n = {p.n: p for p in passages}
    spans = {n: support_span(by_n[n], c.facts) for c in kept for n in c.cites if n in by_n}
    cited = {n for c in kept for n in c.cites} | {int(m) for m in re.findall(r"\[(\d+)\]", text)}
    citations = [_citation(p, p.n in spans, spans.get(p.n)) for p in passages if p.n in cited]
    timings.total = time.perf_counter() - started
    yield Answer(
        question=original,
        text=text,
        citations=citations,
        abstained=False,
        removed=removed,
        raw_text=raw,
        timings=timings,
        prompt_tokens=stats.prompt_tokens,
        generated_tokens=stats.generated_tokens,
    )


def _end_sentence(sentence: str, english: bool) -> str:
    """Put the full stop after the markers: '...10%[1]。'."""
    body = re.sub(r"[。.!！?？;；]+(?=(\[\d+\])*$)", "", sentence)
    if re.search(r"[。.!！?？]$", body):
        return body
    return body + ("." if english else "。")
