"""The OpenAI-compatible endpoint of `rag serve`, through the `openai` Python client against
the real server on 127.0.0.1 (seeds index, bundled chat model)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from rag.pipeline import Pipeline
from rag.ui import serve
from tests.ports import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(seed_pipeline: Pipeline) -> Iterator[str]:
    settings = seed_pipeline.settings.model_copy(
        update={"port": free_port(), "auth_user": "alice", "auth_password": "pw"}
    )
    pipeline = Pipeline(settings, embedder=seed_pipeline.embedder, generator=seed_pipeline.generator)
    pipeline._index = seed_pipeline.index
    app = serve(settings, pipeline, block=False)
    yield f"http://127.0.0.1:{settings.port}/v1"
    app.close()


def test_the_openai_client_gets_a_verified_answer_with_citations(api: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=api, api_key="alice:pw", max_retries=0)
    assert [m.id for m in client.models.list()] == ["rag"]
    reply = client.chat.completions.create(
        model="rag", messages=[{"role": "user", "content": "苏商银行欺诈风险标签准确率提升了多少？"}]
    )
    text = reply.choices[0].message.content or ""
    extra = reply.model_extra or {}
    assert "35%" in text and re.search(r"\[\d\]", text) and extra["abstained"] is False
    assert extra["citations"] and extra["citations"][0]["verified"] is True
    assert any("35%" in c["text"] for c in extra["citations"])

    pieces, last = [], None
    for chunk in client.chat.completions.create(
        model="rag",
        messages=[
            {"role": "user", "content": "苏商银行欺诈风险标签准确率提升了多少？"},
            {"role": "assistant", "content": text},
            {"role": "user", "content": "尽调报告生成效率呢？"},  # a follow-up, resolved from the turns
        ],
        stream=True,
    ):
        pieces.append(chunk.choices[0].delta.content or "")
        last = chunk
    assert "40%" in "".join(pieces)
    assert last is not None and last.choices[0].finish_reason == "stop"
    assert (last.model_extra or {})["citations"]


def test_the_api_refuses_without_a_login_and_bad_requests_clearly(api: str) -> None:
    from openai import AuthenticationError, BadRequestError, OpenAI

    # broken once on purpose (every key accepted): the request was answered
    with pytest.raises(AuthenticationError):
        OpenAI(base_url=api, api_key="alice:wrong", max_retries=0).chat.completions.create(
            model="rag", messages=[{"role": "user", "content": "你好"}]
        )
    client = OpenAI(base_url=api, api_key="alice:pw", max_retries=0)
    with pytest.raises(BadRequestError, match="the question is empty"):
        client.chat.completions.create(model="rag", messages=[{"role": "user", "content": "  "}])
    with pytest.raises(BadRequestError, match="last message must be the user's question"):
        client.chat.completions.create(model="rag", messages=[{"role": "assistant", "content": "好"}])
    raw = httpx.post(
        f"{api}/chat/completions", content=b"{not json", headers={"Authorization": "Bearer alice:pw"}
    )
    assert raw.status_code == 400 and "not JSON" in raw.json()["error"]["message"]
