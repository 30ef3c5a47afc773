"""HTML pages through BeautifulSoup: visible text, headings and tables; navigation dropped."""

from __future__ import annotations

from typing import Any

from . import Block, Extracted
from .text import decode

_SKIP = ("script", "style", "nav", "footer", "header", "aside", "form", "noscript", "svg", "iframe", "button")
_BLOCKS = ("p", "li", "dd", "dt", "blockquote", "pre", "figcaption", "caption", "td", "th")


class HtmlLoader:
    suffixes: tuple[str, ...] = (".html", ".htm", ".xhtml")

    def load(self, raw: bytes, name: str) -> Extracted:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(decode(raw, name), "html.parser")
        title = soup.title.get_text(" ", strip=True) if soup.title else ""
        for tag in soup(list(_SKIP)):
            tag.decompose()
        body = soup.body or soup
        blocks: list[Block] = []
        self._walk(body, blocks)
        return Extracted(blocks, title=title, web=True)

    def _walk(self, node: Any, blocks: list[Block]) -> None:
        from bs4.element import NavigableString, Tag

        text_run: list[str] = []

        def flush() -> None:
            joined = " ".join(t for t in text_run if t)
            if joined.strip():
                blocks.append(Block(joined.strip()))
            text_run.clear()

        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Doctype", "Declaration"):
                    continue
                text_run.append(str(child).strip())
                continue
            if not isinstance(child, Tag):
                continue
            tag = child.name or ""
            if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                flush()
                blocks.append(Block(child.get_text(" ", strip=True), "heading", int(tag[1])))
            elif tag == "table":
                flush()
                self._table(child, blocks)
            elif tag in _BLOCKS or tag == "br":
                flush()
                if tag != "br":
                    inner = child.find(["p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4"])
                    if inner is None:
                        blocks.append(Block(child.get_text(" ", strip=True)))
                    else:
                        self._walk(child, blocks)
            elif tag in (
                "div",
                "section",
                "article",
                "main",
                "ul",
                "ol",
                "dl",
                "body",
                "span",
                "font",
                "center",
            ):
                if tag in ("span", "font") and not child.find(["p", "div", "table"]):
                    text_run.append(child.get_text(" ", strip=True))
                else:
                    flush()
                    self._walk(child, blocks)
            else:
                text_run.append(child.get_text(" ", strip=True))
        flush()

    def _table(self, table: Any, blocks: list[Block]) -> None:
        rows = table.find_all("tr")
        for i, tr in enumerate(rows):
            cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            if not any(cells):
                continue
            header = i == 0 and (tr.find("th") is not None or len(rows) > 1)
            blocks.append(Block(" | ".join(cells), "header" if header else "row"))
