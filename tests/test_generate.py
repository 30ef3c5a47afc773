"""The llama.cpp generator: the saved KV state of the fixed instructions, with the real fast model."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rag.answer import build_messages
from rag.errors import GenerationError
from rag.generators import GenerationStats
from rag.generators.llama import LlamaGenerator
from rag.question import read

pytestmark = pytest.mark.slow

QUESTION = [
    {"role": "system", "content": build_messages(read("你好"), [])[0]["content"]},
    {"role": "user", "content": "资料：\n[1] 这款水泵的扬程为30米，整机保修3年。\n问题：这款水泵保修几年？"},
]


def _generator(path: Path) -> LlamaGenerator:
    return LlamaGenerator(path, threads=2, n_ctx=2048)


def test_saved_instruction_state_is_loaded_on_the_next_start_and_answers_the_same(
    fast_model_path: Path, tmp_path: Path
) -> None:
    warm = build_messages(read("你好"), [])
    first = _generator(fast_model_path)
    assert first.warm(warm, tmp_path) == "computed"
    assert len(list(tmp_path.glob("prefix-*.npz"))) == 1
    expected = "".join(first.stream(QUESTION, 16))
    instructions = first.count_tokens(warm[0]["content"])

    second = _generator(fast_model_path)  # a new process would start like this
    assert second.warm(warm, tmp_path) == "loaded"
    assert "".join(second.stream(QUESTION, 16)) == expected
    assert second.stats.cached_tokens >= instructions  # the instructions were not read again


def test_a_damaged_or_outdated_state_file_is_recomputed_not_trusted(
    fast_model_path: Path, tmp_path: Path
) -> None:
    warm = build_messages(read("你好"), [])
    gen = _generator(fast_model_path)
    gen.warm(warm, tmp_path)
    (saved,) = tmp_path.glob("prefix-*.npz")
    saved.write_bytes(b"not a saved state")
    assert gen.warm(warm, tmp_path) == "computed"
    assert "".join(gen.stream(QUESTION, 16))  # the model still answers

    other = [warm[0], {"role": "user", "content": "别的指令"}]
    assert gen.warm(other, tmp_path) == "computed"  # another prompt: another file, the old one goes
    assert [p.name for p in tmp_path.glob("prefix-*.npz")] != [saved.name]
    assert len(list(tmp_path.glob("prefix-*.npz"))) == 1


LONG = [
    QUESTION[0],
    {"role": "user", "content": "资料：\n[1] 这款水泵的扬程为30米。\n问题：把资料逐字抄写十遍。"},
]


def test_an_abandoned_stream_neither_wedges_the_model_nor_runs_on(fast_generator: LlamaGenerator) -> None:
    expected = "".join(fast_generator.stream(QUESTION, 16))
    abandoned = fast_generator.stream(LONG, 200)
    next(abandoned)  # a client reads one piece and goes away without closing the stream
    answers: list[str] = []
    other = threading.Thread(target=lambda: answers.append("".join(fast_generator.stream(QUESTION, 16))))
    other.start()
    other.join(timeout=120)
    # with the model lock held across yields (the old design), this thread waited for ever
    assert answers == [expected]

    stopped = fast_generator.stream(LONG, 200)
    next(stopped)
    stopped.close()  # a client that disconnects: its request is cancelled
    first = fast_generator.stats
    assert "".join(fast_generator.stream(QUESTION, 16)) == expected
    assert first.generated_tokens < 10  # the worker stopped at the next token, not after 200


def test_a_request_over_its_time_limit_stops_with_a_clear_error(fast_generator: LlamaGenerator) -> None:
    expected = "".join(fast_generator.stream(QUESTION, 16))
    fast_generator.timeout_s = 0.2
    try:
        with pytest.raises(GenerationError, match=r"took longer than 0\.2 s and was stopped"):
            "".join(fast_generator.stream(LONG, 200))
    finally:
        fast_generator.timeout_s = 300.0
    assert "".join(fast_generator.stream(QUESTION, 16)) == expected  # and the model serves the next one


def test_a_cancel_signal_stops_the_model_at_its_next_token(fast_generator: LlamaGenerator) -> None:
    expected = "".join(fast_generator.stream(QUESTION, 16))
    cancel = threading.Event()
    stream = fast_generator.stream(LONG, 200, cancel)
    next(stream)
    cancel.set()  # the client left; nobody closes the stream
    rest = list(stream)  # it ends by itself
    # broken once on purpose (the worker ignoring the caller's signal): 199 more pieces came
    assert len(rest) < 10 and fast_generator.stats.generated_tokens < 12
    assert "".join(fast_generator.stream(QUESTION, 16)) == expected

    queued = threading.Event()
    queued.set()  # cancelled before the worker reached it: it never runs, and the stream ends
    assert list(fast_generator.stream(LONG, 200, queued)) == []


def test_the_model_reports_how_sure_it_was_of_each_token_it_wrote(fast_generator: LlamaGenerator) -> None:
    stats = GenerationStats()
    pieces = fast_generator.stream(QUESTION, 16, stats=stats)
    first = next(pieces)
    behind_first = len(stats.token_probs)  # in step with the text read, not with the model
    text = first + "".join(pieces)
    assert 1 <= behind_first < len(stats.token_probs)
    assert len(stats.token_probs) >= stats.generated_tokens > 1
    assert all(0.0 < p <= 1.0 for p in stats.token_probs)
    certainty = stats.certainty()
    assert certainty is not None and min(stats.token_probs) <= certainty <= max(stats.token_probs)
    # recording the probabilities changes nothing: llama.cpp alone writes the same text
    with fast_generator.lock:
        plain = fast_generator.llm.create_chat_completion(
            messages=QUESTION, max_tokens=16, temperature=0.0, top_k=1, top_p=1.0, repeat_penalty=1.0, seed=0
        )
    assert plain["choices"][0]["message"]["content"] == text


def _check(passage: str) -> list[dict[str, str]]:
    from rag.answer import check_messages

    return check_messages(passage, "这款水泵保修几年？", "这款水泵整机保修3年。")


def test_the_self_check_says_yes_to_a_passage_that_states_the_answer_and_no_to_another(
    default_generator: LlamaGenerator,
) -> None:
    ask = default_generator.yes_probability
    states = ask(_check("这款水泵的扬程为30米，整机保修3年。"), "是", "否")
    other = ask(_check("这台空调的制冷量为3500瓦，噪音低于40分贝。"), "是", "否")
    assert states is not None and other is not None
    assert states > 0.5 > other


def test_a_self_check_during_an_answer_leaves_the_answer_unchanged(fast_generator: LlamaGenerator) -> None:
    "".join(fast_generator.stream(QUESTION, 24))  # the prompt cached, as it is for the later calls
    expected = "".join(fast_generator.stream(QUESTION, 24))
    pieces, judged = [], []
    for piece in fast_generator.stream(QUESTION, 24):
        pieces.append(piece)
        if len(pieces) == 2:  # asked in the middle of the answer, as the pipeline does
            judged.append(fast_generator.yes_probability(_check("这款水泵整机保修3年。"), "是", "否"))
    assert "".join(pieces) == expected and judged and judged[0] is not None
    assert "".join(fast_generator.stream(QUESTION, 24)) == expected
    stats = fast_generator.stats
    assert stats.cached_tokens >= stats.prompt_tokens - 1  # the answers' own cache was left alone


def test_generation_waits_while_a_self_check_has_the_cores(fast_generator: LlamaGenerator) -> None:
    got: list[str] = []
    with fast_generator._turn:  # what a self-check holds while it reads
        reader = threading.Thread(target=lambda: got.extend(fast_generator.stream(QUESTION, 24)))
        reader.start()
        reader.join(timeout=3.0)
        assert reader.is_alive() and len(got) <= 1  # stopped at its first token
    reader.join(timeout=60)
    assert not reader.is_alive() and len(got) > 1
