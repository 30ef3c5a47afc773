"""Check one answer sentence against the passages: novel content, its support, the qualifiers.

1. A sentence must add something to the question: a figure, a name or words the question does
   not hold. One that only restates the question ("《剧名》首播时间[1]。") is no answer.
2. Each novel figure and name must be stated by a passage the sentence cites; a sentence whose
   facts sit in another passage is re-cited to it; one whose facts sit in none is removed.
3. The supporting sentence (with the sentence before it and the passage's section label) must
   go with what the question asks about. Its share of the question's names, years and words
   is measured for the confidence; a year or figure of the question that the passage lacks
   while the supporting sentence gives another one ("2022年" asked, "2021年" stated) rejects it
   (with no year by the sentence, the document's title dates it: "2023滨江马拉松落幕"),
   and so does a passage that never names a title or quoted term of the question (《胡同儿》
   asked, a passage about another film cited): the user marked that name as exact. Where the
   passage names a word of the question beside a look-alike ("分为生茶和熟茶", "5号线和8号线")
   and the clause stating the answer, under its own heading, names only the look-alike, the
   answer is about the other one and is rejected; so is an answer from one item of a list
   ("调味品……毛利率为38.5%；休闲食品……") whose later item is the one naming the thing asked,
   and one whose clause frames another thing as the question frames its own ("2023年台北羽毛球
   公开赛男单冠军" for "2023年全英羽毛球公开赛男单冠军", frames.py). The rules on years
   (another year, a part of a year for the whole or the whole for a part) are in years.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..context import Passage
from ..entities import names_in
from ..figures import Figure, figures, matches
from ..language import LANG
from ..lexicon import Lexicon, cut
from ..normalize import CJK, CJK_RE, fold, is_english
from ..question import Question
from ..romanize import romanized_in, written_as
from .frames import listed_instead, substituted
from .markers import is_refusal, parse_markers
from .names import holds_name, holds_word, look_alike, negated, novel_words, recombined_name, word_share
from .numbers import holding, novel_figures, sentence_years
from .spans import list_items, list_lead, sentence, surroundings, window
from .years import other_year, part_of_year, rival_figure, year_for_part

MIN_WORD_SHARE = 0.5  # a sentence with no figure or name needs this share of its words found
RECITE_MARGIN = 0.25  # how much better another passage must go with the question to be cited


@dataclass
class Support:
    """How well the supporting sentence goes with the question (each 0..1)."""

    constraints: float = 1.0  # share of the question's names, years, figures in the window
    terms: float = 1.0  # specificity-weighted share of the question's words in the window
    terms_passage: float = 1.0  # ... in the passage, its label and the text before it
    focus: float = 1.0  # share of the words next to the question word in the window
    novel_words: float = 1.0  # share of the sentence's plain novel words in the passage
    facts: int = 0  # novel figures and names the passage states
    sibling: bool = False  # a word of the question is missing and a look-alike stands there
    cross_lingual: bool = False  # answer or question in another language than the passage
    cited_dense: float = 1.0  # the embedder's similarity of the question and the cited passage
    cited_first: bool = True  # the cited passage is the one retrieval ranked first


@dataclass
class SentenceCheck:
    text: str  # the sentence without markers
    cites: list[int]  # passage numbers after re-citing
    verified: bool
    reason: str = ""
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # supporting sentence per passage
    figures: list[Figure] = field(default_factory=list)  # novel figures
    names: list[str] = field(default_factory=list)  # novel names
    support: Support = field(default_factory=Support)
    window: str = ""  # the supporting sentences with their context, folded
    primary: int = 0  # the cited passage whose sentence supports it best
    refusal: bool = False
    affirms: bool | None = None  # a yes or no: does it say yes to the question (None: no yes/no)
    glosses: dict[str, str] = field(default_factory=dict)  # Latin name -> the passage's characters

    @property
    def facts(self) -> list[str]:
        return [f.text for f in self.figures] + self.names


def _reject(body: str, cites: list[int], reason: str, **kw: object) -> SentenceCheck:
    return SentenceCheck(body, cites, False, reason, **kw)  # type: ignore[arg-type]


def _mostly_cjk(text: str) -> bool:
    return len(CJK_RE.findall(text)) > len(re.findall(r"[A-Za-z]", text)) / 4


def check_sentence(
    sentence: str, passages: list[Passage], question: Question, lexicon: Lexicon
) -> SentenceCheck:
    body, cites = parse_markers(sentence)
    by_n = {p.n: p for p in passages}
    cites = [c for c in cites if c in by_n]  # markers to no passage vanish
    if not re.sub(r"[\W_]+", "", body):
        return _reject(body, cites, "empty")
    if is_refusal(body):
        return SentenceCheck(body, cites, False, "says the documents do not answer", refusal=True)
    figs = novel_figures(body, question)
    novel = novel_words(body, question, lexicon)
    # a month's name belongs to its date ("3 September"): the figure carries it
    novel.names = [n for n in novel.names if not any(n in f.text for f in figs)]
    # an answer that is only a Latin name ("Wardoyo。") is in the question's language: its name
    # is compared with a Chinese passage as a Chinese answer's would be, not waved through
    english = is_english(body) and (question.english or bool(novel.words))
    yesno = question.asks == "yesno" and not figs and not novel.names
    affirms: bool | None = None
    if not figs and not novel.names and not novel.words and not yesno:
        # a name may join the question's words ("诺安AI助手"); a way or a cause never does:
        # "按键无反应" restates "按键按了没有反应怎么办" although a table's row says it so
        asks_name = question.asks not in ("how", "why")
        joined = recombined_name(body, question, [p.folded for p in passages]) if asks_name else ""
        if not joined:
            return _reject(body, cites, "restates the question")
        novel.names = [joined]

    def fig_spans(p: Passage) -> dict[int, list[tuple[int, int]]]:
        return {i: holding(p, f) for i, f in enumerate(figs)}

    spans_of = {p.n: fig_spans(p) for p in passages}
    cross = {p.n: english != is_english(p.text) and _mostly_cjk(p.text) == english for p in passages}
    # names in another script than the passage (an English name of a Chinese passage's
    # subject) cannot be compared: figures then carry the check
    checkable = {
        p.n: [n for n in novel.names if not (cross[p.n] and n.isascii() and not re.search(r"[\d\-]", n))]
        for p in passages
    }

    # ...unless it is a Chinese name spelt in pinyin ("Li Zhuo"): held where its characters are
    spelt = {
        n: {p.n for p in passages if cross[p.n] and romanized_in(n, p.folded)}
        for n in novel.names
        if n.isascii()
    }

    def holds(p: Passage, fact: int | str) -> bool:
        if isinstance(fact, int):
            return bool(spans_of[p.n][fact])
        if fact not in checkable[p.n]:
            return not spelt.get(fact) or p.n in spelt[fact]
        return holds_name(p.folded, fact)

    # a capitalised word that only starts the sentence ("According") and no passage holds is
    # a plain word, not an invented name
    for n in [n for n in novel.initials if n in novel.names]:
        if not any(holds(p, n) for p in passages):
            novel.demote(n)
    facts: list[int | str] = list(range(len(figs))) + list(novel.names)
    cited = [by_n[c] for c in cites]
    chosen: list[Passage] = []
    single: list[Passage] = []  # the passages that state every fact

    fits: dict[int, float] = {}

    def fit(p: Passage) -> float:
        """How well the passage's sentence stating the facts goes with the question."""
        if p.n not in fits:
            s = qualifiers(p, _span(p, spans_of[p.n], novel.names, novel.words), question, lexicon)
            fits[p.n] = s.constraints + s.terms + s.focus
        return fits[p.n]

    if facts:
        single = [p for p in passages if all(holds(p, f) for f in facts)]
        if cited and all(any(holds(p, f) for p in cited) for f in facts):
            chosen = [p for p in cited if any(holds(p, f) for f in facts)]
            # another passage that states every fact beside clearly more of what the question
            # names is the support: the model cited a passage with the same figure about
            # something else (a library's 30天 for a lease's notice of 30日)
            rivals = [p for p in single if p not in chosen]
            if (
                rivals
                and (best := max(rivals, key=fit))
                and fit(best) > max(map(fit, chosen)) + RECITE_MARGIN
            ):
                chosen = [best]
        else:
            if single:
                chosen = [max(single, key=fit)]
            elif all(any(holds(p, f) for p in passages) for f in facts):
                chosen = [p for p in passages if any(holds(p, f) for f in facts)]
        if not chosen:
            missing = [
                figs[f].text if isinstance(f, int) else f
                for f in facts
                if not any(holds(p, f) for p in passages)
            ]
            return _reject(
                body, cites, f"not in any passage: {', '.join(missing)}", figures=figs, names=novel.names
            )
    elif yesno:
        # "能/不能": the answer's content is its polarity; the passage that matches the question
        # best must say the same (both negated, or neither)
        terms = list(question.terms)
        best = max(cited or passages, key=lambda p: word_share(terms, p.folded))
        if word_share(terms, best.folded) < MIN_WORD_SHARE:
            # the model cited a passage about something else: the polarity is read from the
            # passage that is about the question, as a figure is looked for in every passage
            best = max(passages, key=lambda p: word_share(terms, p.folded))
            if word_share(terms, best.folded) < MIN_WORD_SHARE:
                # a passage in another language than the question shares no words with it:
                # its "no" cannot be read by word, and the confidence (the self-check reads
                # both languages) decides
                foreign = [p for p in cited or passages if cross[p.n]]
                if not foreign:
                    return _reject(body, cites, "no passage is about what was asked")
                best = foreign[0]
        # the sentence the polarity is read from: the one with most of the question's words and
        # the answer's own ("周日…只开放急诊", not "周一至周五全天开放门诊", for "周日能看门诊吗")
        a, b = _span(best, spans_of[best.n], [], terms + novel.words)
        stated = best.text[a - best.start : b - best.start]
        lead = list_lead(best, (a, b))
        if lead:
            # an item of "以下情形不予赔偿：…" says what the lead-in says of it; the answer's own
            # "no" is what it adds to the question's words ("无有效驾驶证" only restates)
            says_no = negated(_without(body, question.terms), question.lang)
            passage_no = negated(lead, question.lang)
        else:
            says_no, passage_no = negated(body, question.lang), negated(stated, question.lang)
        # "只开放急诊" says no to 门诊, in the passage and in the answer alike
        passage_no = passage_no or bool(_only_other(question, stated))
        says_no = says_no or bool(_only_other(question, body))
        if says_no != passage_no and not cross[best.n]:
            return _reject(body, [best.n], "says the opposite of the passage")
        affirms = says_no == _asks_no(question)  # "是的，全楼禁烟" says yes to "全楼禁烟吗"
        chosen = [best]
    else:
        pool = cited or passages
        best = max(pool, key=lambda p: word_share(novel.words, p.folded))
        if not cross[best.n] and word_share(novel.words, best.folded) < MIN_WORD_SHARE:
            best = max(passages, key=lambda p: word_share(novel.words, p.folded))
            if word_share(novel.words, best.folded) < MIN_WORD_SHARE:
                return _reject(body, cites, "its words are not in the passages")
        chosen = [best]

    words = list(question.terms) + novel.words if yesno else novel.words

    def settle(chosen: list[Passage]) -> tuple[dict[int, tuple[int, int]], Passage, Support, str]:
        """The supporting sentences, the passage that states most facts, its support and what
        the question asks that the passage contradicts ("" when nothing)."""
        spans = {p.n: _span(p, spans_of[p.n], novel.names, words) for p in chosen}
        primary = max(chosen, key=lambda p: sum(1 for f in facts if holds(p, f)))
        span = spans[primary.n]
        support = qualifiers(primary, span, question, lexicon)
        support.facts = len(facts)
        support.cited_dense = primary.hit.dense_score if primary.hit.dense_score is not None else 0.0
        support.cited_first = primary.n == min(p.n for p in passages)
        support.novel_words = word_share(novel.words, primary.folded) if not cross[primary.n] else 1.0
        support.cross_lingual = cross[primary.n] or question.english != english
        conflict = rival_figure(primary, span, question) or (
            ""
            if cross[primary.n]
            else _untitled(chosen, question)
            or _other_name(question, primary, span)
            or _replaced(question, _scope(primary, span, figs, novel.names), primary, lexicon)
            or _later_item(question, primary, span)
            or _other_item(question, primary, span)
            or other_year(question, primary, span, figs, novel.names)
            or substituted(question, _clause(primary, span, figs, novel.names))
            or listed_instead(question, _sentence_of(primary, span))
            or part_of_year(question, primary, span, figs)
            or year_for_part(question, primary, span, figs)
        )
        return spans, primary, support, conflict

    spans, primary, support, conflict = settle(chosen)
    # the cited passage states the facts about something else (the 2023 report's headline names
    # the team that was runner-up in 2024): another passage that states them all for what the
    # question asks, and is as much about it, is the support, and the citation moves there
    # (not to one less about it: 陪产假's 15天 is no support for a rejected 年休假 row)
    if conflict:
        moves = [p for p in single if p not in chosen and fit(p) >= fit(primary)]
        for other in sorted(moves, key=fit, reverse=True):
            settled = settle([other])
            if not settled[3]:
                chosen = [other]
                spans, primary, support, conflict = settled
                break
    if conflict:
        return _reject(
            body, [p.n for p in chosen], conflict, figures=figs, names=novel.names, support=support
        )
    return SentenceCheck(
        body,
        [p.n for p in chosen],
        True,
        spans=spans,
        figures=figs,
        names=novel.names,
        support=support,
        window=window(primary, spans[primary.n]),
        primary=primary.n,
        affirms=affirms,
        glosses=_glosses(body, novel.names, [p for p in chosen if cross[p.n]]),
    )


def _glosses(body: str, names: list[str], foreign: list[Passage]) -> dict[str, str]:
    """The characters a Chinese passage writes for each Latin name of an English answer that
    spells them ("Li Zuo" -> 李卓, one letter off): shown beside the name, they are what the
    reader can find in the source, whatever the model's spelling."""
    out: dict[str, str] = {}
    for name in (n for n in names if n.isascii()):
        chars = next((c for p in foreign if (c := written_as(name, p.text))), "")
        if chars and chars not in body:
            out[name] = chars
    return out


def _asks_no(question: Question) -> bool:
    """Does the question itself hold a negation ("全楼禁烟吗", "Isn't it free?"), its yes/no
    words ("有没有", "能不能", "是否") aside?"""
    folded = question.folded
    for w in sorted(LANG.asks["yesno"], key=len, reverse=True):
        folded = folded.replace(w, " ")
    return negated(folded, question.lang)


def _only_other(question: Question, sentence: str) -> str:
    """What the sentence limits to a look-alike of a word of the question that its clause never
    names: "周日及法定节假日只开放急诊" for "周日能看门诊吗" (急诊 in the place of 门诊), a no."""
    folded = fold(sentence)
    for w in LANG.restrictives_not:
        folded = folded.replace(w, " " * len(w))
    for r in LANG.restrictives:
        for m in re.finditer(re.escape(r), folded):
            start = max(folded.rfind(c, 0, m.start()) for c in "，。；,;") + 1
            limited = re.split(r"[，。；,;!?！？]", folded[m.end() :])[0]
            clause = folded[start : m.end()] + limited
            for t in question.terms:
                if (
                    len(t) >= 2
                    and CJK_RE.match(t)
                    and t not in clause
                    and (alike := _look_alikes(t, limited))
                ):
                    return f"only {min(alike)}, not {t}"
    return ""


def _without(text: str, words: tuple[str, ...]) -> str:
    """The folded text with the words removed, longest first."""
    folded = fold(text)
    for w in sorted(words, key=len, reverse=True):
        folded = folded.replace(w, " ")
    return folded


def _span(
    p: Passage, fig_spans: dict[int, list[tuple[int, int]]], names: list[str], words: list[str]
) -> tuple[int, int]:
    """The passage sentence holding the most of the sentence's facts (else of its words)."""
    best, best_score = (p.sentences[0] if p.sentences else (p.start, p.end)), -1.0
    for a, b, text in p.sentence_texts():
        folded = fold(text)
        score = float(sum(1 for spans in fig_spans.values() if (a, b) in spans))
        score += sum(1 for n in names if holds_name(folded, n))
        # the words of a lead-in ("以下情形不予赔偿：") are every item's, not its first item's
        item = re.sub(r"^[^：:]*[：:]", "", folded) if re.search(r"[；;]\s*$", folded) else folded
        score += 0.1 * word_share(words, item)
        if score > best_score:
            best, best_score = (a, b), score
    return best


def _share(words: tuple[str, ...], text: str, weight: dict[str, float] | None = None) -> float:
    if not words:
        return 1.0
    total = sum((weight or {}).get(w, 1.0) for w in words)
    got = sum((weight or {}).get(w, 1.0) for w in words if holds_word(text, w))
    return got / total if total else 1.0


def _scope(p: Passage, span: tuple[int, int], figs: list[Figure], names: list[str]) -> str:
    """The clause stating the answer's facts with the innermost heading above it, folded: where
    the thing asked about should be named. A list under "一、5号线" speaks of 5号线 even where
    the document's title names two lines."""
    head = p.chunk.heading.rsplit(" > ", 1)[-1]
    return fold(f"{head} {_clause(p, span, figs, names)}")


_sentence_of = sentence  # check_sentence's argument hides the name


def _clause(p: Passage, span: tuple[int, int], figs: list[Figure], names: list[str]) -> str:
    """The clause of the supporting sentence that states the answer's facts, folded: a sentence
    of parallel items ("调味品……毛利率为38.5%；休闲食品……") gives each its own clause."""
    own = sentence(p, span)
    clauses = [c for c in re.split(r"(?<=[；;])", own) if c.strip()] or [own]
    context = sentence_years(p)

    def stated(clause: str) -> int:
        found = figures(clause)
        n = sum(1 for f in figs if any(matches(f, g, context) for g in found))
        return n + sum(1 for name in names if holds_name(fold(clause), name))

    best = max(clauses, key=stated)
    return fold(best if stated(best) else own)


def qualifiers(p: Passage, span: tuple[int, int], question: Question, lexicon: Lexicon) -> Support:
    win = window(p, span)
    whole = fold(f"{p.label} {p.before} {p.text}")
    weight = {t: 0.2 + lexicon.specificity(t) for t in question.terms}
    missing = [t for t in question.terms if not holds_name(whole, t)]
    win_words = set(cut(win))
    sibling = any(_sibling_in(t, win_words) for t in missing if CJK_RE.match(t))
    return Support(
        constraints=_constraints(question, win),
        terms=_share(question.terms, win, weight),
        terms_passage=_share(question.terms, whole, weight),
        focus=_share(question.focus, win),
        sibling=sibling,
    )


def _constraints(question: Question, win: str) -> float:
    """The share of the question's names and years that the window names, and of its figures
    that it states as figures: "exit code 2" is in "2: some files failed", "第一次" in "首次",
    and "3次" is not in "第13次"."""
    stated = figures(win, folded=True)
    got = sum(1 for c in question.constraints if holds_name(win, c))
    got += sum(1 for f in question.figures if any(matches(f, g) for g in stated))
    total = len(question.constraints) + len(question.figures)
    return got / total if total else 1.0


def _sibling_in(term: str, words: set[str]) -> bool:
    """A Chinese look-alike of the term among the words: 亚军/冠军, 男单/女单."""
    return any(look_alike(w, term) for w in words if CJK_RE.match(w))


def _replaced(question: Question, near: str, p: Passage, lexicon: Lexicon) -> str:
    """Something the question names that the passage tells apart from a look-alike named beside
    it ("分为生茶和熟茶", "5号线和8号线"), or that no document names at all while the passage
    names a look-alike the corpus uses as a word (主治医师 asked, only 主任医师 there), and the
    clause stating the answer names only the look-alike: a word with one character changed or
    another number
    with the same unit (8号线 asked, a list under "一、5号线"). The answer is about the other
    one. A passage that names only a two-character look-alike may be using a synonym (我国,
    全国), and a look-alike the question also asks about is no rival."""
    whole = fold(surroundings(p))
    for t in question.terms:
        if len(t) < 2 or not CJK_RE.match(t) or holds_name(near, t):
            continue
        unknown = len(t) >= 3 and lexicon.n_chunks > 0 and not lexicon.known(t) and not holds_name(whole, t)
        for w in sorted(_look_alikes(t, near)):
            if w not in question.terms and ((unknown and lexicon.known(w)) or _paired(t, w, whole)):
                return f"about {w}, not {t}"
    found = figures(near, folded=True)
    asked = [a for a in question.figures if a.kind == "number" and a.unit]
    for a in (a for a in asked if not any(matches(a, f) for f in found)):
        for f in found:
            rival = f.kind == "number" and f.unit == a.unit and not any(matches(g, f) for g in asked)
            if rival and _paired(a.text, f.text, whole):
                return f"about {f.text}, not {a.text}"
    return ""


def _later_item(question: Question, p: Passage, span: tuple[int, int]) -> str:
    """A word of the question that the sentence names only in a later item of its list
    ("调味品收入14.8亿元，毛利率为38.5%；休闲食品收入7.4亿元"): the item stating the answer,
    and what stands before it, are about something else."""
    listed = p.sentence_texts()
    at = next((i for i, (a, b, _) in enumerate(listed) if (a, b) == span), None)
    if at is None:
        return ""
    sents = [t for _, _, t in listed]
    end = at + 1
    while end < len(sents) and re.search(r"[；;]\s*$", sents[end - 1]):
        end += 1  # the items after it, up to the one that ends the sentence
    if end == at + 1:
        return ""
    before = fold(f"{p.chunk.title} {window(p, span)}")
    after = fold("".join(sents[at + 1 : end]))
    for t in question.terms:
        if len(t) >= 2 and not holds_name(before, t) and holds_name(after, t):
            return f"{t} is another item of the list"
    return ""


def _other_item(question: Question, p: Passage, span: tuple[int, int]) -> str:
    """The answer is taken from an item of a list that is about something else: each item is
    about what it opens with. Either a word of the question opens another item ("- Vela: base
    health increased to 560" cited for Ashling, whom "- Ashling: fixed a bug" names), or the
    item opens with another thing and a name of the question is nowhere before it in the
    chunk, its section or its title. A question that names an item's label asks about it."""
    own, own_labels, labels, before = list_items(p, span)
    terms = [t for t in question.terms if len(t) >= 2]
    if not own or any(holds_name(fold(x), t) for x in own_labels for t in terms):
        return ""
    placed = fold(f"{p.chunk.title} {p.chunk.heading} {p.chunk.lead} {p.before} {before} {own}")
    named = [t for t in terms if not holds_name(placed, t) and any(holds_name(fold(x), t) for x in labels)]
    if named:
        return f"{named[0]} is another item of the list"
    absent = [n for n in question.names if not holds_name(placed, fold(n))]
    if own_labels and absent:
        return f"the item is about {own_labels[0]}, not {absent[0]}"
    return ""


def _paired(a: str, b: str, text: str) -> bool:
    """Does the text name the two side by side, joined by "和", "、", "与", "or"…, with at most
    a few characters of what they share around the joint: "生茶和熟茶", "5号线和8号线",
    "最佳男主角和最佳女主角"?"""
    joint = "|".join(re.escape(w) for w in LANG.pair_joints)
    gap = r"[^\s，。；：,.;:]{0,3}"
    return any(
        re.search(f"{re.escape(x)}{gap}(?:{joint}){gap}{re.escape(y)}", text) for x, y in ((a, b), (b, a))
    )


def _look_alikes(term: str, text: str) -> set[str]:
    """The strings of the text shaped like the term with one character changed: 熟茶 for 生茶."""
    out: set[str] = set()
    for i in range(len(term)):
        pattern = f"{re.escape(term[:i])}[{CJK}]{re.escape(term[i + 1 :])}"
        out |= {m.group(1) for m in re.finditer(f"(?=({pattern}))", text)}
    return out - {term}


def _untitled(chosen: list[Passage], question: Question) -> str:
    """A title or quoted term of the question that no supporting passage states, nor its
    document's title, section or the text before it: the passage is about something else."""
    texts = [fold(surroundings(p)) for p in chosen] if question.titles else []
    for title in question.titles:
        if not any(holds_name(text, title) for text in texts):
            return f"does not name {title}"
    return ""


def _other_name(question: Question, p: Passage, span: tuple[int, int]) -> str:
    """A name of the question that neither the sentence stating the answer nor the one before it
    states (nor the passage's title, section or subject), while they name another thing of the
    same kind: as long, ending in the same two characters, and a name or a name's head
    ("东华大学" asked, "复旦大学" stated; not the last four characters of a longer name whose
    head names nothing, which may be the asked one's long form). The answer is about that other
    thing, even where the passage names the asked one elsewhere (a report that lists several).
    Names of two characters are left to the confidence: their kind cannot be told from their
    shape."""
    near = window(p, span)
    placed = f"{fold(p.chunk.title)} {near}"
    named: set[str] | None = None
    for name in question.names:
        tail = name[-2:]
        if len(name) < 3 or not re.fullmatch(f"[{CJK}]+", name) or holds_name(placed, name):
            continue
        pattern = f"(?=([{CJK}]{{{len(name) - 2}}}{re.escape(tail)}))"
        for m in re.finditer(pattern, near):
            other = m.group(1)
            if other == name or other in question.terms:
                continue
            named = set(names_in(near)) if named is None else named
            if other in named or other[:-2] in named:
                return f"about {other}, not {name}"
    return ""


def answers_the_type(checks: list[SentenceCheck], question: Question) -> bool:
    """Does the answer give the kind of thing asked for: a figure for "how many", a date, a day or
    a time of day for "when", and for "who" or "where" something other than a date ("葬礼将在9月3日举行" does
    not say where)? Other kinds cannot be told apart reliably and always pass."""
    figs = [f for c in checks for f in c.figures]
    if question.asks == "quantity":
        return any(f.kind in ("number", "percent", "duration", "code") for f in figs)
    if question.asks == "when":
        # a day said without a figure answers too ("每月最后一个周六"), unless the question said it
        days = [d for d in LANG.days if d not in question.folded]
        said = any(d in fold(c.text) for c in checks for d in days)
        clock = any(f.kind == "number" and f.unit in LANG.clock_units for f in figs)  # "上午10点"
        return said or clock or any(f.kind in ("date", "duration") for f in figs)
    if question.asks in ("who", "where"):
        plain = any(c.names or not c.figures for c in checks)  # a name, or words of a place or person
        return plain or any(f.kind not in ("date", "duration") for f in figs)
    return True
