"""The ``Question`` stage: a question is read once into what it asks for and what constrains it.

Later stages (retrieval, context, checks, abstention) take the ``Question`` and never parse the
raw text again. Nothing here knows any field: names are found by grammar (part-of-speech tags,
words jieba does not know, Latin names, 《titles》 and quotes), years and figures by
``figures``, and the words of the language come from ``language.json``.

Follow-ups are resolved against the conversation: a pronoun ("它", "该公司", "it") takes the
previous question's name, an elliptical question ("那2023年呢？", "电机呢？", "其他公司呢？")
takes the previous question and swaps in what it changes, and a question that names nothing
inherits the previous question's names and years.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

from .entities import latin_names, proper_words, quoted
from .figures import Figure, figures, years
from .language import LANG, LATIN, detect
from .lexicon import is_content, tag
from .normalize import CJK_RE, fold, is_english, is_traditional

_END_PUNCT = "？?。.！!；; "


@dataclass(frozen=True)
class Question:
    """A question as the pipeline understands it; every word is folded."""

    text: str  # as the user typed it
    query: str  # self-contained: what retrieval and the model see
    english: bool  # written in Latin letters (English, or another language that uses them)
    traditional: bool
    asks: str  # who, when, where, quantity, how, why, yesno, which or what
    names: tuple[str, ...]  # proper names, Latin names, titles: the entities it is about
    titles: tuple[str, ...]  # 《titles》 and “quoted terms”: names the user marked as exact
    years: tuple[int, ...]
    figures: tuple[Figure, ...]  # its other figures (not years)
    terms: tuple[str, ...]  # its content words, names included, question words excluded
    focus: tuple[str, ...]  # the words next to the question word: the measure asked about
    exclude: tuple[str, ...] = ()  # names the user asked to leave out ("其他公司呢")
    previous: tuple[tuple[str, str], ...] = field(default=())  # the turn it was resolved with
    lang: str = "zh"  # zh, en, ja or another language written in Latin letters (fr, de, es...)
    initials: tuple[str, ...] = ()  # names read only from the capital that starts the question

    @property
    def folded(self) -> str:
        return fold(self.query)

    @property
    def stop(self) -> frozenset[str]:
        """The function words of its language (English's too, for any language)."""
        return LANG.stop_for(self.lang)

    @property
    def constraints(self) -> tuple[str, ...]:
        """What a supporting sentence must mention: its names and years."""
        return self.names + tuple(str(y) for y in self.years)

    @property
    def is_followup(self) -> bool:
        return bool(self.previous)


@cache
def _asks_folded(lang: str) -> list[list[str]]:
    """The question words of each kind, as folded text writes them (誰 as 谁, 何時 as 何时)."""
    return [[fold(w) for w in words] for words in LANG.asks_for(lang).values()]


def asks_of(folded: str, english: bool, lang: str = "en") -> str:
    """The kind of answer a question wants, from its question words: the first kind in the
    data's order that has a match, a match inside a longer one not counting ("几" inside
    "哪几家" asks which, not how many), nor one that a longer or earlier one overlaps."""
    found: list[tuple[int, int, int]] = []  # (kind's place, start, end)
    for place, words in enumerate(_asks_folded(lang)):
        for w in words:
            whole = english or w.isascii()
            pattern = rf"(?<![{LATIN}]){re.escape(w)}(?![{LATIN}])" if whole else re.escape(w)
            found += [(place, m.start(), m.end()) for m in re.finditer(pattern, folded)]
    inside = {f for f in found for g in found if g[1] <= f[1] and f[2] <= g[2] and g[2] - g[1] > f[2] - f[1]}
    # of two that overlap, the longer counts ("在哪一天" asks when), else the one read first
    # ("如何处理" asks how, its "何处" no place)
    inside |= {
        f
        for f in found
        for g in found
        if max(f[1], g[1]) < min(f[2], g[2])
        and (g[2] - g[1], -g[1]) > (f[2] - f[1], -f[1])
        and not (g[1] <= f[1] and f[2] <= g[2])
    }
    kinds = list(LANG.asks)
    if found:
        return kinds[min(place for place, *_ in set(found) - inside)]
    first = re.match(rf"[\s¿¡]*([{LATIN}]+)", folded)
    other = LANG.languages.get(lang)
    leads = other.yesno_leads if other else LANG.yesno_leads_en
    if english and first and first.group(1) in leads:
        return "yesno"
    words = re.findall(rf"[{LATIN}]+(?:-[{LATIN}]+)*", folded)
    if other and any(w in other.yesno_anywhere for w in words):  # "le musée est-il ouvert"
        return "yesno"
    return "what"


def asks_by_ending(asks: str, content: list[str]) -> str:
    """A question with no question word ("乌镇峰会举办时间") asks for what its last word names."""
    if asks != "what" or not content:
        return asks
    last = content[-1]
    for kind, endings in LANG.asks_by_ending.items():
        if any(last.endswith(e) for e in endings):
            return kind
    return asks


def _focus(tagged: list[tuple[str, str]], content: list[str]) -> tuple[str, ...]:
    """Up to two content words nearest the question word (before it, else after it); the last
    two content words when there is none ("2023年温网女单亚军")."""
    words = [w for w, _ in tagged]
    qpos = next((i for i, w in enumerate(words) if w in LANG.question_words), None)
    keep = [(i, w) for i, w in enumerate(words) if w in content]
    if qpos is None:
        return tuple(w for _, w in keep[-2:])
    before = [w for i, w in keep if i < qpos][-2:]
    return tuple(before or [w for i, w in keep if i > qpos][:2])


def _dedupe(items: list[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for x in items:
        if x and x not in seen:
            seen.append(x)
    return tuple(seen)


def names_in_language(text: str, lang: str, initials: bool = True) -> list[str]:
    """The Latin names of a text in a question's language: its function words are no names, a
    German noun alone is none, and a Spanish or French name keeps its small words."""
    other = LANG.languages.get(lang)
    if other is None:
        return latin_names(text, initials)
    return latin_names(
        text,
        initials,
        stop=LANG.stop_for(lang),
        nouns=other.capitalised_nouns,
        particles=frozenset(other.name_particles),
    )


def read(text: str, query: str | None = None) -> Question:
    """Read one self-contained question (no conversation)."""
    query = query if query is not None else text
    folded = fold(query)
    english = is_english(query)
    lang = detect(query, english)
    stop = LANG.stop_for(lang)
    tagged = tag(folded)
    figs = figures(folded, folded=True)
    yrs = sorted(years(figs))
    other_figs = tuple(f for f in figs if not (f.kind == "date" and f.date[1] is None and f.date[0] in yrs))
    latin = names_in_language(query, lang)
    # "Summarize …", "Roughly how long …": a lone capitalised first word may be a plain word;
    # the corpus decides (``settle``). "Tesla's revenue" is a name by its possessive.
    unsure = set(latin) - set(names_in_language(query, lang, initials=False))
    initials = tuple(n for n in unsure if not re.match(rf"\W*{re.escape(n)}['’]s\b", query, re.IGNORECASE))
    found = _dedupe(quoted(query) + latin + proper_words(tagged))
    # a month's name belongs to its date ("April 8, 2025"): the figure carries it
    found = tuple(n for n in found if not any(n in f.text and n != f.text for f in figs))
    names = tuple(sorted(found, key=lambda n: (folded.find(n) % (len(folded) + 1), -len(n))))
    # jieba tags figures as numerals: 2023 and 年 are not content words of their own
    content = [
        w
        for w, flag in tagged
        if is_content(w) and w not in LANG.question_words and not flag.startswith("m") and not w.isdigit()
    ]
    if english:  # the content words of a question in Latin letters: those outside the stop list
        content = [w for w in re.findall(rf"[{LATIN}][{LATIN}0-9\-]+", folded) if w not in stop]
    # words inside a name (踏, 冰逐梦 of 踏冰逐梦) add nothing to it
    content = [w for w in content if not any(w != n and w in n for n in names)]
    terms = _dedupe(list(names) + content)
    return Question(
        text=text,
        query=query,
        english=english,
        traditional=lang == "zh" and is_traditional(text),
        asks=asks_by_ending(asks_of(folded, english, lang), content),
        names=names,
        titles=_dedupe(quoted(query)),
        years=tuple(yrs),
        figures=other_figs,
        terms=terms,
        focus=_focus(tagged, content) if not english else tuple(content[-2:]),
        lang=lang,
        initials=tuple(n for n in initials if n in names),
    )


def settle(q: Question, known: Callable[[str], bool]) -> Question:
    """The question as the corpus reads it: a name read only from the capital that starts it
    ("Summarize", "Roughly", "Describe") that no document uses is a plain word, not a name the
    documents never name (which refuses before the model is asked). One the corpus uses stays
    a name."""
    plain = {n for n in q.initials if not known(n)}
    if not plain:
        return q
    return replace(q, names=tuple(n for n in q.names if n not in plain), initials=())


# -- follow-ups -------------------------------------------------------------------------


def _has_word(folded: str, words: list[str], tokens: bool = True) -> str | None:
    """The first of ``words`` that stands as a word of its own in the folded text: a word in
    Latin letters between non-letters, a Chinese one as a token, one in kana, or any where the
    segmenter does not know the language (``tokens`` False: Japanese), as written."""
    toks = [w for w, _ in tag(folded)]
    for w in words:
        if not CJK_RE.search(w) or not tokens:
            if re.search(rf"(?<![{LATIN}]){re.escape(w)}(?![{LATIN}])", folded):
                return w
        elif w in toks:
            return w
    return None


@cache
def _followups(lang: str) -> tuple[list[str], list[str], list[str]]:
    """The follow-up markers of a language as folded text writes them: leads, tails, pronouns."""
    leads, tails, pronouns = LANG.followups_for(lang)
    return [fold(w) for w in leads], [fold(w) for w in tails], [fold(w) for w in pronouns]


def _relative_year(folded: str, anchor: tuple[int, ...]) -> tuple[str, int] | None:
    for word, delta in LANG.relative_years.items():
        if word in folded and anchor:
            return word, anchor[0] + delta
    return None


def _sibling(term: str, terms: tuple[str, ...]) -> str | None:
    """The term of the previous question that a new term replaces: same length, sharing a
    character at the same place (整机/电机, 男单/女单, 冠军/亚军)."""
    best = None
    for t in terms:
        if t == term or len(t) != len(term) or not CJK_RE.match(t):
            continue
        if any(a == b for a, b in zip(t, term, strict=True)):
            best = t
            break
    return best


def _phrase(question: Question, name: str) -> str:
    """A name with the noun right after it, as the question writes it (滨江 -> 滨江马拉松)."""
    tagged = tag(question.folded)
    words = [w for w, _ in tagged]
    for i, w in enumerate(words):
        if w == name and i + 1 < len(tagged) and tagged[i + 1][1] in LANG.noun_tags:
            return w + words[i + 1]
    return name


def _strip_markers(folded: str, lang: str = "zh") -> str:
    leads, tails, _ = _followups(lang)
    text = folded.strip().rstrip(_END_PUNCT)
    for w in tails:
        text = text.removesuffix(w)
    for w in leads:
        if not re.fullmatch(f"[{LATIN}' ]+", w):  # 那么, では; not "and" or "et"
            text = text.removeprefix(w)
    return text.strip()


def resolve(text: str, history: list[tuple[str, str]] | None) -> Question:
    """Read a question in its conversation: the last turn resolves what it leaves out."""
    q = read(text)
    if not history:
        return q
    prev_q, prev_a = history[-1]
    prev = resolve(prev_q, history[:-1])
    previous = ((prev.query, prev_a),)
    folded = q.folded
    source = prev if prev.names else read(prev_a)
    subject = _phrase(source, source.names[0]) if source.names else ""

    leads, tails, pronouns = _followups(q.lang)
    pronoun = _has_word(folded, pronouns, tokens=q.lang != "ja")
    if pronoun and subject and not q.names:
        if not CJK_RE.search(pronoun):
            pattern = rf"(?<![{LATIN}]){re.escape(pronoun)}(?![{LATIN}])"
        else:
            pattern = re.escape(pronoun)
        query = re.sub(pattern, subject, q.query, count=1, flags=re.I)
        if query == q.query:  # written otherwise than folded: 該行, 同館
            query = re.sub(pattern, subject, fold(q.query), count=1)
        return _with(read(text, query), previous=previous)

    lead = _has_word(folded, leads)
    tail = folded.rstrip(_END_PUNCT).endswith(tuple(tails))
    other = _has_word(folded, LANG.followup_markers.other)
    elliptic = ((lead or tail) and q.asks in ("what", "yesno")) or (lead and len(q.terms) <= 2)
    if elliptic or other:
        return _with(*_substitute(q, prev, other), previous=previous)

    if not q.names and subject:
        # a question that names nothing is about what the conversation was about
        lead_in = " ".join([subject] + [str(y) for y in prev.years if y not in q.years])
        return _with(read(text, f"{lead_in} {q.query}"), previous=previous)
    return q


def _substitute(q: Question, prev: Question, other: str | None) -> tuple[Question, tuple[str, ...]]:
    """The previous question with what an elliptical follow-up changes swapped in."""
    query = prev.query
    folded = q.folded
    relative = _relative_year(folded, prev.years)
    new_years = q.years or ((relative[1],) if relative else ())
    for old_year, new_year in zip(prev.years, new_years, strict=False):
        query = query.replace(str(old_year), str(new_year))
    swapped = [t for t in q.terms if t not in prev.terms and t not in LANG.followup_markers.other]
    if relative:
        swapped = [t for t in swapped if t != relative[0]]
    if other and prev.names:
        # "其他公司呢": the same question about others than the one just asked about
        phrase = _phrase(prev, prev.names[0])
        return read(q.text, query.replace(phrase, _strip_markers(folded, q.lang), 1)), prev.names[:1]
    if q.names and prev.names:
        query = query.replace(_phrase(prev, prev.names[0]), _phrase(q, q.names[0]), 1)
        swapped = [t for t in swapped if t not in q.names]
    plain = [t for t in prev.terms if t not in prev.names]
    if len(swapped) == 1:
        # one new word takes the place of its sibling (整机 -> 电机), else of the first plain word
        old = _sibling(swapped[0], prev.terms) or (_whole(plain[0], prev) if plain else None)
        if old and old in query:
            return read(q.text, query.replace(old, swapped[0], 1)), ()
    if swapped:
        # a new measure: the names and years of the last question with the new words
        lead_in = " ".join(
            [_phrase(prev, n) for n in prev.names[:1]] + [str(y) for y in new_years or prev.years]
        )
        return read(q.text, f"{lead_in} {_strip_markers(q.query, q.lang)}".strip()), ()
    return read(q.text, query), ()


def _whole(term: str, q: Question) -> str:
    """The term with the one-character terms written right after it, as the segmenter cut an
    unknown compound ("研磨器" into 研磨 and 器): a follow-up's new word replaces all of it."""
    words = [t for t in q.terms if len(t) == 1 and CJK_RE.match(t)]
    at = q.query.find(term)
    whole = term
    while at >= 0 and (nxt := q.query[at + len(whole) : at + len(whole) + 1]) and nxt in words:
        whole += nxt
    return whole


def _with(q: Question, exclude: tuple[str, ...] = (), previous: tuple[tuple[str, str], ...] = ()) -> Question:
    return replace(q, exclude=exclude, previous=previous)


# -- questions about several things ----------------------------------------------------------


def parts(q: Question) -> tuple[str, ...]:
    """The questions a question about several things asks, one per thing: "2023年和2024年滨江
    马拉松的参赛人数分别是多少？" asks "2023年滨江马拉松的参赛人数是多少？" and the same of
    2024年; "5号线的末班车和8号线的末班车分别是几点？" asks of each line. The things are years,
    figures of one unit or (with a word such as 分别 or "respectively") names, joined by 和, 、,
    "and"…; a comparison word (相比, 总共, which) asks about them together, and gives ()."""
    text = q.query
    folded = fold(text)
    if len(folded) != len(text) or q.asks == "yesno" or _mentions(folded, LANG.comparison, q.english):
        return ()
    marker = _first(folded, LANG.respectively, q.english)
    for kind, spans in _items(q, folded):
        if kind == "name" and marker is None:
            continue  # "A和B签署了什么": two names may be asked about together
        segments = _coordinated(spans, folded, marker)
        if segments:
            start, end = segments[0][0], segments[-1][1]
            return tuple(
                _without_marker(text[:start] + text[a:b] + text[end:], q.english) for a, b in segments
            )
    return ()


def _mentions(folded: str, words: list[str], english: bool) -> bool:
    return _first(folded, words, english) is not None


def _first(folded: str, words: list[str], english: bool) -> tuple[int, int] | None:
    """Where the first of the words stands in the text (an English word as a whole word)."""
    found = []
    for w in words:
        pattern = rf"(?<![a-z]){re.escape(w)}(?![a-z])" if w.isascii() else re.escape(w)
        if (w.isascii() and english) or not w.isascii():
            m = re.search(pattern, folded)
            if m:
                found.append((m.start(), m.end()))
    return min(found) if found else None


def _items(q: Question, folded: str) -> list[tuple[str, list[tuple[int, int]]]]:
    """The places of the question's years, of its figures of each unit and of its names."""
    years = [m.span() for y in q.years if (m := re.search(rf"(?<!\d){y}(?!\d)年?", folded))]
    units: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for f in q.figures:
        if f.kind in ("number", "date") and (f.unit or f.kind == "date"):
            units.setdefault((f.kind, f.unit), []).append((f.start, f.end))
    names = [(i, i + len(n)) for n in q.names if (i := folded.find(n)) >= 0]
    groups = [("year", years)] + [("figure", s) for s in units.values()] + [("name", names)]
    return [(kind, sorted(set(spans))) for kind, spans in groups if len(spans) > 1]


def _coordinated(
    spans: list[tuple[int, int]], folded: str, marker: tuple[int, int] | None
) -> list[tuple[int, int]]:
    """The segments of a coordinated phrase, one per thing ("5号线的末班车" and "8号线的末班车"
    of "5号线的末班车和8号线的末班车"), or []. Of the things before the joint, the one whose
    words up to it mirror the words after the other is its partner (甲厂, not 一号机, in
    "甲厂的一号机和乙厂的新产线")."""
    joints = sorted(LANG.part_joints, key=len, reverse=True)
    for j, b in reversed(list(enumerate(spans))):  # from the last thing: the whole list
        joint = next((w for w in joints if folded[: b[0]].endswith(w)), None)
        if joint is None:
            continue
        at = b[0] - len(joint)
        before = [
            a
            for a in spans[:j]
            if a[1] <= at and at - a[1] <= 8 and not re.search(r"[。？！?!；;，,]", folded[a[1] : at])
        ]
        if not before:
            continue
        after = folded[b[1] :]
        a = max(before, key=lambda a: (len(_common_prefix(folded[a[1] : at], after)), a[0]))
        tail = folded[a[1] : at]
        end = b[1]
        if tail and after.startswith(tail):
            end += len(tail)
        elif tail and marker is not None and b[1] <= marker[0] <= b[1] + 12:
            end = marker[0]
        segments = [(a[0], at), (b[0], end)]
        # a list of bare things: "2022年、2023年和2024年"
        for c in reversed(spans[: spans.index(a)]):
            if tail or not any(folded[c[1] : segments[0][0]] == w for w in joints):
                break
            segments.insert(0, (c[0], segments[0][0] - len(folded[c[1] : segments[0][0]])))
        return [(s, e) for s, e in segments if e > s]
    return []


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _without_marker(text: str, english: bool) -> str:
    """The sub-question without its "分别" or "respectively"."""
    for w in LANG.respectively:
        if w.isascii():
            if english:
                text = re.sub(rf",?\s*(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", "", text, count=1, flags=re.I)
        elif len(w) > 1 or re.search(rf"{w}(?=[是为有自])", text):
            text = text.replace(w, "", 1)
    return re.sub(r"\s+([?？.。])", r"\1", text).strip()
