"""Files -> ``Document``: a loader per format extracts blocks, cleaning removes furniture, and the
blocks are joined into one text whose headings, tables and page or row locators are kept as
offsets. Nothing is dropped for being short: a one-line notice is a document too.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from .clean import Cleaner
from .errors import CorpusError
from .loaders import LOADERS, SUFFIXES, Block, Extracted
from .normalize import CJK, drop_invisible, has_mojibake, remove_mojibake, split_sentences, strip_pinyin
from .types import Document, Mark, Removal, Section, Table

log = logging.getLogger(__name__)

__all__ = ["SUFFIXES", "corpus_files", "doc_id_of", "load_corpus", "load_document", "read_document"]

# A line that numbers a part of the document and says only its name ("第三章 报销标准",
# "一、挂号", "（二）适用范围", "3.2 清洁滤网") is a heading where the format has no heading
# styles: plain text, PDF, Word without styles, Markdown written without "#". A numbered
# sentence ("一、垃圾分为三类：…", "1. 取下包装。") is not. Their levels nest below any
# styled heading (Markdown's go to 6), in the order Chinese documents number their parts.
_NUMBERED_HEADING_RE = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+(?P<part>[编篇部])|第[一二三四五六七八九十百零〇\d]+(?P<chapter>章)"
    r"|第[一二三四五六七八九十百零〇\d]+(?P<section>节)|(?P<item>[一二三四五六七八九十]+、)"
    r"|(?P<sub>[（(][一二三四五六七八九十]+[)）])|(?P<decimal>\d{1,2}(?:\.\d{1,2})+)(?=\s))\s*"
)
_NUMBERED_LEVEL = {"part": 7, "chapter": 8, "section": 9, "item": 10, "sub": 11}
_NUMBERED_FIRST = min(_NUMBERED_LEVEL.values())  # a level below it is a styled heading's
_HEADING_MAX_CHARS = 30
_SOURCE_RE = re.compile(r"^[>\s]*[(（]?(?:文章)?(?:来源|來源|本文来自|本文來自)[:：]?\s*(.+?)[)）]?$")
_DATE_RE = re.compile(r"(20\d\d)\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")


def doc_id_of(path: Path, root: Path | None) -> str:
    """A document's id: its path relative to the corpus folder, with folders and extension."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


@dataclass
class _Assembled:
    text: str
    sections: list[Section]
    tables: list[Table]
    marks: list[Mark]
    chars_in: int
    removed: list[Removal]
    garbled: set[int]  # starts of lines that had garbled characters cut out


def _assemble(ex: Extracted) -> _Assembled:
    """Clean the blocks and join them into one text with its structure as offsets."""
    cleaner = Cleaner()
    parts: list[str] = []
    sections: list[Section] = []
    tables: list[Table] = []
    marks: list[Mark] = []
    pos = 0
    chars_in = 0
    header: Block | None = None
    blank = False
    lead_in = False
    garbled: set[int] = set()

    def add(text: str) -> int:
        nonlocal pos
        if parts:
            parts.append("\n")
            pos += 1
        start = pos
        parts.append(text)
        pos += len(text)
        return start

    for block in ex.blocks:
        chars_in += _content_chars(block.text)
        raw = drop_invisible(block.text)
        text = cleaner.line(raw) if ex.web else re.sub(r"\s+", " ", strip_pinyin(raw)).strip()
        if not text:
            blank = bool(parts)
            if block.kind == "text":
                header = None
            continue
        if blank and parts and parts[-1] != "\n":
            parts.append("\n")  # keep one blank line between paragraphs
            pos += 1
        blank = False
        start = add(text)
        if cleaner.garbled:
            garbled.add(start)
        # numbered lines right after a lead-in ("需携带以下材料：") are the items of its list
        numbered = numbered_heading(text) if block.kind == "text" else 0
        lead_in = bool(re.search(r"[：:]$", text)) or (lead_in and bool(numbered))
        numbered = 0 if lead_in else numbered
        if block.kind == "heading" or numbered:
            sections.append(Section(start=start, level=numbered or max(1, block.level), title=text))
            header = None
        elif block.kind == "header":
            header = block
            tables.append(Table(start=start, end=pos, header=text))
        elif block.kind == "row":
            if header is not None and tables:
                tables[-1].end = pos
            else:
                tables.append(Table(start=start, end=pos, header=""))
                header = Block("", "header")
        else:
            header = None
        if block.where:
            if marks and marks[-1].label == block.where and marks[-1].end >= start - 2:
                marks[-1].end = pos
            else:
                marks.append(Mark(start=start, end=pos, label=block.where))
    removed = [Removal(reason=r.reason, text=r.text) for r in cleaner.removed]
    sections = _without_numbered_lists(sections, "".join(parts))
    return _Assembled("".join(parts), sections, tables, marks, chars_in, removed, garbled)


def _without_numbered_lists(sections: list[Section], text: str) -> list[Section]:
    """The sections less the numbered lines that are no headings: one whose title comes again
    later is an entry of a table of contents ("第一章 总则" above the chapter itself), and two of
    one level with nothing between them are items of a list ("一、身份证原件\n二、户口本")."""
    last_of = {s.title: s.start for s in sections if s.level >= _NUMBERED_FIRST}
    sections = [s for s in sections if s.level < _NUMBERED_FIRST or last_of[s.title] == s.start]
    numbered = [s for s in sections if s.level >= _NUMBERED_FIRST]
    listed: set[int] = set()
    for a, b in pairwise(numbered):
        if a.level == b.level and not text[a.start + len(a.title) : b.start].strip():
            listed |= {a.start, b.start}
    return [s for s in sections if s.start not in listed]


def numbered_heading(line: str) -> int:
    """The level of a numbered heading line (see ``_NUMBERED_HEADING_RE``), else 0: short, with a
    name after its number and no punctuation that would make it a sentence or a lead-in."""
    m = _NUMBERED_HEADING_RE.match(line)
    if not m or len(line) > _HEADING_MAX_CHARS:
        return 0
    name = line[m.end() :]
    if not re.search(r"[^\W\d_]", name) or re.search(r"[。！？；，,;!?]|[：:]\s*$|\.\s*$", name):
        return 0
    kind = m.lastgroup or ""
    if kind == "decimal":
        # "3.2 清洁滤网", "2.3 Late work"; a measure is no heading ("2.4 GHz", "3.5 mm")
        if not re.match(rf"[{CJK}]{{2}}|[A-Z][a-z]{{3}}", name):
            return 0
        return 8 + m.group("decimal").count(".")
    return _NUMBERED_LEVEL[kind]


def _content_chars(text: str) -> int:
    """Characters of text, conversion artefacts (pinyin annotations, mojibake) not counted."""
    text = strip_pinyin(text)
    if has_mojibake(text):
        text = remove_mojibake(text)
    return len(re.sub(r"\s", "", text))


def _title_of(doc: _Assembled, fallback: str) -> str:
    """The first heading near the top, else the first short line that is not a source line
    and was not garbled, else the start of the first sentence."""
    if doc.sections and doc.sections[0].start < 200 and doc.sections[0].level < _NUMBERED_FIRST:
        return doc.sections[0].title  # a styled heading; "一、挂号" names a part, not the document
    lines, start = [], 0
    for line in doc.text.split("\n"):
        if start not in doc.garbled and not _SOURCE_RE.match(line):
            lines.append(line.strip())
        start += len(line) + 1
    for line in lines[:3]:
        if line and len(line) <= 60 and line[-1] not in "。！？.!?":
            return line
    text = "\n".join(lines)
    spans = split_sentences(text)
    if spans:
        first = text[spans[0][0] : spans[0][1]]
        return first if len(first) <= 40 else first[:40] + "…"
    return fallback


def _source_of(text: str) -> str | None:
    for line in text.split("\n")[:40]:
        m = _SOURCE_RE.match(line)
        if m and len(line) < 80:
            return m.group(1).strip()
    return None


def _date_of(text: str) -> str | None:
    for line in text.split("\n")[:4]:
        m = _DATE_RE.search(line)
        if m:
            return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


def read_document(raw: bytes, name: str, doc_id: str, path: str = "") -> Document:
    """Turn a file's bytes into a ``Document``; raises ``CorpusError`` when it cannot be used."""
    suffix = Path(name).suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        kinds = ", ".join(SUFFIXES)
        raise CorpusError(
            f"{name}: {suffix or 'no extension'} files cannot be indexed; use {kinds}",
            zh=f"{name}：不支持{suffix or '无扩展名的'}文件，请使用以下格式之一：{kinds}。",
        )
    if not raw.strip():
        raise CorpusError(f"{name} is empty (0 bytes of text)", zh=f"{name} 是空文件，没有任何文字。")
    try:
        ex = loader.load(raw, name)
    except CorpusError:
        raise
    except Exception as exc:  # a parser's own failure on a damaged file: say which file, keep going
        log.debug("loader for %s failed", name, exc_info=True)
        raise CorpusError(
            f"{name} could not be read as {suffix} ({type(exc).__name__}: {exc}): check the file or "
            "save it again",
            zh=f"无法读取 {name}（文件可能已损坏）：请检查文件，或重新保存后再添加。",
        ) from exc
    doc = _assemble(ex)
    if not doc.text.strip() and ex.web:
        # nothing but what looks like furniture: keep the text as it is rather than lose the file
        log.warning("%s holds only what looks like page furniture: indexed without cleaning", name)
        doc = _assemble(Extracted(ex.blocks, web=False))
        doc.removed = [Removal(reason="kept uncleaned: the whole file looked like page furniture", text="")]
    text = doc.text
    if not text.strip():
        raise CorpusError(f"{name} holds no text: it is blank", zh=f"{name} 中没有可读的文字。")
    kept = len(re.sub(r"\s", "", text))
    title = strip_pinyin(ex.title.strip() or _title_of(doc, Path(name).stem))
    return Document(
        doc_id=doc_id,
        path=path or name,
        title=title,
        date=ex.date or _date_of(text),
        source=ex.source or _source_of(text),
        format=suffix,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        sections=doc.sections,
        tables=doc.tables,
        marks=doc.marks,
        chars_in=max(doc.chars_in, kept),
        chars_kept=kept,
        removed=doc.removed,
    )


def load_document(path: Path, root: Path | None = None) -> Document:
    """Read and clean one file. Raises ``CorpusError`` when it cannot be used."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(
            f"cannot read {path}: {exc.strerror or exc}; check that the file is readable",
            zh=f"无法读取 {path}：{exc.strerror or exc}。请检查文件权限。",
        ) from exc
    try:
        return read_document(raw, path.name, doc_id_of(path, root), str(path))
    except CorpusError as exc:
        raise CorpusError(str(exc).replace(path.name, str(path), 1), zh=exc.zh) from exc


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The indexable files of a corpus folder and its subfolders, sorted; hidden ones skipped."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist: create it or set RAG_CORPUS_DIR",
            zh=f"资料文件夹 {corpus_dir} 不存在：请创建它，或用 RAG_CORPUS_DIR 指定。",
        )
    try:
        found = [
            p
            for p in corpus_dir.rglob("*")
            if p.suffix.lower() in SUFFIXES
            and not any(part.startswith((".", "~$")) for part in p.relative_to(corpus_dir).parts)
            and p.is_file()
        ]
    except OSError as exc:
        raise CorpusError(f"cannot list {corpus_dir}: {exc.strerror or exc}; check its permissions") from exc
    return sorted(found)


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Every readable document of the folder; unreadable ones are skipped with a warning."""
    docs = []
    for path in corpus_files(corpus_dir):
        try:
            docs.append(load_document(path, corpus_dir))
        except CorpusError as exc:
            log.warning("skipped: %s", exc)
    return docs
