"""The single configuration object. Every field can be set by an ``RAG_<NAME>`` variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_threads() -> int:
    return os.cpu_count() or 1


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag-models"


class Settings(BaseSettings):
    """Configuration of the whole pipeline; the README lists every field."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    corpus_dir: Path = Field(PROJECT_ROOT / "seeds", description="folder of documents to index")
    index_dir: Path = Field(PROJECT_ROOT / "index", description="folder holding the built index")
    model_path: Path | None = Field(
        None, description="a GGUF chat model; empty means the bundled Qwen2.5-1.5B"
    )
    prefill: str = Field(
        "auto",
        description="what reads prompts: 'auto' (a BF16 copy of the bundled model where it reads "
        "faster, measured once), 'off' (the chat model itself), or the path of a BF16 GGUF of the "
        "chat model",
    )
    model_cache_dir: Path = Field(
        default_factory=_default_cache, description="where bundled models are assembled"
    )
    llm_url: str | None = Field(
        None, description="an OpenAI-compatible model server (http://host:port/v1); empty means in-process"
    )
    llm_model: str = Field("default", description="the model name to ask the server for (RAG_LLM_URL)")
    llm_api_key: str | None = Field(None, description="API key for the model server, if it wants one")
    llm_api: Literal["chat", "completions"] = Field(
        "chat", description="the server's endpoint: /v1/chat/completions, or /v1/completions with a template"
    )
    llm_template: str = Field(
        "chatml", description="with llm_api=completions: how messages become one prompt (chat_templates.json)"
    )
    llm_concurrency: int = Field(
        4, ge=1, description="answers generated at once with a model server (in-process: always 1)"
    )
    embed_url: str | None = Field(
        None, description="an OpenAI-compatible /v1/embeddings server; empty means the embedder runs here"
    )
    embed_model: str = Field(
        "multilingual-e5-small", description="the embedding model the server is asked for"
    )
    embed_api_key: str | None = Field(None, description="API key for the embedding server, if it wants one")
    embedder: str = Field("e5", description="'e5' (bundled) or a sentence-transformers model name or path")
    threads: int = Field(default_factory=_default_threads, ge=1, description="CPU threads")
    n_ctx: int = Field(4096, ge=512, description="context window of the chat model in tokens")
    max_tokens: int = Field(200, ge=1, description="most tokens generated per answer")
    self_check: bool = Field(
        True,
        description="ask the model, shown only the cited passage, whether it states the answer "
        "(a signal of the confidence; about 0.6 s per answer)",
    )
    answer_timeout_s: float = Field(
        300.0, gt=0, description="longest an answer may take, waiting for the model included"
    )
    top_k: int = Field(5, ge=1, le=50, description="passages retrieved per question")
    context_passages: int = Field(4, ge=1, le=10, description="most passages put into the prompt")
    context_chars: int = Field(
        400, ge=80, description="character budget of all prompt passages (prompt reading dominates latency)"
    )
    corrupt_index: Literal["rebuild", "refuse"] = Field(
        "rebuild", description="what reading a damaged index does: rebuild it (with a warning) or stop"
    )
    store: Literal["faiss", "milvus"] = Field(
        "faiss", description="where vectors and the keyword index live: FAISS files, or a Milvus collection"
    )
    milvus_uri: str | None = Field(
        None, description="Milvus: a .db path (milvus-lite) or http://host:19530; empty: <index>/milvus.db"
    )
    milvus_collection: str = Field("rag_chunks", description="the Milvus collection of this index")
    ann_min_chunks: int = Field(
        50_000, ge=1, description="from this many chunks on, dense search is approximate (FAISS IVF)"
    )
    ann_nprobe: int = Field(32, ge=1, description="clusters searched per question by the approximate index")
    chunk_chars: int = Field(260, ge=80, description="target chunk length in characters")
    chunk_overlap: int = Field(1, ge=0, le=3, description="sentences repeated between chunks")
    calibration_file: Path | None = Field(
        None, description="the answer confidence's calibration (rag calibrate); empty means the package's"
    )
    aliases_file: Path | None = Field(
        None, description="aliases of the corpus's words (TSV); empty means <corpus>/.aliases.tsv"
    )
    max_question_chars: int = Field(2000, ge=1, description="longest accepted question")
    max_history_turns: int = Field(
        8, ge=0, description="earlier turns of a conversation read to resolve a follow-up"
    )
    host: str = Field("127.0.0.1", description="address the chat UI binds to")
    port: int = Field(7860, ge=1, le=65535, description="port of the chat UI")
    auth_user: str | None = Field(None, description="login required when bound beyond loopback")
    auth_password: str | None = Field(None, description="password for auth_user")
    auth_file: Path | None = Field(None, description="logins, one 'user:password' per line")
    require_auth: bool = Field(False, description="refuse to serve without a login, even on loopback")
    max_upload_bytes: int = Field(2_000_000, ge=1, description="largest accepted upload")

    @property
    def aliases_path(self) -> Path:
        return self.aliases_file or self.corpus_dir / ".aliases.tsv"

    @property
    def milvus_target(self) -> str:
        return self.milvus_uri or str(self.index_dir.resolve() / "milvus.db")

    @property
    def model_concurrency(self) -> int:
        """How many answers may be generated at once: one in-process model serves one."""
        return self.llm_concurrency if self.llm_url else 1

    @field_validator("llm_template")
    @classmethod
    def _known_template(cls, value: str) -> str:
        from .errors import ConfigError
        from .generators.templates import template

        try:
            template(value)
        except ConfigError as exc:  # pydantic reports ValueErrors with the field's name
            raise ValueError(str(exc)) from exc
        return value

    @field_validator(
        "model_path",
        "aliases_file",
        "calibration_file",
        "auth_file",
        "llm_url",
        "llm_api_key",
        "embed_url",
        "embed_api_key",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value
