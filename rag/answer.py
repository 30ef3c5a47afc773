"""ask(): question -> retrieve -> passages -> prompt -> generate -> verify -> Answer.

Only verified text reaches the user. The model's output is read sentence by sentence; each
sentence is checked against the passages as soon as it is complete (``verify``), and the
first one that answers what was asked decides, with the retrieval evidence, the answer's
confidence (``confidence``). Below the calibrated threshold the assistant abstains, and
nothing it withdrew was ever shown; above it, every later sentence that passes is shown as
it passes, and one that fails is dropped.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .confidence import Calibration, Evidence, best_case, best_judged, evidence, features
from .context import Passage, Similar, select_passages
from .errors import InputError
from .generators import GenerationStats, Generator, Message
from .lexicon import Lexicon
from .normalize import to_traditional
from .prompts import language_line, localized, message, render_check, render_user, system_prompt
from .question import Question, settle
from .retrieve import Retriever
from .settings import Settings
from .types import Answer, Citation, Hit, Timings
from .verify import SentenceCheck, answers_the_type, check_sentence, conflict_notes, split_answer

log = logging.getLogger(__name__)

StreamEvent = list[Citation] | str | Answer
_MARK_START = "[【［"


def validate_question(question: object, settings: Settings) -> str:
    if not isinstance(question, str):
        raise InputError(f"the question must be text, not {type(question).__name__}", zh="问题必须是文字。")
    text = question.strip()
    if not text:
        raise InputError(
            "the question is empty: type a question about the documents",
            zh="问题是空的：请输入一个关于资料的问题。",
        )
    if len(text) > settings.max_question_chars:
        raise InputError(
            f"the question has {len(text)} characters, more than the limit of "
            f"{settings.max_question_chars}: shorten it (or raise RAG_MAX_QUESTION_CHARS)",
            zh=f"问题有{len(text)}个字，超过了{settings.max_question_chars}字的上限：请缩短问题。",
        )
    if re.search(r"[\ud800-\udfff]", text):  # bytes that were not UTF-8 (a terminal in another encoding)
        raise InputError(
            "the question holds bytes that are not text (UTF-8): set the terminal to UTF-8 and retype it",
            zh="问题中含有无法识别的字符（不是有效的 UTF-8 文字）：请把终端设为 UTF-8 后重新输入。",
        )
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise InputError(
            "the question holds control characters: type or paste it as plain text",
            zh="问题中含有控制字符：请以纯文本输入或粘贴。",
        )
    return text


def validate_history(history: object, settings: Settings) -> list[tuple[str, str]]:
    """The conversation's last ``settings.max_history_turns`` turns as (question, answer)
    pairs; follow-ups are resolved against recent turns, so older ones are dropped."""
    if history is None:
        return []
    if not isinstance(history, list | tuple) or not all(
        isinstance(t, list | tuple) and len(t) == 2 and all(isinstance(x, str) for x in t) for t in history
    ):
        raise InputError(
            "the conversation must be a list of (question, answer) pairs of text",
            zh="对话记录的格式不对：应为若干（问题，回答）文字对。",
        )
    recent = list(history)[max(0, len(history) - settings.max_history_turns) :]
    return [(q[: settings.max_question_chars], a[:2000]) for q, a in recent]


def _passage_block(passages: list[Passage]) -> str:
    return "\n".join(f"[{p.n}] {p.prompt_text}" for p in passages)


def build_messages(question: Question, passages: list[Passage]) -> list[Message]:
    """The fixed instructions first (their KV cache is reused), then passages and question."""
    language = language_line(question.lang)
    conversation = ""
    for prev_q, prev_a in question.previous:
        key = "conversation_en" if question.english else "conversation_zh"
        answer = re.sub(r"\[\d+\]", "", prev_a)[:120]
        conversation = message(key).replace("$question", prev_q[:120]).replace("$answer", answer)
    asked = question.text if question.previous else question.query
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": render_user(_passage_block(passages), asked, language, conversation)},
    ]


def check_messages(passage: str, question: str, answer: str | None) -> list[Message]:
    """The self-check: the cited passage alone, the question and the answer, in a fresh context
    (the fixed instructions come first, so their KV state is reused). For a yes or no, the
    question alone: shown "不能用水灭", the model's "是" mixes "it is stated" with "it is yes"."""
    return [
        {"role": "system", "content": message("check_system")},
        {"role": "user", "content": render_check(passage, question, answer)},
    ]


def _citation(p: Passage, verified: bool, span: tuple[int, int] | None) -> Citation:
    return Citation(
        n=p.n,
        chunk=p.chunk,
        text=p.text,
        start=p.start,
        end=p.end,
        verified=verified,
        span_start=span[0] if span else None,
        span_end=span[1] if span else None,
    )


def passages_as_citations(passages: list[Passage]) -> list[Citation]:
    return [_citation(p, False, None) for p in passages]


def _end_sentence(sentence: str, english: bool) -> str:
    """Put the full stop after the markers: '...10%[1]。'."""
    body = re.sub(r"[。.!！?？;；]+(?=(\[\d+\])*$)", "", sentence)
    if re.search(r"[。.!！?？]$", body):
        return body
    return body + ("." if english else "。")


@dataclass
class _Run:
    """The state of one answer while it streams."""

    question: Question
    passages: list[Passage]
    evidence: Evidence
    calibration: Calibration
    started: float
    similarity: Similar | None = None
    self_check: Callable[[SentenceCheck, str], float | None] | None = None
    generation: GenerationStats = field(default_factory=GenerationStats)  # filled as text is read
    timings: Timings = field(default_factory=Timings)
    kept: list[SentenceCheck] = field(default_factory=list)
    pending: list[SentenceCheck] = field(default_factory=list)  # verified, waiting for the decision
    removed: list[str] = field(default_factory=list)
    confidence: float = 0.0
    signals: dict[str, float] = field(default_factory=dict)
    withheld: str = ""
    decided: bool = False
    refused: str = ""  # why the answer was refused, once it is
    shared: list[Passage] = field(default_factory=list)  # every passage numbered so far

    def render(self, check: SentenceCheck) -> str:
        text = _glossed(check.text, check.glosses) + "".join(f"[{n}]" for n in check.cites)
        text = _end_sentence(text, self.question.english)
        return (" " if self.question.english and self.kept else "") + text

    def show(self, text: str) -> str:
        if not self.timings.first_text:
            self.timings.first_text = time.perf_counter() - self.started
        return to_traditional(text) if self.question.traditional else text

    def take(self, check: SentenceCheck) -> list[str]:
        """Verified text to show now for one complete sentence (nothing until decided)."""
        if not check.verified:
            self.removed.append(check.text)
            return []
        if self.decided:
            out = [self.render(check)]
            self.kept.append(check)
            return out
        self.pending.append(check)
        if not answers_the_type(self.pending, self.question):
            return []  # e.g. no figure yet for "how many": wait for the sentence that gives one
        sim = self.similarity([check.window])[0] if self.similarity is not None else 1.0
        feats = features(self.evidence, check, True, sim, self.generation.certainty())
        if self.self_check is None:
            self.confidence = self.calibration.probability(feats)
        elif (best := best_judged(self.calibration, feats)) < self.calibration.threshold:
            self.confidence = best  # refused whatever the model would say: it is not asked
        else:
            judged = self.self_check(check, " ".join(c.text for c in self.pending))
            if judged is not None:
                feats = feats | {"self_check": judged}
            self.confidence = self.calibration.probability(feats)
        self.signals = feats
        if self.confidence < self.calibration.threshold:
            self.refused = f"confidence {self.confidence:.2f} below {self.calibration.threshold:.2f}"
            self.withheld = "".join(self.render(c) for c in self.pending)
            self.pending = []
            return []
        self.decided = True
        out = []
        for c in self.pending:
            out.append(self.render(c))
            self.kept.append(c)
        self.pending = []
        return out


def _glossed(text: str, glosses: dict[str, str]) -> str:
    """The sentence with the passage's characters after each Latin name spelt from them, at its
    first mention: "Li Zuo (李卓)" (names are folded to lower case, the text is not)."""
    for name, chars in glosses.items():
        words = r"\s+".join(re.escape(w) for w in name.split())
        found = re.search(rf"(?<![A-Za-z]){words}(?![A-Za-z])", text, re.IGNORECASE)
        if found:
            text = f"{text[: found.end()]} ({chars}){text[found.end() :]}"
    return text


def _self_check(run: _Run, generator: Generator) -> Callable[[SentenceCheck, str], float | None]:
    """The model's yes/no judgement of an answer against the passage it cites (timed)."""
    by_n = {p.n: p for p in run.passages}

    def judge(check: SentenceCheck, answer: str) -> float | None:
        passage = by_n.get(check.primary)
        if passage is None:
            return None
        started = time.perf_counter()
        yesno = check.affirms is not None
        messages = check_messages(passage.prompt_text, run.question.query, None if yesno else answer)
        value = generator.yes_probability(messages, message("check_yes"), message("check_no"))
        run.timings.self_check += time.perf_counter() - started
        if value is not None and check.affirms is False:
            return 1.0 - value  # the model's "no" to the question agrees with the answer's
        return value

    return judge


def _complete(buffer: str, final: bool) -> tuple[list[str], str]:
    """Split off the complete sentences of a growing answer (a sentence is complete once
    text other than its citation markers follows it)."""
    pieces = split_answer(buffer)
    if final:
        return pieces, ""
    if len(pieces) < 2:
        return [], buffer
    done, rest = pieces[:-1], pieces[-1]
    if rest.lstrip()[:1] in _MARK_START or not rest.strip():
        # a marker may be starting ("。 ["): the sentence before it waits for it
        done, rest = pieces[:-2], pieces[-2]
    # the rest starts where its first piece does (pieces are cut from the buffer, the space
    # between a full stop and its marker left out, so joined they are not in the buffer)
    rest_at = buffer.rfind(rest)
    if rest_at < 0:  # not found as written: keep it all for now rather than lose any of it
        return [], buffer
    return done, buffer[rest_at:]


def _abstain(run: _Run, question_text: str, reason: str, raw: str = "") -> Answer:
    text = localized("abstain", run.question.lang, run.question.english)
    if run.question.traditional:
        text = to_traditional(text)
    run.timings.total = time.perf_counter() - run.started
    if not run.timings.first_text:
        run.timings.first_text = run.timings.total
    return Answer(
        question=question_text,
        text=text,
        citations=passages_as_citations(run.passages),
        abstained=True,
        confidence=run.confidence,
        reason=reason,
        withheld=run.withheld,
        signals=run.signals,
        raw_text=raw,
        removed=run.removed,
        timings=run.timings,
    )


@dataclass
class Tools:
    """What answering needs besides the question."""

    settings: Settings
    retriever: Retriever
    generator: Generator
    lexicon: Lexicon
    calibration: Calibration
    expand: Callable[[Question], str] | None = None
    similarity: Callable[[Question], Similar] | None = None
    cancel: threading.Event | None = None


def prepare(q: Question, tools: Tools, started: float, shared: list[Passage]) -> tuple[_Run, list[Hit]]:
    """Retrieve and select the passages for one question. Passages of the parts of one question
    share one numbering: one that two parts both use keeps its number."""
    t = time.perf_counter()
    settings = tools.settings
    q = settle(q, tools.lexicon.known)
    query = tools.expand(q) if tools.expand else q.query
    hits: list[Hit] = tools.retriever.retrieve(query, k=settings.top_k + 3)
    similar = tools.similarity(q) if tools.similarity is not None else None
    passages = select_passages(
        q,
        hits,
        tools.lexicon,
        max_passages=settings.context_passages,
        budget=settings.context_chars,
        similar=similar,
    )
    numbered = []
    for p in passages:
        same = next(
            (o for o in shared if (o.chunk.chunk_id, o.start, o.end) == (p.chunk.chunk_id, p.start, p.end)),
            None,
        )
        if same is None:
            p.n = len(shared) + 1
            shared.append(p)
        numbered.append(same or p)
    run = _Run(q, numbered, evidence(q, hits, numbered, tools.lexicon), tools.calibration, started)
    run.shared = shared
    run.similarity = similar
    if settings.self_check:
        run.self_check = _self_check(run, tools.generator)
    run.timings.retrieve = time.perf_counter() - t
    return run, hits


def answer_one(original: str, run: _Run, hits: list[Hit], tools: Tools) -> Iterator[str | Answer]:
    """Generate, check and decide one question's answer: verified text, then the ``Answer``."""
    settings, generator, lexicon, calibration = (
        tools.settings,
        tools.generator,
        tools.lexicon,
        tools.calibration,
    )
    q, passages, started = run.question, run.passages, run.started
    begun = time.perf_counter()
    best = best_case(calibration, run.evidence)
    if not passages or run.evidence.missing or best < calibration.threshold:
        reason = (
            "no passage"
            if not passages
            else f"the documents never name {', '.join(run.evidence.missing)}"
            if run.evidence.missing
            else f"best possible confidence {best:.2f} below {calibration.threshold:.2f}"
        )
        log.info("abstaining before generation: %s", reason)
        run.confidence = best
        run.signals = features(run.evidence, None, True)
        yield _abstain(run, original, reason)
        return

    messages = build_messages(q, passages)
    run.timings.prompt = time.perf_counter() - begun
    gen_started = time.perf_counter()
    buffer, raw = "", ""
    verify_s = 0.0
    stream = generator.stream(messages, settings.max_tokens, tools.cancel, run.generation)
    try:
        for delta in stream:
            if not raw:
                run.timings.first_token = time.perf_counter() - started
            raw += delta
            buffer += delta
            done, buffer = _complete(buffer, final=False)
            t = time.perf_counter()
            for sentence in done:
                for text in run.take(check_sentence(sentence, passages, q, lexicon)):
                    yield run.show(text)
            verify_s += time.perf_counter() - t
            if run.refused:
                break  # the answer is refused: stop paying for tokens nobody will see
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    t = time.perf_counter()
    if not run.refused:
        for sentence in _complete(buffer, final=True)[0]:
            for text in run.take(check_sentence(sentence, passages, q, lexicon)):
                yield run.show(text)
    run.timings.generate = time.perf_counter() - gen_started
    stats = run.generation
    notes: list[str] = []
    if run.kept:
        others = select_passages(q, hits, lexicon, max_passages=len(hits), budget=10**6)
        notes = conflict_notes(run.kept, passages, others, q, first_n=len(run.shared) + 1)
        run.shared += [p for p in passages if p not in run.shared]
        for note in notes:
            yield run.show(("" if not q.english else " ") + note)
    verify_s += time.perf_counter() - t
    run.timings.verify = verify_s

    if not run.kept:
        if run.refused:
            reason = run.refused
        elif run.pending:
            reason = "the answer does not give what was asked"
            run.removed += [c.text for c in run.pending]
        else:
            reason = "no sentence of the answer passed the checks"
        answer = _abstain(run, original, reason, raw.strip())
        answer.prompt_tokens, answer.generated_tokens = stats.prompt_tokens, stats.generated_tokens
        yield answer
        return

    pieces = [run.render(c).strip() for c in run.kept] + notes
    text = (" " if q.english else "").join(pieces)
    if q.traditional:
        text = to_traditional(text)
    by_n = {p.n: p for p in passages}
    spans: dict[int, tuple[int, int]] = {}
    for c in run.kept:
        for n, span in c.spans.items():
            spans.setdefault(n, span)
    cited = {n for c in run.kept for n in c.cites} | {int(m) for m in re.findall(r"\[(\d+)\]", text)}
    citations = [_citation(by_n[n], n in spans, spans.get(n)) for n in sorted(cited) if n in by_n]
    run.timings.total = time.perf_counter() - started
    yield Answer(
        question=original,
        text=text,
        citations=citations,
        abstained=False,
        confidence=run.confidence,
        signals=run.signals,
        removed=run.removed,
        raw_text=raw.strip(),
        timings=run.timings,
        prompt_tokens=stats.prompt_tokens,
        generated_tokens=stats.generated_tokens,
    )
