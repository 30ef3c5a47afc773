"""Figures in text, read into one normal form: numbers with units, percentages, durations, dates.

"12" in "6月12日" is a day, not a number; "3473.6万人次" is 34,736,000 of 人; 两成 is 20%;
2024-03-08, 2024年3月8日 and "March 8, 2024" are one date; "2小时08分31秒" and "2:08:31" are
one duration. Answers and passages are read by the same function, and a figure of an answer is
supported only by an equal figure of a passage (``matches``): whole values, compatible units.
Everything works on folded text (``normalize.fold``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .language import LANG
from .normalize import CJK, fold

Kind = Literal["number", "percent", "date", "duration", "code"]
DateParts = tuple[int | None, int | None, int | None]


@dataclass(frozen=True)
class Figure:
    """One figure: ``value`` for numbers, percentages (35.0 for 35%) and durations (seconds);
    ``date`` (year, month, day, any of them None) for dates and years."""

    kind: Kind
    text: str
    start: int
    end: int
    value: float | None = None
    unit: str = ""
    date: DateParts = (None, None, None)
    ordinal: bool = False  # 第二条, 第3次: a rank, not a count

    @property
    def year(self) -> int | None:
        return self.date[0] if self.kind == "date" else None

    def key(self) -> str:
        """A short canonical form, for display and set membership."""
        if self.kind == "date":
            return "-".join("?" if p is None else str(p) for p in self.date)
        return f"{self.kind}:{self.value:g}{self.unit}"


_CN_DIGITS = "".join(k for k, v in LANG.numerals.items() if v < 10)
_CN_ALL = "".join(LANG.numerals)
_CN_RUN = f"[{_CN_ALL}]+"
_MONTHS = LANG.months_en
_MON_RE = "|".join(sorted(_MONTHS + LANG.months_en_short, key=len, reverse=True))
_MULT = sorted(LANG.multipliers, key=len, reverse=True)
_CJK_MULT = [m for m in _MULT if re.fullmatch(f"[{CJK}]+", m)]
_LATIN_MULT = [m for m in _MULT if m.isascii() and len(m) > 2]  # million, billion; not k/m
_CLASSIFIERS = sorted(LANG.classifiers, key=len, reverse=True)

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), "ymd"),
    (re.compile(r"(?<![\d.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d])"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月"), "ym"),
    (re.compile(r"(?<![\d.])(\d{4})[-/](\d{1,2})(?![\d/-])"), "ym"),
    (re.compile(r"(?<![\d.])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), "md"),
    (re.compile(rf"\b({_MON_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"), "Mdy"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MON_RE})\.?,?\s+(\d{{4}})\b"), "dMy"),
    (re.compile(rf"\b({_MON_RE})\.?\s+(\d{{4}})\b"), "My"),
    (re.compile(rf"\b({_MON_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*\d)"), "Md"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MON_RE})\b"), "dM"),
    (re.compile(r"(?<![\d.])(\d{1,2})\s*月(?![份度]?\s*\d)"), "m"),
    (re.compile(r"(?<![\d.])(\d{4})\s*年(?!代|级|度)"), "y"),
    (re.compile(r"\b(?:in|since|by|until|before|after|of|year)\s+(\d{4})\b"), "y"),
]
_DURATION_RE = re.compile(
    r"(?<![\d.:])(?:(\d+)\s*(?:小时|时)\s*)?(\d{1,2})\s*分(?:钟)?\s*(\d{1,2})\s*秒"
    r"|(?<![\d.:])(\d+)\s*(?:小时|时)\s*(\d{1,2})\s*分(?:钟)?(?!\s*\d)"
    r"|(?<![\d.:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])"
)
_PERCENT_RE = re.compile(rf"({_NUM})\s*(?:%|％|percent\b|per cent\b)|百分之\s*({_NUM}|{_CN_RUN})")
_TENTHS_RE = re.compile(rf"({_CN_RUN}|\d+(?:\.\d+)?)\s*成(?![员功为立本果绩就熟])")
_FRACTION_RE = re.compile(rf"({_CN_RUN}|\d+)\s*分之\s*({_CN_RUN}|\d+)")
# a number glued to a word by a hyphen is part of a name (covid-19, tianqiong-2), no figure
_NUMBER_RE = re.compile(rf"(?<![0-9a-z.])(?<![a-z]-)({_NUM})(?![\d])")
_CODE_RE = re.compile(r"(?<![0-9a-z.])\d+(?:[.\-]\d+){2,}(?![\d])")  # 192.168.8.1, 400-820-3300
_CN_NUMBER_RE = re.compile(_CN_RUN)


def cn_to_number(text: str) -> float | None:
    """Chinese numerals to a value: 十二 -> 12, 三千万 -> 30000000, 二〇二四 -> 2024, 两 -> 2."""
    nums = LANG.numerals
    if not text or any(ch not in nums for ch in text):
        return None
    if all(nums[ch] < 10 for ch in text):  # digit by digit: 二〇二四
        value = 0
        for ch in text:
            value = value * 10 + int(nums[ch])
        return float(value)
    total, section, digit = 0.0, 0.0, 0.0
    for ch in text:
        v = nums[ch]
        if v < 10:
            digit = v
        elif v < 10000:  # 十 百 千
            section += (digit or 1) * v
            digit = 0
        else:  # 万 亿
            section = (section + digit) * v
            if v == 100000000:
                total = (total + section) if total < v else total * v + section
            else:
                total += section
            section, digit = 0, 0
    return float(total + section + digit)


def _to_float(text: str) -> float | None:
    text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return cn_to_number(text)


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    if name in _MONTHS:
        return _MONTHS.index(name) + 1
    return LANG.months_en_short.index(name[:3]) + 1


def _valid(parts: DateParts) -> bool:
    y, m, d = parts
    return (y is None or 1000 <= y <= 2999) and (m is None or 1 <= m <= 12) and (d is None or 1 <= d <= 31)


def _dates(text: str, taken: list[tuple[int, int]]) -> list[Figure]:
    out = []
    for pattern, shape in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if _overlaps(m.start(), m.end(), taken):
                continue
            g = m.groups()
            y: int | None = None
            mo: int | None = None
            d: int | None = None
            if shape == "ymd":
                y, mo, d = int(g[0]), int(g[1]), int(g[2])
            elif shape == "ym":
                y, mo = int(g[0]), int(g[1])
            elif shape == "md":
                mo, d = int(g[0]), int(g[1])
            elif shape == "Mdy":
                mo, d, y = _month(g[0]), int(g[1]), int(g[2])
            elif shape == "dMy":
                d, mo, y = int(g[0]), _month(g[1]), int(g[2])
            elif shape == "My":
                mo, y = _month(g[0]), int(g[1])
            elif shape == "Md":
                mo, d = _month(g[0]), int(g[1])
            elif shape == "dM":
                d, mo = int(g[0]), _month(g[1])
            elif shape == "m":
                mo = int(g[0])
            else:
                y = int(g[0])
            parts = (y, mo, d)
            if not _valid(parts):
                continue
            span = m.span(1) if shape == "y" and not m.group(0)[0].isdigit() else m.span()
            taken.append(span)
            out.append(Figure("date", text[span[0] : span[1]], span[0], span[1], date=parts))
    return out


def _durations(text: str, taken: list[tuple[int, int]]) -> list[Figure]:
    out = []
    for m in _DURATION_RE.finditer(text):
        g = m.groups()
        if g[2] is not None:  # (h)分秒
            seconds = int(g[0] or 0) * 3600 + int(g[1]) * 60 + int(g[2])
        elif g[3] is not None:  # 时分
            seconds = int(g[3]) * 3600 + int(g[4]) * 60
        else:  # h:mm(:ss)
            if g[7] is not None:
                seconds = int(g[5]) * 3600 + int(g[6]) * 60 + int(g[7])
            else:
                seconds = int(g[5]) * 3600 + int(g[6]) * 60
        taken.append(m.span())
        out.append(Figure("duration", m.group(0), m.start(), m.end(), value=float(seconds), unit="s"))
    return out


def _codes(text: str, taken: list[tuple[int, int]]) -> list[Figure]:
    out = []
    for m in _CODE_RE.finditer(text):
        if not _overlaps(m.start(), m.end(), taken):
            taken.append(m.span())
            out.append(Figure("code", m.group(0), m.start(), m.end()))
    return out


def _unit_after(text: str, pos: int) -> tuple[str, int]:
    """The unit that follows a number at ``pos``: a Latin run (mbps, mg/kg), '%' or the first
    CJK character after an approximation word or a generic classifier ('3万名' -> 名)."""
    rest = text[pos : pos + 12]
    stripped = rest.lstrip()
    skip = len(rest) - len(stripped)
    m = re.match(r"[a-zµμ°][a-zµμ°/³²]*(?:\([a-z]\))?", stripped)
    # a function word is no unit: "65 and over", "Android 12 or later", "65 at a clinic"
    if m and m.group(0) not in LANG.stop and not re.match(rf"(?:{'|'.join(_LATIN_MULT)})\b", stripped):
        return m.group(0).split("/")[0][:6], pos + skip + m.end()
    m = re.match(f"(?:多|余|来|左右)?(?:个)?([{CJK}])", rest)
    if m and m.group(1) not in _CN_ALL:
        return m.group(1), pos + m.end()
    return "", pos


def _numbers(text: str, taken: list[tuple[int, int]]) -> list[Figure]:
    out = []
    for pattern in (_PERCENT_RE, _TENTHS_RE):
        for m in pattern.finditer(text):
            if _overlaps(m.start(), m.end(), taken):
                continue
            raw = next(x for x in m.groups() if x)
            v = _to_float(raw)
            if v is None:
                continue
            if pattern is _TENTHS_RE:
                if not re.fullmatch(f"[{_CN_DIGITS}]|\\d+(?:\\.\\d+)?", raw):
                    continue  # 三成五 and the like: too rare to read safely
                v *= 10
            taken.append(m.span())
            out.append(Figure("percent", m.group(0), m.start(), m.end(), value=v, unit="%"))
    for m in _FRACTION_RE.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        den, num = _to_float(m.group(1)), _to_float(m.group(2))
        if den and num is not None:
            taken.append(m.span())
            out.append(Figure("number", m.group(0), m.start(), m.end(), value=num / den))
    for m in _NUMBER_RE.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        v = _to_float(m.group(1))
        if v is None:
            continue
        end = m.end()
        scaled, end = _scaled(text, v, end)
        unit, unit_end = _unit_after(text, end)
        if scaled == v and _year_like(m.group(1), unit):
            taken.append(m.span())
            out.append(Figure("date", m.group(1), m.start(), m.end(), date=(int(v), None, None)))
            continue
        v = scaled
        taken.append((m.start(), end))
        rank = text[m.start() - 1 : m.start()] == "第"
        out.append(
            Figure(
                "number", text[m.start() : unit_end], m.start(), unit_end, value=v, unit=unit, ordinal=rank
            )
        )
    for m in _CN_NUMBER_RE.finditer(text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        run = m.group(0)
        unit, unit_end = _unit_after(text, m.end())
        classifier = next((c for c in _CLASSIFIERS if text.startswith(c, m.end())), None)
        # a lone numeral is a figure before a classifier (三天, 加息四次) or as an ordinal (第二),
        # never inside a word (统一, 一般, 唯一); a run of two or more (十二, 三千万) always is
        before = text[m.start() - 1] if m.start() else ""
        ordinal = len(run) == 1 and before == "第" and run not in "万亿千百"
        if len(run) == 1 and not ordinal and (classifier is None or run in "万亿千百"):
            continue
        if (
            len(run) == 1
            and not ordinal
            and run in "一二两"
            and before
            and re.match(f"[{CJK}]", before)
            and before not in "约近超共达逾仅为是有每前后"
        ):
            continue
        v = cn_to_number(run)
        if v is None:
            continue
        taken.append(m.span())
        rank = before == "第"
        out.append(
            Figure(
                "number", text[m.start() : unit_end], m.start(), unit_end, value=v, unit=unit, ordinal=rank
            )
        )
    return out + _firsts(text, taken)


def _firsts(text: str, taken: list[tuple[int, int]]) -> list[Figure]:
    """A word that ranks first before a classifier (首次, 首届): the rank 第一 in other words.
    After a numeral it is a classifier itself (一首歌)."""
    out = []
    for word in LANG.first_words:
        for m in re.finditer(re.escape(word), text):
            unit = next((c for c in _CLASSIFIERS if text.startswith(c, m.end())), None)
            after_numeral = m.start() > 0 and text[m.start() - 1] in _CN_ALL + "0123456789"
            if unit is None or after_numeral or _overlaps(m.start(), m.end() + len(unit), taken):
                continue
            end = m.end() + len(unit)
            taken.append((m.start(), end))
            out.append(
                Figure("number", text[m.start() : end], m.start(), end, value=1.0, unit=unit, ordinal=True)
            )
    return out


def _year_like(raw: str, unit: str) -> bool:
    """A bare 19xx/20xx before a word that is no unit: '2024滨江马拉松', '2024 Binjiang'."""
    if not re.fullmatch(r"(19|20)\d\d", raw) or not unit:
        return False
    if unit.isascii():
        return len(unit) > 4
    return not any(c.startswith(unit) for c in _CLASSIFIERS)


def _scaled(text: str, value: float, end: int) -> tuple[float, int]:
    rest = text[end : end + 12]
    for mult in _CJK_MULT:
        if rest.startswith(mult):
            return value * LANG.multipliers[mult], end + len(mult)
    m = re.match(rf"\s*({'|'.join(_LATIN_MULT)})\b", rest)
    if m:
        return value * LANG.multipliers[m.group(1)], end + m.end()
    return value, end


def _overlaps(a: int, b: int, taken: list[tuple[int, int]]) -> bool:
    return any(a < y and x < b for x, y in taken)


def figures(text: str, folded: bool = False) -> list[Figure]:
    """Every figure of a text, in reading order; positions are offsets into the folded text."""
    t = text if folded else fold(text)
    taken: list[tuple[int, int]] = []
    found = _dates(t, taken) + _durations(t, taken) + _codes(t, taken) + _numbers(t, taken)
    return sorted(found, key=lambda f: f.start)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _as_year(f: Figure) -> int | None:
    if f.kind == "date" and f.date[1] is None and f.date[2] is None:
        return f.date[0]
    if f.kind == "number" and f.unit in ("", "年") and f.value is not None and f.value.is_integer():
        v = int(f.value)
        return v if 1000 <= v <= 2999 else None
    return None


def matches(claim: Figure, candidate: Figure, context_years: frozenset[int] = frozenset()) -> bool:
    """Does ``candidate`` (of a passage) state the figure ``claim`` (of an answer)?

    Numbers need an equal value, both counts or both ranks (第二), and, when both carry one,
    the same unit (units of different
    scripts, 'm³/h' and '立方米', are not compared). A date must agree on every part the claim
    gives; a year the passage's date lacks may come from ``context_years``.
    """
    year = _as_year(claim)
    if year is not None:
        return _as_year(candidate) == year or (candidate.kind == "date" and candidate.date[0] == year)
    if claim.kind == "date":
        if candidate.kind != "date":
            return False
        for mine, theirs, i in zip(claim.date, candidate.date, range(3), strict=True):
            if mine is None:
                continue
            if theirs is None:
                if i == 0 and mine in context_years:
                    continue
                return False
            if mine != theirs:
                return False
        return True
    if claim.kind == "code":
        return candidate.kind == "code" and candidate.text == claim.text
    if claim.kind != candidate.kind or claim.value is None or candidate.value is None:
        return False
    if not _close(claim.value, candidate.value) or claim.ordinal != candidate.ordinal:
        return False  # "2颗" is not "第二条", "3次" not "第3次"
    if claim.kind == "number" and claim.unit and candidate.unit:
        return _same_unit(claim.unit, candidate.unit)
    return True


def _same_unit(a: str, b: str) -> bool:
    """Units of two equal numbers that may be the same: equal units, two classifiers that both
    count things (20多个 / 20余类), or a unit that is only a noun's first character (the
    classifier was omitted: 200余个场景 / 200余个实际…) or of another script, which are not
    compared; synonyms of the language's data (天/日) are the same unit."""
    if a == b or a.isascii() != b.isascii() or any(a in group and b in group for group in LANG.unit_synonyms):
        return True
    if a.isascii():
        return False
    known = set(LANG.classifiers)
    if a not in known or b not in known:
        return True
    counts = set(LANG.count_classifiers)
    return a in counts and b in counts


def supported(claim: Figure, candidates: list[Figure], context_years: frozenset[int] = frozenset()) -> bool:
    return any(matches(claim, c, context_years) for c in candidates)


def years(figs: list[Figure]) -> frozenset[int]:
    """Years a text names: plain years, and the years of its full dates."""
    out = set()
    for f in figs:
        y = _as_year(f)
        if y is not None:
            out.add(y)
        elif f.kind == "date" and f.date[0] is not None:
            out.add(f.date[0])
    return frozenset(out)
