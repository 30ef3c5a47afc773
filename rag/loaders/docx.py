"""Word documents through python-docx: heading styles become the section path, tables rows."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from ..errors import CorpusError
from . import Block, Extracted

_HEADING_STYLE_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


class DocxLoader:
    suffixes: tuple[str, ...] = (".docx",)

    def load(self, raw: bytes, name: str) -> Extracted:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        try:
            document = docx.Document(io.BytesIO(raw))
        except (PackageNotFoundError, zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
            raise CorpusError(
                f"{name} is not a readable .docx file ({exc}): save it again from Word",
                zh=f"{name} 不是可读的 .docx 文件：请用 Word 重新保存后再添加。",
            ) from exc
        blocks: list[Block] = []
        body = document.element.body
        for child in body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                self._paragraph(Paragraph(child, document), blocks)
            elif tag == "tbl":
                self._table(Table(child, document), blocks)
        title = (document.core_properties.title or "").strip()
        if not title:
            top = next((b for b in blocks if b.kind == "heading"), None)
            title = top.text if top else ""
        return Extracted(blocks, title=title)

    def _paragraph(self, paragraph: Any, blocks: list[Block]) -> None:
        text = paragraph.text.strip()
        if not text:
            blocks.append(Block(""))
            return
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        m = _HEADING_STYLE_RE.match(style.strip())
        if m or style.lower() == "title":
            blocks.append(Block(text, "heading", int(m.group(1)) if m else 1))
        else:
            blocks.append(Block(text))

    def _table(self, table: Any, blocks: list[Block]) -> None:
        for i, row in enumerate(table.rows):
            cells: list[str] = []
            for cell in row.cells:
                value = cell.text.strip().replace("\n", " ")
                if not cells or cells[-1] != value:  # merged cells repeat their text
                    cells.append(value)
            if any(cells):
                blocks.append(Block(" | ".join(cells), "header" if i == 0 else "row"))
        blocks.append(Block(""))
