import hashlib
import os
from pathlib import Path

import pytest

from rag.errors import ModelError
from rag.models import DEFAULT, FAST, BundledModel, assemble, resolve_model_path
from rag.settings import Settings


def _parts(tmp_path: Path, chunks: list[bytes]) -> tuple[list[Path], str]:
    paths = []
    for i, data in enumerate(chunks, 1):
        p = tmp_path / f"part{i}"
        p.write_bytes(data)
        paths.append(p)
    return paths, hashlib.sha256(b"".join(chunks)).hexdigest()


def _model(sha: str, size: int) -> BundledModel:
    return BundledModel(
        name="tiny",
        description="tiny test model",
        module_prefix="no_such_module_part",
        pip_prefix="no-such-package-part",
        parts=3,
        version="1.0",
        size=size,
        sha256=sha,
    )


def test_assembles_parts_in_order_and_verifies(tmp_path: Path) -> None:
    parts, sha = _parts(tmp_path, [b"GGUF-a", b"bbb", b"cc"])
    model = _model(sha, 11)
    out = assemble(model, tmp_path / "cache", parts)
    assert out.read_bytes() == b"GGUF-abbbcc"
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith(".assembling")] == []


def test_reuses_an_assembled_file_without_reading_parts(tmp_path: Path) -> None:
    parts, sha = _parts(tmp_path, [b"one", b"two", b"three"])
    model = _model(sha, 11)
    first = assemble(model, tmp_path / "cache", parts)
    mtime = first.stat().st_mtime_ns
    for p in parts:
        p.unlink()  # parts gone: reuse must not need them
    assert assemble(model, tmp_path / "cache", parts) == first
    assert first.stat().st_mtime_ns == mtime


def test_hash_mismatch_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    parts, _ = _parts(tmp_path, [b"one", b"two", b"three"])
    model = _model("0" * 64, 11)
    with pytest.raises(ModelError, match=r"sha256.*reinstall"):
        assemble(model, tmp_path / "cache", parts)
    assert list((tmp_path / "cache").iterdir()) == []


def test_corrupted_cache_is_rebuilt(tmp_path: Path) -> None:
    parts, sha = _parts(tmp_path, [b"one", b"two", b"three"])
    model = _model(sha, 11)
    out = assemble(model, tmp_path / "cache", parts)
    out.write_bytes(b"garbage!!!!")
    os.utime(out, ns=(1, 1))
    assert assemble(model, tmp_path / "cache", parts).read_bytes() == b"onetwothree"


def test_missing_part_package_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"pip install no-such-package-part1==1\.0"):
        assemble(_model("0" * 64, 1), tmp_path / "cache")


def test_user_model_path_wins_and_missing_one_is_an_error(tmp_path: Path) -> None:
    gguf = tmp_path / "my.gguf"
    gguf.write_bytes(b"x")
    assert resolve_model_path(Settings(model_path=gguf)) == gguf
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model_path(Settings(model_path=tmp_path / "missing.gguf"))


def test_bundled_models_are_assembled_and_verified(fast_model_path: Path) -> None:
    assert fast_model_path.stat().st_size == FAST.size
    assert fast_model_path.read_bytes()[:4] == b"GGUF"
    default = resolve_model_path(Settings(model_path=None))
    assert default.stat().st_size == DEFAULT.size
    assert not str(default).startswith(str(Path(__file__).resolve().parent.parent))  # outside the repo
