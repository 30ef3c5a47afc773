"""The OpenAI-compatible generator against a real model server: llama.cpp's
(``python -m llama_cpp.server``) running the fast test model on 127.0.0.1; and remote
embeddings against a stand-in server of the bundled e5 model (tests/embedding_server.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.confidence import Calibration, load_calibration
from rag.errors import GenerationError, ModelError
from rag.generators.llama import LlamaGenerator
from rag.generators.openai import OpenAIGenerator
from rag.index import Index
from rag.pipeline import Pipeline
from rag.remote_embed import RemoteEmbedder
from rag.settings import Settings
from tests.ports import free_port

pytestmark = pytest.mark.slow

QUESTION = [
    {"role": "system", "content": "只根据资料回答，并标注来源编号。"},
    {
        "role": "user",
        "content": "资料：\n[1] 这款水泵的扬程为30米，功率为750瓦。\n问题：这款水泵的功率是多少？",
    },
]


@pytest.fixture(scope="module")
def model_server(fast_model_path: Path) -> Iterator[str]:
    port = free_port()
    args = ["--model", str(fast_model_path), "--model_alias", "fast", "--host", "127.0.0.1"]
    args += [
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--n_threads",
        str(os.cpu_count() or 2),
        "--verbose",
        "0",
    ]
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 180
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"{url}/models", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        server.kill()
        raise RuntimeError("llama_cpp.server did not start in 180 s")
    yield url
    server.terminate()
    server.wait(timeout=30)


def _blind_to_certainty() -> Calibration:
    """The shipped calibration without the signals only the in-process model reports (how
    sure it was of each token, its self-check): with them, the two backends' confidences
    differ by design."""
    cal = load_calibration()
    return cal.model_copy(update={"weights": {**cal.weights, "certainty": 0.0, "self_check": 0.0}})


def test_greedy_answers_through_the_server_match_the_model_in_process(
    model_server: str, fast_generator: LlamaGenerator
) -> None:
    remote = OpenAIGenerator(model_server, "fast")
    expected = "".join(fast_generator.stream(QUESTION, 40))
    assert expected and "".join(remote.stream(QUESTION, 40)) == expected
    assert remote.stats.generated_tokens > 0 and remote.stats.first_token_s > 0


def test_a_server_with_only_completions_gets_the_chat_as_one_templated_prompt(
    model_server: str, fast_generator: LlamaGenerator, seed_settings: Settings, seed_index: Index
) -> None:
    # /v1/completions with the ChatML template: the same prompt the model's own template
    # writes, so greedy decoding gives the same text as the chat endpoint and as in-process
    remote = OpenAIGenerator(model_server, "fast", api="completions", template="chatml")
    expected = "".join(fast_generator.stream(QUESTION, 40))
    assert "".join(remote.stream(QUESTION, 40)) == expected
    assert remote.stats.generated_tokens > 0
    settings = seed_settings.model_copy(
        update={"llm_url": model_server, "llm_model": "fast", "llm_api": "completions"}
    )
    cal = _blind_to_certainty()
    through_server = Pipeline(settings, embedder=seed_index.embedder, calibration=cal)
    in_process = Pipeline(
        seed_settings, embedder=seed_index.embedder, generator=fast_generator, calibration=cal
    )
    through_server._index = in_process._index = seed_index
    question = "苏商银行欺诈风险标签准确率提升了多少？"
    a, b = through_server.ask(question), in_process.ask(question)
    assert (a.text, a.raw_text) == (b.text, b.raw_text)
    # a wrong template is a different prompt, so a different text: the template matters
    other = OpenAIGenerator(model_server, "fast", api="completions", template="llama3")
    assert "".join(other.stream(QUESTION, 40)) != expected


def test_the_pipeline_gives_the_same_answers_through_a_model_server(
    model_server: str, seed_settings: Settings, seed_index: Index, fast_generator: LlamaGenerator
) -> None:
    remote = seed_settings.model_copy(update={"llm_url": model_server, "llm_model": "fast"})
    cal = _blind_to_certainty()
    through_server = Pipeline(remote, embedder=seed_index.embedder, calibration=cal)
    in_process = Pipeline(
        seed_settings, embedder=seed_index.embedder, generator=fast_generator, calibration=cal
    )
    through_server._index = in_process._index = seed_index
    assert isinstance(through_server.generator, OpenAIGenerator) and remote.model_concurrency == 4
    for question in ("苏商银行欺诈风险标签准确率提升了多少？", "工商银行的大模型应用覆盖了多少个场景？"):
        a, b = through_server.ask(question), in_process.ask(question)
        if question.startswith("苏商"):  # a real answer: the certainty signal is the in-process model's only
            assert not b.abstained and "certainty" in b.signals and "certainty" not in a.signals
            assert "self_check" in b.signals and "self_check" not in a.signals
        # generation and verification are the same; only where the tokens come from differs
        assert (a.text, a.abstained, a.raw_text) == (b.text, b.abstained, b.raw_text)
        assert [(c.chunk.chunk_id, c.verified) for c in a.citations] == [
            (c.chunk.chunk_id, c.verified) for c in b.citations
        ]
        assert a.generated_tokens > 0


def test_both_stores_and_both_generators_give_the_same_answers(
    model_server: str,
    seed_settings: Settings,
    seed_index: Index,
    fast_generator: LlamaGenerator,
    tmp_path: Path,
) -> None:
    """The pipeline over each store (FAISS, milvus-lite) with each generator (in-process, a model
    server): the same passages, the same answers (the certainty signal, which only the
    in-process model gives, left out); and documents added and removed through the pipeline on
    Milvus with the remote generator are answered from, then gone."""
    import shutil

    from rag.stores.milvus import MilvusStore

    corpus = tmp_path / "corpus"
    shutil.copytree(seed_settings.corpus_dir, corpus)
    milvus = seed_settings.model_copy(
        update={"corpus_dir": corpus, "index_dir": tmp_path / "index", "store": "milvus"}
    )
    remote = {"llm_url": model_server, "llm_model": "fast"}
    cal = _blind_to_certainty()
    pipelines = {
        ("faiss", "in-process"): Pipeline(
            seed_settings, embedder=seed_index.embedder, generator=fast_generator, calibration=cal
        ),
        ("faiss", "server"): Pipeline(
            seed_settings.model_copy(update=remote), embedder=seed_index.embedder, calibration=cal
        ),
        ("milvus", "in-process"): Pipeline(
            milvus, embedder=seed_index.embedder, generator=fast_generator, calibration=cal
        ),
        ("milvus", "server"): Pipeline(
            milvus.model_copy(update=remote), embedder=seed_index.embedder, calibration=cal
        ),
    }
    for (store, _), p in pipelines.items():
        if store == "faiss":
            p._index = seed_index
    assert isinstance(pipelines["milvus", "server"].index.snapshot.store, MilvusStore)
    answers = []
    for question in ("苏商银行欺诈风险标签准确率提升了多少？", "平安银行用的是哪个版本的模型？"):
        results = {}
        for combo, p in pipelines.items():
            a = p.ask(question)
            results[combo] = (a.text, a.abstained, [c.chunk.chunk_id for c in a.citations])
        assert len(set(map(repr, results.values()))) == 1, results
        answers.append(results["milvus", "server"])
    assert "35%" in answers[0][0] and not answers[0][1]  # a real answer, not four refusals

    both = pipelines["milvus", "server"]
    upload = tmp_path / "潮汐电站.md"
    upload.write_text(
        "# 潮汐电站\n\n东岬潮汐电站去年发电量为12亿千瓦时，装机容量为80兆瓦。", encoding="utf-8"
    )
    both.add_documents([upload])
    assert both.retrieve("东岬潮汐电站的装机容量是多少？", k=1)[0].chunk.doc_id == "潮汐电站.md"
    both.remove_documents(["潮汐电站.md"])
    assert all(h.chunk.doc_id != "潮汐电站.md" for h in both.retrieve("东岬潮汐电站的装机容量", k=5))


def test_a_cancel_signal_closes_the_stream(model_server: str) -> None:
    remote = OpenAIGenerator(model_server, "fast")
    cancel = threading.Event()
    pieces = []
    long = [QUESTION[0], {"role": "user", "content": "把下面这句话重复二十遍：扬程为30米。"}]
    for piece in remote.stream(long, 300, cancel):
        pieces.append(piece)
        cancel.set()
    assert len(pieces) == 1
    assert "".join(remote.stream(QUESTION, 8))  # the server serves the next request


def test_a_server_that_is_down_or_a_wrong_model_is_a_clear_error(model_server: str) -> None:
    down = OpenAIGenerator(f"http://127.0.0.1:{free_port()}", "fast", retries=1)
    started = time.perf_counter()
    with pytest.raises(
        GenerationError, match=r"cannot reach the model server at .* check RAG_LLM_URL"
    ) as err:
        list(down.stream(QUESTION, 8))
    assert time.perf_counter() - started >= 0.4  # it retried once, after a pause
    assert "RAG_LLM_URL" in err.value.user_message()
    wrong = OpenAIGenerator(model_server, "gpt-9")
    with pytest.raises(GenerationError, match=r"does not serve a model named 'gpt-9'; it serves fast"):
        list(wrong.stream(QUESTION, 8))


@pytest.fixture(scope="module")
def embedding_server() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tests.embedding_server", str(port)])
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 120
    while time.time() < deadline and server.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1.0)
            break
        except httpx.HTTPError:
            time.sleep(0.3)
    yield url
    server.terminate()
    server.wait(timeout=30)


def test_an_index_built_with_remote_embeddings_matches_the_local_one(
    embedding_server: str, seed_index: Index, tmp_path: Path
) -> None:
    settings = Settings(
        corpus_dir=seed_index.settings.corpus_dir,
        index_dir=tmp_path / "index",
        embed_url=embedding_server,
        embed_model="multilingual-e5-small",
    )
    pipeline = Pipeline(settings)
    assert isinstance(pipeline.embedder, RemoteEmbedder) and pipeline.embedder.dim == 384
    report = pipeline.rebuild()
    assert report.embedded == report.chunks == len(seed_index.chunks)
    assert pipeline.index.manifest.embedder == "openai/multilingual-e5-small"
    local = Pipeline(seed_index.settings, embedder=seed_index.embedder)
    local._index = seed_index
    for question in ("苏商银行欺诈风险标签准确率提升了多少？", "Which bank uses large models for credit?"):
        remote_hits = [h.chunk.chunk_id for h in pipeline.retrieve(question)]
        assert remote_hits == [h.chunk.chunk_id for h in local.retrieve(question)]
    with pytest.raises(ModelError, match="answered 404 for model 'bge-m3'"):
        RemoteEmbedder(embedding_server, "bge-m3", retries=0).embed_queries(["问题"])
    with pytest.raises(ModelError, match="cannot reach the embedding server"):
        RemoteEmbedder(f"http://127.0.0.1:{free_port()}", "x", retries=0).embed_queries(["问题"])
