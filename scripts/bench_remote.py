"""How many answers a model server serves at once: one question alone, then 4 at once,
through the pipeline with ``RAG_LLM_URL`` (the seeds index, bundled e5).

Two servers, started here on 127.0.0.1:
- ``python -m llama_cpp.server`` with the fast test model: llama-cpp-python's server runs
  one request at a time, so 4 at once take about 4x one (what a single-slot server gives);
- a stand-in with 4 slots that streams a fixed reply at a fixed pace (no model): what the
  client side does with a server that serves in parallel;
- with ``--llama-server PATH``, llama.cpp's own server binary (not installed by this
  project; build it from llama.cpp) with 4 parallel slots (``-np 4``) on the fast model.

    .venv/bin/python scripts/bench_remote.py [--llama-server PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from rag.build import build_index
from rag.embed import E5Embedder
from rag.evaluate import DEFAULT_SET, load_set
from rag.models import bundled_model_path
from rag.pipeline import Pipeline, offline_environment
from rag.settings import PROJECT_ROOT, Settings

QUESTION = "苏商银行欺诈风险标签准确率提升了多少？"
REPLY = "苏商银行欺诈风险标签准确率提升了35%[1]。"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 180
    while time.time() < deadline and server.poll() is None:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"server at {url} did not start")


def stand_in_app() -> Any:
    """A chat server that streams REPLY, one character every 40 ms, to any number at once.
    (FastAPI reads handler annotations by name: its names are imported at module level.)"""
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> Any:
        return {"object": "list", "data": [{"id": "stand-in", "object": "model"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        await request.json()

        async def events() -> Any:
            await asyncio.sleep(0.5)  # reading the prompt
            for ch in REPLY:
                await asyncio.sleep(0.04)
                yield f"data: {json.dumps({'choices': [{'delta': {'content': ch}}]})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def timed(pipeline: Pipeline, questions: list[str]) -> float:
    """Seconds until every question is answered, all asked at once."""
    started = time.perf_counter()
    errors: list[BaseException] = []

    def one(question: str) -> None:
        try:
            pipeline.ask(question)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def measure(name: str, settings: Settings, embedder: E5Embedder) -> None:
    """4 different questions at once, against one at a time over 4 others (different
    questions, so that no answer comes from the server's cache of the last prompt)."""
    questions = [item.question for item in load_set(DEFAULT_SET) if item.answerable][:9]
    pipeline = Pipeline(settings, embedder=embedder)
    pipeline.ask(questions[0])  # warm: index, BM25, the fixed instructions on the server
    four = timed(pipeline, questions[1:5])
    alone = sum(timed(pipeline, [q]) for q in questions[5:9]) / 4
    print(f"{name:<48} one alone {alone:5.2f} s · 4 at once {four:5.2f} s · ratio {four / alone:4.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama-server", type=Path, help="a llama.cpp llama-server binary: adds a 4-slot row")
    cli = ap.parse_args()
    offline_environment()
    tmp = Path(tempfile.mkdtemp(prefix="rag-remote-"))
    base = Settings(corpus_dir=PROJECT_ROOT / "seeds", index_dir=tmp / "index")
    embedder = E5Embedder()
    build_index(base, embedder)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        port = free_port()
        opts = ["--model", str(bundled_model_path("fast")), "--model_alias", "fast", "--host", "127.0.0.1"]
        opts += ["--port", str(port), "--n_ctx", "2048", "--n_threads", str(os.cpu_count() or 2)]
        servers.append(
            subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", *opts, "--verbose", "0"],
                stderr=subprocess.DEVNULL,
            )
        )
        wait(f"http://127.0.0.1:{port}/v1/models", servers[-1])
        llama = base.model_copy(update={"llm_url": f"http://127.0.0.1:{port}/v1", "llm_model": "fast"})
        measure("llama_cpp.server, fast model (one slot)", llama, embedder)

        port = free_port()
        code = (
            "import sys, uvicorn; sys.path.insert(0, sys.argv[2]); from bench_remote import stand_in_app; "
            "uvicorn.run(stand_in_app(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')"
        )
        here = str(Path(__file__).parent)
        servers.append(subprocess.Popen([sys.executable, "-c", code, str(port), here]))
        wait(f"http://127.0.0.1:{port}/v1/models", servers[-1])
        stand_in = base.model_copy(update={"llm_url": f"http://127.0.0.1:{port}/v1", "llm_model": "stand-in"})
        measure("stand-in server with parallel slots (no model)", stand_in, embedder)

        if cli.llama_server:
            port = free_port()
            threads = str(os.cpu_count() or 2)
            flags = ["-m", str(bundled_model_path("fast")), "--alias", "fast", "-np", "4", "-c", "8192"]
            flags += ["-t", threads, "--host", "127.0.0.1", "--port", str(port)]
            servers.append(
                subprocess.Popen(
                    [str(cli.llama_server), *flags], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
            wait(f"http://127.0.0.1:{port}/v1/models", servers[-1])
            parallel = base.model_copy(update={"llm_url": f"http://127.0.0.1:{port}/v1", "llm_model": "fast"})
            measure("llama-server -np 4, fast model (4 slots)", parallel, embedder)
    finally:
        for server in servers:
            server.terminate()


if __name__ == "__main__":
    main()
