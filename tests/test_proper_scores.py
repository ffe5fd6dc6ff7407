"""Proper scores on hand-made forecasts give the values worked out by hand: the log score, the ranked
probability score (ordered classes), the CRPS of an ensemble, skill, and the reliability table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.evaluation.proper import (
    ORDERED_OUTCOMES,
    crps,
    log_score,
    ranked_probability_score,
    reliability_table,
    skill,
)
from experiments.measures import OUTCOMES

TAKEOVER, FULL, PARTIAL, BROKEN = ("military_takeover", "full_evacuation", "negotiated_partial_evacuation",
                                   "siege_broken")


def test_the_order_holds_every_class_once():
    assert sorted(ORDERED_OUTCOMES) == sorted(OUTCOMES)


def test_log_score_known_values():
    assert log_score({FULL: 1.0}, FULL) == 0.0
    assert log_score({FULL: 0.5, TAKEOVER: 0.5}, TAKEOVER) == pytest.approx(math.log(2))
    assert log_score({FULL: 1.0}, TAKEOVER) == math.inf
    assert log_score({FULL: 1.0}, TAKEOVER, floor=0.01) == pytest.approx(-math.log(0.01))


def test_ranked_probability_score_known_values():
    # certain and right: 0; certain and at the far end of the six classes: 1
    assert ranked_probability_score({TAKEOVER: 1.0}, TAKEOVER) == 0.0
    assert ranked_probability_score({TAKEOVER: 1.0}, BROKEN) == pytest.approx(1.0)
    # full evacuation is one class from takeover: one cumulative step off by 1, over 5 steps
    assert ranked_probability_score({FULL: 1.0}, TAKEOVER) == pytest.approx(1 / 5)
    # partial evacuation is two classes from takeover: nearer classes score better (the point of RPS)
    assert ranked_probability_score({PARTIAL: 1.0}, TAKEOVER) == pytest.approx(2 / 5)
    # half on full evacuation, half on takeover, takeover recorded: one step off by 0.5
    assert ranked_probability_score({FULL: 0.5, TAKEOVER: 0.5}, TAKEOVER) == pytest.approx(0.25 / 5)


def test_scores_reject_bad_forecasts():
    with pytest.raises(ValueError, match="sum to 1"):
        log_score({FULL: 0.5}, FULL)
    with pytest.raises(ValueError, match="not one of"):
        ranked_probability_score({"victory": 1.0}, FULL)
    with pytest.raises(ValueError, match="not one of"):
        log_score({FULL: 1.0}, "victory")


def test_crps_of_an_ensemble_known_values():
    # a one-member ensemble: CRPS is the absolute error
    assert crps(np.array([10.0]), 13.0, 13.0) == pytest.approx(3.0)
    # members 0 and 2, observed 1: E|X - y| = 1, E|X - X'|/2 = (0 + 2 + 2 + 0)/4/2 = 0.5 -> 0.5
    assert crps(np.array([0.0, 2.0]), 1.0, 1.0) == pytest.approx(0.5)
    # a recorded range is scored at its midpoint, 'at least' at its low end
    assert crps(np.array([5.0]), 2.0, 6.0) == pytest.approx(1.0)
    assert crps(np.array([5.0]), 2.0, None) == pytest.approx(3.0)
    assert math.isnan(crps(np.array([5.0]), None, None))


def test_skill_known_values():
    assert skill(0.0, 0.5) == 1.0
    assert skill(0.5, 0.5) == 0.0
    assert skill(1.0, 0.5) == -1.0
    assert math.isnan(skill(0.3, 0.0))


def test_reliability_table_pools_every_case_and_class():
    # two cases; each contributes six (probability, hit) pairs
    forecasts = [{FULL: 0.9, TAKEOVER: 0.1}, {FULL: 0.7, PARTIAL: 0.3}]
    table = reliability_table(forecasts, [FULL, PARTIAL], bins=5)
    assert table["pairs"].sum() == 12
    top = table[table.bin_low == 0.6].iloc[0]      # 0.7 on full evacuation, which did not happen
    assert top["pairs"] == 1 and top["observed_frequency"] == 0.0
    highest = table[table.bin_low == 0.8].iloc[0]
    assert highest["pairs"] == 1 and highest["observed_frequency"] == 1.0
    low = table[table.bin_low == 0.0].iloc[0]      # the nine pairs at 0 or 0.1: none happened
    assert low["pairs"] == 9 and low["observed_frequency"] == 0.0
    mid = table[table.bin_low == 0.2].iloc[0]      # 0.3 on partial evacuation, which happened
    assert mid["pairs"] == 1 and mid["observed_frequency"] == 1.0 and mid["mean_forecast"] == pytest.approx(0.3)
