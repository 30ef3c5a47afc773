"""Pure text functions: cleaning artefacts, folding to one search form, splitting sentences.

The search form (``fold``) is NFKC width folding, traditional-to-simplified conversion
(OpenCC ``t2s``) and lower case. It is only ever used for matching; what users see is the
cleaned original text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from .language import LANG

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK}]")
_LATIN_RE = re.compile(r"[A-Za-z]")

# A CJK character followed by its pinyin in parentheses: 業(yè) -> 業. Lower-case letters
# with optional tone marks only, so (AI), (671B) or (如VIP等級) are left alone.
_PINYIN = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PINYIN_RE = re.compile(f"([{CJK}])[(（]([{_PINYIN}]{{1,6}})[)）]")

# Mojibake: UTF-8 text once decoded as GBK shows up as runs mixing '?', replacement
# characters and odd CJK, usually glued to an ASCII '?' inside Chinese text.
_MOJIBAKE_RUN_RE = re.compile(
    r"[?\ufffd]+\S{0,6}?[?\ufffd]+(?:\(?[a-z\u00e0-\u01dc]{1,6}\))?】?"  # ?。竞诎瞪?】
    r"|\?\(?[a-z\u00e0-\u01dc]{1,6}\)[^\x00-\x7f\s，。！？]{0,2}"  # ?qū)⒓葾
)
_STRAY_Q_RE = re.compile(f"(?<=[{CJK}%，。])\\?+(?=[{CJK}])")

# Invisible marks that real text carries. Zero-width spaces, word joiners, soft hyphens and
# byte-order marks inside a line (common in text copied from web pages) split words and
# figures for search and checks, so ingestion drops them; joiners and direction marks are
# part of some scripts and stay.
TEXT_MARKS = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u061c\u2066\u2067\u2068\u2069")
_INVISIBLE_RE = re.compile("[\u200b\u2060\ufeff\u00ad]")

SENTENCE_END = "。！？；!?;"
# a list item's opening: a bullet, "1." "1、" "(1)" "①" "一、"
LIST_ITEM_RE = re.compile(
    r"^\s*(?:[-*•·]\s|\d{1,2}[.、)）]\s*|[（(]\d{1,2}[)）]|[①-⑳]|[一二三四五六七八九十]+、)"
)
_SENT_RE = re.compile(f'[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[”’」』"]?|\n|$)')


def drop_invisible(text: str) -> str:
    """The text without zero-width spaces, word joiners, soft hyphens and stray byte-order marks."""
    return _INVISIBLE_RE.sub("", text)


def strip_pinyin(text: str) -> str:
    """Remove the ``字(pīn)`` conversion artefact."""
    return _PINYIN_RE.sub(r"\1", text)


def has_mojibake(text: str) -> bool:
    """True when the text holds replacement characters or '?' glued inside Chinese text."""
    return (
        "\ufffd" in text or bool(_STRAY_Q_RE.search(text)) or bool(re.search(f"[{CJK}]\\?|\\?[{CJK}]", text))
    )


def remove_mojibake(text: str) -> str:
    """Cut mojibake runs out of an otherwise readable line."""
    text = _MOJIBAKE_RUN_RE.sub(" ", text)
    text = _STRAY_Q_RE.sub("", text)
    return text.replace("\ufffd", "")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


def to_traditional(text: str) -> str:
    return str(_s2t().convert(text))


def fold(text: str) -> str:
    """The search form: NFKC, simplified Chinese, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text).lower()
    return re.sub(r"\s+", " ", text).strip()


def is_traditional(text: str) -> bool:
    """True when converting to simplified changes the text's Chinese characters."""
    han = "".join(CJK_RE.findall(text))
    return bool(han) and to_simplified(han) != han


def is_english(text: str) -> bool:
    """True for text written mostly in Latin letters (a question in English)."""
    latin = len(_LATIN_RE.findall(text))
    han = len(CJK_RE.findall(text))
    return latin > 0 and han <= latin / 10


# an English full stop: after a small letter, digit or bracket (not "U.S."),
# before a capital, "[", a Chinese character or the end
_EN_STOP_RE = re.compile(rf"(?<=[a-z0-9\])])\.(?=\s+[A-Z\[]|\s+[{CJK}]|\s*$)")
_WORD_BEFORE_RE = re.compile(r"(?:^|(?<=\s))([\w.]+)$")
_WORD_REACH = 12  # characters: longer than any abbreviation or list number it looks for


def english_stops(text: str) -> str:
    """``text`` with English full stops written as "!" (same length), so that the sentence
    splitter sees them: "Kiprotich won. Li Jia was second." is two sentences, where "2.5 km",
    a list's "1. Open the app" and "Dr. Li" stay whole."""

    def stop(m: re.Match[str]) -> str:
        # the word before the stop, read from a few characters back (the text may be a book)
        word = _WORD_BEFORE_RE.search(text, max(0, m.start() - _WORD_REACH), m.start())
        before = word.group(1).lower() if word else ""
        keep = (before.isdigit() and len(before) <= 2) or before in LANG.abbreviations_en
        return "." if keep else "!"

    return _EN_STOP_RE.sub(stop, text)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``; whitespace-only spans are skipped. English
    full stops end sentences too (see ``english_stops``)."""
    spans = []
    for m in _SENT_RE.finditer(english_stops(text) if "." in text else text):
        start, end = m.span()
        if end <= start:
            continue
        seg = text[start:end]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if end - trail > start + lead:
            spans.append((start + lead, end - trail))
    return spans


_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*(?:\s*[%％])?")


def numbers(text: str) -> list[str]:
    """Figures in folded text: '9.68', '35%', '2025', '671'. Thousands commas dropped."""
    out = []
    for m in _NUM_RE.finditer(fold(text)):
        value = m.group(0).replace(" ", "")
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?%?", value):
            value = value.replace(",", "")
        out.append(value.rstrip(","))
    return out
