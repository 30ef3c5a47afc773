import socket

import pytest

import rag
import rag.pipeline
from rag.settings import Settings
from tests.conftest import OutboundConnectionError


def test_public_api_is_explicit() -> None:
    assert set(rag.__all__) >= {
        "ask",
        "ask_stream",
        "retrieve",
        "build_index",
        "Answer",
        "Citation",
        "Hit",
        "Settings",
        "RagError",
        "Pipeline",
    }
    for name in rag.__all__:
        assert hasattr(rag, name), name


def test_answer_and_hit_shapes() -> None:
    assert set(rag.Hit.model_fields) >= {"chunk", "score", "dense_score", "bm25_score"}
    assert set(rag.Citation.model_fields) >= {"n", "chunk", "text", "start", "end", "verified", "span_start"}
    assert set(rag.Answer.model_fields) >= {"text", "citations", "abstained", "confidence", "timings"}
    chunk = rag.Chunk(chunk_id="a.txt#000", doc_id="a.txt", title="t", text="x", start=0, end=1)
    dumped = rag.Citation(n=1, chunk=chunk, text="x", start=0, end=1).model_dump()
    assert dumped["doc_id"] == "a.txt" and dumped["chunk"]["chunk_id"] == "a.txt#000"
    assert rag.Hit(chunk=chunk, score=1.0).model_dump()["chunk_id"] == "a.txt#000"


def test_the_network_guard_refuses_outbound_connections() -> None:
    with socket.socket() as s, pytest.raises(OutboundConnectionError):
        s.connect(("10.1.2.3", 80))
    with socket.socket() as s, pytest.raises(OutboundConnectionError):
        s.connect(("example.org", 443))


@pytest.mark.slow
def test_module_level_ask_and_retrieve_work_offline_with_no_setup(
    seed_settings: Settings, seed_index: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`import rag; rag.ask(...)` with nothing prepared but settings: index and models load on
    first use, and nothing reaches beyond loopback (the session guard would raise)."""
    monkeypatch.setenv("RAG_CORPUS_DIR", str(seed_settings.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(seed_settings.index_dir))
    monkeypatch.setattr(rag.pipeline, "_default", None)
    hits = rag.retrieve("江苏银行每天节约多少工作量", k=3)
    assert len(hits) == 3 and all(h.doc_id and h.chunk_id and h.chunk.end > h.chunk.start for h in hits)
    answer = rag.ask("江苏银行部署DeepSeek后每天节约多少工作量？")
    assert isinstance(answer, rag.Answer)
    assert "9.68" in answer.text and not answer.abstained
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
