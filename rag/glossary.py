"""English -> Chinese terms for English questions over a Chinese corpus.

The small multilingual embedder crosses languages only roughly, and BM25 cannot cross
them at all; naming the Chinese terms of an English question fixes both, and lets the
name checks of ``verify`` see which bank an English question is about.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

GLOSSARY = Path(__file__).parent / "data" / "glossary_en_zh.tsv"


@lru_cache(maxsize=1)
def _entries() -> list[tuple[re.Pattern[str], str]]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, chinese = line.split("\t", 1)
        rows.append((english.strip().lower(), chinese.strip()))
    rows.sort(key=lambda r: -len(r[0]))  # longest phrase first
    return [(re.compile(rf"(?<![a-z]){re.escape(e)}(?![a-z])"), c) for e, c in rows]


def chinese_terms(text: str) -> list[str]:
    """Chinese terms for the English phrases of ``text``, longest phrases matched first."""
    rest = text.lower().replace("’", "'").replace("'s", "")
    found: list[str] = []
    for pattern, chinese in _entries():
        if pattern.search(rest):
            rest = pattern.sub(" ", rest)
            found += [t for t in chinese.split() if t not in found]
    return found


@lru_cache(maxsize=1)
def known_organisations() -> frozenset[str]:
    """Chinese organisation names of the glossary (banks, brokers, funds)."""
    suffixes = ("银行", "证券", "基金", "保险")
    return frozenset(t for _, chinese in _entries() for t in chinese.split() if t.endswith(suffixes))
