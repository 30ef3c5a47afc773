"""``rag eval``: run a Q&A set through retrieve() and ask(); write report.json, report.md, charts."""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from .answer import resolve_followup
from .errors import InputError
from .normalize import fold
from .pipeline import Pipeline
from .settings import PROJECT_ROOT, Settings
from .types import Answer, Hit

DEFAULT_SET = PROJECT_ROOT / "eval" / "qa.jsonl"


class Gold(BaseModel):
    doc_id: str
    quote: str


class EvalItem(BaseModel):
    id: str
    question: str
    answer: str
    keys: list[list[str]] = Field(default_factory=list)  # each key: acceptable variants
    gold: list[Gold] = Field(default_factory=list)
    type: str
    answerable: bool
    history: list[tuple[str, str]] | None = None


def load_set(path: Path) -> list[EvalItem]:
    """Read a JSONL evaluation set; a bad line is an ``InputError`` naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read evaluation set {path}: {exc.strerror}") from exc
    items = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            items.append(EvalItem.model_validate_json(line))
        except ValidationError as exc:
            raise InputError(f"{path}:{no} is not a valid item: {exc.errors()[0]['msg']}") from exc
    if not items:
        raise InputError(f"evaluation set {path} is empty")
    return items


def validate_set(items: list[EvalItem], doc_texts: dict[str, str]) -> list[str]:
    """Problems of a set: unknown documents, quotes not in them, keys not in quotes, dup ids."""
    problems = []
    seen: set[str] = set()
    for it in items:
        if it.id in seen:
            problems.append(f"{it.id}: duplicate id")
        seen.add(it.id)
        if it.answerable and (not it.keys or not it.gold):
            problems.append(f"{it.id}: answerable items need keys and gold quotes")
        for g in it.gold:
            if g.doc_id not in doc_texts:
                problems.append(f"{it.id}: unknown document {g.doc_id}")
            elif g.quote not in doc_texts[g.doc_id]:
                problems.append(f"{it.id}: quote not found in {g.doc_id}: {g.quote}")
        quotes = fold(" ".join(g.quote for g in it.gold))
        for key in it.keys:
            if not any(fold(v) in quotes for v in key):
                problems.append(f"{it.id}: key {key} is in none of its quotes")
    return problems


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


def has_keys(text: str, keys: list[list[str]]) -> bool:
    t = _squash(text)
    return all(any(_squash(v) in t for v in key) for key in keys)


def char_f1(prediction: str, reference: str) -> float:
    p = list(_squash(re.sub(r"\[\d+\]", "", prediction)))
    r = list(_squash(reference))
    if not p or not r:
        return 0.0
    common: dict[str, int] = defaultdict(int)
    for ch in r:
        common[ch] += 1
    overlap = 0
    for ch in p:
        if common[ch] > 0:
            overlap += 1
            common[ch] -= 1
    if not overlap:
        return 0.0
    precision, recall = overlap / len(p), overlap / len(r)
    return 2 * precision * recall / (precision + recall)


def retrieval_metrics(item: EvalItem, hits: list[Hit]) -> dict[str, float]:
    gold_docs = {g.doc_id for g in item.gold}
    out: dict[str, float] = {}
    for k in (1, 3, 5):
        out[f"recall@{k}"] = float(has_keys(" ".join(h.text for h in hits[:k]), item.keys))
    # a gold document counts once, at its best rank
    seen: set[str] = set()
    rel = []
    for h in hits[:5]:
        rel.append(1.0 if h.doc_id in gold_docs and h.doc_id not in seen else 0.0)
        seen.add(h.doc_id)
    out["mrr"] = next((1.0 / (i + 1) for i, r in enumerate(rel) if r), 0.0)
    dcg = sum(r / math.log2(i + 2) for i, r in enumerate(rel))
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(5, max(1, len(gold_docs)))))
    out["ndcg@5"] = dcg / ideal
    return out


def answer_metrics(item: EvalItem, answer: Answer) -> dict[str, float]:
    out: dict[str, float] = {}
    if not item.answerable:
        out["abstained"] = float(answer.abstained)
        out["correct"] = float(answer.abstained)
        return out
    out["false_abstention"] = float(answer.abstained)
    out["correct"] = float(not answer.abstained and has_keys(answer.text, item.keys))
    out["char_f1"] = 0.0 if answer.abstained else char_f1(answer.text, item.answer)
    if not answer.abstained and answer.citations:
        holds = [
            any(any(_squash(v) in _squash(c.text) for v in key) for key in item.keys)
            for c in answer.citations
        ]
        out["citation_precision"] = sum(holds) / len(holds)
        cited = " ".join(c.text for c in answer.citations)
        out["citation_recall"] = sum(
            any(_squash(v) in _squash(cited) for v in key) for key in item.keys
        ) / len(item.keys)
    return out


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))], 3)


def summarise(rows: list[dict[str, object]]) -> dict[str, float | None]:
    def col(name: str, where: bool | None = None) -> list[float]:
        return [float(r[name]) for r in rows if name in r and (where is None or r["answerable"] == where)]  # type: ignore[arg-type]

    out: dict[str, float | None] = {"n": float(len(rows))}
    for name in ("recall@1", "recall@3", "recall@5", "mrr", "ndcg@5"):
        out[name] = _mean(col(name, True))
    for name in (
        "correct",
        "char_f1",
        "citation_precision",
        "citation_recall",
        "false_abstention",
        "abstained",
    ):
        out[name] = _mean(col(name))
    out["accuracy_answerable"] = _mean(col("correct", True))
    for name in ("retrieve_s", "first_token_s", "total_s"):
        out[f"{name}_p50"] = _pct(col(name), 0.5)
        out[f"{name}_p95"] = _pct(col(name), 0.95)
    out["prompt_tokens_p50"] = _pct(col("prompt_tokens"), 0.5)
    out["tokens_per_s"] = _mean([v for v in col("tokens_per_s") if v > 0])
    return out


def run(
    pipeline: Pipeline, items: list[EvalItem], retrieval_only: bool = False, progress: bool = True
) -> dict[str, object]:
    from tqdm import tqdm

    rows: list[dict[str, object]] = []
    lexicon = pipeline.index.lexicon
    for item in tqdm(items, desc="evaluating", unit="q", file=sys.stderr, disable=not progress):
        history = [tuple(h) for h in item.history] if item.history else None
        query = resolve_followup(item.question, history, lexicon)  # type: ignore[arg-type]
        started = time.perf_counter()
        hits = pipeline.retrieve(query, k=5)
        row: dict[str, object] = {
            "id": item.id,
            "type": item.type,
            "answerable": item.answerable,
            "retrieve_s": time.perf_counter() - started,
            "top": [h.chunk_id for h in hits],
        }
        if item.answerable:
            row.update(retrieval_metrics(item, hits))
        if not retrieval_only:
            answer = pipeline.ask(item.question, history)  # type: ignore[arg-type]
            gen = answer.timings.total - answer.timings.first_token
            row.update(answer_metrics(item, answer))
            row.update(
                {
                    "answer": answer.text,
                    "abstained_flag": answer.abstained,
                    "first_token_s": answer.timings.first_token or answer.timings.total,
                    "total_s": answer.timings.total,
                    "prompt_tokens": answer.prompt_tokens,
                    "tokens_per_s": answer.generated_tokens / gen
                    if gen > 0 and answer.generated_tokens > 1
                    else 0.0,
                    "removed": answer.removed,
                }
            )
        rows.append(row)
    by_type: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in rows:
        by_type[str(r["type"])].append(r)
    return {
        "settings": {
            "embedder": pipeline.embedder.id,
            "top_k": pipeline.settings.top_k,
            "context_passages": pipeline.settings.context_passages,
            "model": str(pipeline.settings.model_path or "bundled default"),
            "retrieval_only": retrieval_only,
        },
        "overall": summarise(rows),
        "by_type": {t: summarise(rs) for t, rs in sorted(by_type.items())},
        "rows": rows,
    }


_MD_METRICS = [
    ("recall@1", "recall@1"),
    ("recall@3", "recall@3"),
    ("recall@5", "recall@5"),
    ("mrr", "MRR"),
    ("ndcg@5", "nDCG@5"),
    ("accuracy_answerable", "accuracy (answerable)"),
    ("correct", "correct (all)"),
    ("char_f1", "char F1"),
    ("citation_precision", "citation precision"),
    ("citation_recall", "citation recall"),
    ("abstained", "abstained (unanswerable)"),
    ("false_abstention", "false abstention"),
    ("retrieve_s_p50", "retrieve p50 s"),
    ("retrieve_s_p95", "retrieve p95 s"),
    ("first_token_s_p50", "first token p50 s"),
    ("first_token_s_p95", "first token p95 s"),
    ("total_s_p50", "total p50 s"),
    ("total_s_p95", "total p95 s"),
    ("prompt_tokens_p50", "prompt tokens p50"),
    ("tokens_per_s", "generated tokens/s"),
]


def _fmt(v: object) -> str:
    return "–" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def to_markdown(report: dict[str, object]) -> str:
    overall: dict[str, object] = report["overall"]  # type: ignore[assignment]
    by_type: dict[str, dict[str, object]] = report["by_type"]  # type: ignore[assignment]
    types = list(by_type)
    lines = [
        "# Evaluation report",
        "",
        f"settings: `{json.dumps(report['settings'], ensure_ascii=False)}`",
        "",
    ]
    lines += ["| metric | overall | " + " | ".join(types) + " |", "|---|---|" + "---|" * len(types)]
    for key, label in _MD_METRICS:
        if overall.get(key) is None and all(by_type[t].get(key) is None for t in types):
            continue
        lines.append(
            f"| {label} | {_fmt(overall.get(key))} | "
            + " | ".join(_fmt(by_type[t].get(key)) for t in types)
            + " |"
        )
    lines += ["", f"questions: {int(float(str(overall['n'])))}", ""]
    return "\n".join(lines)


def compare(report: dict[str, object], old: dict[str, object]) -> str:
    new_o: dict[str, object] = report["overall"]  # type: ignore[assignment]
    old_o: dict[str, object] = old["overall"]  # type: ignore[assignment]
    lines = ["| metric | before | after | change |", "|---|---|---|---|"]
    for key, label in _MD_METRICS:
        a, b = old_o.get(key), new_o.get(key)
        if a is None and b is None:
            continue
        delta = (
            f"{float(b) - float(a):+.3f}"
            if isinstance(a, int | float) and isinstance(b, int | float)
            else "–"
        )  # type: ignore[arg-type]
        lines.append(f"| {label} | {_fmt(a)} | {_fmt(b)} | {delta} |")
    return "\n".join(lines)


def write_charts(report: dict[str, object], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_type: dict[str, dict[str, float | None]] = report["by_type"]  # type: ignore[assignment]
    paths = []
    types = list(by_type)
    metric = "recall@3" if report["settings"]["retrieval_only"] else "correct"  # type: ignore[index]
    values = [by_type[t].get(metric) or 0.0 for t in types]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.bar(types, values, color="#3b82f6")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} by question type")
    ax.tick_params(axis="x", rotation=35)
    fig.tight_layout()
    paths.append(out / "by_type.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    rows: list[dict[str, object]] = report["rows"]  # type: ignore[assignment]
    totals = [float(r["total_s"]) for r in rows if "total_s" in r]  # type: ignore[arg-type]
    if totals:
        fig, ax = plt.subplots(figsize=(6, 3.4))
        ax.hist(totals, bins=20, color="#10b981")
        ax.set_xlabel("seconds per answer")
        ax.set_ylabel("questions")
        ax.set_title("answer latency")
        fig.tight_layout()
        paths.append(out / "latency.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths


def write_report(report: dict[str, object], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "report.md").write_text(to_markdown(report), encoding="utf-8")
    write_charts(report, out)


def check_thresholds(report: dict[str, object], args: argparse.Namespace) -> list[str]:
    overall: dict[str, float | None] = report["overall"]  # type: ignore[assignment]
    failures = []
    for flag, key in (
        ("min_recall", "recall@3"),
        ("min_recall1", "recall@1"),
        ("min_accuracy", "accuracy_answerable"),
        ("min_abstention", "abstained"),
    ):
        limit = getattr(args, flag, None)
        value = overall.get(key)
        if limit is not None and (value is None or value < limit):
            failures.append(f"{key} = {value} is below --{flag.replace('_', '-')} {limit}")
    return failures


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    items = load_set(args.eval_set or DEFAULT_SET)
    if args.limit:
        items = items[: args.limit]
    pipeline = Pipeline(settings)
    report = run(pipeline, items, retrieval_only=args.retrieval_only)
    write_report(report, args.out)
    print(to_markdown(report))
    if args.compare:
        try:
            old = json.loads(Path(args.compare).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read --compare report {args.compare}: {exc}") from exc
        print(compare(report, old))
    print(f"report written to {args.out}/")
    failures = check_thresholds(report, args)
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    return 1 if failures else 0
