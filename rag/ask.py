"""ask_stream(): one question, or a question about several things answered part by part.

"2023年和2024年滨江马拉松的参赛人数分别是多少？" asks two questions (``question.parts``).
Each part is retrieved, written, checked and decided on its own (``answer.answer_one``), its
passages numbered after the ones before, and the answers are joined: a part the documents do
not answer says so in its place, and the whole is refused only when every part is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from .answer import (
    StreamEvent,
    Tools,
    answer_one,
    passages_as_citations,
    prepare,
    validate_history,
    validate_question,
)
from .confidence import Calibration
from .context import Passage, Similar
from .generators import Generator
from .lexicon import Lexicon
from .normalize import to_traditional
from .prompts import localized
from .question import Question, parts, read, resolve
from .retrieve import Retriever
from .settings import Settings
from .types import Answer, Timings


def ask_stream(
    question: str,
    history: list[tuple[str, str]] | None = None,
    *,
    settings: Settings,
    retriever: Retriever,
    generator: Generator,
    lexicon: Lexicon,
    calibration: Calibration,
    expand: Callable[[Question], str] | None = None,
    similarity: Callable[[Question], Similar] | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[StreamEvent]:
    """Yield the candidate passages (``list[Citation]``), then verified text, then the ``Answer``.
    Setting ``cancel`` stops the model at its next token (the client has gone). A question that
    asks the same of several things ("2023年和2024年……分别是多少") is answered one thing at a
    time, each part found, written, checked and decided on its own."""
    started = time.perf_counter()
    original = validate_question(question, settings)
    history = validate_history(history, settings)
    q = resolve(original, history)
    tools = Tools(settings, retriever, generator, lexicon, calibration, expand, similarity, cancel)
    subs = [read(text) for text in parts(q)]
    if not subs:
        run, hits = prepare(q, tools, started, [])
        yield passages_as_citations(run.passages)
        yield from answer_one(original, run, hits, tools)
        return
    shared: list[Passage] = []
    runs = [prepare(sub, tools, started, shared) for sub in subs]
    yield passages_as_citations(shared)
    answers: list[Answer] = []
    waiting: list[str] = []  # notes of refused parts: shown once a later part is, in order
    shown = False

    def spaced(text: str) -> str:
        nonlocal shown
        gap = " " if q.english and shown and not text.startswith(" ") else ""
        shown = True
        return gap + text

    for run, hits in runs:
        for event in answer_one(run.question.text, run, hits, tools):
            if isinstance(event, Answer):
                answers.append(event)
            elif isinstance(event, str):
                yield from (spaced(text) for text in [*waiting, event])
                waiting = []
        if answers[-1].abstained:
            waiting.append(_part_refusal(run.question, q))
        if cancel is not None and cancel.is_set():
            break
    if shown:
        yield from (spaced(text) for text in waiting)
    yield _joined(original, q, subs, answers, shared, started)


def _part_refusal(part: Question, whole: Question) -> str:
    text = localized("part_abstain", whole.lang, whole.english).format(part=part.text)
    return to_traditional(text) if whole.traditional else text


def _joined(
    original: str,
    q: Question,
    subs: list[Question],
    answers: list[Answer],
    shared: list[Passage],
    started: float,
) -> Answer:
    """One answer from the answers to the parts: each part's verified text (or the note that the
    documents do not answer it), every citation, and the confidence of the least sure part."""
    kept = [a for a in answers if not a.abstained]
    timings = Timings(
        retrieve=sum(a.timings.retrieve for a in answers),
        prompt=sum(a.timings.prompt for a in answers),
        first_token=min((a.timings.first_token for a in answers if a.timings.first_token), default=0.0),
        first_text=min((a.timings.first_text for a in kept if a.timings.first_text), default=0.0),
        generate=sum(a.timings.generate for a in answers),
        verify=sum(a.timings.verify for a in answers),
        self_check=sum(a.timings.self_check for a in answers),
        total=time.perf_counter() - started,
    )
    weakest = min(kept or answers, key=lambda a: a.confidence)
    joined = Answer(
        question=original,
        text="",
        confidence=weakest.confidence,
        signals=weakest.signals,
        removed=[r for a in answers for r in a.removed],
        raw_text="\n".join(a.raw_text for a in answers if a.raw_text),
        withheld="".join(a.withheld for a in answers),
        timings=timings,
        prompt_tokens=sum(a.prompt_tokens for a in answers),
        generated_tokens=sum(a.generated_tokens for a in answers),
    )
    reasons = [f"{s.text}: {a.reason}" for s, a in zip(subs, answers, strict=False) if a.abstained]
    if not kept:
        text = localized("abstain", q.lang, q.english)
        timings.first_text = timings.first_text or timings.total
        return joined.model_copy(
            update={
                "text": to_traditional(text) if q.traditional else text,
                "citations": passages_as_citations(shared),
                "abstained": True,
                "reason": "; ".join(reasons),
            }
        )
    texts = [a.text if not a.abstained else _part_refusal(s, q) for s, a in zip(subs, answers, strict=False)]
    citations = {c.n: c for a in kept for c in a.citations}
    return joined.model_copy(
        update={
            "text": (" " if q.english else "").join(texts),
            "citations": [citations[n] for n in sorted(citations)],
            "reason": "; ".join(reasons),
        }
    )
