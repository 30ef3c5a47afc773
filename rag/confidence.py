"""One confidence per answer, from the evidence, and the threshold that decides abstention.

The signals (``FEATURES``, each about 0..1) come from retrieval (how close the best passage
is, whether the passages name what the question names), from the first answer sentence
that passes the checks (how much of the question its supporting sentence holds) and from
the model (how sure it was of the tokens it wrote, where the backend reports it). A logistic
model turns them into the probability that the answer is right. Its weights and the
threshold were fitted on development data, and ``rag/data/calibration.json`` records which
data, how many questions and when; ``rag eval`` shows the coverage/risk curve around it
and what each signal is worth.

Before generation the same model is asked with every answer signal at its best: when even
that is below the threshold, the answer is refused without spending the model's time.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from .context import Passage
from .entities import quoted
from .errors import ConfigError
from .language import LANG
from .lexicon import Lexicon, cut, in_dictionary, tag, tokens
from .normalize import CJK, fold, is_english
from .question import Question
from .romanize import romanized_in
from .types import Hit
from .verify import SentenceCheck
from .verify.names import holds_name

CALIBRATION_FILE = Path(__file__).parent / "data" / "calibration.json"

FEATURES = (
    "dense",  # similarity of the best retrieved passage (the embedder's cosine)
    "names_found",  # share of the question's names that the prompt passages hold
    "years_found",  # share of the question's years that the prompt passages hold
    "constraints",  # share of names, years and figures next to the supporting sentence
    "terms",  # specificity-weighted share of the question's words next to it
    "terms_passage",  # ... anywhere in the passage
    "similarity",  # the embedder's similarity of the question and the supporting sentences
    "focus",  # share of the words next to the question word next to it
    "novel_words",  # share of the answer's plain new words in the passage
    "facts",  # the answer states a figure or name the passage holds
    "sibling",  # a question word is missing and a look-alike stands in its place
    "typed",  # the answer gives the kind of thing asked (a figure for "how many")
    "cross_lingual",  # question or answer in another language than the passage
    "cited_dense",  # similarity of the question and the passage the answer cites
    "cited_first",  # the answer cites the passage retrieval ranked first
    "certainty",  # geometric mean of the probabilities the model gave the tokens it wrote
    "self_check",  # the model, shown only the cited passage, says it states the answer (P(yes))
)
# Not a signal: how many passages state the answer's facts. News repeats a fact across
# articles, a manual or a policy states it once: fitted on news, it marked every right answer
# from a manual as doubtful (leave-one-set-out on eval/qa's and eval/domain's recordings of
# 2026-12-04 and an rgb-dev run of that day at threshold 0.765, accuracy / abstention with it
# and without: eval/domain 0.648 / 0.952 and 0.722 / 0.952, eval/qa
# 0.724 / 0.733 and 0.789 / 0.800, rgb-dev 0.799 / 0.773 and 0.746 / 0.879).


# Which way each signal points: more of it is evidence that the answer is right (+1), that it
# is wrong (-1), or a correction whose direction is left to the data (0: a cross-lingual answer
# scores low on the lexical signals whether right or not). The fit keeps each weight on its
# side: on a few hundred questions an unconstrained fit gave collinear signals opposite weights
# (the best passage's similarity negative, the cited passage's positive) that did not carry over
# from one question set to another.
DIRECTION = {k: 1 for k in FEATURES} | {"sibling": -1, "cross_lingual": 0, "typed": 0}


class Calibration(BaseModel):
    """Weights of the logistic model, the threshold, and what they were fitted on."""

    weights: dict[str, float]
    bias: float
    threshold: float
    mean: dict[str, float] = Field(default_factory=dict)  # signals are standardised before weighing
    scale: dict[str, float] = Field(default_factory=dict)
    fitted_on: list[str] = Field(default_factory=list)
    questions: int = 0
    date: str = ""
    note: str = ""

    def probability(self, features: dict[str, float]) -> float:
        """A signal that is missing (a backend that does not report token probabilities)
        counts as average: it moves the confidence neither way."""
        z = self.bias
        for k in FEATURES:
            if k not in features:
                continue
            x = (features[k] - self.mean.get(k, 0.0)) / (self.scale.get(k, 1.0) or 1.0)
            z += self.weights.get(k, 0.0) * x
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


ANSWER_FEATURES = (
    "constraints",
    "terms",
    "terms_passage",
    "similarity",
    "focus",
    "novel_words",
    "facts",
    "sibling",
    "typed",
    "cited_first",
    "certainty",
    "self_check",
)


def best_case(cal: Calibration, ev: Evidence) -> float:
    """The highest confidence any answer could reach with this evidence: each answer signal at
    whichever end (0 or 1) its weight favours."""
    feats = features(ev, None, True)
    for k in ANSWER_FEATURES:
        feats[k] = 1.0 if cal.weights.get(k, 0.0) >= 0 else 0.0
    return cal.probability(feats)


def best_judged(cal: Calibration, feats: dict[str, float]) -> float:
    """The highest confidence these signals could reach whatever the self-check said: below the
    threshold, the answer is refused either way and the check need not run."""
    return max(cal.probability(feats | {"self_check": v}) for v in (0.0, 1.0))


def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    try:
        return Calibration.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"calibration file {path} is missing or unreadable: reinstall the package") from exc


@dataclass
class Evidence:
    """What retrieval says before any answer exists."""

    dense: float
    names_found: float
    years_found: float
    missing: list[str]  # question names the corpus never uses
    cross_lingual: bool  # no passage is in the question's language


def _identifies(name: str, question: Question) -> bool:
    """A name that picks out one thing (a person, place, organisation, a Latin or quoted name),
    unlike a proper-tagged common word of the dictionary ("中文"): only such a name, absent
    from the whole corpus, is reason to abstain before generating."""
    if name.isascii() or name in quoted(question.text) or not in_dictionary(name):
        return True
    return any(flag in LANG.identity_tags for _, flag in tag(name))


def _miscut(name: str, question: str, text: str) -> bool:
    """A name the segmenter cut one character off its neighbour ("青春卡月费" read as 青春 and
    卡月费): without that character it is in the passages, and so is the neighbour with it."""
    i = question.find(name)
    if i < 0 or len(name) < 3 or not re.match(f"[{CJK}]", name):
        return False
    j = i + len(name)
    return (i > 0 and holds_name(text, name[1:]) and question[i - 1 : i + 1] in text) or (
        j < len(question) and holds_name(text, name[:-1]) and question[j - 1 : j + 1] in text
    )


_MODEL_RE = re.compile(rf"([{CJK}]+|[a-z][a-z\-]*[a-z])[ \-]?(\d+(?:\.\d+)*[a-z]?)(?![\d.]*\d)")


def unlisted_models(question: str, text: str) -> list[str]:
    """Model numbers of the question ("畅享199", "iPhone 15", "Notes 4.1") that the passages
    never state while they state the same name with other numbers (畅享59, 畅享99): the
    passages are about its siblings. Quantities (节约9小时, 每10股, over 65) and years are no
    model numbers; a Latin name is one the question writes as a name (capitalised). The
    passages' text is folded."""
    names = {w.lower() for w in re.findall(r"[A-Za-z][\w\-]*", question) if re.search(r"[A-Z]", w)}
    question = fold(question)
    out = []
    for m in _MODEL_RE.finditer(question):
        head, number = m.group(1), m.group(2)
        if re.match(f"[{CJK}]", head):
            head = cut(head)[-1]  # the word right before the number
            after = cut(question[m.end() : m.end() + 4])
            if len(head) < 2 or (after and after[0] in LANG.classifiers):
                continue
        elif head not in names:
            continue
        if re.fullmatch(r"(?:19|20)\d\d", number):
            continue
        named = re.compile(rf"{re.escape(head)}[ \-]?(\d+(?:\.\d+)*[a-z]?)(?![\d.]*\d)")
        numbers = {x.group(1) for x in named.finditer(text)}
        if numbers and number not in numbers:
            out.append(question[m.start() : m.end()] if head in m.group(1) else f"{head}{number}")
    return out


def evidence(question: Question, hits: list[Hit], passages: list[Passage], lexicon: Lexicon) -> Evidence:
    """``missing`` holds the names the corpus never uses at all: nothing there can be about them."""
    dense = max((h.dense_score for h in hits if h.dense_score is not None), default=0.0)
    text = " ".join(p.folded for p in passages)
    # cross-lingual when no passage is in the question's language: one Chinese passage among
    # English ones (a mixed corpus) does not make an English question cross-lingual
    cross = bool(passages) and all(question.english != is_english(p.folded) for p in passages)
    # a name of an English question may be written in Chinese in the passages: not counted;
    # a Chinese name spelt in pinyin ("Lanwan" for 澜湾) is found where its characters are
    absent = (
        []
        if cross
        else [
            n
            for n in question.names
            if not holds_name(text, n) and not (n.isascii() and romanized_in(n, text))
        ]
    )
    # nor, as a reason to refuse, where the best passage is in another language than the question
    foreign = bool(passages) and question.english != is_english(passages[0].folded)
    folded_q = fold(question.query)
    unknown = [
        n
        for n in absent
        if _identifies(n, question)
        and any(lexicon.df.get(t, 0) == 0 for t in tokens(n))
        and not (foreign and n.isascii())
        and not _miscut(n, folded_q, text)
    ]
    unknown += [n for n in unlisted_models(question.query, text) if n not in unknown]
    years = [y for y in question.years if str(y) in text]
    return Evidence(
        dense=dense,
        names_found=1.0 - len(absent) / len(question.names) if question.names else 1.0,
        years_found=len(years) / len(question.years) if question.years else 1.0,
        missing=unknown,
        cross_lingual=cross,
    )


def features(
    ev: Evidence,
    check: SentenceCheck | None,
    typed: bool,
    similarity: float = 1.0,
    certainty: float | None = 1.0,
    self_check: float | None = None,
) -> dict[str, float]:
    """The model's inputs; without a sentence (before generation) every answer signal is at
    its best. A ``certainty`` or ``self_check`` of None (not reported by the backend, or the
    self-check turned off) leaves that signal out."""
    s = check.support if check is not None else None
    out = {
        "dense": ev.dense,
        "names_found": ev.names_found,
        "years_found": ev.years_found,
        "constraints": s.constraints if s else 1.0,
        "terms": s.terms if s else 1.0,
        "terms_passage": s.terms_passage if s else 1.0,
        "similarity": similarity,
        "focus": s.focus if s else 1.0,
        "novel_words": s.novel_words if s else 1.0,
        "facts": float(s.facts > 0) if s else 1.0,
        "sibling": float(s.sibling) if s else 0.0,
        "typed": float(typed),
        "cross_lingual": float(ev.cross_lingual or (s is not None and s.cross_lingual)),
        "cited_dense": s.cited_dense if s else ev.dense,
        "cited_first": float(s.cited_first) if s else 1.0,
    }
    if certainty is not None:
        out["certainty"] = certainty
    if self_check is not None:
        out["self_check"] = self_check
    return out


# -- fitting (`rag calibrate`, and the ablation of `rag eval`) ------------------------------------


def fit(
    rows: list[dict[str, float]],
    labels: list[int],
    l2: float = 1.0,
    steps: int = 4000,
    groups: list[str] | None = None,
) -> Calibration:
    """Logistic regression on standardised signals, by projected gradient descent with an L2
    penalty, each weight kept on the side ``DIRECTION`` gives it (the threshold is left at 0.5:
    see ``choose_threshold``).

    ``groups`` names each row's question set: each set then weighs as much as another, however
    many answers it has. Pooled, the largest set decided the weights and a set of another kind
    (manuals against news) got a confidence fitted to the other's answers."""
    raw = np.array([[r.get(k, np.nan) for k in FEATURES] for r in rows], dtype=np.float64)
    # a signal a row lacks (not reported by its backend) stands at the average of the others
    with warnings.catch_warnings():  # a signal no row has: its mean is 0
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nan_to_num(np.nanmean(raw, axis=0)) if len(rows) else np.zeros(len(FEATURES))
    raw = np.where(np.isnan(raw), mean, raw)
    scale = raw.std(axis=0)
    scale[scale < 1e-6] = 1.0
    x = (raw - mean) / scale
    y = np.array(labels, dtype=np.float64)
    share = _shares(groups, len(rows))
    sign = np.array([DIRECTION[k] for k in FEATURES], dtype=np.float64)
    w = np.zeros(x.shape[1])
    b = 0.0
    lr = 0.3
    n = max(len(y), 1)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad_w = x.T @ ((p - y) * share) + l2 * w / n
        grad_b = float(np.sum((p - y) * share))
        w -= lr * grad_w
        w = np.where(sign * w < 0, 0.0, w)  # a weight that crossed to the wrong side stops at 0
        b -= lr * grad_b
    return Calibration(
        weights={k: round(float(v), 4) for k, v in zip(FEATURES, w, strict=True)},
        bias=round(b, 4),
        threshold=0.5,
        mean={k: round(float(v), 5) for k, v in zip(FEATURES, mean, strict=True)},
        scale={k: round(float(v), 5) for k, v in zip(FEATURES, scale, strict=True)},
    )


def _shares(groups: list[str] | None, n: int) -> np.ndarray:
    """Each row's weight: the rows of one group share an equal part of the whole."""
    if not groups:
        return np.full(n, 1.0 / max(n, 1))
    size = Counter(groups)
    return np.array([1.0 / (len(size) * size[g]) for g in groups], dtype=np.float64)


def by_sets(
    scores: list[float], correct: list[int], answerable: list[bool], groups: list[str] | None, t: float
) -> float:
    """The mean over the sets named in ``groups`` (each question's set) of each set's mean of
    accuracy on answerable questions and abstention on the others at threshold ``t`` (an answer
    below it counts as an abstention); without groups, the figure of all questions together."""
    return float(_by_sets_at(scores, correct, answerable, groups, np.array([t]))[0])


THRESHOLD_WINDOW = 0.05  # how far either side of a threshold its figure is averaged


def choose_threshold(
    scores: list[float],
    correct: list[int],
    answerable: list[bool],
    groups: list[str] | None = None,
    window: float = THRESHOLD_WINDOW,
) -> float:
    """The threshold with the best ``by_sets`` figure averaged over ``window`` either side of
    it: a set counts as much as another, whatever its size and its share of unanswerable
    questions, and a peak that one or two answers make (the figure 0.876 at 0.747 between 0.874
    at 0.55 to 0.60 and 0.865 at 0.65 to 0.70, on the five sets of 2026-12-06) does not pull the
    threshold where the figures around it are worse."""
    # candidates halfway between neighbouring scores: a rounded score could land above the
    # score it stands for and leave that answer out
    values = sorted(set(scores))
    middles = {(a + b) / 2 for a, b in itertools.pairwise(values)}
    candidates = np.array(sorted(middles | {0.0, 1.0}))
    offsets = np.linspace(-window, window, 11) if window > 0 else np.zeros(1)
    grid = (candidates[:, None] + offsets[None, :]).ravel()
    smooth = _by_sets_at(scores, correct, answerable, groups, grid).reshape(len(candidates), -1).mean(axis=1)
    best = int(np.flatnonzero(smooth >= smooth.max() - 1e-9)[0])
    return float(candidates[best])


def _by_sets_at(
    scores: list[float], correct: list[int], answerable: list[bool], groups: list[str] | None, ts: np.ndarray
) -> np.ndarray:
    """``by_sets`` at each threshold of ``ts`` at once."""
    s = np.asarray(scores, dtype=np.float64)
    ans = np.asarray(answerable, dtype=bool)
    right = ans & np.asarray(correct, dtype=bool)
    kept = s[:, None] >= ts[None, :]
    names = np.asarray(groups if groups else [""] * len(scores))
    figures = []
    for name in dict.fromkeys(names.tolist()):
        part = names == name
        acc = (kept[part] & right[part, None]).sum(axis=0) / max(1, int((ans & part).sum()))
        abst = (~kept[part] & ~ans[part, None]).sum(axis=0) / max(1, int((~ans & part).sum()))
        figures.append((acc + abst) / 2)
    return np.asarray(np.mean(figures, axis=0), dtype=np.float64)


def write_calibration(cal: Calibration, path: Path = CALIBRATION_FILE) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cal.model_dump(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
