"""Metrics of one evaluated question, and summaries of many (pure functions, no models)."""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict

from pydantic import BaseModel, Field

from .figures import cn_to_number
from .normalize import fold
from .types import Answer, Hit

_CN_NUM_RE = re.compile("[零〇一二两三四五六七八九十百千]{1,6}(?=[次个名位届年月日天倍项家条种场])")


class Gold(BaseModel):
    doc_id: str
    quote: str


class EvalItem(BaseModel):
    """One question of an evaluation set (a JSONL line)."""

    id: str
    question: str
    answer: str
    keys: list[list[str]] = Field(default_factory=list)  # each key: acceptable variants
    gold: list[Gold] = Field(default_factory=list)
    type: str
    answerable: bool
    history: list[tuple[str, str]] | None = None


class Row(BaseModel):
    """The outcome of one question: retrieval and answer metrics, and the answer's signals."""

    id: str
    set: str
    type: str
    answerable: bool
    top: list[str] = Field(default_factory=list)
    retrieve_s: float = 0.0
    recall1: float | None = None
    recall3: float | None = None
    recall5: float | None = None
    mrr: float | None = None
    ndcg5: float | None = None
    in_prompt: float | None = None  # the answer's keys are in the passages the model was given
    answer: str = ""
    abstained: bool | None = None
    correct: float | None = None  # answerable: right facts; unanswerable: abstained
    char_f1: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    confidence: float | None = None
    reason: str = ""
    features: dict[str, float] = Field(default_factory=dict)
    verified: bool = False  # a verified answer existed before the confidence decided
    right_if_answered: bool | None = None  # was that verified answer right (shown or withheld)
    first_token_s: float | None = None
    first_text_s: float | None = None
    total_s: float | None = None
    prompt_tokens: int | None = None
    tokens_per_s: float | None = None
    removed: list[str] = Field(default_factory=list)
    raw: str = ""  # the model's whole text before the checks: replayed through changed checks


def squash(text: str) -> str:
    """Folded text without spaces, Chinese numerals written as digits (第三次 = 第3次)."""
    return _CN_NUM_RE.sub(_digits, re.sub(r"\s+", "", fold(text)))


def _digits(m: re.Match[str]) -> str:
    value = cn_to_number(m.group(0))
    return str(int(value)) if value is not None and value.is_integer() else m.group(0)


def has_keys(text: str, keys: list[list[str]]) -> bool:
    t = squash(text)
    return all(any(squash(v) in t for v in key) for key in keys)


def char_f1(prediction: str, reference: str) -> float:
    p = list(squash(re.sub(r"\[\d+\]", "", prediction)))
    r = list(squash(reference))
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


def _same_doc(hit_id: str, gold_id: str) -> bool:
    """A gold doc_id written without the file's extension (sets made before ids kept it)
    names the same document."""
    return hit_id == gold_id or (
        "." not in gold_id.rsplit("/", 1)[-1] and hit_id.rsplit(".", 1)[0] == gold_id
    )


def retrieval_metrics(item: EvalItem, hits: list[Hit]) -> dict[str, float]:
    gold_docs = {g.doc_id for g in item.gold}
    out: dict[str, float] = {}
    for k in (1, 3, 5):
        out[f"recall{k}"] = float(has_keys(" ".join(h.text for h in hits[:k]), item.keys))
    seen: set[str] = set()  # a gold document counts once, at its best rank
    rel = []
    for h in hits[:5]:
        gold = any(_same_doc(h.doc_id, g) for g in gold_docs)
        rel.append(1.0 if gold and h.doc_id not in seen else 0.0)
        seen.add(h.doc_id)
    out["mrr"] = next((1.0 / (i + 1) for i, r in enumerate(rel) if r), 0.0)
    dcg = sum(r / math.log2(i + 2) for i, r in enumerate(rel))
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(5, max(1, len(gold_docs)))))
    out["ndcg5"] = dcg / ideal
    return out


def answer_metrics(item: EvalItem, answer: Answer) -> dict[str, float | bool]:
    out: dict[str, float | bool] = {"abstained": answer.abstained}
    if not item.answerable:
        out["correct"] = float(answer.abstained)
        return out
    out["correct"] = float(not answer.abstained and has_keys(answer.text, item.keys))
    out["char_f1"] = 0.0 if answer.abstained else char_f1(answer.text, item.answer)
    if not answer.abstained and answer.citations:
        holds = [
            any(any(squash(v) in squash(c.text) for v in key) for key in item.keys) for c in answer.citations
        ]
        out["citation_precision"] = sum(holds) / len(holds)
        cited = " ".join(c.text for c in answer.citations)
        out["citation_recall"] = sum(any(squash(v) in squash(cited) for v in key) for key in item.keys) / len(
            item.keys
        )
    return out


def mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))], 3)


class Summary(BaseModel):
    """Figures of a group of rows (a whole set, one question type, one named set)."""

    n: int
    answerable: int
    unanswerable: int
    recall1: float | None = None
    recall3: float | None = None
    recall5: float | None = None
    mrr: float | None = None
    ndcg5: float | None = None
    in_prompt: float | None = None
    accuracy: float | None = None  # answerable questions answered with the right facts
    abstention: float | None = None  # unanswerable questions abstained
    false_abstention: float | None = None  # answerable questions abstained
    citation_precision: float | None = None
    citation_recall: float | None = None
    char_f1: float | None = None
    retrieve_p50: float | None = None
    retrieve_p95: float | None = None
    first_token_p50: float | None = None
    first_token_p95: float | None = None
    first_text_p50: float | None = None
    first_text_p95: float | None = None
    total_p50: float | None = None
    total_p95: float | None = None
    prompt_tokens_p50: float | None = None
    tokens_per_s: float | None = None


def summarise(rows: list[Row]) -> Summary:
    ans = [r for r in rows if r.answerable]
    una = [r for r in rows if not r.answerable]

    def col(rs: list[Row], name: str) -> list[float]:
        return [float(v) for r in rs if (v := getattr(r, name)) is not None]

    return Summary(
        n=len(rows),
        answerable=len(ans),
        unanswerable=len(una),
        recall1=mean(col(ans, "recall1")),
        recall3=mean(col(ans, "recall3")),
        recall5=mean(col(ans, "recall5")),
        mrr=mean(col(ans, "mrr")),
        ndcg5=mean(col(ans, "ndcg5")),
        in_prompt=mean(col(ans, "in_prompt")),
        accuracy=mean(col(ans, "correct")),
        abstention=mean(col(una, "correct")),
        false_abstention=mean([float(r.abstained) for r in ans if r.abstained is not None]),
        citation_precision=mean(col(ans, "citation_precision")),
        citation_recall=mean(col(ans, "citation_recall")),
        char_f1=mean(col(ans, "char_f1")),
        retrieve_p50=pct(col(rows, "retrieve_s"), 0.5),
        retrieve_p95=pct(col(rows, "retrieve_s"), 0.95),
        first_token_p50=pct(col(rows, "first_token_s"), 0.5),
        first_token_p95=pct(col(rows, "first_token_s"), 0.95),
        first_text_p50=pct(col(rows, "first_text_s"), 0.5),
        first_text_p95=pct(col(rows, "first_text_s"), 0.95),
        total_p50=pct(col(rows, "total_s"), 0.5),
        total_p95=pct(col(rows, "total_s"), 0.95),
        prompt_tokens_p50=pct(col(rows, "prompt_tokens"), 0.5),
        tokens_per_s=mean([v for v in col(rows, "tokens_per_s") if v > 0]),
    )


def coverage_risk(rows: list[Row]) -> list[tuple[float, float, float]]:
    """(threshold, share answered, share of answers that are wrong) at each confidence level,
    over the rows with a verified answer (the others abstain at every threshold)."""
    scored = [r for r in rows if r.verified and r.confidence is not None]
    out = []
    for t in sorted({round(r.confidence or 0.0, 3) for r in scored} | {0.0}):
        answered = [r for r in scored if (r.confidence or 0.0) >= t]
        wrong = [r for r in answered if not r.right_if_answered]
        out.append((t, len(answered) / max(1, len(rows)), len(wrong) / max(1, len(answered))))
    return out
