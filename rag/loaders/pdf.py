"""PDF through pypdf: the text layer, page by page; each block knows its page."""

from __future__ import annotations

import io
import logging
import re

from ..errors import CorpusError
from . import Block, Extracted

log = logging.getLogger(__name__)


class PdfLoader:
    suffixes: tuple[str, ...] = (".pdf",)

    def load(self, raw: bytes, name: str) -> Extracted:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        logging.getLogger("pypdf").setLevel(logging.ERROR)
        try:
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted:
                try:
                    reader.decrypt("")
                except Exception as exc:  # pypdf raises several kinds here
                    raise CorpusError(
                        f"{name} is password-protected: save an unprotected copy",
                        zh=f"{name} 有密码保护：请另存一份不加密的副本。",
                    ) from exc
            pages = [(page.extract_text() or "") for page in reader.pages]
        except (PdfReadError, ValueError, KeyError, OSError) as exc:
            raise CorpusError(
                f"{name} is not a readable PDF ({exc}): check the file or export it again",
                zh=f"{name} 不是可读的 PDF：请检查文件或重新导出。",
            ) from exc
        blocks: list[Block] = []
        for no, text in enumerate(pages, 1):
            for line in _lines(text):
                blocks.append(Block(line, where=f"第{no}页"))
        if not any(b.text.strip() for b in blocks):
            raise CorpusError(
                f"{name} has no text layer (a scanned PDF?): run OCR on it first "
                "(e.g. save it as a searchable PDF) and add it again",
                zh=f"{name} 没有文字层（可能是扫描件）：请先做 OCR，另存为可搜索的 PDF 后再添加。",
            )
        title = ""
        try:
            meta = reader.metadata
            title = str(meta.get("/Title") or "").strip() if meta is not None else ""
        except Exception:  # broken metadata must not lose the document
            title = ""
        return Extracted(blocks, title=title)


def _lines(text: str) -> list[str]:
    """Lines of a page with the hard wraps inside Chinese sentences joined again."""
    out: list[str] = []
    # some producers' font maps decode to UTF-16 halves: drop the NULs and other controls
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
    for line in text.replace("\r", "").split("\n"):
        line = line.strip()
        if not line:
            out.append("")
            continue
        if out and out[-1] and not re.search(r"[。！？；：:.!?;]$", out[-1]) and len(out[-1]) > 20:
            out[-1] += ("" if re.match(r"[\u4e00-\u9fff]", line) else " ") + line
        else:
            out.append(line)
    return out
