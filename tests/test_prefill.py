"""A BF16 copy of the chat model reads the prompt and hands its KV state to the 4-bit model,
which writes the answer: real models, the bundled fast one and its BF16 copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag import models
from rag.answer import build_messages
from rag.errors import ModelError
from rag.generators.llama import LlamaGenerator
from rag.models import bf16_copy, bf16_reads_faster, bundled_model_path, cpu_has_bf16, prefill_model_path
from rag.question import read
from rag.settings import Settings

pytestmark = pytest.mark.slow

INSTRUCTIONS = build_messages(read("你好"), [])
PUMP = [
    INSTRUCTIONS[0],
    {"role": "user", "content": "资料：\n[1] 这款水泵的扬程为30米，整机保修3年。\n问题：这款水泵保修几年？"},
]
ROUTER = [
    INSTRUCTIONS[0],
    {
        "role": "user",
        "content": "资料：\n[1] The guest network is off by default.\n问题：Is the guest network on?",
    },
]


@pytest.fixture(scope="module")
def fast_bf16(fast_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bf16_copy(fast_model_path, tmp_path_factory.mktemp("bf16"))


def _generator(path: Path, prefill: Path | None = None) -> LlamaGenerator:
    return LlamaGenerator(path, threads=2, n_ctx=2048, prefill_path=prefill)


def _count_evaluated(llm: Any) -> list[int]:
    """Record how many tokens each of ``llm``'s own evaluations reads."""
    counts: list[int] = []
    evaluate = llm.eval

    def counting(tokens: Any) -> Any:
        counts.append(len(tokens))
        return evaluate(tokens)

    llm.eval = counting
    return counts


def test_the_copy_is_the_chat_model_in_bf16_and_made_once(fast_model_path: Path, fast_bf16: Path) -> None:
    import llama_cpp

    with_copy = LlamaGenerator(fast_bf16, threads=2, n_ctx=512)
    meta = with_copy.llm.metadata
    assert int(meta["general.file_type"]) == llama_cpp.LLAMA_FTYPE_MOSTLY_BF16
    assert fast_bf16.stat().st_size > 1.8 * fast_model_path.stat().st_size
    made = fast_bf16.stat().st_mtime_ns
    assert bf16_copy(fast_model_path, fast_bf16.parent) == fast_bf16  # reused, not converted again
    assert fast_bf16.stat().st_mtime_ns == made
    assert not list(fast_bf16.parent.glob(".converting-*"))


def test_the_prefill_model_reads_the_prompt_and_the_answer_is_the_same(
    fast_model_path: Path, fast_bf16: Path
) -> None:
    plain = _generator(fast_model_path)
    expected = ["".join(plain.stream(m, 24)) for m in (PUMP, ROUTER)]

    gen = _generator(fast_model_path, fast_bf16)
    counts = _count_evaluated(gen.llm)
    assert "".join(gen.stream(PUMP, 24)) == expected[0]
    prompt = gen.stats.prompt_tokens
    assert gen.reader.n_tokens == prompt - 1  # the prefill model read all but the last token
    assert counts[0] == 1  # the chat model read only that one, then wrote

    instructions = gen.count_tokens(INSTRUCTIONS[0]["content"])
    counts.clear()
    assert "".join(gen.stream(ROUTER, 24)) == expected[1]
    assert gen.stats.cached_tokens >= instructions  # the reader kept the instructions' state
    assert counts[0] == 1


def test_the_saved_instruction_state_is_the_prefill_models(
    fast_model_path: Path, fast_bf16: Path, tmp_path: Path
) -> None:
    first = _generator(fast_model_path, fast_bf16)
    assert first.warm(INSTRUCTIONS, tmp_path) == "computed"
    expected = "".join(first.stream(PUMP, 16))

    second = _generator(fast_model_path, fast_bf16)
    assert second.warm(INSTRUCTIONS, tmp_path) == "loaded"
    assert second.reader.n_tokens > 0 and second.llm.n_tokens == 0  # loaded into the reader
    assert "".join(second.stream(PUMP, 16)) == expected
    assert second.stats.cached_tokens >= second.count_tokens(INSTRUCTIONS[0]["content"])

    alone = _generator(fast_model_path)  # without the prefill model: another saved state
    assert alone.warm(INSTRUCTIONS, tmp_path) == "computed"


def test_a_prefill_model_of_another_shape_is_refused_clearly(fast_model_path: Path) -> None:
    gen = _generator(fast_model_path, bundled_model_path("default"))  # 1.5B reading for the 0.5B
    with pytest.raises(ModelError, match="RAG_PREFILL"):
        _ = gen.llm


def test_the_prefill_setting(tmp_path: Path, fast_model_path: Path) -> None:
    assert prefill_model_path(Settings(prefill="off")) is None
    assert prefill_model_path(Settings(prefill=str(fast_model_path))) == fast_model_path
    with pytest.raises(ModelError, match="neither 'auto', 'off' nor a GGUF file"):
        prefill_model_path(Settings(prefill=str(tmp_path / "missing.gguf")))
    # a model of the user's own: no copy is made for it unless they name one
    assert prefill_model_path(Settings(prefill="auto", model_path=fast_model_path)) is None
    settings = Settings(prefill="auto")
    bundled = prefill_model_path(settings)
    if not cpu_has_bf16():
        assert bundled is None
        return
    source = bundled_model_path("default", settings)
    copy = bf16_copy(source, settings.model_cache_dir)
    # the copy reads prompts where it was measured to read them faster here
    assert bundled == (copy if bf16_reads_faster(source, copy, settings.threads) else None)


def test_which_model_reads_prompts_is_measured_once_per_machine(
    fast_model_path: Path, fast_bf16: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    speeds = {fast_model_path: 100.0, fast_bf16: 150.0}
    measured: list[str] = []

    def speed(path: Path, threads: int) -> float:
        measured.append(path.name)
        return speeds[path]

    monkeypatch.setattr(models, "reading_speed", speed)
    record = fast_bf16.with_name(f"{fast_bf16.stem}.speed.json")
    record.unlink(missing_ok=True)
    assert bf16_reads_faster(fast_model_path, fast_bf16, 2)
    assert len(measured) == 2 and record.is_file()
    assert bf16_reads_faster(fast_model_path, fast_bf16, 2)  # remembered: not measured again
    assert len(measured) == 2
    assert bf16_reads_faster(fast_model_path, fast_bf16, 1)  # another thread count: measured
    assert len(measured) == 4

    speeds[fast_bf16] = 105.0  # not 10% faster: the chat model reads its own prompts
    record.write_text("not json", encoding="utf-8")  # a damaged record: measured again
    assert not bf16_reads_faster(fast_model_path, fast_bf16, 2)
    assert len(measured) == 6


def test_reading_speed_is_measured_on_the_real_model(fast_model_path: Path) -> None:
    assert models.reading_speed(fast_model_path, 2, tokens=32) > 1.0
