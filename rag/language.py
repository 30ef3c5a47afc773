"""The function words the question reader and the answer checks need, read from a data file.

``rag/data/language.json`` holds Chinese and English grammar (question words, stop words,
pronouns, numerals, month names), not the vocabulary of any field. Code takes it from
``LANG`` and never spells such words itself.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict

LANGUAGE_FILE = Path(__file__).parent / "data" / "language.json"


class FollowupMarkers(BaseModel):
    lead: list[str]
    tail: list[str]
    other: list[str]


class OtherLanguage(BaseModel):
    """A language written in Latin letters other than English: enough of its grammar to read a
    question asked in it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str  # in English, for the prompt's "Answer in French."
    letters: str  # letters that mark it among the others (ñ, ß, ã)
    capitalised_nouns: bool  # every noun starts with a capital: a lone capitalised word is no name
    name_particles: list[str]  # small words inside a name: "de" of "Centro de Salud"
    stopwords: list[str]
    asks: dict[str, list[str]]
    yesno_leads: list[str]  # first words of a yes or no question
    yesno_anywhere: list[str]  # words that mark one wherever they stand ("est-il")
    negations: list[str]
    followup_leads: list[str]  # what starts a follow-up ("Et en 2023 ?")
    followup_tails: list[str]  # what ends one ("2023年度は？")
    pronouns: list[str]  # what points back at the last question's subject

    @cached_property
    def stop(self) -> frozenset[str]:
        return frozenset(self.stopwords)


class Language(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    asks: dict[str, list[str]]
    asks_by_ending: dict[str, list[str]]  # what an elliptic question's last word asks for
    stopwords: list[str]
    pronouns: list[str]
    followup_markers: FollowupMarkers
    relative_years: dict[str, int]
    refusal: list[str]
    numerals: dict[str, int]
    multipliers: dict[str, int]
    months_en: list[str]
    months_en_short: list[str]
    clock_units: list[str]  # a number with one is a time of day ("上午10点", "10時"): said of when
    days: list[str]  # what names a day without a figure (周六, 工作日, Sunday): said of when, never a name
    abbreviations_en: list[str]  # words a full stop ends that do not end the sentence ("Dr. Li")
    classifiers: list[str]
    count_classifiers: list[str]  # classifiers that count things (个, 家, 类): one kind of unit
    unit_synonyms: list[list[str]]  # units that mean the same after a number: 30天 is 30日
    first_words: list[str]  # a rank of one before a classifier: 首次 is 第一次, 首届 第一届
    proper_tags: list[str]
    yesno_leads_en: list[str]  # an English question that starts with one of these asks yes or no
    negations: list[str]  # words that turn a statement into its opposite
    restrictives: list[str]  # words that limit what follows to itself (只, 仅): "只开放急诊"
    restrictives_not: list[str]  # words that hold one but limit nothing (只要, 不仅)
    year_parts: list[str]  # what names a part of a year after it ("2022年四季度", "上半年")
    whole_year: list[str]  # what says a figure is the whole year's ("全年")
    pair_joints: list[str]  # what joins two alternatives named side by side ("生茶和熟茶")
    part_joints: list[str]  # what joins the things a question asks the same of ("2023年和2024年")
    respectively: list[str]  # words that say each is asked separately (分别, respectively)
    comparison: list[str]  # words that ask about the things together (相比, 总共, which)
    identity_tags: list[str]  # proper tags that name one person, place or organisation
    noun_tags: list[str]
    languages: dict[str, OtherLanguage]  # by ISO 639-1 code

    @cached_property
    def stop(self) -> frozenset[str]:
        return frozenset(self.stopwords)

    @cached_property
    def question_words(self) -> frozenset[str]:
        return frozenset(w for words in self.asks.values() for w in words)

    @cached_property
    def _stops(self) -> dict[str, frozenset[str]]:
        return {code: self.stop | other.stop for code, other in self.languages.items()}

    def stop_for(self, lang: str) -> frozenset[str]:
        """The stop words of a question in ``lang``: English's, and its own (built once: the
        checks ask for them for every sentence)."""
        return self._stops.get(lang, self.stop)

    def asks_for(self, lang: str) -> dict[str, list[str]]:
        """The question words by what they ask for: Chinese and English, and ``lang``'s."""
        other = self.languages.get(lang)
        if other is None:
            return self.asks
        return {kind: words + other.asks.get(kind, []) for kind, words in self.asks.items()}

    def followups_for(self, lang: str) -> tuple[list[str], list[str], list[str]]:
        """What marks a follow-up in ``lang`` (and in Chinese and English): its leads, its tails
        and its pronouns."""
        markers, other = self.followup_markers, self.languages.get(lang)
        if other is None:
            return markers.lead, markers.tail, self.pronouns
        return (
            markers.lead + other.followup_leads,
            markers.tail + other.followup_tails,
            self.pronouns + other.pronouns,
        )

    def negations_for(self, lang: str) -> list[str]:
        other = self.languages.get(lang)
        return self.negations + other.negations if other else self.negations

    @cached_property
    def refusal_re(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.refusal))


# the small Latin letters of English and the languages of western Europe (é, ü, ß, ñ, œ), for
# the words of folded text
LATIN = "a-z\u00df-\u00f6\u00f8-\u00ff\u0153"
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_WORD_RE = re.compile(f"[{LATIN}]+(?:-[{LATIN}]+)*")


def detect(text: str, latin: bool) -> str:
    """The language of a question: "ja" where it has kana, "zh" for other text not in Latin
    letters, else the Latin-lettered language whose function words and own letters it uses
    most, English on a tie. ``latin``: the text is written in Latin letters."""
    if _KANA_RE.search(text):
        return "ja"
    if not latin:
        return "zh"
    low = text.lower()
    words = _WORD_RE.findall(low)
    best, score = "en", float(sum(1 for w in words if w in LANG.stop))
    for code, other in LANG.languages.items():
        s = sum(1 for w in words if w in other.stop) + 2 * sum(1 for ch in low if ch in other.letters)
        if s > score:
            best, score = code, s
    return best


def load_language(path: Path = LANGUAGE_FILE) -> Language:
    return Language.model_validate(json.loads(path.read_text(encoding="utf-8")))


LANG = load_language()
