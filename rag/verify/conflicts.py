"""Where another passage gives a different date for what was asked, say so and cite it."""

from __future__ import annotations

from ..context import Passage
from ..figures import Figure, figures, matches
from ..language import LANG
from ..normalize import fold
from ..prompts import localized
from ..question import Question
from .names import holds_name
from .support import SentenceCheck


def conflict_notes(
    kept: list[SentenceCheck],
    passages: list[Passage],
    others: list[Passage],
    question: Question,
    first_n: int | None = None,
) -> list[str]:
    """Notes for dates that other passages give for the same thing.

    ``others`` are passages of retrieved hits that did not fit in the prompt; one that is cited
    here is appended to ``passages`` under the next number (from ``first_n`` where the answer
    numbers more passages than these). Only a question that asks when has rival dates. A rival
    date must stand in a sentence about the same thing: one that names every name of the
    question, states its figures (神舟十六号, not 十一号), shares half of its words and half
    of the words by its question word (发射, 交付), and does not itself state the answer's
    date (a dateline beside it: "酒泉5月29日电 …5月30日9时31分发射" is no rival).
    """
    next_n = first_n or len(passages) + 1
    given = [f for c in kept for f in c.figures if f.kind == "date" and f.date[1] is not None]
    if not given or not question.names or question.asks != "when":
        return []
    cited = {c for s in kept for c in s.cites}
    cited_docs = {p.hit.doc_id for p in passages if p.n in cited}
    fresh = [p for p in others if not any(_overlap(p, q) for q in passages)]
    notes: list[str] = []
    for p in [q for q in passages if q.n not in cited] + fresh:
        if p.hit.doc_id in cited_docs:
            continue
        for _, _, text in p.sentence_texts():
            s = fold(text)
            stated = figures(s, folded=True)
            dates = [f for f in stated if f.kind == "date" and f.date[1] is not None]
            agrees = any(matches(d, g) or matches(g, d) for d in dates for g in given)
            if agrees or not _about_the_same(s, stated, question):
                continue
            for date in dates:
                if any(matches(date, g) or matches(g, date) for g in given):
                    continue  # one date written twice ("Dec 9, 2022 … 2022年12月9日")
                if p not in passages:
                    p.n, next_n = next_n, next_n + 1
                    passages.append(p)
                note = localized("conflict", question.lang, question.english)
                notes.append(note.format(value=spoken(date, question.english), cite=f"[{p.n}]"))
                given.append(date)
                cited_docs.add(p.hit.doc_id)
    return notes


def _about_the_same(sentence: str, stated: list[Figure], question: Question) -> bool:
    def share(words: tuple[str, ...]) -> float:
        return sum(1 for t in words if t in sentence) / len(words) if words else 1.0

    return (
        all(holds_name(sentence, n) for n in question.names)
        and all(any(matches(f, g) for g in stated) for f in question.figures)
        and share(question.terms) >= 0.5
        and share(question.focus) >= 0.5
    )


def spoken(date: Figure, english: bool) -> str:
    """A date as the answer's language writes it ("2022年12月9日", "December 9, 2022"), not as
    the folded source text has it ("dec 9, 2022")."""
    y, m, d = date.date
    if not m:
        return date.text
    if not english:
        return "".join(f"{v}{unit}" for v, unit in ((y, "年"), (m, "月"), (d, "日")) if v)
    month = LANG.months_en[m - 1].capitalize()
    day = f"{month} {d}" if d else month
    return f"{day}, {y}" if y and d else f"{day} {y}" if y else day


def _overlap(p: Passage, q: Passage) -> bool:
    return p.hit.doc_id == q.hit.doc_id and p.start < q.end and q.start < p.end
