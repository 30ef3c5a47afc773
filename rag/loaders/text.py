"""Plain text, in whatever encoding it was saved. Text saved from web pages often is Markdown
(front matter, image links, ``#`` headings): such a file is read as Markdown."""

from __future__ import annotations

import re

from ..errors import CorpusError
from . import Block, Extracted


def decode(raw: bytes, name: str) -> str:
    """Text of a file: BOMs first (UTF-8, UTF-16), then UTF-8, then what charset-normalizer
    finds (GB18030/GBK, Big5, ...). Binary data is an error that says so."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CorpusError(
                f"{name} has a UTF-16 mark but is not UTF-16 text: re-save it as UTF-8",
                zh=f"{name} 的编码有误：请另存为 UTF-8 文本。",
            ) from exc
    if b"\x00" in raw[:4096]:
        raise CorpusError(
            f"{name} looks binary (NUL bytes), not text: give the original document instead",
            zh=f"{name} 看起来是二进制文件而不是文本：请提供原始文档。",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise CorpusError(
            f"{name}: the text encoding cannot be recognised: re-save it as UTF-8",
            zh=f"{name}：无法识别文本编码，请另存为 UTF-8。",
        )
    encoding = best.encoding
    if encoding in ("gb2312", "gbk"):
        encoding = "gb18030"  # the superset decodes what the others would choke on
    return raw.decode(encoding, errors="replace")


_MARKDOWN_RE = re.compile(r"\A\ufeff?---\s*\n|!\[[^\]]*\]\([^)]*\)|^#{1,6}\s+\S", re.M)


class TextLoader:
    suffixes: tuple[str, ...] = (".txt", ".text")

    def load(self, raw: bytes, name: str) -> Extracted:
        text = decode(raw, name)
        if _MARKDOWN_RE.search(text[:20000]):
            from .markdown import MarkdownLoader

            return MarkdownLoader().parse(text)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return Extracted([Block(line) for line in lines], web=True)
