"""Rules on years: an answer whose supporting sentence is about another year, or another part of it.

A year or figure of the question that the passage lacks while the supporting sentence states
another of the same kind ("2022年" asked, "2021年" stated) rejects the answer, and so does a
fact its own sentence places in another year; an amount asked for a whole year that the
sentence gives for a part of it ("2022年四季度", "1-8月"), and one asked for a part that the
sentence gives for no part at all (a year's target for "一季度")."""

from __future__ import annotations

import re
from itertools import pairwise

from ..context import Passage
from ..figures import Figure, figures, matches
from ..language import LANG
from ..normalize import fold
from ..question import Question
from .spans import sentence, surroundings, window


def rival_figure(p: Passage, span: tuple[int, int], question: Question) -> str:
    """A year or figure of the question that the passage lacks while the supporting sentence
    (else, for years, the document's title) states another of the same kind: the sentence is
    about something else."""
    whole = figures(surroundings(p))
    near = figures(window(p, span), folded=True)
    near_years = _bare_years(near)
    if not near_years:  # no year by the sentence: the document's title dates it ("2023滨江马拉松…")
        near_years = _bare_years(figures(p.chunk.title))
    others = near_years - set(question.years)  # a question may ask about two years at once
    for year in question.years:
        asked = Figure("date", str(year), 0, 0, date=(year, None, None))
        if not any(matches(asked, f) for f in whole) and others:
            return f"about {min(others)}, not {year}"
    for asked in question.figures:
        if asked.kind != "number" or any(matches(asked, f) for f in whole):
            continue
        rivals = [f for f in near if f.kind == "number" and f.unit and f.unit == asked.unit]
        if rivals:
            return f"about {rivals[0].text}, not {asked.text}"
    return ""


def other_year(
    question: Question, p: Passage, span: tuple[int, int], figs: list[Figure], names: list[str]
) -> str:
    """A fact of the answer that its sentence places in another year than the one asked: the
    last year stated before it is another, and its clause does not name the asked year
    ("2021年考研报考人数377万" answering for 2022, even where the sentence before speaks of
    2022). A fact stated before any year ("净利润10亿元，比2021年增长5%") is not placed by it,
    and "……2004年创立……山东泰山夺得2021赛季冠军" names the year in the fact's own clause."""
    own = fold(sentence(p, span))
    if not question.years or not own:
        return ""
    found = figures(own, folded=True)
    years = sorted((f.start, f.year) for f in found if f.year is not None and f.date[1] is None)
    if not years:
        return ""
    cuts = [0] + [m.end() for m in _CLAUSE_END_RE.finditer(own)] + [len(own) + 1]

    def placed(at: int) -> int | None:
        """Another year that places the fact at ``at``, or None."""
        lo, hi = next((a, b) for a, b in pairwise(cuts) if a <= at < b)
        if any(lo <= start < hi and y in question.years for start, y in years):
            return None
        prior = [y for start, y in years if start < at]
        return prior[-1] if prior and prior[-1] not in question.years else None

    places = [[g.start for g in found if matches(f, g)] for f in figs]
    places += [[m.start() for m in re.finditer(re.escape(n), own)] for n in names]
    for at in (a for a in places if a):
        stated = [placed(x) for x in at]
        if all(y is not None for y in stated):
            return f"about {stated[0]}, not {question.years[0]}"
    return ""


def part_of_year(question: Question, p: Passage, span: tuple[int, int], figs: list[Figure]) -> str:
    """A figure asked for a whole year that its sentence places in a part of it: the year asked
    nearest before it is followed by a quarter, a half or months ("预计2022年四季度中国经济大幅
    放缓，对GDP同比增速的预测均值为1.8%" does not give 2022's growth, nor "2022年1-8月出口
    34万辆" its exports), or the fact's own clause names a part before it ("2022年增长3%，其中
    四季度增长2.9%"), unless that clause says "全年". A question that names a part itself is not
    a whole year's."""
    asked = question.folded
    if not question.years or _YEAR_PART_RE.search(asked) or any(f.date[1] for f in question.figures):
        return ""
    own = fold(sentence(p, span))
    found = figures(own, folded=True)
    years = [f for f in found if f.year in question.years]
    if not years:
        return ""

    cuts = [0] + [m.end() for m in _CLAUSE_END_RE.finditer(own)]

    def part(at: int) -> str:
        prior = [y for y in years if y.start < at]
        if not prior:
            return ""
        y = prior[-1]
        lo = max(max(c for c in cuts if c <= at), y.end)
        if any(w in own[lo:at] for w in LANG.whole_year):  # "……上半年10亿元，全年25亿元"
            return ""
        if named := _named_part(_YEAR_PART_RE.search(own, lo, at)):  # "……，其中四季度增长2.9%"
            return named
        if y.date[1] is not None:  # "2022年8月": a month, unless a day makes it an event's date
            return "" if y.date[2] is not None else y.text
        after = _named_part(_YEAR_PART_RE.match(own, y.end))  # "2022年四季度……"
        return y.text + after if after else ""

    amounts = _amounts(figs)
    for at in ([g.start for g in found if matches(f, g)] for f in amounts):
        named = [part(x) for x in at]
        if at and all(named):
            return f"about {named[0]}, not the whole of {question.years[0]}"
    return ""


def year_for_part(question: Question, p: Passage, span: tuple[int, int], figs: list[Figure]) -> str:
    """An amount asked for a part of a year ("2022年一季度……增长率") from a sentence that, with
    the sentence before it and the passage's label, names no part of a year and no month: a
    whole year's figure or a year's target ("2022年发展主要预期目标是5.5%左右的经济增长率")
    does not give one quarter's."""
    asked = question.folded
    part = next(
        (
            named
            for f in figures(asked, folded=True)
            if f.year is not None and (named := _named_part(_YEAR_PART_RE.match(asked, f.end)))
        ),
        "",
    )
    amounts = _amounts(figs)
    if not part or not amounts:
        return ""
    win = window(p, span)
    months = [f for f in figures(win, folded=True) if f.year in question.years and f.date[1] is not None]
    if _same_part(part) in _same_part(win) or _MONTHS_RE.search(win) or months:  # "1至6月", "2022年3月"
        return ""
    return f"about a whole year, not {part}"


_MONTHS_RE = re.compile(r"\d{1,2}月?\s*[-~—至到]\s*\d{1,2}月")


def _amounts(figs: list[Figure]) -> list[Figure]:
    """The figures that are amounts: a percentage or a number with its unit, not a day of a
    date range ("2月4-12日")."""
    return [f for f in figs if f.kind == "percent" or (f.kind == "number" and f.unit not in _DAY_UNITS)]


def _same_part(text: str) -> str:
    """Parts of a year written alike: "第一季度", "一季度" and "1季度" as "1季度"."""
    return re.sub(r"第(?=[一二三四1-4])", "", text).translate(str.maketrans("一二三四", "1234"))


def _named_part(m: re.Match[str] | None) -> str:
    """The part of a year a match names, or "" where it names none or all twelve months."""
    return m.group().strip() if m and not _WHOLE_YEAR_RE.match(m.group()) else ""


_DAY_UNITS = ("", "日", "号")
_PARTS = "|".join(re.escape(w) for w in LANG.year_parts)
# right after a year: "四季度", "第一季度", "前三季度", "上半年", "1-8月", "1至9月"
_YEAR_PART_RE = re.compile(
    rf"\s*(?:[第前后上下一二三四1-4]{{0,3}}(?:{_PARTS})|\d{{1,2}}\s*[-~—至到]\s*\d{{1,2}}月)"
)
_WHOLE_YEAR_RE = re.compile(r"\s*0?1\s*[-~—至到]\s*12月")


# in folded text "，" is ","; a comma or colon between digits is none ("3,100", "9:00")
_CLAUSE_END_RE = re.compile(r"[；;]|(?<!\d)[,:]|[,:](?!\d)")


def _bare_years(figs: list[Figure]) -> set[int]:
    """The years stated alone ("2023年"), not as part of a date."""
    return {f.year for f in figs if f.year is not None and f.date[1] is None}
