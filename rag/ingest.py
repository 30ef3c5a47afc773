"""Files -> ``Document``: one loader per suffix, then the same general cleaning rules."""

from __future__ import annotations

import hashlib
import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import yaml

from .errors import CorpusError
from .normalize import fold, has_mojibake, remove_mojibake, split_sentences, strip_pinyin
from .types import Document

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")

# A line that starts the page furniture after an article: everything from it on is dropped.
_TAIL_RE = re.compile(
    r"^[-*#>\s]*(相关推荐|相关阅读|相关文章|推荐阅读|猜你喜欢|热门推荐|延伸阅读|发表回复|发表评论"
    r"|网友评论|免责声明)\s*[:：]?\s*$"
)
# Single lines of site furniture, matched on the folded (simplified, lower-case) line.
_BOILERPLATE_RE = re.compile(
    r"上一篇|下一篇|转载请注明|打赏|扫一扫|分享到|的头像|关注微信|关注我们|点击关注|阅读原文"
    r"|您的邮箱地址不会被公开|必填项已用|版权所有|all rights reserved|责任编辑[:：]"
)
_FRONT_MATTER_RE = re.compile(r"\A\ufeff?---\s*\n(.*?)\n---\s*\n", re.S)
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK_ONLY_RE = re.compile(r"^\s*\[[^\]]*\]\([^)]*\)\s*$")
_LINK_RE = re.compile(r"\[([^\]]+)\]\((?:https?://|/)[^)]*\)")
_URL_ONLY_RE = re.compile(r"^\s*(https?://\S+|www\.\S+)\s*$")
_HEADING_BOLD_RE = re.compile(r"\*\*([^*\n。！？]{1,40})\*\*")
_SOURCE_RE = re.compile(r"^[>\s]*[(（]?(?:文章)?(?:来源|來源|本文来自|本文來自)[:：]?\s*(.+?)[)）]?$")
_DATE_RE = re.compile(r"(20\d\d)\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
_NOISE_LINE_RE = re.compile(r"^[\W\d_]{0,6}$")


class _HTMLText(HTMLParser):
    """Visible text of an HTML page, one block element per line; <title> kept apart."""

    SKIP: ClassVar[set[str]] = {
        "script",
        "style",
        "nav",
        "footer",
        "header",
        "aside",
        "form",
        "noscript",
        "svg",
    }
    BLOCK: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
        "blockquote",
        "pre",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def _decode(raw: bytes, path: Path) -> str:
    if b"\x00" in raw[:4096]:
        raise CorpusError(f"{path} looks binary (NUL bytes): only text, markdown and HTML index")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorpusError(f"{path} is neither UTF-8 nor GB18030 text: re-save it as UTF-8")


def _front_matter(text: str) -> tuple[dict[str, object], str]:
    m = _FRONT_MATTER_RE.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        meta = None
    return (meta if isinstance(meta, dict) else {}), text[m.end() :]


def clean_text(text: str) -> str:
    """General cleaning of an article's text (markdown or plain); see the module rules."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    text = strip_pinyin(text)
    text = _IMAGE_RE.sub("", text)
    text = _HEADING_BOLD_RE.sub(r"\n\1\n", text)
    text = text.replace("**", "")
    lines: list[str] = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t\xa0]+", " ", line).strip()
        line = re.sub(r"^#{1,6}\s+", "", line)
        line = re.sub(r"^>\s*", "", line)
        if _TAIL_RE.match(line) or _TAIL_RE.match(fold(line)):
            break
        if _LINK_ONLY_RE.match(line) or _URL_ONLY_RE.match(line):
            continue
        line = _LINK_RE.sub(r"\1", line)
        folded = fold(line)
        if _BOILERPLATE_RE.search(folded):
            continue
        if has_mojibake(line):
            line = remove_mojibake(line)  # cut the garbled runs, keep the rest
            if len(line) < 80 and not re.search(r"[。！？]", line):
                continue  # what is left is a broken heading: nothing of the article is lost
        if line and _NOISE_LINE_RE.match(line):
            continue  # "(0)", "|", "1/3": counters and separators
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


def _title_of(text: str, fallback: str) -> str:
    for line in text.split("\n")[:3]:
        if line and len(line) <= 60 and not _SOURCE_RE.match(line) and line[-1] not in "。！？":
            return line
    spans = split_sentences(text)
    if spans:
        first = text[spans[0][0] : spans[0][1]]
        return first if len(first) <= 40 else first[:40] + "…"
    return fallback


def _source_of(text: str) -> str | None:
    for line in text.split("\n"):
        m = _SOURCE_RE.match(line)
        if m and len(line) < 80:
            return m.group(1).strip()
    return None


def _date_of(meta: dict[str, object], text: str) -> str | None:
    if meta.get("date"):
        return str(meta["date"])
    for line in text.split("\n")[:4]:
        m = _DATE_RE.search(line)
        if m:
            return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


def load_document(path: Path) -> Document:
    """Read and clean one file. Raises ``CorpusError`` when it cannot be used."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror}") from exc
    text = _decode(raw, path)
    meta: dict[str, object] = {}
    html_title = ""
    if path.suffix.lower() in (".html", ".htm"):
        parser = _HTMLText()
        parser.feed(text)
        text, html_title = "".join(parser.parts), parser.title.strip()
    else:
        meta, text = _front_matter(text)
    cleaned = clean_text(text)
    if len(cleaned) < 20:
        raise CorpusError(f"{path} holds no article text after cleaning: is it empty?")
    title = str(meta.get("title") or html_title or _title_of(cleaned, path.stem)).strip()
    source = meta.get("source")
    return Document(
        doc_id=path.stem,
        path=str(path),
        title=strip_pinyin(title),
        date=_date_of(meta, cleaned),
        source=str(source) if source else _source_of(cleaned),
        text=cleaned,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The indexable files of a corpus folder, sorted; raises if the folder is missing."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist: create it or set RAG_CORPUS_DIR")
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    )


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Every readable document of the folder; unreadable ones are skipped with a warning."""
    docs = []
    for path in corpus_files(corpus_dir):
        try:
            docs.append(load_document(path))
        except CorpusError as exc:
            log.warning("skipped: %s", exc)
    return docs
