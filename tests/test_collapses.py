"""Deals that collapse are followed by heavier pressure and tighter terms (shared/PATTERNS.md,
pattern 7): the pure rules, and the invariant over replicates that a named-list demand never returns
below a broken deal's tightened share."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.scenarios import scenario_params, simulate
from sim import mediator as mediator_rules

N = 150


def test_each_collapse_adds_pressure_and_nothing_else_changes():
    base = mediator_rules.escalation_pressure(3, 30, 0.04, 0.1, 0.2)
    assert mediator_rules.escalation_pressure(3, 30, 0.04, 0.1, 0.2, collapses=0, collapse_pressure=0.5) == base
    assert mediator_rules.escalation_pressure(3, 30, 0.04, 0.1, 0.2, 2, 0.04) == pytest.approx(base + 0.08)


@pytest.mark.parametrize("demand, tightening, expected", [(0.25, 0.1, 0.275), (0.25, 0.0, 0.25),
                                                          (0.9, 0.3, 1.0), (0.0, 1.0, 0.0)])
def test_the_demand_after_a_collapse_rises_by_a_share_of_itself(demand, tightening, expected):
    assert mediator_rules.tightened_demand(demand, tightening) == pytest.approx(expected)


def test_after_a_collapse_no_offer_falls_below_the_broken_deals_tightened_share():
    runs, _, events = simulate(scenario_params("model.implementation.collapse_probability=1.0"), N, seed=29)
    tightening = scenario_params().mediator.collapse_tightening
    checked = 0
    for _, rep in events.groupby("replicate"):
        collapsed = rep[(rep["event"] == "breakdown") & (rep["collapsed"] == True)]  # noqa: E712
        for _, c in collapsed.iterrows():
            deal = rep[(rep["event"] == "deal") & (rep["day"] <= c["day"])].iloc[-1]
            floor = mediator_rules.tightened_demand(float(deal["expulsion_fraction"]), tightening)
            later = rep[(rep["event"] == "offer") & (rep["day"] > c["day"])]["expulsion_fraction"].to_numpy(float)
            assert np.all(later >= floor - 1e-12)
            checked += later.size
    assert checked > 50, "enough offers after a collapse to test the rule"
    assert (runs["collapses"] > 0).mean() > 0.3
