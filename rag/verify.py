"""Check an answer against its passages, sentence by sentence.

A sentence's facts are its figures (numbers, percentages, dates, years) and its names
(banks, products, model names). Every fact must occur in a passage the sentence cites,
after folding. A sentence whose facts sit in another passage is re-cited to it; one whose
facts sit in no passage is removed. Figures must also sit next to what the question asks
about: the sentence holding the figure (with the one before it, for "该行") must name
the question's organisations and years, else the figure belongs to something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .context import Passage
from .lexicon import Lexicon
from .normalize import fold, is_english, numbers, split_sentences

_MARK_RE = re.compile(
    r"\s*[\[【［](\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)[\]】］](?:\s*[、,，和及]\s*(?=[\[【［]))?"
)
_FIGURE_RE = re.compile(r"[\d.,]+%?|\d{1,2}月\S{1,3}")  # numbers, percentages, dates
_ORG_SUFFIXES = ("银行", "农商行", "证券", "基金", "保险")
_YEAR_RE = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)")
_REFUSAL_RE = re.compile(
    r"(资料|材料|文中|文章|上述|提供的|给出的)[^。，,]{0,10}(没有|未|并未|不)(提及|提到|涉及|包含|说明|给出|显示)"
    r"|没有(相关|具体)?(的)?(信息|数据|说明)|无法(回答|确定|得知|判断)|不得而知"
    r"|not (mention|contain|provide|say|specif)|no information|cannot be determined"
    r"|does not (say|state|specify)"
)
# questions that ask for a figure or a date: an answer without one does not answer them
_QUANTITY_RE = re.compile(
    r"多少|(?<!哪)几[个家天年月次倍名位项]|多久|多长|哪一?天|哪一?年|什么时候|何时|几号|比例|百分之"
    r"|how (many|much|long)|what (date|percentage|share|rate)|\bwhen\b",
    re.I,
)


def asks_for_figure(question: str) -> bool:
    return bool(_QUANTITY_RE.search(fold(question)))


@dataclass
class CheckedSentence:
    text: str  # without markers
    cites: list[int]  # passage numbers after re-citing
    verified: bool
    facts: list[str] = field(default_factory=list)
    reason: str = ""
    span: tuple[int, int] | None = None  # supporting sentence, document offsets


def parse_markers(text: str) -> tuple[str, list[int]]:
    """Strip ``[n]`` markers from a sentence; return it and the numbers cited."""
    cites: list[int] = []
    for m in _MARK_RE.finditer(text):
        cites += [int(x) for x in re.split(r"\s*[,，、]\s*", m.group(1))]
    return _MARK_RE.sub("", text).strip(), cites


_LEADING_MARKS_RE = re.compile(r"^\s*((?:[\[【［]\d{1,2}(?:\s*[,，、]\s*\d{1,2})*[\]】］]\s*)+)")


def split_answer(text: str) -> list[str]:
    """Answer sentences, each keeping its markers, also those written after its full stop."""
    out: list[str] = []
    for a, b in split_sentences(text):
        piece = text[a:b]
        lead = _LEADING_MARKS_RE.match(piece)
        if lead and out:
            out[-1] += lead.group(1).strip()  # "第一句。[1]第二句" : [1] belongs to the first
            piece = piece[lead.end() :]
        if piece.strip():
            out.append(piece)
    return out


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL_RE.search(fold(text)))


_DATE_FACT_RE = re.compile(r"\d{1,2}月\d{1,2}日|\d{1,2}月(?:末|初|底|中旬|上旬|下旬)")
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_EN_DATE_RE = re.compile(
    rf"\b({'|'.join(_MONTHS)})\s+(\d{{1,2}})\b|\b(\d{{1,2}})\s+({'|'.join(_MONTHS)})\b", re.I
)


def dates_of(text: str) -> list[str]:
    """Dates as the corpus writes them (3月8日, 2月末); English 'March 8' becomes 3月8日."""
    folded = fold(text)
    found = _DATE_FACT_RE.findall(folded)
    for m in _EN_DATE_RE.finditer(folded):
        month = m.group(1) or m.group(4)
        day = m.group(2) or m.group(3)
        found.append(f"{_MONTHS.index(month.lower()) + 1}月{int(day)}日")
    return found


def facts_of(sentence: str, lexicon: Lexicon) -> list[str]:
    """Dates, figures and names in a sentence, folded. English text contributes dates, figures
    and Latin names (its bank names cannot be compared with Chinese passages)."""
    dates = dates_of(sentence)
    rest = _EN_DATE_RE.sub(" ", _DATE_FACT_RE.sub(" ", fold(sentence)))
    figs = [n for n in numbers(rest) if not re.fullmatch(r"\d", n) or "%" in n]
    if is_english(sentence):
        from .lexicon import latin_names

        return dates + figs + sorted(latin_names(sentence))
    return dates + figs + sorted(lexicon.extract(sentence))


def _windows(p: Passage, lexicon: Lexicon) -> list[tuple[str, str]]:
    """(sentence, window) for each sentence of a passage, folded: the window is the sentence
    with the one before it, and with the text just before the passage when it names no
    organisation of its own ("其", "该行")."""
    context = fold(f"{p.subject} {p.context}")
    sents = [fold(p.text[a:b]) for a, b in split_sentences(p.text)]
    out = []
    for i, sent in enumerate(sents):
        win = (sents[i - 1] if i else "") + sent
        out.append((sent, win if lexicon.organisations(win) else context + win))
    return out


def _window(p: Passage, fact: str, lexicon: Lexicon) -> list[str]:
    """The windows of the sentences holding ``fact``."""
    return [win for sent, win in _windows(p, lexicon) if _has(sent, fact)]


def holds(p: Passage, fact: str) -> bool:
    """Is the fact in the passage (its subject included)? See ``_has``."""
    return _has(p.folded, fact)


def supports(p: Passage, facts: list[str]) -> bool:
    return all(holds(p, f) for f in facts)


def figure_matches_question(
    p: Passage, fact: str, q_names: set[str], q_years: set[str], q_terms: set[str], lexicon: Lexicon
) -> bool:
    """Does a sentence (with its neighbour) holding the figure also hold what was asked?"""
    for win in _window(p, fact, lexicon):
        named = all(n in win for n in q_names) and all(y in win for y in q_years)
        if named and (not q_terms or any(t in win for t in q_terms)):
            return True
    return False


def question_constraints(question: str, lexicon: Lexicon) -> tuple[set[str], set[str], set[str]]:
    """Names, years and measure words of a question, folded."""
    from .glossary import chinese_terms, known_organisations

    if is_english(question):
        names = {t for t in chinese_terms(question) if t.endswith(_ORG_SUFFIXES)}
    else:
        known = known_organisations()
        names = {n for n in lexicon.extract(question) if n in known or lexicon.is_plausible_organisation(n)}
    names |= {fold(n) for n in _latin_question_names(question)}
    years = set(_YEAR_RE.findall(fold(question)))
    generic = {"deepseek", "银行", "模型", "大模型", "部署", "应用", "使用", "实现", "方面", "哪家"}
    terms = {
        t
        for t in lexicon.tokens(question)
        if t not in names
        and t not in years
        and t not in generic
        and len(t) >= 2
        and not any(t in n for n in names)
        and not re.fullmatch(r"[a-z]+", t)
    }
    return names, years, terms


def _latin_question_names(question: str) -> set[str]:
    from .lexicon import latin_names

    return {n for n in latin_names(question) if n != "deepseek"}


def check_sentence(
    sentence: str,
    passages: list[Passage],
    lexicon: Lexicon,
    constraints: tuple[set[str], set[str], set[str]],
) -> CheckedSentence:
    body, cites = parse_markers(sentence)
    by_n = {p.n: p for p in passages}
    cites = [c for c in dict.fromkeys(cites) if c in by_n]  # markers to no passage vanish
    facts = facts_of(body, lexicon)
    if not body or re.fullmatch(r"[\W_]*", body):
        return CheckedSentence(body, [], False, facts, "empty")
    if not facts:
        # no figure or name to check: require real wording overlap with a passage
        grams = _grams(body)
        best = max(passages, key=lambda p: _overlap(grams, p.folded), default=None)
        if best is None:
            return CheckedSentence(body, [], False, facts, "no passage")
        if is_english(body) or _overlap(grams, best.folded) >= 0.35:
            keep = cites or [best.n]
            return CheckedSentence(body, keep, True, facts, "", support_span(best, []))
        return CheckedSentence(body, cites, False, facts, "wording not found in the passages")
    # figures and names must be in the cited passages, else in some other passage(s)
    cited = [by_n[c] for c in cites]
    chosen: list[Passage] = []
    if cited and all(any(holds(p, f) for p in cited) for f in facts):
        chosen = [p for p in cited if any(holds(p, f) for f in facts)]
    else:
        single = [p for p in passages if supports(p, facts)]
        if single:
            chosen = [single[0]]
        elif all(any(holds(p, f) for p in passages) for f in facts):
            chosen = [p for p in passages if any(holds(p, f) for f in facts)]
    if not chosen:
        missing = [f for f in facts if not any(holds(p, f) for p in passages)]
        return CheckedSentence(body, cites, False, facts, f"not in any passage: {', '.join(missing)}")
    names, years, terms = constraints
    # a year given with a month and day must come from the passage that holds that date
    day = next((f for f in facts if "月" in f), None)
    for year in (f for f in facts if _YEAR_RE.fullmatch(f) and f not in years):
        if day is not None and not any(holds(p, year) and holds(p, day) for p in chosen):
            return CheckedSentence(
                body, [p.n for p in chosen], False, facts, f"{year} is not the year of {day}"
            )
    # a figure must sit next to the question's names that its clause (else its sentence)
    # is about; all of them when it names none ("准确率提升了35%" about another bank)
    folded_body = fold(body)
    figures = [f for f in facts if _FIGURE_RE.fullmatch(f) and f not in years]
    for fig in figures:
        clause = next((c for c in re.split(r"[，,；;]", folded_body) if _has(c, fig)), folded_body)
        about = {n for n in names if n in clause} or {n for n in names if n in folded_body} or names
        holders = [p for p in chosen if holds(p, fig)]
        if not any(figure_matches_question(p, fig, about, years, terms, lexicon) for p in holders):
            return CheckedSentence(
                body, [p.n for p in chosen], False, facts, f"{fig} belongs to something else"
            )
    if not is_english(body):
        pair = _unsupported_pair(body, passages, lexicon)
        if pair is not None:
            return CheckedSentence(body, [p.n for p in chosen], False, facts, f"{pair[1]} is not {pair[0]}'s")
    span = support_span(chosen[0], facts)
    return CheckedSentence(body, [p.n for p in chosen], True, facts, "", span)


def _has(folded_sentence: str, fact: str) -> bool:
    """Figures must match a whole number (16 is not in 2016); a figure without % also
    matches the same figure with %. Other facts match as substrings."""
    if re.fullmatch(r"[\d.,]+%?", fact):
        figures = set(numbers(folded_sentence))
        return fact in figures or (not fact.endswith("%") and fact + "%" in figures)
    return fact in folded_sentence


def _near(passages: list[Passage], a: str, b: str, lexicon: Lexicon) -> bool:
    """Do two names occur together in some sentence window of the passages?"""
    return any(a in win and b in win for p in passages for _, win in _windows(p, lexicon))


def _unsupported_pair(body: str, passages: list[Passage], lexicon: Lexicon) -> tuple[str, str] | None:
    """A clause's product or model names must each go with every organisation it names:
    "甲银行和乙银行分别部署了X和Y" is wrong when no passage puts X with 乙银行."""
    for clause in re.split(r"[，,；;：:]", fold(body)):
        orgs = lexicon.organisations(clause)
        if len(orgs) < 2:
            continue  # one organisation: the figure and name checks already cover it
        products = {n for n in lexicon.extract(clause) if n not in orgs and n != "deepseek"}
        for org in sorted(orgs):
            for product in sorted(products):
                if not _near(passages, org, product, lexicon):
                    return org, product
    return None


def support_span(p: Passage, facts: list[str]) -> tuple[int, int]:
    """Document offsets of the passage sentence holding the most facts."""
    best, best_hits = p.sentences[0] if p.sentences else (p.start, p.end), -1
    doc_offset = p.start
    for a, b in split_sentences(p.text):
        hits = sum(1 for f in facts if _has(fold(p.text[a:b]), f))
        if hits > best_hits:
            best, best_hits = (doc_offset + a, doc_offset + b), hits
    return best


def _grams(text: str) -> set[str]:
    t = re.sub(r"\W", "", fold(text))
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _overlap(grams: set[str], folded_passage: str) -> float:
    if not grams:
        return 0.0
    return sum(1 for g in grams if g in folded_passage) / len(grams)
