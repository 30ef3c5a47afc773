"""Select the sentences worth the model's time: the best sentences of each hit and their neighbours.

Every prompt token costs CPU time before the first answer word, so passages are built from
the sentences that match the question best (with the sentence before, which usually carries
the subject a lone sentence loses: "该行...", "It ..."), not from whole chunks. A sentence
scores by the question's words it holds, each weighted by how specific it is in this corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .figures import figures, matches, years
from .lexicon import Lexicon
from .normalize import LIST_ITEM_RE, fold, is_english, split_sentences
from .question import Question
from .types import Chunk, Hit


@dataclass
class Passage:
    """A numbered passage of the prompt: a few consecutive sentences of one chunk."""

    n: int
    hit: Hit
    text: str
    start: int  # offsets into the cleaned document
    end: int
    sentences: list[tuple[int, int]] = field(default_factory=list)  # document offsets
    before: str = ""  # the document text just before the passage
    lead: str = ""  # the chunk's lead, or the column names of the table the passage starts inside

    @property
    def chunk(self) -> Chunk:
        return self.hit.chunk

    @property
    def label(self) -> str:
        """Where the passage sits, shown before it: the headline that dates it, its section and
        subject, when the text lacks them."""
        chunk = self.chunk
        folded = fold(self.text)
        kept: dict[str, str] = {}  # folded form -> the part as written, first one kept
        for part in (headline(chunk), chunk.heading, self.lead, chunk.subject):
            if part and fold(part) not in folded:
                kept.setdefault(fold(part), part)
        # a part that another part holds ("规定" in "规定 > 一、年休假") is said once
        return " · ".join(p for f, p in kept.items() if not any(f != o and f in o for o in kept))

    @property
    def prompt_text(self) -> str:
        return f"（{self.label}）{self.text}" if self.label else self.text

    @property
    def folded(self) -> str:
        return fold(self.prompt_text)

    def sentence_texts(self) -> list[tuple[int, int, str]]:
        """(document start, document end, text) of each sentence."""
        return [(self.start + a, self.start + b, self.text[a:b]) for a, b in split_sentences(self.text)]


def headline(chunk: Chunk) -> str:
    """The document's title when it is a headline that dates the passage (a short line with a
    year, not the truncated first sentence): news of another year is the commonest near miss,
    and a sentence in the middle of a report rarely says its year."""
    title = chunk.title.strip()
    if not title or title[-1] in "。！？.!?…" or not years(figures(title)):
        return ""
    return title


def sentence_score(sentence: str, question: Question, lexicon: Lexicon, given: str = "") -> float:
    """How much of the question a sentence holds: the specificity of each question word it
    contains (names count double), its years and figures (a model number, an article's number,
    an exit code: the row of a table about 畅享99 holds "99", the header row does not), and a
    little for holding the kind of figure asked for.

    Words and years that ``given`` (the passage's headline, section and subject, folded) holds
    count for no sentence: every sentence under "2024滨江国际马拉松……" is about that race, and
    the lead that repeats its name would otherwise outscore the one that answers."""
    folded = fold(sentence)
    score = 0.0
    for term in question.terms:
        if term in folded and term not in given:
            weight = 0.2 + lexicon.specificity(term)
            score += 2 * weight if term in question.names else weight
    score += sum(0.6 for y in question.years if str(y) in folded and str(y) not in given)
    figs = figures(folded, folded=True) if question.figures or question.asks in ("quantity", "when") else []
    score += sum(0.6 for f in question.figures if any(matches(f, g) for g in figs))
    if question.asks in ("quantity", "when"):
        wanted = ("date",) if question.asks == "when" else ("number", "percent", "duration")
        if any(f.kind in wanted for f in figs):
            score += 0.5
    return score


Similar = Callable[[list[str]], list[float]]  # the embedder's similarity of the question and each text


def _units(hit: Hit, max_chars: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """A hit's sentences, and the unit each is weighed in: a short line is read as one unit (a
    table's row "套餐名称: 畅享99；……；流量: 60" names its item in one cell and the figure asked
    for in another, and each cell is a sentence)."""
    spans = split_sentences(hit.text)
    return spans, [_unit(hit.text, span, max_chars) for span in spans]


def _cross_lingual(question: Question, hit: Hit) -> bool:
    """Is the hit written in another language than the question (an English question over a
    Chinese report, or the other way round)? Then no sentence shares the question's words."""
    return question.english != is_english(hit.text)


def _passage_for(
    hit: Hit, question: Question, lexicon: Lexicon, max_chars: int, meaning: dict[str, float] | None = None
) -> Passage | None:
    """The best sentence of a hit with its neighbours, numbered later. ``meaning`` (the
    embedder's similarity of the question and each unit's text) is added to the units' scores
    in a hit in another language than the question: it shares the question's figures, years
    and Latin names ("2.3" of "tarsync 2.3是哪天发布的"), but not its words."""
    text = hit.text
    spans, units = _units(hit, max_chars)
    if not spans:
        return None
    chunk = hit.chunk
    given = fold(" ".join(x for x in (headline(chunk), chunk.heading, chunk.subject) if x))
    memo: dict[tuple[int, int], float] = {}
    for u in units:
        if u not in memo:
            line = text[u[0] : u[1]]
            if _in_label(line, given):
                memo[u] = -1.0
            else:  # the meaning decides between sentences that share as much (often nothing)
                memo[u] = sentence_score(line, question, lexicon, given) + (meaning or {}).get(line, 0.0)
    best = max(range(len(spans)), key=lambda i: (memo[units[i]], -i))
    members = [i for i, u in enumerate(units) if u == units[best]]
    lo, hi = members[0], members[-1]
    best = lo
    # the previous sentence carries the subject; then grow towards the better neighbour
    if lo > 0 and spans[hi][1] - spans[lo - 1][0] <= max_chars:
        lo -= 1
    lo = _reach_back(text, spans, lo, hi, question, max_chars, given)
    while lo < best and _in_label(text[spans[lo][0] : spans[lo][1]], given):
        lo += 1
    # a table's rows or a list's items are read with their column names and lead-in
    for top in _block_top(text, spans[lo][0], given)[::-1]:
        if top < spans[lo][0] and spans[hi][1] - top <= max_chars:
            lo = next(i for i, (s, _) in enumerate(spans) if s >= top)
            break
    while True:
        grow_next = hi + 1 < len(spans) and spans[hi + 1][1] - spans[lo][0] <= max_chars
        if not grow_next:
            break
        hi += 1
    a, b = spans[lo][0], spans[hi][1]
    if b - a > max_chars:  # one long sentence: keep the part around the question's words
        a, b = _window_in(text, spans[best], question, max_chars)
    start = hit.chunk.start
    return Passage(
        n=0,
        hit=hit,
        text=text[a:b].replace("\n", " "),  # same length: offsets stay valid
        start=start + a,
        end=start + b,
        sentences=[(start + s, start + e) for s, e in spans if s >= a and e <= b] or [(start + a, start + b)],
        before=(hit.before + text[:a])[-150:],
        lead=hit.chunk.lead or _header_above(text, a, given),
    )


def _in_label(line: str, given: str) -> bool:
    """Is the line a heading the passage's label says (``given``: its parts, folded)?"""
    return fold(line).strip() in given


def _header_above(text: str, at: int, given: str) -> str:
    """The first row of the table whose row starts at ``at``, where the rows above it are in the
    chunk but the passage could not reach them: the column names ("员工级别 | 一线城市 | 其他城市")
    that a passage starting at "经理 | 700 | 500" needs, said in its label."""
    first, _ = _block_top(text, at, given)
    line = text[first:].split("\n", 1)[0]
    return line.strip() if first < at and " | " in line else ""


def _block_top(text: str, at: int, given: str) -> tuple[int, int]:
    """Where the table or list that holds the line at ``at`` begins: (its first row or item,
    the lead-in line ending in a colon before it, else that first row or item again). The
    loaders write a table's column names first, its cells joined by " | "; "更换方法如下：" leads
    in "1. 关机……". A heading line ``given`` holds ends the search ("一、5号线" looks like an
    item). (``at``, ``at``) when the line is in neither."""
    start = text.rfind("\n", 0, at) + 1
    lines: list[tuple[int, str]] = []  # (start, line) from the line at ``at`` upwards
    while True:
        end = text.find("\n", start)
        lines.append((start, text[start : end if end >= 0 else len(text)]))
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    first_line = lines[0][1]

    def same_kind(line: str) -> bool:
        return " | " in line if " | " in first_line else bool(LIST_ITEM_RE.match(line))

    if not same_kind(first_line):
        return at, at
    first = lines[0][0]
    for pos, line in lines[1:]:
        if not line.strip():
            continue  # a blank line between items
        if _in_label(line, given):
            break
        if same_kind(line):
            first = pos
            continue
        if line.rstrip().endswith(("：", ":")):
            return min(first, at), min(pos, at)
        break
    return min(first, at), min(first, at)


def _reach_back(
    text: str, spans: list[tuple[int, int]], lo: int, hi: int, question: Question, max_chars: int, given: str
) -> int:
    """Start the passage at an earlier sentence that names a year or name of the question the
    passage and its label (``given``) lack, where it fits: "国家统计局发布2021年中国经济数据。
    数据显示……全年城镇新增就业1269万人" answers for 2021 only with its first sentence."""
    held = fold(text[spans[lo][0] : spans[hi][1]]) + given
    missing = [c for c in question.constraints if c not in held]
    for j in range(lo - 1, -1, -1):
        if not missing or spans[hi][1] - spans[j][0] > max_chars:
            break
        if any(c in fold(text[spans[j][0] : spans[j][1]]) for c in missing):
            return j
    return lo


def _unit(text: str, span: tuple[int, int], max_chars: int) -> tuple[int, int]:
    """The line a sentence stands on where the line is one statement that fits the window (a
    table's row of "；"-joined cells, a list item), else the sentence: a paragraph of prose
    weighed whole would outscore its sentence that answers with words spread over the rest."""
    a, b = span
    lo = text.rfind("\n", 0, a) + 1
    hi = text.find("\n", b)
    hi = len(text) if hi < 0 else hi
    line = text[lo:hi].rstrip()
    if hi - lo > max_chars or _SENTENCE_END_RE.search(line[:-1]):
        return span
    return lo, hi


_SENTENCE_END_RE = re.compile(r"[。！？!?]|\.\s")


def _window_in(text: str, span: tuple[int, int], question: Question, max_chars: int) -> tuple[int, int]:
    """A ``max_chars`` window of one long sentence, centred on the question's words in it."""
    a, b = span
    folded = fold(text[a:b])
    hits = [folded.find(t) for t in question.terms if t in folded]
    centre = a + (sum(hits) // len(hits) if hits else 0)
    lo = max(a, min(centre - max_chars // 3, b - max_chars))
    hi = min(b, lo + max_chars)
    # English words are not cut: the window starts and ends at spaces
    if lo > a and _LATIN_PAIR_RE.match(text, lo - 1) and (space := text.find(" ", lo, hi)) > 0:
        lo = space + 1
    if hi < b and _LATIN_PAIR_RE.match(text, hi - 1) and (space := text.rfind(" ", lo, hi)) > lo:
        hi = space
    return lo, hi


_LATIN_PAIR_RE = re.compile(r"[A-Za-z0-9]{2}")


def select_passages(
    question: Question,
    hits: list[Hit],
    lexicon: Lexicon,
    max_passages: int = 4,
    max_chars: int = 160,
    budget: int = 400,
    similar: Similar | None = None,
) -> list[Passage]:
    """Up to ``max_passages`` short passages within ``budget`` characters.

    Every name the question mentions gets the best-ranked passage that holds it first (a
    question about two things needs a passage for each); the rest of the budget goes to the
    best hits. Passages that repeat an earlier one (overlapping chunks) are skipped. With
    ``similar``, the sentences of the best-ranked hits in another language than the question
    (as many as there may be passages) are weighed by their meaning too, in one call: "top
    scorer" finds "最佳射手" where no word does.
    """
    meaning: dict[str, float] | None = None
    # the best-ranked hits fill the prompt: embedding every sentence of all of them would cost
    # a second before the first word (the sentences of eight news chunks)
    foreign = [h for h in hits if _cross_lingual(question, h)][:max_passages]
    if similar is not None and foreign:
        lines = sorted({h.text[a:b] for h in foreign for a, b in _units(h, max_chars)[1]})
        meaning = dict(zip(lines, similar(lines), strict=True))
    found = (_passage_for(h, question, lexicon, max_chars, meaning if h in foreign else None) for h in hits)
    candidates = [p for p in found if p]
    chosen: list[Passage] = []
    used = 0

    def overlaps(p: Passage) -> bool:
        return any(p.hit.doc_id == q.hit.doc_id and p.start < q.end and q.start < p.end for q in chosen)

    def take(p: Passage) -> bool:
        nonlocal used
        if overlaps(p) or len(chosen) >= max_passages or (chosen and used + len(p.text) > budget):
            return False
        chosen.append(p)
        used += len(p.text)
        return True

    if len(question.names) > 1:
        covered: set[str] = set()
        for name in question.names:
            if name in covered:
                continue
            holder = next((p for p in candidates if name in p.folded and not overlaps(p)), None)
            if holder is not None and take(holder):
                covered |= {n for n in question.names if n in holder.folded}
    for p in candidates:
        take(p)
    rank = {id(p): i for i, p in enumerate(candidates)}
    chosen.sort(key=lambda p: rank[id(p)])
    for i, p in enumerate(chosen, 1):
        p.n = i
    return chosen
