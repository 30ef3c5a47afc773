"""A remote model: any server that speaks OpenAI's ``/v1/chat/completions`` (llama.cpp's
server, vLLM, SGLang, a hosted endpoint), or only ``/v1/completions``: then the messages are
written as one prompt with the served model's chat template (``templates``).

There is no model lock here: each request is its own HTTP stream, so several users are
served at once, as many as the server's slots allow (``RAG_LLM_CONCURRENCY`` bounds how
many the UI sends). Decoding is greedy, as in-process. A request that cannot connect, or
that the server answers with 429 or 5xx before any text, is retried with backoff; once
text has been shown it is never repeated. A server that is down, a model name it does not
serve and a refused API key each get their own message.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from ..errors import GenerationError
from ..openai_http import RETRIES, base_url, client, with_retries
from . import GenerationStats, Message
from .templates import template as chat_template

log = logging.getLogger(__name__)


class OpenAIGenerator:
    def __init__(
        self,
        url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        seed: int = 0,
        retries: int = RETRIES,
        api: str = "chat",
        template: str = "chatml",
    ) -> None:
        self.url = base_url(url)
        self.template = chat_template(template) if api == "completions" else None
        self.model = model
        self.timeout_s = timeout_s
        self.seed = seed
        self.retries = retries
        self.stats = GenerationStats()
        self._client = client(api_key, timeout_s)
        self._checked = False
        self._lock = threading.Lock()

    def check(self) -> None:
        """Reach the server and make sure it serves ``model``; a clear error otherwise."""
        with self._lock:
            if self._checked:
                return
            response = self._send("GET", "/models")
            names = [m.get("id", "") for m in response.json().get("data", [])]
            if names and self.model not in names:
                raise GenerationError(
                    f"the model server at {self.url} does not serve a model named {self.model!r}; it serves "
                    f"{', '.join(names)}: set RAG_LLM_MODEL to one of them",
                    zh=f"模型服务 {self.url} 上没有名为 {self.model} 的模型（可用：{'、'.join(names)}）："
                    "请修改 RAG_LLM_MODEL。",
                )
            self._checked = True

    def stream(
        self,
        messages: list[Message],
        max_tokens: int,
        cancel: threading.Event | None = None,
        stats: GenerationStats | None = None,
    ) -> Iterator[str]:
        self.check()
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "stream": True,
            "temperature": 0.0,
            "top_p": 1.0,
            "seed": self.seed,
            # honoured by llama.cpp's and vLLM's servers, ignored by others: greedy as in-process
            "top_k": 1,
            "repeat_penalty": 1.0,
            "stream_options": {"include_usage": True},
        }
        if self.template is not None:
            body["prompt"] = self.template.render(messages)
            body["stop"] = self.template.stop
        else:
            body["messages"] = messages
        # no token probabilities: asked for them, llama_cpp.server 0.3.36 dropped text from the stream
        stats = stats or GenerationStats()
        started = time.perf_counter()
        try:
            response = self._open_stream(body)
            with contextlib.closing(response):
                for data in _events(response):
                    if cancel is not None and cancel.is_set():
                        break  # leaving the block closes the connection: the server stops
                    usage = data.get("usage") or {}
                    stats.prompt_tokens = usage.get("prompt_tokens", stats.prompt_tokens)
                    for choice in data.get("choices") or []:
                        delta = _text_of(choice)
                        if delta:
                            if stats.generated_tokens == 0:
                                stats.first_token_s = time.perf_counter() - started
                            stats.generated_tokens += 1
                            yield delta
        except httpx.TimeoutException as exc:
            raise GenerationError(
                f"the model server at {self.url} did not answer within {self.timeout_s:g} s: try again",
                zh=f"模型服务 {self.url} 在 {self.timeout_s:g} 秒内没有回答：请重试。",
            ) from exc
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        finally:
            stats.total_s = time.perf_counter() - started
            self.stats = stats

    def yes_probability(self, messages: list[Message], yes: str, no: str) -> float | None:
        """Not asked of a server: its answers' confidence goes without the self-check."""
        return None

    def count_tokens(self, text: str) -> int:
        """An estimate (a remote tokenizer is not at hand): one token per CJK character, and
        about four characters per token elsewhere."""
        cjk = len(re.findall(r"[\u3400-\u9fff\uf900-\ufaff]", text))
        return cjk + (len(text) - cjk + 3) // 4

    def warm(self, messages: list[Message], state_dir: Path | None = None) -> str:
        """Check the server and model, and let it cache the fixed instructions (one token)."""
        "".join(self.stream(messages, 1))
        return "remote"

    # ---- HTTP ----

    def _open_stream(self, body: dict[str, Any]) -> httpx.Response:
        """The streaming response, retried with backoff while it fails before any text."""
        url = f"{self.url}/completions" if self.template else f"{self.url}/chat/completions"
        return with_retries(
            lambda: self._client.send(self._client.build_request("POST", url, json=body), stream=True),
            self.retries,
            self._unreachable,
            self._refused,
        )

    def _send(self, method: str, path: str) -> httpx.Response:
        return with_retries(
            lambda: self._client.request(method, f"{self.url}{path}"),
            self.retries,
            self._unreachable,
            self._refused,
        )

    def _unreachable(self, exc: Exception) -> GenerationError:
        return GenerationError(
            f"cannot reach the model server at {self.url} ({type(exc).__name__}: {exc}): start it, or "
            "check RAG_LLM_URL",
            zh=f"无法连接模型服务 {self.url}：请启动它，或检查 RAG_LLM_URL。",
        )

    def _refused(self, response: httpx.Response) -> GenerationError:
        detail = response.text[:300].strip()
        if response.status_code in (401, 403):
            return GenerationError(
                f"the model server at {self.url} refused the request ({response.status_code}): check "
                "RAG_LLM_API_KEY",
                zh=f"模型服务 {self.url} 拒绝了请求（{response.status_code}）：请检查 RAG_LLM_API_KEY。",
            )
        if response.status_code == 404:
            return GenerationError(
                f"the model server at {self.url} has no {response.request.url.path} or no model "
                f"{self.model!r} ({detail}): check RAG_LLM_URL and RAG_LLM_MODEL",
                zh=f"模型服务 {self.url} 找不到接口或模型 {self.model}："
                "请检查 RAG_LLM_URL 和 RAG_LLM_MODEL。",
            )
        return GenerationError(
            f"the model server at {self.url} answered {response.status_code}: {detail}",
            zh=f"模型服务 {self.url} 出错（{response.status_code}）：请稍后重试。",
        )


def _text_of(choice: dict[str, Any]) -> str | None:
    """The new text of a streamed choice: ``delta.content`` (chat) or ``text`` (completions)."""
    return (choice.get("delta") or {}).get("content") or choice.get("text")


def _events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The JSON payloads of a server-sent event stream, until ``[DONE]``."""
    for line in response.iter_lines():
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise GenerationError(
                f"the model server sent something that is not JSON: {payload[:200]}"
            ) from exc
        if isinstance(data, dict) and data.get("error"):
            raise GenerationError(f"the model server failed while answering: {data['error']}")
        if isinstance(data, dict):
            yield data
