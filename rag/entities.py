"""Names in any text, found by grammar rather than by lists: Latin names, 《titles》 and quotes,
and the words jieba tags as proper nouns."""

from __future__ import annotations

import re

from .language import LANG
from .lexicon import is_content, tag
from .normalize import fold

_LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")
_QUOTED_RE = re.compile(r"[《「『“\"]([^》」』”\"]{1,30})[》」』”\"]")


def quoted(text: str) -> list[str]:
    """Titles and quoted terms, folded: 《远山回声》, “智慧小苏”."""
    return [fold(q) for q in _QUOTED_RE.findall(text)]


def latin_names(text: str, initials: bool = True) -> list[str]:
    """Latin names of a text (original case needed): words with capitals inside or digits
    (R7-Pro, AX3000, CADR), and runs of capitalised words (Binjiang International
    Marathon), joined by 'of'/'&'. Folded, in order.

    A lone capitalised word that starts a sentence may be a name ("Graphite is ...") or a
    word capitalised for the sentence ("According to ...", "Adults aged 65 ..."): without
    ``initials`` such words are left out."""
    out: list[str] = []
    run: list[str] = []
    lone_start = False  # the run began a sentence with a plain capitalised word

    def flush() -> None:
        nonlocal run
        if run and (initials or not (lone_start and len(run) == 1)):
            out.append(" ".join(run))
        run = []

    words = list(_LATIN_WORD_RE.finditer(text))
    for i, m in enumerate(words):
        w = m.group(0)
        gap = text[words[i - 1].end() : m.start()] if i else ""
        joined = i and run and re.fullmatch(r"\s+(?:of|&|and|de)?\s*", gap)
        if m.start() and text[m.start() - 1].isdigit():
            continue  # a unit (5GHz), not a name
        if len(w) > 24 or len(re.findall(r"\d+", w)) > 2:
            flush()
            continue  # an identifier or a piece of a link, not a name
        marked = bool(re.search(r"[a-z][A-Z]|\d|^[A-Z]{2,}", w))
        capital = w[0].isupper() and w.lower() not in LANG.stop and w.lower() not in LANG.days
        sentence_start = not text[: m.start()].strip() or text[: m.start()].rstrip()[-1:] in ".!?。！？"
        if marked or (capital and not (sentence_start and not run and len(w) < 4)):
            if run and not joined:
                flush()
            if not run:
                lone_start = sentence_start and not marked
            run.append(w)
        else:
            flush()
    flush()
    return [fold(n) for n in out]


def proper_words(tagged: list[tuple[str, str]]) -> list[str]:
    """Words that name something: the proper-noun tags of jieba (its HMM tags the unknown words
    it finds, usually names, the same way). Single characters are no names."""
    out = []
    for word, flag in tagged:
        if word in LANG.stop or word in LANG.question_words or not is_content(word):
            continue
        if flag == "eng" or flag.startswith("m"):
            continue  # Latin names and figures are read separately
        if flag in LANG.proper_tags and len(word) >= 2:
            out.append(word)
    return out


def names_in(text: str) -> list[str]:
    """Every name of a text, folded, in order of appearance, without repeats."""
    folded = fold(text)
    found = dict.fromkeys(quoted(text) + latin_names(text) + proper_words(tag(folded)))
    return sorted(found, key=lambda n: (folded.find(n) % (len(folded) + 1), -len(n)))


def identity_names(text: str) -> list[str]:
    """The names of a text that pick out one person, place or organisation (or a Latin or
    quoted name), folded, in order: what "该行", "it" or a chunk without a subject refer to."""
    folded = fold(text)
    tagged = [w for w, flag in tag(folded) if flag in LANG.identity_tags and len(w) >= 2]
    found = dict.fromkeys(quoted(text) + latin_names(text) + tagged)
    return sorted(found, key=lambda n: (folded.find(n) % (len(folded) + 1), -len(n)))
