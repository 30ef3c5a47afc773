"""Fault suite, part one: builds killed with SIGKILL at random points.

Each round starts a build of a copy of seeds/ in a child process (even rounds with no index,
odd rounds updating the last index after every article changed), kills it at a random moment
of its run, and checks what is left:
the index folder holds either no index or a complete one that loads (never half of one),
and the next build resumes: it embeds exactly what a build without the checkpoints would
embed, less what the killed build had saved. Prints one line per kill and a summary;
exits non-zero on any failure.

    .venv/bin/python scripts/stress.py [--kills 5] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.checkpoint import Checkpoints
from rag.embed import E5Embedder
from rag.errors import IndexMissingError
from rag.index import build_index, load_index
from rag.settings import PROJECT_ROOT, Settings

BUILD = (
    "import sys; from rag.embed import E5Embedder; from rag.index import build_index; "
    "from rag.settings import Settings; "
    "build_index(Settings(corpus_dir=sys.argv[1], index_dir=sys.argv[2]), E5Embedder(threads=2))"
)


def _at(settings: Settings, index_dir: Path) -> Settings:
    return Settings(corpus_dir=settings.corpus_dir, index_dir=index_dir)


def state(settings: Settings) -> str:
    """'none' or 'complete (N chunks)'; raises when the folder holds a broken index."""
    try:
        data = load_index(settings)
    except IndexMissingError:
        return "none"
    assert data.faiss_index.ntotal == len(data.chunks), "vectors and chunks disagree"
    return f"complete ({len(data.chunks)} chunks)"


def kill_rounds(kills: int, seed: int, e5: E5Embedder) -> int:
    rng = random.Random(seed)
    failures = 0
    tmp = Path(tempfile.mkdtemp(prefix="rag-stress-"))
    try:
        shutil.copytree(PROJECT_ROOT / "seeds", tmp / "corpus")
        settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "index")
        t = time.perf_counter()
        subprocess.run(  # a whole build in a child, as the killed ones run: sets the kill window
            [sys.executable, "-c", BUILD, str(settings.corpus_dir), str(tmp / "reference")],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        child_s = time.perf_counter() - t
        chunks = len(load_index(_at(settings, tmp / "reference")).chunks)
        print(f"a whole build in a child process: {child_s:.1f} s ({chunks} chunks)")
        files = sorted((tmp / "corpus").iterdir())
        for i in range(kills):
            if i % 2 == 0:  # a first build: no index at all
                shutil.rmtree(settings.index_dir, ignore_errors=True)
            else:  # an update: the last index, and every article changed in its middle
                for path in files:
                    lines = path.read_text(encoding="utf-8").split("\n")
                    k = max(range(len(lines)), key=lambda j: len(lines[j]))  # the article body
                    # a sentence at its start: the chunks after it regroup, so most are new text
                    lines[k] = f"测试单位新增了第{i}个应用场景，覆盖全部业务条线。" + lines[k]
                    path.write_text("\n".join(lines), encoding="utf-8")
            delay = rng.uniform(0.4, 0.95 * child_s)
            child = subprocess.Popen(
                [sys.executable, "-c", BUILD, str(settings.corpus_dir), str(settings.index_dir)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(delay)
            finished = child.poll() is not None
            child.send_signal(signal.SIGKILL)
            child.wait()
            try:
                left = state(settings)
                saved = len(Checkpoints(settings.index_dir, e5.id).load())
                # what a build without checkpoints would embed: on a copy of the folder without them
                scratch = tmp / f"scratch-{i}"
                shutil.copytree(
                    settings.index_dir, scratch, ignore=shutil.ignore_patterns("embeddings", ".lock")
                )
                needed = build_index(_at(settings, scratch), e5).embedded
                report = build_index(settings, e5, wait=False)  # the lock died with the child
                ok = report.embedded == max(0, needed - saved)
                after = state(settings)
                line = (
                    f"kill {i + 1} at {delay:.1f} s{' (build had finished)' if finished else ''}: "
                    f"left {left}, {saved} vectors checkpointed; next build embedded {report.embedded} "
                    f"of {report.chunks} (without checkpoints: {needed}) -> {after}"
                )
                if not ok:
                    failures += 1
                    line += "  FAIL: did not resume"
            except Exception as exc:  # a broken index or a failed resume is what we look for
                failures += 1
                line = f"kill {i + 1} at {delay:.1f} s: FAIL {type(exc).__name__}: {exc}"
            print(line, flush=True)
            leftovers = [p.name for p in settings.index_dir.glob(".build-*")]
            if leftovers:
                failures += 1
                print(f"  FAIL: unpublished build folders left: {leftovers}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return failures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("STRESS_SEED", "0")))
    args = ap.parse_args()
    failures = kill_rounds(args.kills, args.seed, E5Embedder())
    print(f"\n{args.kills} kills: {failures} failures (no half index, every next build resumed)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
