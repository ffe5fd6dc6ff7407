"""The decisive phase (shared/PATTERNS.md, patterns 5 and 6; docs/ODD.md 7.1, 7.7): launched by the
mediator's first approval of ground operations and never called off, ground operations under an air
campaign, and hardship the long phase left that the community has adapted to. Over many seeded
replicates; the comparisons are paired by replicate."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.stats import wilson_interval
from helpers.intervals import bootstrap_ci
from helpers.scenarios import scenario_params, simulate
from sim.enums import Escalation, EventKind, Phase

N = 60


@pytest.fixture(scope="module")
def daraa():
    return simulate(scenario_params(), N, seed=31)


def test_the_launch_is_logged_once_on_the_first_day_of_ground_operations(daraa):
    _, daily, events = daraa
    launches = events[events["event"] == EventKind.ESCALATION.value]
    assert launches.groupby("replicate").size().max() == 1
    first_ground = daily[daily["escalation_ceiling"] >= Escalation.GROUND_PROBES].groupby("replicate")["day"].min()
    launched = launches.set_index("replicate")["day"]
    assert len(launched) > 0.9 * N, "Daraa's mediator approves ground operations in almost every run"
    assert (launched.sort_index() == first_ground.reindex(launched.index).sort_index()).all()


def test_once_launched_the_siege_never_returns_to_shelling_alone(daraa):
    _, daily, events = daraa
    launched = events[events["event"] == EventKind.ESCALATION.value].set_index("replicate")["day"]
    daily = daily.sort_values(["replicate", "day"]).copy()
    # the ceiling is set in the morning, in the phase the day began in (yesterday's last phase)
    daily["morning_phase"] = daily.groupby("replicate")["phase"].shift(1)
    siege = daily[daily["morning_phase"] == Phase.SIEGE.value].copy()
    siege["launch"] = siege["replicate"].map(launched)
    after = siege[siege["day"] > siege["launch"]]
    assert len(after) > 0
    assert (after["escalation_ceiling"] >= Escalation.GROUND_PROBES).all()


def test_an_air_campaign_no_longer_blocks_the_ground_war():
    """Eastern Ghouta: the bombardment's own deaths do not make ground operations unaffordable, so the
    siege does not end by bombardment alone (ODD section 9, item 18: before, 63% of runs saw no
    ground attack)."""
    _, daily, _ = simulate(scenario_params("scenario=eastern_ghouta_2018", "model.horizon_days=120"), 30, seed=5)
    grounded = daily.groupby("replicate")["ground_attacks"].sum() > 0
    lo, _ = wilson_interval(int(grounded.sum()), len(grounded))
    assert lo > 0.85, f"ground operations in only {grounded.mean():.0%} of runs"


def test_adapted_hardship_keeps_a_long_besieged_enclave_fighting_longer():
    """East Aleppo starts after 121 days of siege at hardship near 0.5: with the community adapted to
    it (the default) its decisive phase lasts longer than if the whole of it weighed, paired by seed."""
    case = ("scenario=east_aleppo_2016", "model.horizon_days=200")
    adapted = simulate(scenario_params(*case), 40, seed=9)[0]
    raw = simulate(scenario_params(*case, "model.negotiation.hardship_adaptation=0"), 40, seed=9)[0]
    gap = adapted["end_day"].to_numpy(float) - raw["end_day"].to_numpy(float)
    lo, hi = bootstrap_ci(gap)
    assert lo > 0, f"adaptation lengthens the siege: paired difference {np.mean(gap):.1f} days [{lo:.1f}, {hi:.1f}]"
