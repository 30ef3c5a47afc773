"""The llama.cpp backend: a GGUF chat model loaded in this process, one worker thread owning it."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import io
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import GenerationError, ModelError
from . import GenerationStats, Message

log = logging.getLogger(__name__)

_END = object()


@dataclass
class _Job:
    """One request to the worker: its prompt, where its text goes, and whether to stop."""

    messages: list[Message]
    max_tokens: int
    out: queue.Queue[Any] = field(default_factory=queue.Queue)
    cancel: threading.Event = field(default_factory=threading.Event)  # set when nobody reads any more
    stop: threading.Event | None = None  # the caller's own cancel signal
    stats: GenerationStats = field(default_factory=GenerationStats)

    def cancelled(self) -> bool:
        return self.cancel.is_set() or (self.stop is not None and self.stop.is_set())


def _shared_prefix(a: Any, b: Any) -> int:
    """How many tokens two token sequences share from the start."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _check_same_model(llm: Any, reader: Any, path: Path) -> None:
    """A prefill model must be the chat model in another number format: the same layers,
    attention shape and vocabulary, or its KV state means nothing to the chat model."""

    def shape(m: Any) -> list[Any]:
        arch = m.metadata.get("general.architecture", "")
        keys = ("block_count", "embedding_length", "attention.head_count", "attention.head_count_kv")
        return [arch, m.n_vocab(), *(m.metadata.get(f"{arch}.{k}") for k in keys)]

    probe = "Prefill 预填充 123 check".encode()
    if shape(llm) != shape(reader) or llm.tokenize(probe) != reader.tokenize(probe):
        raise ModelError(
            f"the prefill model {path} is not the chat model in another format (layers, attention "
            "or vocabulary differ): set RAG_PREFILL to a BF16 GGUF of the chat model, or to off"
        )


class LlamaGenerator:
    """A GGUF chat model through llama-cpp-python, loaded once.

    One worker thread owns the model and runs requests one at a time, in order; ``stream``
    hands it a request and reads the text back through a queue. A caller that stops reading
    (a closed browser tab, an abandoned iterator) cancels its request: the worker stops at
    the next token, so no client can keep the model. A request that takes longer than
    ``timeout_s`` in all, waiting included, is cancelled with a ``GenerationError``.

    Decoding is greedy (temperature 0, fixed seed). The KV cache of the longest shared
    prompt prefix is reused between calls, so fixed instructions cost nothing after the
    first question.

    With ``prefill_path`` (a BF16 GGUF of the same model) that model reads the prompt and
    hands its KV state to the chat model, which writes the answer: reading a prompt is
    compute-bound and BF16 instructions do it faster than 4-bit ones, while writing is
    memory-bound and the 4-bit file is a third of the bytes.
    """

    def __init__(
        self,
        model_path: Path,
        threads: int,
        n_ctx: int = 4096,
        seed: int = 0,
        timeout_s: float = 300.0,
        prefill_path: Path | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.prefill_path = Path(prefill_path) if prefill_path else None
        self._reader: Any = None
        self._prefix_reused: int | None = None  # prompt tokens the prefill model had cached
        self.threads = threads
        self.n_ctx = n_ctx
        self.seed = seed
        self.timeout_s = timeout_s
        self.stats = GenerationStats()
        self._llm: Any = None
        self.lock = threading.RLock()  # held by the worker while it runs a job, and for state I/O
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._checker: Any = None  # a second context of the prompt-reading model, for yes/no questions
        self._check_lock = threading.Lock()
        self._turn = threading.Lock()  # held by a yes/no question: generation waits at its next token

    @property
    def llm(self) -> Any:
        with self.lock:
            if self._llm is None:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise ModelError("llama-cpp-python is not installed: run `make setup`") from exc
                llm = self._load(Llama, self.model_path, "RAG_MODEL_PATH")
                if self.prefill_path is not None:
                    self._reader = self._load(Llama, self.prefill_path, "RAG_PREFILL")
                    _check_same_model(llm, self._reader, self.prefill_path)
                    llm.generate = self._prefilled(llm, llm.generate)
                self._llm = llm
            return self._llm

    @property
    def reader(self) -> Any:
        """The model that reads prompts: the prefill model, or the chat model itself."""
        llm = self.llm
        return self._reader if self._reader is not None else llm

    def _load(self, llama: Any, path: Path, setting: str) -> Any:
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                return llama(
                    model_path=str(path),
                    n_ctx=self.n_ctx,
                    n_threads=self.threads,
                    n_threads_batch=self.threads,
                    n_batch=512,
                    seed=self.seed,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"cannot load GGUF model {path}: {exc}; check the file or {setting}") from exc

    def _prefilled(self, llm: Any, generate: Any) -> Any:
        """``llm.generate`` with the prompt read by the prefill model first.

        The reader evaluates all prompt tokens but the last (reusing its own cache for the
        shared prefix) and its KV state is copied into ``llm``, whose prefix match then
        leaves it only the last token to read before it samples the first answer token.
        """
        import llama_cpp

        reader = self._reader

        def generate_after_prefill(tokens: Any, *args: Any, **kwargs: Any) -> Any:
            head = list(tokens)[:-1]
            shared = _shared_prefix(reader.input_ids[: reader.n_tokens], head)
            reader.n_tokens = shared  # eval drops the KV cells from here on
            reader.eval(head[shared:])
            size = llama_cpp.llama_state_seq_get_size(reader._ctx.ctx, 0)
            buf = (ctypes.c_uint8 * size)()
            n = llama_cpp.llama_state_seq_get_data(reader._ctx.ctx, buf, size, 0)
            if llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, buf, n, 0) != n:
                raise GenerationError("the chat model did not accept the prompt state of the prefill model")
            llm.input_ids[: len(head)] = head
            llm.n_tokens = len(head)
            self._prefix_reused = shared
            return generate(tokens, *args, **kwargs)

        return generate_after_prefill

    def yes_probability(self, messages: list[Message], yes: str, no: str) -> float | None:
        """The model's yes/no judgement, read from the first token of its reply.

        A context of its own on the prompt-reading model keeps the answers' cached prompt
        prefix intact and caches its own fixed instructions. It runs in the caller's thread
        while generation, which would share the two cores, waits at its next token.
        """
        from llama_cpp import Llama, LogitsProcessorList

        with self._turn, self._check_lock:
            if self._checker is None:
                path = self.prefill_path or self.model_path
                setting = "RAG_PREFILL" if self.prefill_path else "RAG_MODEL_PATH"
                self._checker = self._load(Llama, path, setting)
            checker = self._checker
            ids = [checker.tokenize(w.encode("utf-8"), add_bos=False)[0] for w in (yes, no)]
            got: list[float] = []

            def read(_ids: Any, scores: Any) -> Any:
                odds = np.exp(scores[ids] - scores.max())
                got.append(float(odds[0] / max(odds.sum(), 1e-30)))
                return scores

            try:
                checker.create_chat_completion(
                    messages=messages,
                    max_tokens=1,
                    temperature=0.0,
                    top_k=1,
                    logits_processor=LogitsProcessorList([read]),
                )
            except (RuntimeError, ValueError) as exc:
                log.warning("the self-check failed: %s", exc)
                return None
            return got[0] if got else None

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def warm(self, messages: list[Message], state_dir: Path | None = None) -> str:
        """Put the KV state of ``messages`` (their fixed instructions) in the cache.

        With ``state_dir`` the state is saved there once and loaded on later starts, which
        takes milliseconds where reading the instructions takes a second or more. A saved
        state belongs to one model file, llama.cpp version, context size and prompt; any
        change gives it a new name. Returns "loaded" or "computed".
        """
        with self.lock:
            llm = self.reader  # the model that reads prompts holds the instructions' state
            path = state_dir / f"prefix-{self._state_key(messages)}.npz" if state_dir else None
            if path is not None and path.exists() and self._load_state(llm, path):
                return "loaded"
        for _piece in self.stream(messages, 1):
            pass
        with self.lock:
            if path is not None:
                self._save_state(llm, path)
            return "computed"

    def _state_key(self, messages: list[Message]) -> str:
        import llama_cpp

        ident: list[Any] = [self.n_ctx, llama_cpp.__version__, messages]
        for path in dict.fromkeys((self.model_path, self.prefill_path or self.model_path)):
            st = path.stat()  # the state is the reader's: a rebuilt file gets a new name
            ident += [str(path.resolve()), st.st_size, st.st_mtime_ns]
        return hashlib.sha256(json.dumps(ident, ensure_ascii=False).encode()).hexdigest()[:16]

    @staticmethod
    def _save_state(llm: Any, path: Path) -> None:
        import llama_cpp

        ctx = llm._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_get_data(ctx, buf, size)
        ids = np.asarray(llm.input_ids[: llm.n_tokens], dtype=np.intc)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                np.savez(f, ids=ids, state=np.frombuffer(buf, dtype=np.uint8, count=n))
            os.replace(tmp, path)
            for old in path.parent.glob("prefix-*.npz"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError as exc:  # a read-only index folder: the cache is an optimisation
            tmp.unlink(missing_ok=True)
            log.warning("could not save the prompt prefix state to %s: %s", path, exc)

    @staticmethod
    def _load_state(llm: Any, path: Path) -> bool:
        import llama_cpp

        try:
            with np.load(path, allow_pickle=False) as data:
                ids, state = data["ids"], data["state"]
            buf = (ctypes.c_uint8 * len(state)).from_buffer_copy(state.tobytes())
            if llama_cpp.llama_state_set_data(llm._ctx.ctx, buf, len(state)) != len(state):
                raise ValueError("llama.cpp did not accept the state")
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring the saved prompt prefix state %s: %s", path, exc)
            llm.reset()
            return False
        llm.input_ids[: len(ids)] = ids
        llm.n_tokens = len(ids)
        return True

    def stream(
        self,
        messages: list[Message],
        max_tokens: int,
        cancel: threading.Event | None = None,
        stats: GenerationStats | None = None,
    ) -> Iterator[str]:
        job = _Job(messages, max_tokens, stop=cancel, stats=stats or GenerationStats())
        self._start_worker()
        self._jobs.put(job)
        deadline = time.monotonic() + self.timeout_s
        try:
            while True:
                try:
                    item = job.out.get(timeout=min(0.1, max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    if job.cancelled():
                        return  # the caller gave up: nothing more to wait for
                    if time.monotonic() < deadline:
                        continue
                    raise GenerationError(
                        f"the answer took longer than {self.timeout_s:g} s and was stopped: try again, "
                        "or ask a shorter question",
                        zh=f"回答超过 {self.timeout_s:g} 秒，已停止：请重试，或把问题问得简短一些。",
                    ) from None
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                delta, probs = item
                job.stats.token_probs.extend(probs)  # here, in the reader's thread: in step with the text
                yield delta
        finally:
            job.cancel.set()  # finished, failed, timed out or abandoned: the worker moves on
            self.stats = job.stats

    def _start_worker(self) -> None:
        with self.lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._serve, name="llama-worker", daemon=True)
                self._worker.start()

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job.cancelled():
                job.out.put(_END)
                continue
            try:
                with self.lock:
                    for piece in self._generate(job):
                        job.out.put(piece)
            except (GenerationError, ModelError) as exc:  # handed to the caller; the worker lives on
                job.out.put(exc)
            except Exception as exc:
                job.out.put(GenerationError(f"the language model failed while answering: {exc}"))
            finally:
                job.out.put(_END)

    def _generate(self, job: _Job) -> Iterator[tuple[str, list[float]]]:
        """Each piece of text with the probabilities of the tokens that made it."""
        from llama_cpp import LogitsProcessorList

        llm = self.llm
        stats = job.stats
        probs: list[float] = []

        def note(_ids: Any, scores: Any) -> Any:
            # the chosen (top) token's probability; the scores pass on unchanged
            probs.append(1.0 / float(np.exp(scores - scores.max()).sum()))
            return scores

        before = list(llm._input_ids) if getattr(llm, "_input_ids", None) is not None else []
        self._prefix_reused = None
        started = time.perf_counter()
        try:
            chunks = llm.create_chat_completion(
                messages=job.messages,
                max_tokens=job.max_tokens,
                temperature=0.0,
                top_k=1,
                top_p=1.0,
                repeat_penalty=1.0,
                seed=self.seed,
                stream=True,
                logits_processor=LogitsProcessorList([note]),
            )
            for chunk in chunks:
                if job.cancelled():
                    break
                with self._turn:  # a yes/no question has the cores: wait for it
                    pass
                delta = chunk["choices"][0].get("delta", {}).get("content")
                if not delta:
                    continue
                if stats.generated_tokens == 0:
                    stats.first_token_s = time.perf_counter() - started
                stats.generated_tokens += 1
                yield delta, probs[:]
                probs.clear()
        except (RuntimeError, ValueError) as exc:
            raise GenerationError(f"the language model failed while answering: {exc}") from exc
        finally:
            stats.total_s = time.perf_counter() - started
            ids = list(llm._input_ids)
            stats.prompt_tokens = max(0, len(ids) - stats.generated_tokens)
            shared = _shared_prefix(before, ids) if self._prefix_reused is None else self._prefix_reused
            stats.cached_tokens = min(shared, stats.prompt_tokens)
