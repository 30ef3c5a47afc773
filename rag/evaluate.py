"""``rag eval``: run Q&A sets through retrieve() and ask(); write report.json, report.md, charts.

The report has figures for the whole run, for each named set (one per ``--set`` file) and
for each question type; the coverage/risk curve of the confidence with the operating point;
and an ablation that refits the confidence without each signal in turn (5-fold
cross-validation over the run's questions) to show what each one is worth.

``rag eval --record`` runs with the abstention threshold at 0, so that every verified answer
is kept with its signals: ``rag calibrate`` fits the confidence on such reports.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from .confidence import FEATURES, Calibration, by_sets, choose_threshold, fit, load_calibration
from .context import select_passages
from .errors import InputError
from .metrics import (
    EvalItem,
    Row,
    Summary,
    answer_metrics,
    coverage_risk,
    has_keys,
    retrieval_metrics,
    summarise,
)
from .normalize import fold
from .pipeline import Pipeline
from .question import resolve
from .settings import PROJECT_ROOT, Settings

DEFAULT_SET = PROJECT_ROOT / "eval" / "qa.jsonl"


class Ablation(BaseModel):
    """Balanced score (mean of accuracy on answerable and abstention on unanswerable
    questions) of the confidence refitted with all signals, and without each one."""

    all_signals: float
    without: dict[str, float]


class Report(BaseModel):
    settings: dict[str, object]
    calibration: dict[str, object]
    overall: Summary
    sets: dict[str, Summary]
    by_type: dict[str, Summary]
    curve: list[tuple[float, float, float]] = Field(default_factory=list)
    ablation: Ablation | None = None
    rows: list[Row]


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


def run(
    pipeline: Pipeline,
    items: list[EvalItem],
    set_name: str = "set",
    retrieval_only: bool = False,
    progress: bool = True,
) -> list[Row]:
    from tqdm import tqdm

    rows: list[Row] = []
    for item in tqdm(items, desc=f"evaluating {set_name}", unit="q", file=sys.stderr, disable=not progress):
        history = [tuple(h) for h in item.history] if item.history else None
        question = resolve(item.question, history)  # type: ignore[arg-type]
        started = time.perf_counter()
        hits = pipeline.retriever.retrieve(pipeline.expand(question), k=5)
        row = Row(
            id=item.id,
            set=set_name,
            type=item.type,
            answerable=item.answerable,
            retrieve_s=time.perf_counter() - started,
            top=[h.chunk_id for h in hits],
        )
        if item.answerable:
            for k, v in retrieval_metrics(item, hits).items():
                setattr(row, k, v)
            wide = pipeline.retriever.retrieve(pipeline.expand(question), k=pipeline.settings.top_k + 3)
            given = select_passages(
                question,
                wide,
                pipeline.index.lexicon,
                max_passages=pipeline.settings.context_passages,
                budget=pipeline.settings.context_chars,
                similar=pipeline.similarity(question),
            )
            row.in_prompt = float(has_keys(" ".join(p.prompt_text for p in given), item.keys))
        if not retrieval_only:
            answer = pipeline.ask(item.question, history)  # type: ignore[arg-type]
            for k, v in answer_metrics(item, answer).items():
                setattr(row, k, v)
            gen = answer.timings.total - answer.timings.first_token
            shown = answer.text if not answer.abstained else answer.withheld
            row.answer = (
                answer.text if not answer.abstained else f"[abstained: {answer.reason}] {answer.withheld}"
            )
            row.confidence = answer.confidence
            row.reason = answer.reason
            row.features = answer.signals
            row.verified = bool(shown) and bool(answer.signals)
            row.right_if_answered = item.answerable and has_keys(shown, item.keys) if shown else None
            row.first_token_s = answer.timings.first_token or None
            row.first_text_s = answer.timings.first_text or answer.timings.total
            row.total_s = answer.timings.total
            row.prompt_tokens = answer.prompt_tokens or None
            row.tokens_per_s = (
                answer.generated_tokens / gen if gen > 0 and answer.generated_tokens > 1 else None
            )
            row.removed = answer.removed
            row.raw = answer.raw_text
        rows.append(row)
    return rows


def labelled(rows: list[Row]) -> tuple[list[dict[str, float]], list[int], list[Row]]:
    """Rows with a verified answer: their signals and whether the answer was right."""
    keep = [r for r in rows if r.verified and r.features]
    return [r.features for r in keep], [int(bool(r.right_if_answered)) for r in keep], keep


def fitted(rows: list[Row], l2: float = 1.0, drop: str | None = None) -> Calibration:
    """The confidence fitted on the verified answers of ``rows`` (without the signal ``drop``)
    and its threshold chosen on all of ``rows``; each named set weighs as much as another in
    both (see ``fit`` and ``choose_threshold``)."""
    feats, labels, keep = labelled(rows)
    cal = fit([_without(f, drop) for f in feats], labels, l2=l2, groups=[r.set for r in keep])
    cal.threshold = choose_threshold(
        [score(cal, r, drop) for r in rows],
        [int(bool(r.right_if_answered)) for r in rows],
        [r.answerable for r in rows],
        [r.set for r in rows],
    )
    return cal


def score(cal: Calibration, row: Row, drop: str | None = None) -> float:
    """The confidence of a row's answer; -1 for a question with no verified answer."""
    return cal.probability(_without(row.features, drop)) if row.verified and row.features else -1.0


def _without(features: dict[str, float], drop: str | None) -> dict[str, float]:
    return {k: v for k, v in features.items() if k != drop}


def _scores_with(rows: list[Row], drop: str | None, folds: int = 5, seed: int = 0) -> float:
    """Balanced score (the mean over the named sets) of a confidence refitted without ``drop``,
    by cross-validation: each fold scored by a confidence fitted on the others."""
    _, _, keep = labelled(rows)
    if len(keep) < 2 * folds:
        return float("nan")
    order = list(range(len(keep)))
    random.Random(seed).shuffle(order)
    scores: dict[int, float] = {}
    for f in range(folds):
        test = set(order[f::folds])
        cal = fitted([keep[i] for i in order if i not in test], drop=drop)
        scores |= {id(keep[i]): score(cal, keep[i], drop) for i in test}
    all_scores = [scores.get(id(r), -1.0) for r in rows]
    right = [int(bool(r.right_if_answered)) for r in rows]
    answerable = [r.answerable for r in rows]
    groups = [r.set for r in rows]
    t = choose_threshold(all_scores, right, answerable, groups)
    return round(by_sets(all_scores, right, answerable, groups, t), 4)


def ablation(rows: list[Row]) -> Ablation | None:
    base = _scores_with(rows, None)
    if base != base:  # nan: too few answers to refit
        return None
    return Ablation(all_signals=base, without={k: _scores_with(rows, k) for k in FEATURES})


def build_report(pipeline: Pipeline, rows: list[Row], retrieval_only: bool) -> Report:
    by_set: dict[str, list[Row]] = defaultdict(list)
    by_type: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_set[r.set].append(r)
        by_type[r.type].append(r)
    cal = pipeline.calibration
    return Report(
        settings={
            "embedder": pipeline.embedder.id,
            "top_k": pipeline.settings.top_k,
            "context_passages": pipeline.settings.context_passages,
            "context_chars": pipeline.settings.context_chars,
            "model": str(pipeline.settings.model_path or "bundled default"),
            "retrieval_only": retrieval_only,
        },
        calibration={
            "threshold": cal.threshold,
            "fitted_on": cal.fitted_on,
            "questions": cal.questions,
            "date": cal.date,
        },
        overall=summarise(rows),
        sets={k: summarise(v) for k, v in sorted(by_set.items())},
        by_type={k: summarise(v) for k, v in sorted(by_type.items())},
        curve=coverage_risk(rows) if not retrieval_only else [],
        ablation=ablation(rows) if not retrieval_only else None,
        rows=rows,
    )


_MD_METRICS = [
    ("recall1", "recall@1"),
    ("recall3", "recall@3"),
    ("recall5", "recall@5"),
    ("mrr", "MRR"),
    ("ndcg5", "nDCG@5"),
    ("in_prompt", "answer in the prompt"),
    ("accuracy", "accuracy (answerable)"),
    ("abstention", "abstained (unanswerable)"),
    ("false_abstention", "false abstention"),
    ("citation_precision", "citation precision"),
    ("citation_recall", "citation recall"),
    ("char_f1", "char F1"),
    ("retrieve_p50", "retrieve p50 s"),
    ("retrieve_p95", "retrieve p95 s"),
    ("first_token_p50", "first token p50 s"),
    ("first_text_p50", "first verified text p50 s"),
    ("first_text_p95", "first verified text p95 s"),
    ("total_p50", "total p50 s"),
    ("total_p95", "total p95 s"),
    ("prompt_tokens_p50", "prompt tokens p50"),
    ("tokens_per_s", "generated tokens/s"),
]


def _fmt(v: object) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def _table(groups: dict[str, Summary]) -> list[str]:
    names = list(groups)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    lines.append("| questions | " + " | ".join(str(groups[n].n) for n in names) + " |")
    for key, label in _MD_METRICS:
        values = [getattr(groups[n], key) for n in names]
        if all(v is None for v in values):
            continue
        lines.append(f"| {label} | " + " | ".join(_fmt(v) for v in values) + " |")
    return lines


def to_markdown(report: Report) -> str:
    lines = [
        "# Evaluation report",
        "",
        f"settings: `{json.dumps(report.settings, ensure_ascii=False)}`",
        f"calibration: `{json.dumps(report.calibration, ensure_ascii=False)}`",
        "",
        "## Overall and by set",
        "",
        *_table({"overall": report.overall, **report.sets}),
        "",
        "## By question type",
        "",
        *_table(report.by_type),
        "",
    ]
    if report.curve:
        t = float(str(report.calibration.get("threshold", 0.0)))
        lines += [
            "## Coverage and risk of the confidence",
            "",
            "| threshold | answered | wrong among answered |",
        ]
        lines.append("|---|---|---|")
        shown = report.curve[:: max(1, len(report.curve) // 12)]
        point = min(report.curve, key=lambda c: abs(c[0] - t))
        for c in sorted(set(shown) | {point}):
            mark = " ← operating point" if c == point else ""
            lines.append(f"| {c[0]:.3f}{mark} | {c[1]:.3f} | {c[2]:.3f} |")
        lines.append("")
    if report.ablation is not None:
        lines += [
            "## What each signal is worth",
            "",
            "Balanced score (mean of accuracy on answerable and abstention on unanswerable questions) of "
            "the confidence refitted by 5-fold cross-validation on this run, with every signal and "
            "without each one:",
            "",
            "| signals | balanced score |",
            "|---|---|",
            f"| all | {report.ablation.all_signals:.3f} |",
        ]
        lines += [f"| without {k} | {v:.3f} |" for k, v in report.ablation.without.items()]
        lines.append("")
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
        )
        lines.append(f"| {label} | {_fmt(a)} | {_fmt(b)} | {delta} |")
    return "\n".join(lines)


def write_charts(report: Report, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    types = list(report.by_type)
    metric = "recall3" if report.settings.get("retrieval_only") else "accuracy"
    values = [getattr(report.by_type[t], metric) or 0.0 for t in types]
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
    totals = [r.total_s for r in report.rows if r.total_s is not None]
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
    if report.curve:
        fig, ax = plt.subplots(figsize=(5, 3.6))
        ax.plot([c[1] for c in report.curve], [c[2] for c in report.curve], marker=".", color="#6366f1")
        t = float(str(report.calibration.get("threshold", 0.0)))
        point = min(report.curve, key=lambda c: abs(c[0] - t))
        ax.scatter([point[1]], [point[2]], color="#dc2626", zorder=3, label=f"threshold {t:.2f}")
        ax.set_xlabel("share of questions answered")
        ax.set_ylabel("share of answers that are wrong")
        ax.set_title("coverage and risk")
        ax.legend()
        fig.tight_layout()
        paths.append(out / "coverage_risk.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths


def write_report(report: Report, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(report.model_dump_json(indent=1), encoding="utf-8")
    (out / "report.md").write_text(to_markdown(report), encoding="utf-8")
    write_charts(report, out)


def check_thresholds(report: Report, args: argparse.Namespace) -> list[str]:
    failures = []
    for flag, key in (
        ("min_recall", "recall3"),
        ("min_recall1", "recall1"),
        ("min_accuracy", "accuracy"),
        ("min_abstention", "abstention"),
    ):
        limit = getattr(args, flag, None)
        value = getattr(report.overall, key)
        if limit is not None and (value is None or value < limit):
            failures.append(f"{key} = {value} is below --{flag.replace('_', '-')} {limit}")
    return failures


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    paths = args.eval_set or [DEFAULT_SET]
    calibration = None
    if args.record:
        path = settings.calibration_file
        calibration = (load_calibration(path) if path else load_calibration()).model_copy(
            update={"threshold": 0.0}
        )
    pipeline = Pipeline(settings, calibration=calibration)
    print(pipeline.reindex())  # measure the corpus as it is now, not an older build of it
    rows: list[Row] = []
    for path in paths:
        items = load_set(path)
        if args.limit:
            items = items[: args.limit]
        name = f"{Path(path).parent.name}/{Path(path).stem}"
        rows += run(pipeline, items, name, retrieval_only=args.retrieval_only)
    report = build_report(pipeline, rows, args.retrieval_only)
    write_report(report, args.out)
    print(to_markdown(report))
    if args.compare:
        try:
            old = json.loads(Path(args.compare).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read --compare report {args.compare}: {exc}") from exc
        print(compare(report.model_dump(), old))
    print(f"report written to {args.out}/")
    failures = check_thresholds(report, args)
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    return 1 if failures else 0
