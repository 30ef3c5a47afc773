"""One loader per file format, each turning a file's bytes into ``Block``s of text.

    text.py         .txt (encoding detected: UTF-8, UTF-16 with a BOM, GB18030/GBK, Big5)
    markdown.py     .md, .markdown: front matter, headings, lists, pipe tables
    html.py         .html, .htm through BeautifulSoup: headings, paragraphs, tables
    pdf.py          .pdf text layer through pypdf, one page number per block
    docx.py         .docx through python-docx: heading styles, paragraphs, tables
    spreadsheet.py  .xlsx through openpyxl and .csv: a row is a line with its column names

A new format is a new module with a ``Loader`` and a line in ``LOADERS``. Loaders only
extract; cleaning, identity and assembly happen in ``ingest``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

BlockKind = Literal["heading", "text", "header", "row"]


@dataclass
class Block:
    """A piece of a document in reading order: a heading, a paragraph or line, or a table row
    (``header`` rows are the column names of the ``row``s that follow them)."""

    text: str
    kind: BlockKind = "text"
    level: int = 0  # heading level, 1 for the top
    where: str = ""  # a locator shown in citations: "第3页", "工作表1 第4行"


@dataclass
class Extracted:
    blocks: list[Block]
    title: str = ""
    date: str | None = None
    source: str | None = None
    web: bool = False  # page text that may carry site furniture (cleaned more)
    meta: dict[str, str] = field(default_factory=dict)


class Loader(Protocol):
    suffixes: tuple[str, ...]

    def load(self, raw: bytes, name: str) -> Extracted: ...


def _registry() -> dict[str, Loader]:
    from .docx import DocxLoader
    from .html import HtmlLoader
    from .markdown import MarkdownLoader
    from .pdf import PdfLoader
    from .spreadsheet import CsvLoader, XlsxLoader
    from .text import TextLoader

    loaders: list[Loader] = [
        TextLoader(),
        MarkdownLoader(),
        HtmlLoader(),
        PdfLoader(),
        DocxLoader(),
        XlsxLoader(),
        CsvLoader(),
    ]
    return {suffix: loader for loader in loaders for suffix in loader.suffixes}


LOADERS = _registry()
SUFFIXES = tuple(sorted(LOADERS))
