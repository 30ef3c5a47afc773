"""Embeddings from a server: any OpenAI-compatible ``/v1/embeddings`` endpoint (a GPU box
running the same model, vLLM, llama.cpp's server, a hosted service), for corpora too big
to embed on two cores.

Vectors are normalised here, as the local embedders' are. e5-style models get their
``query: `` and ``passage: `` prefixes added here, since the server does not know which
side a text is on. The index records the embedder as ``openai/<model>``: the same model
behind another URL gives the same vectors; changing the model re-embeds.
"""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np

from .errors import ModelError
from .openai_http import RETRIES, base_url, client, with_retries


class RemoteEmbedder:
    def __init__(
        self,
        url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        retries: int = RETRIES,
    ) -> None:
        self.url = base_url(url)
        self.model = model
        self.retries = retries
        self._prefixes = ("query: ", "passage: ") if "e5" in model.lower() else ("", "")
        self._client = client(api_key, timeout_s)
        self._dim: int | None = None

    @property
    def id(self) -> str:
        return f"openai/{self.model}"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._embed(["dimension probe"]).shape[1])
        return self._dim

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed([self._prefixes[1] + t for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed([self._prefixes[0] + t for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        data = self._post({"model": self.model, "input": texts, "encoding_format": "float"})
        try:
            rows = sorted(data["data"], key=lambda d: d["index"])
            vectors = np.asarray([r["embedding"] for r in rows], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"the embedding server at {self.url} sent an answer without embeddings") from exc
        if vectors.shape[0] != len(texts):
            raise ModelError(
                f"the embedding server at {self.url} sent {vectors.shape[0]} vectors for {len(texts)} texts"
            )
        self._dim = int(vectors.shape[1])
        norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.asarray(vectors / norms, dtype=np.float32)

    def _post(self, body: dict[str, Any]) -> Any:
        return with_retries(
            lambda: self._client.post(f"{self.url}/embeddings", json=body),
            self.retries,
            self._unreachable,
            self._refused,
        ).json()

    def _unreachable(self, exc: Exception) -> ModelError:
        return ModelError(
            f"cannot reach the embedding server at {self.url} ({type(exc).__name__}): start it, "
            "or check RAG_EMBED_URL",
            zh=f"无法连接嵌入服务 {self.url}：请启动它，或检查 RAG_EMBED_URL。",
        )

    def _refused(self, response: httpx.Response) -> ModelError:
        return ModelError(
            f"the embedding server at {self.url} answered {response.status_code} for model "
            f"{self.model!r}: {response.text[:200]} (check RAG_EMBED_URL and RAG_EMBED_MODEL)",
            zh=f"嵌入服务 {self.url} 出错（{response.status_code}）："
            "请检查 RAG_EMBED_URL 和 RAG_EMBED_MODEL。",
        )
