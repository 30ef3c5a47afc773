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

    @cached_property
    def stop(self) -> frozenset[str]:
        return frozenset(self.stopwords)

    @cached_property
    def question_words(self) -> frozenset[str]:
        return frozenset(w for words in self.asks.values() for w in words)

    @cached_property
    def refusal_re(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.refusal))


def load_language(path: Path = LANGUAGE_FILE) -> Language:
    return Language.model_validate(json.loads(path.read_text(encoding="utf-8")))


LANG = load_language()
