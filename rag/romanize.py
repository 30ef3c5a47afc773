"""Chinese names spelt in Latin letters: "Lanwan" is 澜湾, "Li Zhuo" 李卓, "Chongqing" 重庆.
A question or answer in English may name in pinyin what the passages write in characters;
this finds the characters. Only spellings of two or more syllables count (one
syllable spells too many characters), tones and spaces are ignored, and a character with
several readings (行: hang, xing) matches by any of them."""

from __future__ import annotations

import re
from functools import lru_cache

from .language import LANG
from .normalize import CJK

_RUN_RE = re.compile(f"[{CJK}]+")
_MIN_LETTERS = 4


@lru_cache(maxsize=8192)
def _readings(char: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    got = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(dict.fromkeys(r.replace("ü", "v") for r in got[0])) if got else ()


def _spelt(chars: str, start: int, letters: str) -> int:
    """Where the characters from ``start`` on that spell ``letters`` end, or -1."""
    ends = [(start, 0)]  # (next character, letters spelt so far)
    while ends:
        i, at = ends.pop()
        if at == len(letters):
            return i
        if i == len(chars):
            continue
        for r in _readings(chars[i]):
            if r and letters.startswith(r, at):
                ends.append((i + 1, at + len(r)))
    return -1


def spelt_in(name: str, text: str) -> str:
    """The characters of ``text`` (simplified Chinese) whose pinyin spells the Latin ``name``
    (one word or several: "Wang Hao"), or "" when none does."""
    letters = re.sub(r"[^a-z]", "", name.lower())
    if len(letters) < _MIN_LETTERS or not name.isascii():
        return ""
    for run in _RUN_RE.finditer(text):
        chars = run.group(0)
        for start in range(len(chars) - 1):
            end = _spelt(chars, start, letters)
            if end - start >= 2 and chars[start:end] not in LANG.stop:  # "women" is no 我们
                return chars[start:end]
    return ""


def romanized_in(name: str, text: str) -> str:
    """The characters ``text`` writes for a Latin name: for the whole name ("Li Zhuo"), else for
    the longest run of its words that it spells ("Lanwan Hotel" names 澜湾, "Binjiang
    International Marathon" 滨江)."""
    words = name.split()
    runs = [
        " ".join(words[i:j])
        for n in range(len(words), 0, -1)
        for i in range(len(words) - n + 1)
        for j in [i + n]
    ]
    return next((found for run in runs if (found := spelt_in(run, text))), "")


_MIN_FUZZY_LETTERS = 5  # a shorter spelling one letter off matches too many characters
_MAX_SPELLINGS = 32  # readings combined per run of characters (heteronyms multiply)


def written_as(name: str, text: str) -> str:
    """The characters of ``text`` that a Latin name of a person, place or team spells, allowing
    one letter wrong, missing or extra in a spelling of five letters or more: a model writing
    English mis-spells pinyin ("Li Zuo" for 李卓, "zh" read "z"), and the characters are what
    the passage and a reader can check. "" when none, or when two runs spell it equally well."""
    letters = re.sub(r"[^a-z]", "", name.lower())
    if len(letters) < _MIN_LETTERS or not name.isascii():
        return ""
    exact = spelt_in(name, text)
    if exact or len(letters) < _MIN_FUZZY_LETTERS:
        return exact
    found: set[str] = set()
    for run in _RUN_RE.finditer(text):
        chars = run.group(0)
        for start in range(len(chars) - 1):
            for end in range(start + 2, min(len(chars), start + 4) + 1):
                piece = chars[start:end]
                if piece not in LANG.stop and any(_near(letters, s) for s in _spellings(piece)):
                    found.add(piece)
    return next(iter(found)) if len(found) == 1 else ""


def _spellings(chars: str) -> list[str]:
    out = [""]
    for c in chars:
        readings = _readings(c)
        if not readings:
            return []
        out = [s + r for s in out for r in readings][:_MAX_SPELLINGS]
    return out


def _near(a: str, b: str) -> bool:
    """Are the two strings at most one edit apart (a letter changed, dropped or added)?"""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]
