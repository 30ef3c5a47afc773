"""The words of an answer sentence that the question does not hold, and where a passage has them.

Specific words (names: proper-noun tags, words jieba does not know, Latin names, titles; and
words rare in this corpus) must each be in a cited passage: an invented vendor or product
never passes. Plain words (verbs, common nouns) may paraphrase; their share found in the
passage is a measure of support, not a gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..entities import latin_names, proper_words, quoted
from ..language import LANG
from ..lexicon import Lexicon, is_content, tag
from ..normalize import CJK, fold, is_english
from ..question import Question

_CJK_RE = re.compile(f"[{CJK}]")
# a word held by fewer than this share of chunks is specific to a few passages
RARE_SHARE = 0.02


@dataclass
class Novel:
    """What a sentence adds to the question, folded."""

    names: list[str]  # must each be found
    words: list[str]  # plain words: a share must be found


def _in_question(word: str, question: Question) -> bool:
    return word in question.folded or any(word in fold(a) for _, a in question.previous)


def novel_words(sentence: str, question: Question, lexicon: Lexicon) -> Novel:
    folded = fold(sentence)
    tagged = tag(folded)
    names = quoted(sentence) + latin_names(sentence) + proper_words(tagged)
    words = []
    for word, flag in tagged:
        if not is_content(word) or word in LANG.question_words or flag.startswith("m") or word.isdigit():
            continue
        df = lexicon.df.get(word, 0)
        rare = 0 < df < RARE_SHARE * lexicon.n_chunks
        if _CJK_RE.match(word) and len(word) >= 2 and rare and not any(ch in LANG.stop for ch in word):
            names.append(word)  # rare in this corpus: as telling as a name (收为, a mis-cut, is not)
            continue
        words.append(word)
    if is_english(sentence):
        words = [w for w in re.findall(r"[a-z][a-z\-]+", folded) if w not in LANG.stop]
    names = [n for n in dict.fromkeys(names) if not _in_question(n, question)]
    words = [
        w for w in dict.fromkeys(words) if not _in_question(w, question) and not any(w in n for n in names)
    ]
    return Novel(names, words)


def holds_name(text_folded: str, name: str) -> bool:
    if name.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", text_folded) is not None
    return name in text_folded


def word_share(words: list[str], text_folded: str) -> float:
    """The share of plain words the text holds (a word of two or more characters counts half
    when only its first character is there: 夺得/获得 do not, 夺冠/夺得 do)."""
    if not words:
        return 1.0
    got = 0.0
    for w in words:
        if w in text_folded:
            got += 1
        elif len(w) >= 2 and w[:2] in text_folded:
            got += 0.5
    return got / len(words)
