"""Aliases of a corpus: phrases a question may use for what the documents call otherwise.

An optional tab-separated file beside the corpus (``<corpus>/.aliases.tsv``, or
``RAG_ALIASES_FILE``): an alias, a tab, the words the documents use ("paracetamol" ->
"对乙酰氨基酚", "AML" -> "反洗钱"). A question is searched with those words too. This is where a
team puts its field's vocabulary; the code knows none.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import ConfigError


class Aliases:
    def __init__(self, rows: list[tuple[str, str]] | None = None) -> None:
        rows = sorted(rows or [], key=lambda r: -len(r[0]))  # the longest phrase wins
        self._rows = [(re.compile(rf"(?<![a-z0-9]){re.escape(a)}(?![a-z0-9])"), t) for a, t in rows]

    def __len__(self) -> int:
        return len(self._rows)

    def terms(self, text: str) -> list[str]:
        """The documents' words for the aliases in ``text``."""
        rest = text.lower().replace("’", "'").replace("'s", "")
        found: list[str] = []
        for pattern, target in self._rows:
            if pattern.search(rest):
                rest = pattern.sub(" ", rest)
                found += [t for t in target.split() if t not in found]
        return found

    @classmethod
    def load(cls, path: Path | None) -> Aliases:
        if path is None or not path.is_file():
            return cls()
        rows = []
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"aliases file {path} is unreadable ({exc}): save it as UTF-8 text") from exc
        for no, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("#"):
                continue
            if "\t" not in line:
                raise ConfigError(f"{path}:{no} has no tab: write 'alias<TAB>words the documents use'")
            alias, target = line.split("\t", 1)
            rows.append((alias.strip().lower(), target.strip()))
        return cls(rows)
