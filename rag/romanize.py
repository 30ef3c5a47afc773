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
