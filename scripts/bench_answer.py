"""Answer benchmark with the default 1.5B model over the evaluation questions.

Every figure is printed next to a reference measured in the same run:

- warm: every question of the set (answered and refused), p50 and p95 of the first token,
  of the first text the user sees (a verified sentence or the refusal) and of the whole
  answer; the reference is llama.cpp called directly on the same prompts with the same
  cached instructions, so the difference is what the pipeline adds; where a BF16 prefill
  model reads the prompts (RAG_PREFILL), a second reference has the 4-bit model read its
  own prompts, with how often the two write the same text;
- cold: the first question after a start, each in a fresh process (model load, warm-up
  with the saved instruction state, then one question), against the same questions warm;
- generation speed against llama.cpp's own streaming, and the cost of verification;
- prompt-lookup speculative decoding against plain decoding: speed and identical output.

    .venv/bin/python scripts/bench_answer.py [--limit N] [--cold 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from rag.evaluate import DEFAULT_SET, load_set
from rag.generators import GenerationStats, Message
from rag.generators.llama import LlamaGenerator
from rag.models import prefill_model_path, resolve_model_path
from rag.pipeline import Pipeline, offline_environment
from rag.settings import Settings

SAMPLING: dict[str, Any] = {"temperature": 0.0, "top_k": 1, "top_p": 1.0, "repeat_penalty": 1.0, "seed": 0}


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def p50_p95(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.2f} s, p95 {pct(values, 0.95):.2f} s" if values else "n/a"


def raw_completion(llm: Any, messages: list[Message], max_tokens: int) -> tuple[float, float, str, int]:
    """First-token seconds, total seconds, text and token count of llama.cpp's own streaming."""
    started = time.perf_counter()
    first, text, n = 0.0, "", 0
    chunks = llm.create_chat_completion(messages=messages, max_tokens=max_tokens, stream=True, **SAMPLING)
    for chunk in chunks:
        delta = chunk["choices"][0].get("delta", {}).get("content")
        if delta:
            n += 1
            first = first or time.perf_counter() - started
            text += delta
    return first, time.perf_counter() - started, text, n


@contextlib.contextmanager
def own_reading(llm: Any) -> Iterator[None]:
    """The chat model reading its prompts itself: the prefill model's hook set aside."""
    hook = llm.__dict__.pop("generate", None)
    try:
        yield
    finally:
        if hook is not None:
            llm.generate = hook


class Recording(LlamaGenerator):
    """The pipeline's generator, keeping the prompts of its answers for the references."""

    prompts: list[list[Message]]

    def stream(
        self,
        messages: list[Message],
        max_tokens: int,
        cancel: threading.Event | None = None,
        stats: GenerationStats | None = None,
    ) -> Iterator[str]:
        if max_tokens > 1:
            self.prompts.append(messages)
        yield from super().stream(messages, max_tokens, cancel, stats)


def child(question: str) -> None:
    """One start of the assistant: load, warm up, answer one question; prints JSON."""
    offline_environment()
    started = time.perf_counter()
    pipeline = Pipeline()
    how = pipeline.warm_up()
    ready = time.perf_counter() - started
    answer = pipeline.ask(question)
    t = answer.timings
    print(json.dumps({"ready": ready, "how": how, "first_text": t.first_text, "total": t.total}))


def cold_starts(questions: list[str]) -> list[dict[str, Any]]:
    runs = []
    for q in questions:
        out = subprocess.run(
            [sys.executable, __file__, "--child", q], capture_output=True, text=True, check=True
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return runs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="questions to time (default: all)")
    ap.add_argument("--cold", type=int, default=3, help="fresh processes for the first question after start")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    offline_environment()
    items = load_set(DEFAULT_SET)
    items = items[: args.limit] if args.limit else items

    # ---- cold: first question after a start, each in its own process (run first, alone)
    plain = [i.question for i in items if not i.history]
    cold = cold_starts(plain[: args.cold]) if args.cold else []

    settings = Settings()
    reader = prefill_model_path(settings)
    gen = Recording(resolve_model_path(settings), settings.threads, settings.n_ctx, prefill_path=reader)
    gen.prompts = []
    print(f"prompts read by: {reader or 'the chat model itself'}")
    pipeline = Pipeline(settings, generator=gen)
    t = time.perf_counter()
    pipeline.warm_up()
    print(f"this process: model load and warm-up {time.perf_counter() - t:.1f} s")

    # ---- warm: every question, answered or refused
    first_token, first_text, total, verify, checked, speed = [], [], [], [], [], []
    new_tokens, prompt_tokens = [], []
    raw_first, raw_total, answered_first = [], [], []
    own_first, own_total, same_text = [], [], 0
    refused = 0
    for item in items:
        answer = pipeline.ask(item.question, item.history)
        st = gen.stats
        first_text.append(answer.timings.first_text)
        total.append(answer.timings.total)
        if not answer.timings.first_token:  # refused before generation
            refused += 1
            continue
        first_token.append(answer.timings.first_token)
        verify.append(answer.timings.verify)
        checked.append(answer.timings.self_check)
        prompt_tokens.append(st.prompt_tokens)
        new_tokens.append(st.prompt_tokens - st.cached_tokens)
        if st.tokens_per_s:
            speed.append(st.tokens_per_s)
        # the reference: llama.cpp on the prompt the model just read, with only the cached
        # tokens that our call had (drop the rest of the KV cache)
        gen.reader.n_tokens = st.cached_tokens
        f, tt, text, _ = raw_completion(gen.llm, gen.prompts[-1], settings.max_tokens)
        raw_first.append(f)
        raw_total.append(tt)
        answered_first.append(answer.timings.first_token)
        if reader is not None:  # the second reference: no prefill model
            with own_reading(gen.llm):
                gen.llm.n_tokens = st.cached_tokens
                f, tt, own_text, _ = raw_completion(gen.llm, gen.prompts[-1], settings.max_tokens)
            own_first.append(f)
            own_total.append(tt)
            same_text += own_text == text

    n = len(items)
    print(f"\n## warm: {n} questions of {DEFAULT_SET.name}, {refused} refused before generation")
    print(f"first text shown (verified sentence or refusal), all questions: {p50_p95(first_text)}")
    print(f"whole answer, all questions:                                  {p50_p95(total)}")
    print(f"first token, questions that reached the model:                {p50_p95(first_token)}")
    print(f"  reference, llama.cpp direct on the same prompts:            {p50_p95(raw_first)}")
    print(
        f"  pipeline overhead before the first token: p50 "
        f"{(statistics.median(answered_first) - statistics.median(raw_first)) * 1000:.0f} ms"
    )
    print(f"whole generation, llama.cpp direct on the same prompts:       {p50_p95(raw_total)}")
    if own_first:
        print(f"  the 4-bit model reading its own prompts, first token:       {p50_p95(own_first)}")
        print(f"  the 4-bit model reading its own prompts, whole generation:  {p50_p95(own_total)}")
        print(f"  same text with and without the prefill model: {same_text}/{len(own_first)}")
    print(
        f"prompt tokens p50 {statistics.median(prompt_tokens):.0f}, "
        f"of which new (not cached) p50 {statistics.median(new_tokens):.0f}"
    )
    share = statistics.median(verify) / statistics.median(total)
    print(
        f"verification and confidence: p50 {statistics.median(verify) * 1000:.0f} ms per answer, "
        f"{share:.1%} of the median answer time (target: at most 10%)"
    )
    asked = [c for c in checked if c > 0]
    if asked:
        rest = [v - c for v, c in zip(verify, checked, strict=True)]
        print(
            f"  of which the self-check: asked for {len(asked)} of {len(checked)} answers, "
            f"p50 {statistics.median(asked) * 1000:.0f} ms when asked; the checks without it: p50 "
            f"{statistics.median(rest) * 1000:.0f} ms, "
            f"{statistics.median(rest) / statistics.median(total):.1%} of the median answer time"
        )

    if cold:
        warm_of = {i.question: a for i, a in zip(items, first_text, strict=True)}
        print(f"\n## cold: the first question after a start, {len(cold)} fresh processes")
        for q, run in zip(plain, cold, strict=False):
            print(
                f"start {run['ready']:.1f} s (instruction state {run['how']}); first text "
                f"{run['first_text']:.2f} s, the same question warm {warm_of[q]:.2f} s"
            )
        print(f"first text after start: p50 {statistics.median(r['first_text'] for r in cold):.2f} s")

    # ---- generation speed and prompt-lookup decoding on the same prompts
    prompts = gen.prompts[:8]
    raw = []
    for messages in prompts:
        f, tt, _, k = raw_completion(gen.llm, messages, 48)
        raw.append((k - 1) / (tt - f) if k > 1 else 0.0)
    print(
        f"\ngeneration after the first token: ours {statistics.median(speed):.1f} tok/s, "
        f"llama.cpp direct {statistics.median(raw):.1f} tok/s"
    )
    lookup(gen, prompts, settings.max_tokens)


def lookup(gen: LlamaGenerator, prompts: list[list[Message]], max_tokens: int) -> None:
    """Prompt-lookup speculative decoding vs plain decoding, both greedy, same prompts."""
    if not prompts:
        return
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    with contextlib.redirect_stderr(io.StringIO()):
        spec = Llama(
            model_path=str(gen.model_path),
            n_ctx=gen.n_ctx,
            n_threads=gen.threads,
            n_threads_batch=gen.threads,
            seed=0,
            verbose=False,
            logits_all=True,  # the draft check needs every position's logits
            draft_model=LlamaPromptLookupDecoding(num_pred_tokens=10),
        )
    plain_s, spec_s, same = [], [], 0
    for messages in prompts:
        with own_reading(gen.llm):  # both read their own prompts: only decoding differs
            for llm in (gen.llm, spec):
                llm.n_tokens = 0
                raw_completion(llm, messages, 1)  # the prompt read: time only decoding below
            fp, tp, text_p, kp = raw_completion(gen.llm, messages, max_tokens)
        fs, ts, text_s, ks = raw_completion(spec, messages, max_tokens)
        plain_s.append((kp - 1) / (tp - fp) if kp > 1 else 0.0)
        spec_s.append((ks - 1) / (ts - fs) if ks > 1 else 0.0)
        same += text_p == text_s
    ratio = statistics.median(spec_s) / statistics.median(plain_s)
    print(
        f"prompt-lookup decoding (10 draft tokens): {statistics.median(spec_s):.1f} tok/s vs plain "
        f"{statistics.median(plain_s):.1f} tok/s (x{ratio:.2f}); identical output {same}/{len(prompts)}; "
        f"{'kept' if ratio >= 1.2 and same == len(prompts) else 'not kept'} (needs x1.2 and identical output)"
    )


if __name__ == "__main__":
    main()
