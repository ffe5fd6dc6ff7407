"""Long sieges (shared/PATTERNS.md, patterns 5, 6, 12): supplies settle at a grim equilibrium rather
than running out, so a case that starts after years of siege starts at chronic, not total, hardship;
and a community weighs the share of its people hurt, not the count, so a large enclave under air
attack does not give in at once. Mapping checks, then paired directional tests over replicates."""

from __future__ import annotations

import pytest

from experiments.config.compose import compose, to_run_config
from helpers.intervals import bootstrap_ci
from helpers.scenarios import scenario_params, simulate
from sim import harm

N = 100
GHOUTA = ("scenario=eastern_ghouta_2018", "model.horizon_days=150")


def test_a_case_after_years_of_siege_starts_at_the_chronic_equilibrium():
    m = to_run_config(compose(["scenario=eastern_ghouta_2018"])).model
    d = m.district
    expected = min(1.0, (1.0 - d.resupply_share) / d.scarcity_leakage)
    assert harm.hardship(d.initial_supply_days, d.hardship_buffer_days) == pytest.approx(expected, abs=1e-6)
    assert 0.0 < expected < 1.0, "at the defaults the equilibrium is chronic hardship, not total"
    daraa = to_run_config(compose([])).model.district
    assert daraa.initial_supply_days == m.mapping.supply_days_at_siege_start, "Daraa starts on its first day"


def test_the_leak_lengthens_a_decisive_phase_that_follows_a_long_siege():
    """Eastern Ghouta's facts with the leak against none (stocks then run to zero before day 0): common
    random numbers, replicate r with r."""
    # with no adaptation to the hardship the long phase left, so the leak's effect is seen alone (with
    # full adaptation, the default, a dry start is lived with too: test_decisive_phase.py)
    felt = "model.negotiation.hardship_adaptation=0"
    leaking = simulate(scenario_params(*GHOUTA, felt), N, seed=17)[0]
    dry = simulate(scenario_params(*GHOUTA, felt, "model.district.scarcity_leakage=0",
                                   "model.district.initial_supply_days=0"), N, seed=17)[0]
    lo, _ = bootstrap_ci((leaking["end_day"] - dry["end_day"]).to_numpy(float))
    assert lo > 0, f"chronic rather than total hardship should prolong the decisive phase (lo {lo:.1f} days)"


@pytest.fixture(scope="module")
def populations():
    """The same enclave with 40,000 and with 400,000 people, paired by replicate."""
    return (simulate(scenario_params(*GHOUTA, "model.civilians.count=40000"), N, seed=19)[0],
            simulate(scenario_params(*GHOUTA, "model.civilians.count=400000"), N, seed=19)[0])


def test_ten_times_the_people_give_many_times_the_deaths(populations):
    small, large = populations
    killed_ratio = large["civilians_killed"].mean() / max(small["civilians_killed"].mean(), 1.0)
    assert killed_ratio > 5, "ten times the people, many times the deaths (pattern 12)"


@pytest.mark.xfail(strict=True, reason="known miss since the decisive-phase mechanisms of issue 10 (launch, "
                   "ground-combat harm, beliefs from every attack, adapted hardship; the single cause is not isolated) "
                   "the larger enclave ends 2.3 days sooner on average (paired 95% lower bound -4.2, "
                   "100 replicates, seed 19), with the mediator's harm weight or without it")
def test_harm_weighs_by_the_share_of_people_hurt_not_the_count(populations):
    """Per head the same harm, so the siege lasts at least as long (non-inferiority margin: one day),
    where a cost counted in people would end it sooner."""
    small, large = populations
    lo, _ = bootstrap_ci((large["end_day"] - small["end_day"]).to_numpy(float))
    assert lo > -1.0, f"a larger enclave should not give in sooner, within a day (paired lo {lo:.1f} days)"
