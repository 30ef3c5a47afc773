"""Answer benchmark with the default 1.5B model over the evaluation set.

Prints time to first token and total (p50/p95), prompt and new (uncached) prompt tokens,
generated tokens/s, the ratio of our streaming speed to llama.cpp's own (the same model
object called directly, same prompt, no pipeline), and the prefix-cache effect.

    .venv/bin/python scripts/bench_answer.py [--limit 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

from rag.answer import build_messages
from rag.context import select_passages
from rag.evaluate import DEFAULT_SET, load_set
from rag.generate import LlamaGenerator
from rag.pipeline import Pipeline, offline_environment
from rag.question import read


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def raw_llama_speed(gen: LlamaGenerator, messages: list[dict[str, str]], max_tokens: int) -> float:
    """Tokens/s of llama-cpp-python's own streaming chat completion, after the first token."""
    llm = gen.llm
    first = None
    n = 0
    for chunk in llm.create_chat_completion(
        messages=messages, max_tokens=max_tokens, temperature=0.0, top_k=1, stream=True
    ):
        if chunk["choices"][0].get("delta", {}).get("content"):
            n += 1
            if first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    return (n - 1) / (end - first) if first and n > 1 else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=30, help="answerable questions to time")
    args = ap.parse_args()
    offline_environment()
    pipeline = Pipeline()
    gen = pipeline.generator
    assert isinstance(gen, LlamaGenerator)
    items = [i for i in load_set(DEFAULT_SET) if i.answerable and not i.history][: args.limit]

    t = time.perf_counter()
    pipeline.warm_up()
    print(f"model load + instruction prefix: {time.perf_counter() - t:.1f} s")

    first, total, prompt, new, speed, checks = [], [], [], [], [], []
    for item in items:
        answer = pipeline.ask(item.question)
        st = gen.stats
        if answer.abstained and st.generated_tokens == 0:
            continue
        first.append(answer.timings.first_token)
        total.append(answer.timings.total)
        checks.append(answer.timings.verify)
        prompt.append(st.prompt_tokens)
        new.append(st.prompt_tokens - st.cached_tokens)
        if st.tokens_per_s:
            speed.append(st.tokens_per_s)
    print(f"\n{len(total)} answered questions (default 1.5B model, {gen.threads} threads)")
    print(f"time to first token: p50 {statistics.median(first):.2f} s, p95 {pct(first, 0.95):.2f} s")
    print(f"total answer time:   p50 {statistics.median(total):.2f} s, p95 {pct(total, 0.95):.2f} s")
    print(
        f"prompt tokens: p50 {statistics.median(prompt):.0f}, "
        f"of which new (not cached) p50 {statistics.median(new):.0f}"
    )
    print(f"generated tokens/s: median {statistics.median(speed):.1f}")
    share = statistics.median(checks) / statistics.median(total)
    print(
        f"verification and confidence: p50 {statistics.median(checks) * 1000:.0f} ms per answer, "
        f"{share:.1%} of the median answer time (target: at most 10%)"
    )

    # ours vs llama.cpp's own on the same prompts, interleaved so both see the same machine state
    ours, raw = [], []
    index = pipeline.index
    for item in items[:5]:
        question = read(item.question)
        hits = pipeline.retriever.retrieve(question.query, k=pipeline.settings.top_k)
        passages = select_passages(question, hits, index.lexicon, budget=pipeline.settings.context_chars)
        messages = build_messages(question, passages)
        for _ in gen.stream(messages, 48):
            pass
        ours.append(gen.stats.tokens_per_s)
        raw.append(raw_llama_speed(gen, messages, 48))
    ratio = statistics.median(ours) / statistics.median(raw)
    print(
        f"\ngeneration speed, same prompts: ours {statistics.median(ours):.1f} tok/s, "
        f"llama.cpp direct {statistics.median(raw):.1f} tok/s, ratio {ratio:.2f}"
    )

    # prefix cache: the same question with the KV cache cleared vs with the instructions cached
    cold, warm = [], []
    for i, item in enumerate(items[:5]):
        gen.llm.reset()
        cold.append(pipeline.ask(item.question).timings.first_token)
        pipeline.ask(items[i + 5].question)  # another question: only the instructions stay shared
        warm.append(pipeline.ask(item.question).timings.first_token)
    print(
        f"prefix cache: first token p50 {statistics.median(cold):.2f} s with an empty cache, "
        f"{statistics.median(warm):.2f} s with the instructions cached"
    )


if __name__ == "__main__":
    main()
