"""Replay the model's recorded answers through the checks and confidence of this tree.

A change to the checks or to the confidence does not change what the model writes, so its
effect on a question set can be measured without generating again: each recorded answer
(``Row.raw`` of a report written by ``rag eval --record``) is streamed through the whole
answer path as if the model wrote it now, retrieval included. The model is still asked its
self-check wherever the new checks ask it, and the recorded certainty stands in for the
token probabilities. The replayed report is written like ``rag eval --record`` writes one,
and ``--compare`` lists the questions whose outcome at the shipped threshold changed.

    .venv/bin/python scripts/replay.py --report rec/report.json --set eval/mixed/qa.jsonl \\
        --corpus eval/mixed/corpus --index /tmp/idx --out replayed [--compare other/report.json]
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.confidence import Calibration, load_calibration
from rag.evaluate import Report, build_report, load_set, run, write_report
from rag.generators import GenerationStats, Generator, Message
from rag.pipeline import Pipeline, offline_environment
from rag.settings import Settings
from rag.types import Answer


class Replayed:
    """A generator that writes the recorded answer to the question being asked, and passes
    the self-check on to the real model."""

    def __init__(self, model: Generator, recorded: dict[str, tuple[str, float | None]]) -> None:
        self.model = model
        self.recorded = recorded
        self.stats = GenerationStats()
        self.current = ""  # the question being asked

    def stream(
        self,
        messages: list[Message],
        max_tokens: int,
        cancel: threading.Event | None = None,
        stats: GenerationStats | None = None,
    ) -> Iterator[str]:
        # a question refused before generation when it was recorded has no answer to replay
        text, certainty = self.recorded.get(self.current, ("", None))
        stats = stats if stats is not None else self.stats
        if certainty is not None:
            stats.token_probs = [certainty]
        for i in range(0, len(text), 4):  # a few characters at a time, as tokens come
            yield text[i : i + 4]

    def count_tokens(self, text: str) -> int:
        return self.model.count_tokens(text)

    def yes_probability(self, messages: list[Message], yes: str, no: str) -> float | None:
        return self.model.yes_probability(messages, yes, no)

    def warm(self, messages: list[Message], state_dir: Path | None = None) -> str:
        return ""


class ReplayPipeline(Pipeline):
    def __init__(self, settings: Settings, replayed: Replayed, calibration: Calibration) -> None:
        super().__init__(settings, generator=replayed, calibration=calibration)
        self.replayed = replayed

    def ask(self, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
        self.replayed.current = question
        return super().ask(question, history)


def _status(row: Any, threshold: float) -> str:
    shown = row.verified and row.confidence is not None and row.confidence >= threshold
    if not row.answerable:
        return "answered" if shown else "abstained"
    if not shown:
        return "refused"
    return "right" if row.right_if_answered else "wrong"


def figures(report: Report, threshold: float) -> str:
    """Accuracy, false abstention, abstention and citation precision at the threshold."""
    status = [(_status(r, threshold), r) for r in report.rows]
    answerable = max(1, sum(r.answerable for r in report.rows))
    unanswerable = max(1, sum(not r.answerable for r in report.rows))
    shown = [r.citation_precision for s, r in status if s in ("right", "wrong", "answered")]
    cited = [c for c in shown if c is not None]
    count = {k: sum(1 for s, _ in status if s == k) for k in ("right", "refused", "abstained")}
    return (
        f"accuracy {count['right'] / answerable:.3f}, false abstention {count['refused'] / answerable:.3f}, "
        f"abstention {count['abstained'] / unanswerable:.3f}, "
        f"citation precision {sum(cited) / max(1, len(cited)):.3f} of {len(cited)}"
    )


def compare(new: Report, old: Report, threshold: float) -> str:
    before = {r.id: r for r in old.rows}
    lines = []
    for r in new.rows:
        o = before.get(r.id)
        if o is None:
            continue
        a, b = _status(o, threshold), _status(r, threshold)
        if a != b:
            lines.append(
                f"{r.id}: {a} -> {b} ({o.confidence or 0:.2f} -> {r.confidence or 0:.2f}) {r.answer[:70]!r}"
            )
    return "\n".join(lines) or "no outcome changed"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", type=Path, required=True, help="a report of rag eval --record")
    ap.add_argument("--set", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--compare", type=Path, help="another report to compare with, at the shipped threshold")
    args = ap.parse_args()
    offline_environment()
    recorded_report = json.loads(args.report.read_text(encoding="utf-8"))
    items = {it.id: it for it in load_set(args.set)}
    recorded: dict[str, tuple[str, float | None]] = {}
    for row in recorded_report["rows"]:
        if row["id"] in items and row.get("raw"):
            recorded[items[row["id"]].question] = (row["raw"], row.get("features", {}).get("certainty"))
    settings = Settings(corpus_dir=args.corpus, index_dir=args.index)
    calibration = load_calibration().model_copy(update={"threshold": 0.0})
    real = Pipeline(settings)
    pipeline = ReplayPipeline(settings, Replayed(real.generator, recorded), calibration)
    name = str(recorded_report["rows"][0]["set"])
    rows = run(pipeline, list(items.values()), name)
    report = build_report(pipeline, rows, False)
    write_report(report, args.out)
    threshold = load_calibration().threshold
    if args.compare:
        other = Report.model_validate_json(args.compare.read_text(encoding="utf-8"))
        print(compare(report, other, threshold))
        print(f"compared: {figures(other, threshold)}")
    print(f"replayed: {figures(report, threshold)}")


if __name__ == "__main__":
    main()
