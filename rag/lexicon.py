"""Tokens of any text and the term statistics of one corpus.

Everything works on folded text (see ``normalize.fold``), so traditional and simplified
spellings of a word are one word. Segmentation is jieba's, with its own dictionary and HMM
for unknown words; the corpus adds only statistics (how many chunks hold each token), from
which ``idf`` says how specific a word is *here*: "患者" is generic in a medical corpus and
rare in a legal one.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .language import LANG
from .normalize import CJK, fold

log = logging.getLogger(__name__)

_TOKEN_KEEP_RE = re.compile(f"[{CJK}A-Za-z0-9]")

_lock = threading.Lock()
_jieba: Any = None
_posseg: Any = None


def _tokenizer() -> Any:
    global _jieba
    with _lock:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.initialize()
            _jieba = tok
        return _jieba


def _tagger() -> Any:
    global _posseg
    tok = _tokenizer()
    with _lock:
        if _posseg is None:
            import jieba.posseg

            _posseg = jieba.posseg.POSTokenizer(tok)
        return _posseg


def cut(folded: str) -> list[str]:
    """jieba words of folded text, whitespace dropped."""
    return [t for t in _tokenizer().lcut(folded, HMM=True) if t.strip()]


def tag(folded: str) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) pairs of folded text, whitespace dropped."""
    return [(p.word, p.flag) for p in _tagger().lcut(folded) if p.word.strip()]


def in_dictionary(word: str) -> bool:
    """Is the word in jieba's dictionary (unknown words are often names)?"""
    return bool(_tokenizer().FREQ.get(word))


def is_content(token: str) -> bool:
    return token not in LANG.stop and bool(_TOKEN_KEEP_RE.search(token))


def tokens(text: str) -> list[str]:
    """Search tokens of a text: folded, segmented, stop words and punctuation dropped."""
    return [t for t in cut(fold(text)) if is_content(t)]


class Lexicon:
    """Document frequencies of the tokens of one corpus (counted over its chunks)."""

    def __init__(self, df: dict[str, int] | None = None, n_chunks: int = 0) -> None:
        self.df: dict[str, int] = dict(df or {})
        self.n_chunks = n_chunks

    def tokens(self, text: str) -> list[str]:
        return tokens(text)

    def idf(self, token: str) -> float:
        """Smoothed inverse document frequency; a word the corpus never uses scores highest."""
        n = max(self.n_chunks, 1)
        return math.log((n + 1) / (self.df.get(token, 0) + 0.5))

    def max_idf(self) -> float:
        return self.idf("\x00")

    def specificity(self, token: str) -> float:
        """idf scaled to 0..1: 1 for a word no chunk holds, near 0 for one every chunk holds."""
        top = self.max_idf()
        return max(0.0, min(1.0, self.idf(token) / top)) if top > 0 else 1.0

    def known(self, token: str) -> bool:
        return token in self.df

    @classmethod
    def from_token_lists(cls, token_lists: Iterable[list[str]]) -> Lexicon:
        df: Counter[str] = Counter()
        n = 0
        for toks in token_lists:
            df.update(set(toks))
            n += 1
        return cls(dict(df), n)

    def to_json(self) -> dict[str, object]:
        return {"n_chunks": self.n_chunks, "df": self.df}

    @classmethod
    def from_json(cls, data: object) -> Lexicon:
        if isinstance(data, dict) and isinstance(data.get("df"), dict):
            return cls({str(k): int(v) for k, v in data["df"].items()}, int(data.get("n_chunks", 0)))
        raise ValueError("lexicon.json is not a term-statistics record")
