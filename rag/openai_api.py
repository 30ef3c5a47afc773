"""The assistant as an OpenAI-compatible endpoint, beside the chat page: ``POST
/v1/chat/completions`` (streaming or not) and ``GET /v1/models``.

The last user message is the question and the earlier turns are the conversation. Only
verified text is sent, as in the UI; citations come as ``[n]`` markers in the text and in
an extra field ``citations`` of the response (of the last chunk when streaming), with
``abstained`` saying whether the documents did not answer. With logins set for the UI,
a client sends one of them as its API key: ``user:password``.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from .answer import validate_history, validate_question
from .errors import InputError, RagError
from .pipeline import Pipeline
from .types import Answer

MODEL_NAME = "rag"


def _question(body: Any) -> tuple[str, list[tuple[str, str]]]:
    """(question, earlier (question, answer) pairs) of an OpenAI chat request."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        raise InputError(
            "`messages` must be a non-empty list of {role, content}", zh="messages 必须是非空的消息列表。"
        )
    turns: list[tuple[str, str]] = []
    for m in messages:
        if not isinstance(m, dict) or not isinstance(m.get("content"), str | list):
            raise InputError(
                "each message needs a role and text content", zh="每条消息都需要 role 和文字 content。"
            )
        content = m["content"]
        text = (
            content
            if isinstance(content, str)
            else "".join(p.get("text", "") for p in content if isinstance(p, dict))
        )
        turns.append((str(m.get("role")), text))
    if turns[-1][0] != "user":
        raise InputError("the last message must be the user's question", zh="最后一条消息必须是用户的问题。")
    history: list[tuple[str, str]] = []
    pending: str | None = None
    for role, text in turns[:-1]:  # system messages are ignored: the instructions are ours
        if role == "user":
            pending = text
        elif role == "assistant" and pending is not None:
            history.append((pending, text))
            pending = None
    return turns[-1][1], history


def _citations(answer: Answer) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in answer.citations]


def _completion(answer: Answer, model: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.generated_tokens,
            "total_tokens": answer.prompt_tokens + answer.generated_tokens,
        },
        "citations": _citations(answer),
        "abstained": answer.abstained,
    }


def _chunks(pipeline: Pipeline, question: str, history: list[tuple[str, str]], model: str) -> Iterator[str]:
    """Server-sent events: one chunk per verified piece of text, then one with the citations."""
    ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        chunk = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    shown = False
    try:
        for item in pipeline.ask_stream(question, history):
            if isinstance(item, str):
                shown = True
                yield event({"content": item})
            elif isinstance(item, Answer):
                rest = {} if shown else {"content": item.text}  # an abstention is one message
                yield event(rest, "stop", citations=_citations(item), abstained=item.abstained)
    except RagError as exc:
        error = {"error": {"message": exc.user_message(chinese=False), "type": type(exc).__name__}}
        yield f"data: {json.dumps(error, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


def mount(app: Any, pipeline: Pipeline, logins: list[tuple[str, str]]) -> None:
    """Add the endpoints to the running server's FastAPI ``app``. (FastAPI reads the
    handlers' annotations by name, so ``Request`` is imported at module level.)"""
    keys = [f"{user}:{password}" for user, password in logins]

    def refused(status: int, message: str, kind: str) -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)

    def authorised(request: Request) -> bool:
        if not keys:
            return True
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return any(secrets.compare_digest(given, key) for key in keys)

    async def models(request: Request) -> Any:
        if not authorised(request):
            return refused(
                401, "send a login of the UI as the API key (user:password)", "authentication_error"
            )
        return {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "owned_by": "rag"}]}

    async def chat_completions(request: Request) -> Any:
        if not authorised(request):
            return refused(
                401, "send a login of the UI as the API key (user:password)", "authentication_error"
            )
        try:
            body = await request.json()
        except ValueError:
            return refused(400, "the request body is not JSON", "invalid_request_error")
        try:
            question, history = _question(body)
            model = str(body.get("model") or MODEL_NAME)
            if body.get("stream"):
                validate_question(question, pipeline.settings)  # before the stream starts
                validate_history(history, pipeline.settings)
                return StreamingResponse(
                    _chunks(pipeline, question, history, model), media_type="text/event-stream"
                )
            answer = await run_in_threadpool(pipeline.ask, question, history)
        except InputError as exc:
            return refused(400, exc.user_message(chinese=False), "invalid_request_error")
        except RagError as exc:
            return refused(503, exc.user_message(chinese=False), type(exc).__name__)
        return _completion(answer, model)

    app.add_api_route("/v1/models", models, methods=["GET"])
    app.add_api_route("/v1/chat/completions", chat_completions, methods=["POST"])
