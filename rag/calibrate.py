"""``rag calibrate``: fit the confidence on recorded evaluation reports and choose the threshold.

Reports come from ``rag eval --record`` (threshold 0: every verified answer kept with its
signals). The fit takes their verified answers, each named set weighing as much as another;
the threshold maximises the mean over the sets of each set's mean of accuracy on answerable
questions and abstention on unanswerable ones, averaged over 0.05 either side of it. The
result, with the names of the reports' sets, the number of questions and the date, goes to
``rag/data/calibration.json``.
Figures at the chosen threshold are printed per set, in-sample and by 5-fold cross-validation.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from .confidence import CALIBRATION_FILE, THRESHOLD_WINDOW, Calibration, write_calibration
from .errors import InputError
from .evaluate import Report, fitted, labelled, score
from .metrics import Row


def _read(path: Path) -> Report:
    try:
        return Report.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read report {path}: {exc}") from exc


def _figures(rows: list[Row], scores: list[float], t: float) -> str:
    ans = [(r, s) for r, s in zip(rows, scores, strict=True) if r.answerable]
    una = [(r, s) for r, s in zip(rows, scores, strict=True) if not r.answerable]
    acc = sum(1 for r, s in ans if r.right_if_answered and s >= t) / max(1, len(ans))
    false = sum(1 for _, s in ans if s < t) / max(1, len(ans))
    abst = sum(1 for _, s in una if s < t) / max(1, len(una))
    # citation precision over the answers kept at this threshold, as a run at it would report
    kept = [r.citation_precision for r, s in zip(rows, scores, strict=True) if s >= t]
    cited = [p for p in kept if p is not None]
    precision = f", citation precision {sum(cited) / len(cited):.3f} of {len(cited)} answers" if cited else ""
    return (
        f"accuracy {acc:.3f} on {len(ans)} answerable (false abstention {false:.3f}), "
        f"abstention {abst:.3f} on {len(una)} unanswerable{precision}"
    )


def calibrate(paths: list[Path], out: Path, l2: float = 1.0, folds: int = 5) -> Calibration:
    rows = [r for p in paths for r in _read(p).rows]
    if not any(r.verified for r in rows):
        raise InputError("the reports hold no verified answers: run `rag eval --record` first")
    _, _, keep = labelled(rows)
    cal = fitted(rows, l2=l2)
    cal.fitted_on = sorted({r.set for r in rows})
    cal.questions = len(rows)
    cal.date = time.strftime("%Y-%m-%d")
    cal.note = (
        f"logistic model on {len(keep)} verified answers of {len(rows)} questions, each set weighing "
        "as much as another; threshold maximises the mean over the sets of "
        "mean(accuracy on answerable, abstention on unanswerable), averaged over "
        f"{THRESHOLD_WINDOW} either side"
    )
    write_calibration(cal, out)
    print(f"weights: {cal.weights}\nbias {cal.bias}, threshold {cal.threshold}")
    for name in cal.fitted_on:
        sub = [r for r in rows if r.set == name]
        print(f"{name} (in sample): {_figures(sub, [score(cal, r) for r in sub], cal.threshold)}")
    # out of sample: each fold scored by a model fitted on the others, at the threshold above
    order = list(range(len(keep)))
    random.Random(0).shuffle(order)
    cv: dict[int, float] = {}
    for f in range(folds):
        test = set(order[f::folds])
        fold_cal = fitted([keep[i] for i in order if i not in test], l2=l2)
        cv |= {id(keep[i]): score(fold_cal, keep[i]) for i in test}
    for name in cal.fitted_on:
        sub = [r for r in rows if r.set == name]
        figures = _figures(sub, [cv.get(id(r), -1.0) for r in sub], cal.threshold)
        print(f"{name} ({folds}-fold cross-validated): {figures}")
    for name in cal.fitted_on if len(cal.fitted_on) > 1 else []:
        print(f"{name} (fitted on the other sets): {_held_out(rows, name, l2)}")
    return cal


def _held_out(rows: list[Row], name: str, l2: float) -> str:
    """Figures on one set of a confidence and threshold fitted on the others alone: what a new
    corpus and question set would see. A recording at threshold 0 scored at a threshold gives
    what a run at that threshold gives: every refusal (before generation, before the self-check,
    after it) happens exactly when the confidence is below it."""
    cal = fitted([r for r in rows if r.set != name], l2=l2)
    test = [r for r in rows if r.set == name]
    return f"{_figures(test, [score(cal, r) for r in test], cal.threshold)}, threshold {cal.threshold:.3f}"


def run_cli(args: argparse.Namespace) -> int:
    calibrate(list(args.reports), args.out or CALIBRATION_FILE, l2=args.l2)
    print(f"calibration written to {args.out or CALIBRATION_FILE}")
    return 0
