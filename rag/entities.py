"""Names in any text, found by grammar rather than by lists: Latin names, 《titles》 and quotes,
and the words jieba tags as proper nouns."""

from __future__ import annotations

import re

from .language import LANG
from .lexicon import is_content, tag
from .normalize import fold

_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0152\u0153"  # with é, ü, ß, ñ, œ
_LATIN_WORD_RE = re.compile(rf"[{_LETTER}][{_LETTER}0-9]*(?:[-.][{_LETTER}0-9]+)*")
_MARKED_RE = re.compile(r"[a-z][A-Z]|\d|^[A-Z]{2,}")  # iPhone, AX3000, CADR: a name wherever it stands
_QUOTED_RE = re.compile(r"[《「『“\"]([^》」』”\"]{1,30})[》」』”\"]")


def quoted(text: str) -> list[str]:
    """Titles and quoted terms, folded: 《远山回声》, “智慧小苏”."""
    return [fold(q) for q in _QUOTED_RE.findall(text)]


def latin_names(
    text: str,
    initials: bool = True,
    stop: frozenset[str] = LANG.stop,
    nouns: bool = False,
    particles: frozenset[str] = frozenset(),
) -> list[str]:
    """Latin names of a text (original case needed): words with capitals inside or digits
    (R7-Pro, AX3000, CADR), and runs of capitalised words (Binjiang International
    Marathon), joined by 'of'/'&'. Folded, in order.

    A lone capitalised word that starts a sentence may be a name ("Graphite is ...") or a
    word capitalised for the sentence ("According to ...", "Adults aged 65 ..."): without
    ``initials`` such words are left out. ``stop``: the function words of the text's language,
    never a name when capitalised ("Combien", "The"). ``nouns``: the language capitalises
    every noun (German), so only a run of capitalised words or a marked word is a name.
    ``particles``: small words that stand inside a name between capitalised words ("de" of
    "Centro de Salud Las Acacias", whose "Las" is capitalised there); English has none."""
    out: list[str] = []
    run: list[str] = []
    lone_start = False  # the run began a sentence with a plain capitalised word

    def flush() -> None:
        nonlocal run
        while len(run) > 1 and particles and (run[-1] in particles or run[-1].lower() in stop):
            run.pop()  # "Banco do" before a word that ended the name after all
        lone = len(run) == 1
        if lone and nouns and not _MARKED_RE.search(run[0]):
            run = []  # "Jahreskarte": a noun, capitalised as every noun is
        if run and (initials or not (lone_start and lone)):
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
        marked = bool(_MARKED_RE.search(w))
        if particles and run and gap.isspace() and (w in particles or (w.lower() in stop and w[0].isupper())):
            nxt = words[i + 1] if i + 1 < len(words) else None
            if nxt is not None and nxt.group(0)[0].isupper() and text[m.end() : nxt.start()].isspace():
                run.append(w)  # "de" of "Centro de Salud", "Las" of "Salud Las Acacias"
                continue
        capital = w[0].isupper() and w.lower() not in stop and w.lower() not in LANG.days
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
