"""The confidence model: signals in, one probability out; a signal a backend lacks is neutral."""

import math

import pytest

from rag.confidence import Calibration, fit
from rag.generators import GenerationStats


def test_certainty_is_the_geometric_mean_of_the_token_probabilities() -> None:
    assert GenerationStats().certainty() is None  # a backend that reports none
    stats = GenerationStats(token_probs=[0.9, 0.4, 1.0])
    assert stats.certainty() == pytest.approx((0.9 * 0.4 * 1.0) ** (1 / 3))
    assert GenerationStats(token_probs=[0.0]).certainty() == pytest.approx(1e-9)  # no log of 0


def test_a_missing_signal_moves_the_confidence_neither_way() -> None:
    cal = Calibration(
        weights={"certainty": 2.0}, bias=0.0, threshold=0.5, mean={"certainty": 0.8}, scale={"certainty": 0.1}
    )
    assert cal.probability({}) == pytest.approx(0.5)
    assert cal.probability({"certainty": 0.9}) > 0.5 > cal.probability({"certainty": 0.7})


def test_fitting_puts_a_missing_signal_at_the_average_of_the_rows_that_have_it() -> None:
    rows = [{"certainty": 0.9}, {"certainty": 0.5}, {}, {}]
    cal = fit(rows, [1, 0, 1, 0], steps=200)
    assert cal.mean["certainty"] == pytest.approx(0.7)
    assert cal.weights["certainty"] > 0 and all(math.isfinite(w) for w in cal.weights.values())
