"""Markdown: YAML front matter, headings, lists and pipe tables."""

from __future__ import annotations

import re

import yaml

from . import Block, Extracted
from .text import decode
from .wrap import unwrap

_FRONT_MATTER_RE = re.compile(r"\A\ufeff?---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_LINK_ONLY_RE = re.compile(r"^\s*\[[^\]]*\]\([^)]*\)\s*$")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BOLD_LINE_RE = re.compile(r"^\*\*([^*\n]{1,40})\*\*$")


def front_matter(text: str) -> tuple[dict[str, object], str]:
    m = _FRONT_MATTER_RE.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        meta = None
    return (meta if isinstance(meta, dict) else {}), text[m.end() :]


def table_cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


class MarkdownLoader:
    suffixes: tuple[str, ...] = (".md", ".markdown")

    def load(self, raw: bytes, name: str) -> Extracted:
        return self.parse(decode(raw, name))

    def parse(self, text: str) -> Extracted:
        meta, text = front_matter(text)
        lines = unwrap(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        blocks: list[Block] = []
        for i, line in enumerate(lines):
            if _LINK_ONLY_RE.match(line) or (_TABLE_RULE_RE.match(line) and "|" in line):
                continue
            line = _LINK_RE.sub(r"\1", _IMAGE_RE.sub("", line))
            heading = _HEADING_RE.match(line) or _BOLD_LINE_RE.match(line.strip())
            if heading and heading.re is _HEADING_RE:
                blocks.append(Block(heading.group(2).replace("**", ""), "heading", len(heading.group(1))))
            elif heading:
                blocks.append(Block(heading.group(1), "heading", 6))
            elif line.strip().startswith("|") and line.strip().endswith("|"):
                nxt = lines[i + 1] if i + 1 < len(lines) else ""
                header = bool(_TABLE_RULE_RE.match(nxt)) and "|" in nxt
                blocks.append(Block(" | ".join(table_cells(line)), "header" if header else "row"))
            else:
                blocks.append(Block(line.replace("**", "").replace("__", "")))
        title = str(meta.get("title") or "").strip()
        if not title:
            top = next((b for b in blocks if b.kind == "heading" and b.level == 1), None)
            title = top.text if top else ""
        date = str(meta["date"]) if meta.get("date") else None
        source = str(meta["source"]) if meta.get("source") else None
        return Extracted(blocks, title=title, date=date, source=source, web=True)
