"""Session fixtures: real models loaded once, a real index of the seeds, and a network guard."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.embed import E5Embedder
from rag.generators.llama import LlamaGenerator
from rag.index import Index
from rag.models import bundled_model_path
from rag.pipeline import Pipeline, offline_environment
from rag.settings import PROJECT_ROOT, Settings

SEEDS = PROJECT_ROOT / "seeds"


class OutboundConnectionError(OSError):
    """Raised by the guard when code tries to reach a non-loopback address."""


def _is_local(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name that would need DNS: not allowed either


@pytest.fixture(scope="session", autouse=True)
def no_outbound_network() -> Iterator[None]:
    """Every test runs with connections beyond loopback refused."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        if not _is_local(address):
            raise OutboundConnectionError(f"test tried to reach {address}")
        return real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _is_local(address):
            raise OutboundConnectionError(f"test tried to reach {address}")
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    offline_environment()
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def e5() -> E5Embedder:
    return E5Embedder(threads=os.cpu_count() or 2)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over a copy of the seeds with a fresh index folder of its own."""
    root = tmp_path_factory.mktemp("seedrag")
    shutil.copytree(SEEDS, root / "seeds")
    return Settings(corpus_dir=root / "seeds", index_dir=root / "index")


@pytest.fixture(scope="session")
def seed_index(seed_settings: Settings, e5: E5Embedder) -> Index:
    """The real index of the seeds, built (or brought up to date) once per session."""
    return Index.build(seed_settings, e5)


@pytest.fixture(scope="session")
def fast_model_path() -> Path:
    return bundled_model_path("fast")


@pytest.fixture(scope="session")
def fast_generator(fast_model_path: Path) -> LlamaGenerator:
    return LlamaGenerator(fast_model_path, threads=os.cpu_count() or 2, n_ctx=2048)


@pytest.fixture(scope="session")
def default_generator() -> LlamaGenerator:
    return LlamaGenerator(bundled_model_path("default"), threads=os.cpu_count() or 2, n_ctx=4096)


@pytest.fixture(scope="session")
def seed_pipeline(
    seed_settings: Settings, seed_index: Index, e5: E5Embedder, default_generator: LlamaGenerator
) -> Pipeline:
    """The real pipeline: seeds index, bundled e5, bundled 1.5B chat model."""
    pipeline = Pipeline(seed_settings, embedder=e5, generator=default_generator)
    pipeline._index = seed_index
    return pipeline
