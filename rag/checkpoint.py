"""Writer lock and embedding checkpoints of an index folder.

One process at a time builds an index: a builder takes an exclusive ``flock`` on
``<index>/.lock``; a second one waits (saying so) or, with ``wait=False``, fails with
``IndexBusyError``. The lock dies with its process, so a killed build never leaves it held.

While a build runs, new vectors are saved every few batches under
``<index>/embeddings/<embedder>/`` by the hash of the text embedded. A build that is
killed resumes from there: the next one embeds only what was not saved. A published build
clears the checkpoints (its vectors are in the index).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .errors import IndexBusyError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait: bool = True) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / ".lock"
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            if not wait:
                raise IndexBusyError(
                    f"another process (pid {holder}) is building the index in {index_dir}: "
                    "wait for it to finish, or run again without --no-wait to wait",
                    zh=f"另一个进程（pid {holder}）正在更新 {index_dir} 中的索引：请等它完成后再试。",
                ) from None
            log.warning(
                "another process (pid %s) is building the index in %s; waiting for it", holder, index_dir
            )
            print(f"waiting for another build of {index_dir} (pid {holder}) to finish…", flush=True)
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Checkpoints:
    """Vectors by text hash for one embedder, saved in small parts as they are made."""

    def __init__(self, index_dir: Path, embedder_id: str) -> None:
        self.folder = index_dir / "embeddings" / hashlib.sha256(embedder_id.encode()).hexdigest()[:12]

    def load(self) -> dict[str, np.ndarray]:
        """Every saved vector; a damaged part is skipped (its texts are embedded again)."""
        found: dict[str, np.ndarray] = {}
        for part in sorted(self.folder.glob("part-*.npz")):
            try:
                with np.load(part, allow_pickle=False) as data:
                    hashes, vectors = data["hashes"], data["vectors"]
            except (OSError, ValueError, KeyError) as exc:
                log.warning("ignoring damaged embedding checkpoint %s: %s", part, exc)
                continue
            found.update(zip((str(h) for h in hashes), vectors, strict=True))
        return found

    def save(self, hashes: list[str], vectors: np.ndarray) -> None:
        if not hashes:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        n = len(list(self.folder.glob("part-*.npz")))
        part = self.folder / f"part-{n:06d}-{os.getpid()}.npz"
        tmp = part.with_name(part.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, hashes=np.array(hashes), vectors=vectors.astype(np.float32))
        os.replace(tmp, part)

    def clear(self) -> None:
        shutil.rmtree(self.folder.parent, ignore_errors=True)
