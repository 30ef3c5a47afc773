"""The words of an answer sentence that the question does not hold, and where a passage has them.

Specific words (names: proper-noun tags, words jieba does not know, Latin names, titles; and
words rare in this corpus) must each be in a cited passage: an invented vendor or product
never passes. Plain words (verbs, common nouns) may paraphrase; their share found in the
passage is a measure of support, not a gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..entities import proper_words, quoted
from ..language import LANG, LATIN
from ..lexicon import Lexicon, is_content, tag
from ..normalize import CJK_RE, fold, is_english
from ..question import Question, names_in_language

# a word held by fewer than this share of chunks is specific to a few passages
RARE_SHARE = 0.02


@dataclass
class Novel:
    """What a sentence adds to the question, folded."""

    names: list[str]  # must each be found
    words: list[str]  # plain words: a share must be found
    initials: list[str] = field(default_factory=list)  # names that may only be capitalised
    # because they start a sentence ("According"): a plain word when no passage has them

    def demote(self, name: str) -> None:
        """Count a sentence-initial capitalised word as a plain word."""
        self.names.remove(name)
        if name not in self.words:
            self.words.append(name)


def _in_question(word: str, question: Question) -> bool:
    return word in question.folded or any(word in fold(a) for _, a in question.previous)


def negated(text: str, lang: str = "zh") -> bool:
    """Does the text say no: a negation word of Chinese, English or the question's language
    ``lang`` (不, 没, 禁, not, cannot, pas, nicht…)."""
    folded = fold(text)
    for w in LANG.negations_for(lang):
        if w.isalpha() and re.fullmatch(f"[{LATIN}]+", w):
            if re.search(rf"(?<![{LATIN}]){re.escape(w)}(?![{LATIN}])", folded):
                return True
        elif w in folded:
            return True
    return False


def novel_words(sentence: str, question: Question, lexicon: Lexicon) -> Novel:
    folded = fold(sentence)
    tagged = tag(folded)
    latin = names_in_language(sentence, question.lang)
    names = quoted(sentence) + latin + proper_words(tagged)
    words = []
    for word, flag in tagged:
        if not is_content(word) or word in LANG.question_words or word in LANG.pronouns:
            continue  # a pronoun points back at the question's subject: nothing new
        if flag.startswith("m") or word.isdigit():
            continue
        if word in LANG.negations_for(question.lang) and negated(question.folded, question.lang):
            continue  # "无反应" for "没有反应": the question's own denial, said another way
        df = lexicon.df.get(word, 0)
        rare = 0 < df < RARE_SHARE * lexicon.n_chunks
        if CJK_RE.match(word) and len(word) >= 2 and rare and not any(ch in LANG.stop for ch in word):
            names.append(word)  # rare in this corpus: as telling as a name (收为, a mis-cut, is not)
            continue
        words.append(word)
    if is_english(sentence):
        words = [w for w in re.findall(rf"[{LATIN}][{LATIN}\-]+", folded) if w not in question.stop]
    names = [n for n in dict.fromkeys(names) if not _in_question(n, question)]
    words = [
        w for w in dict.fromkeys(words) if not _in_question(w, question) and not any(w in n for n in names)
    ]
    lone = set(latin) - set(names_in_language(sentence, question.lang, initials=False))
    return Novel(names, words, [n for n in names if n in lone])


def _squeezed(words: list[str]) -> str:
    return "".join(w for w in words if is_content(w) and w not in LANG.question_words)


def recombined_name(sentence: str, question: Question, texts_folded: list[str]) -> str:
    """A name the answer builds from the question's own words ("诺安AI助手" for "诺安基金推出的
    AI助手叫什么"), found as written in a passage; "" when there is none.

    Such an answer holds no word the question lacks, yet it is no echo: the question never
    joins those words. The longest run of two or more adjacent answer words counts when a
    passage holds it and the question's content words, read in order without function and
    question words, do not (so "《剧名》首播时间" still restates "《剧名》的首播时间是？").
    """
    words = [w for w, _ in tag(fold(sentence))]
    asked = _squeezed([w for w, _ in tag(question.folded)])
    best = ""
    for i in range(len(words)):
        for j in range(i + 2, len(words) + 1):
            run, inner = "".join(words[i:j]), _squeezed(words[i:j])
            if not (is_content(words[i]) and is_content(words[j - 1])) or len(run) <= len(best):
                continue
            if inner not in asked and any(run in t for t in texts_folded):
                best = run
    return best


def holds_name(text_folded: str, name: str) -> bool:
    """Is the name in the text: Latin names as whole words, with or without a hyphen or space
    where letters meet digits (gpt4, gpt-4, gpt 4)."""
    if name.isascii():
        parts = re.split(r"(?<=[a-z])[-\s]?(?=\d)|(?<=\d)[-\s]?(?=[a-z])", name)
        pattern = r"[-\s]?".join(re.escape(p) for p in parts)
        return re.search(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", text_folded) is not None
    return name in text_folded


_SUFFIX_RE = re.compile(r"(?:ing|ed|es|s|e)$")


def holds_word(text_folded: str, word: str) -> bool:
    """Is a word of the question in the text, in any inflection where it is English ("code" in
    "exit codes", "require" in "requires"); names and Chinese words as ``holds_name``."""
    if not (word.isascii() and word.isalpha() and len(word) >= 4):
        return holds_name(text_folded, word)
    stem = _SUFFIX_RE.sub("", word)
    return (
        re.search(rf"(?<![a-z0-9]){re.escape(stem)}(?:e?s|e?d|ing|e)?(?![a-z0-9])", text_folded) is not None
    )


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


def look_alike(word: str, term: str) -> bool:
    """Another word of the same length sharing a character at the same place: 亚军/冠军,
    男单/女单, 跳台/跳板 (a rival of the term where it stands in the term's place)."""
    return len(word) == len(term) and word != term and any(a == b for a, b in zip(word, term, strict=True))
