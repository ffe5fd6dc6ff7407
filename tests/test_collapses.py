"""Deals that collapse are followed by heavier pressure and tighter terms (shared/PATTERNS.md,
pattern 7): the pure rules, and the invariant over replicates that a named-list demand never returns
below a broken deal's tightened share."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.scenarios import scenario_params, simulate
from sim import mediator as mediator_rules
from sim.enums import AirCover, Escalation
from sim.params import MediatorParams

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


def test_one_collapse_launches_ground_operations_under_daraas_costs_where_rejections_do_not():
    """At Daraa's costs (constraint 0.9, image 0.4) a single collapsed deal approves ground probes on
    day 0, while a month of rejected offers at the default impatience does not (pattern 5: the
    collapse of talks, not the first refusals, launches the decisive phase)."""
    mp = MediatorParams()
    costs = mediator_rules.level_costs(mp)

    def ceiling(rejections: int, days: int, collapses: int) -> Escalation:
        pressure = mediator_rules.escalation_pressure(rejections, days, mp.impatience, mp.siege_weariness,
                                                      mp.base_pressure, collapses, mp.collapse_pressure)
        return mediator_rules.escalation_ceiling(pressure, 0.9, 0.4, mp.civilian_harm_weight, 0.0,
                                                 AirCover.WITHHELD, costs=costs)

    assert ceiling(0, 0, 0) == Escalation.SHELLING
    assert ceiling(1, 0, 1) >= Escalation.GROUND_PROBES
    assert ceiling(7, 28, 0) == Escalation.SHELLING
