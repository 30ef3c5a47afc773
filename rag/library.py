"""The corpus folder as a library the user manages: add files, remove them, list what is in it.

Adding checks every file first (type, size, readable text) and writes nothing if one is
bad; a file never overwrites another. Removing moves the file into the hidden folder
``.removed/`` of the corpus (ingestion skips hidden paths), so nothing is lost by a slip.
The index is updated by the caller (``Pipeline.reindex``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

from .errors import CorpusError, InputError
from .ingest import SUFFIXES, corpus_files, doc_id_of, load_document
from .settings import Settings

REMOVED_DIR = ".removed"


def safe_name(name: str) -> str:
    """A file name without folders or odd characters; raises ``InputError`` when unusable."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    if suffix not in SUFFIXES:
        kinds = ", ".join(SUFFIXES)
        raise InputError(f"{base}: only {kinds} files can be added", zh=f"{base}：只能添加 {kinds} 文件。")
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", stem).strip("._-")[:80]
    if not stem:
        raise InputError(
            f"{base}: the file name has no usable characters",
            zh=f"{base}：文件名中没有可用的字符，请重命名。",
        )
    return stem + suffix


def add_documents(paths: list[Path], settings: Settings) -> list[str]:
    """Check the files and copy them into the corpus folder under safe, new names; returns the
    doc_ids written. Nothing is written if any file is bad."""
    checked: list[tuple[Path, str]] = []
    corpus = settings.corpus_dir
    taken = {p.name for p in corpus.iterdir()} if corpus.is_dir() else set()
    for path in paths:
        name = safe_name(path.name)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", zh=f"无法读取 {path}。") from exc
        if size > settings.max_upload_bytes:
            raise InputError(
                f"{path.name} is {size:,} bytes, over the {settings.max_upload_bytes:,}-byte limit "
                "(RAG_MAX_UPLOAD_BYTES)",
                zh=f"{path.name} 有 {size:,} 字节，超过了 {settings.max_upload_bytes:,} 字节的上限。",
            )
        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / name
            shutil.copyfile(path, probe)
            try:
                load_document(probe)
            except CorpusError as exc:
                raise InputError(
                    str(exc).replace(str(probe), path.name), zh=exc.zh.replace(str(probe), path.name)
                ) from exc
        stem, suffix = Path(name).stem, Path(name).suffix
        n = 1
        while name in taken:  # never overwrite another file
            name = f"{stem}-{n}{suffix}"
            n += 1
        taken.add(name)
        checked.append((path, name))
    corpus.mkdir(parents=True, exist_ok=True)
    for path, name in checked:
        tmp_target = corpus / f".upload-{name}"
        shutil.copyfile(path, tmp_target)
        tmp_target.replace(corpus / name)
    return [name for _, name in checked]


def document_ids(settings: Settings) -> list[str]:
    """The doc_ids of the indexable files now in the corpus folder."""
    return [doc_id_of(p, settings.corpus_dir) for p in corpus_files(settings.corpus_dir)]


def remove_documents(doc_ids: list[str], settings: Settings) -> list[str]:
    """Move the files of ``doc_ids`` into ``<corpus>/.removed/<time>/``; returns where they went.
    An unknown doc_id is an ``InputError`` and nothing is moved."""
    known = set(document_ids(settings))
    unknown = [d for d in doc_ids if d not in known]
    if unknown:
        raise InputError(
            f"no document {', '.join(unknown)} in {settings.corpus_dir}: see `rag docs` for the ids",
            zh=f"资料库中没有文档 {'、'.join(unknown)}。",
        )
    if not doc_ids:
        raise InputError("no document was chosen to remove", zh="请先选择要删除的文档。")
    bin_dir = settings.corpus_dir / REMOVED_DIR / time.strftime("%Y%m%d-%H%M%S")
    moved = []
    for doc_id in doc_ids:
        target = bin_dir / doc_id
        target.parent.mkdir(parents=True, exist_ok=True)
        (settings.corpus_dir / doc_id).replace(target)
        moved.append(str(target))
    return moved
