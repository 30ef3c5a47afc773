"""Plain text, in whatever encoding it was saved. Text saved from web pages often is Markdown
(front matter, image links, ``#`` headings): such a file is read as Markdown."""

from __future__ import annotations

import re
import unicodedata

from ..errors import CorpusError
from ..normalize import TEXT_MARKS
from . import Block, Extracted
from .wrap import unwrap


def decode(raw: bytes, name: str) -> str:
    """Text of a file: BOMs first (UTF-8, UTF-16), then UTF-8, then what charset-normalizer
    finds (GB18030/GBK, Big5, ...). Binary data, and bytes that decode only to characters
    no text uses, are an error that says so."""
    text = _decode(raw, name)
    if _implausible_share(text) > IMPLAUSIBLE_SHARE:
        raise CorpusError(
            f"{name} does not decode to readable text (unassigned, private or broken characters): "
            "give the original document, or re-save it as UTF-8",
            zh=f"{name} 解码后不是可读的文字（含大量无效字符）：请提供原始文档，或另存为 UTF-8。",
        )
    return text


# Text with some broken characters (a damaged copy, a stray private-use glyph) is kept: its
# readable part is worth indexing. Only text that is mostly broken is not text at all.
IMPLAUSIBLE_SHARE = 0.3


def _implausible_share(text: str) -> float:
    """Share of characters no document is written in: unassigned, private use, surrogates,
    the replacement character, control characters other than whitespace, and format
    characters other than the invisible marks real text carries (zero-width spaces and
    joiners, direction marks, soft hyphens, byte-order marks), which cleaning removes or keeps."""
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(
        1
        for ch in sample
        if ch == "\ufffd"
        or (unicodedata.category(ch) in ("Cn", "Co", "Cs"))
        or (unicodedata.category(ch) == "Cf" and ch not in TEXT_MARKS)
        or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    )
    return bad / len(sample)


def _decode(raw: bytes, name: str) -> str:
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

    best = None
    for cut in range(4):  # a file cut off mid-character: try without its last bytes
        best = from_bytes(raw[: len(raw) - cut]).best()
        if best is not None:
            break
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
        lines = unwrap(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        return Extracted([Block(line) for line in lines], web=True)
