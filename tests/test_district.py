"""The district's civilian bookkeeping (sim/district.py): the injured are people, each injured once.

A cell hit many times in a day must not injure more people than it holds, whoever is hit again; the
killed and those who leave take their share of the injured with them; the leaders' civilian cost
reads people, not events."""

from __future__ import annotations

import numpy as np
import pytest

from sim.district import District
from sim.enums import Control, HarmCause
from sim.params import CivilianParams, CombatParams, DistrictParams


def district(residents: list[int], seed: int = 0) -> District:
    """A one-row district with the given residents per cell, everyone uninjured."""
    n = len(residents)
    zeros = np.zeros(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return District(width=n, height=1, neighbours=np.full((n, 4), -1, dtype=np.int32),
                    control=np.full(n, Control.REBEL, dtype=np.int8), damage=np.zeros(n),
                    civilians=np.array(residents, dtype=np.int64), civilians_killed=zeros.copy(),
                    civilians_injured=zeros.copy(), civilians_injured_present=zeros.copy(),
                    civilian_injury_events=zeros.copy(), civilians_displaced=zeros.copy(), evacuation_cell=0,
                    supply_days=40.0, initial_civilians=int(sum(residents)), injury_rng=rng)


def test_a_cell_hit_many_times_in_a_day_injures_each_person_once():
    """Twenty attacks in one day on a cell of 100, each hurting everyone there: the first injures every
    survivor; the later ones hit only the injured, so they add events and deaths but no one new."""
    d, rng = district([100]), np.random.default_rng(1)
    d.crossfire(0, rate=1.0, air=1.0, injured_per_killed=19.0, rng=rng)
    first = int(d.civilians_injured[0])
    assert first == d.civilians[0] == d.civilians_injured_present[0] > 0, "every survivor is injured"
    for _ in range(19):
        d.crossfire(0, rate=1.0, air=1.0, injured_per_killed=19.0, rng=rng)
    assert d.civilians_injured[0] == first, "no one is injured twice"
    assert d.civilian_injury_events[0] > 100, "the cell took more injuring hits than it ever had people"
    assert d.civilians_injured_present[0] == d.civilians[0], "the survivors are all injured"
    assert d.civilians_killed[0] > 100 - first, "the injured hit again can be killed"
    assert d.civilians_injured[0] - d.civilians_injured_present[0] == d.civilians_killed[0] - (100 - first), \
        "each injured person killed leaves the injured present and stays in the count of injured"


def test_shelling_a_cell_again_and_again_never_injures_more_than_its_people():
    """Shells that hit every survivor each time (q * p >= 1) on two cells, ten times: the people
    injured stay at most the people who were there; the event count runs far beyond them."""
    d, rng = district([50, 80]), np.random.default_rng(2)
    cp = CombatParams(shell_lethality=0.02)
    dp = DistrictParams(shelter=0.0, damage_per_shell=0.0)
    for _ in range(10):
        d.take_shelling(10.0, cp, dp, injured_per_killed=20.0, rng=rng)
    ever = d.civilians + d.civilians_killed
    assert np.array_equal(ever, [50, 80])
    assert np.all(d.civilians_injured <= ever)
    assert np.all(d.civilian_injury_events > 2 * ever)
    assert np.array_equal(d.civilians_injured_present, d.civilians), "every survivor is injured"


def test_new_injuries_fall_on_the_uninjured_present_in_proportion():
    """Hits land uniformly on the present: with 300 of 1,000 injured, 100 hits injure about 70 new
    people (hypergeometric mean), over many seeds; none of them twice."""
    new = []
    for seed in range(400):
        d = district([1000], seed)
        d.civilians_injured[:] = d.civilians_injured_present[:] = 300
        d.harm(np.zeros(1, dtype=np.int64), np.array([100]), HarmCause.SHELLING)
        assert d.civilian_injury_events[0] == 100
        new.append(int(d.civilians_injured[0]) - 300)
        assert d.civilians_injured_present[0] == d.civilians_injured[0]
    assert np.mean(new) == pytest.approx(70.0, abs=0.5)


@pytest.mark.parametrize("leave", ["killed", "fled", "bused out"])
def test_those_who_leave_take_their_share_of_the_injured(leave):
    """Killed, fled (about a quarter, by chance) or bused out: the leavers are drawn from everyone
    present, so half of them were injured when half the cell was, on average over many seeds; the
    cumulative count of injured people does not move."""
    injured_leavers = 0
    for seed in range(200):
        d = district([400], seed)
        d.civilians_injured[:] = d.civilians_injured_present[:] = 200
        if leave == "killed":
            d.harm(np.array([100]), np.zeros(1, dtype=np.int64), HarmCause.STARVATION)
        elif leave == "fled":
            d.flee(0.0, 0.0, _flight(-1.0), frontier_weight=1.0, rng=np.random.default_rng(seed))
        else:
            assert d.evacuate_families(100, np.random.default_rng(seed)) == 100
        assert d.civilians_injured[0] == 200
        gone = 400 - int(d.civilians[0])
        injured_leavers += (200 - int(d.civilians_injured_present[0])) / gone
        assert 0 <= d.civilians_injured_present[0] <= d.civilians[0]
    assert injured_leavers / 200 == pytest.approx(0.5, abs=0.02)


def _flight(intercept: float) -> CivilianParams:
    """Flight at the daily chance sigmoid(intercept) on a quiet day without hardship or journey risk."""
    return CivilianParams(flight_intercept=intercept, journey_risk=0.0)


def test_everyone_injured_and_then_everyone_leaves():
    """The limits of the draw: when all present are injured, the leavers are all injured."""
    d = district([30, 0])
    d.civilians_injured[:] = d.civilians_injured_present[:] = [30, 0]
    d.flee(0.0, 0.0, _flight(30.0), frontier_weight=1.0, rng=np.random.default_rng(0))
    assert d.civilians.tolist() == [0, 0] and d.civilians_injured_present.tolist() == [0, 0]
    assert d.civilians_displaced.tolist() == [30, 0] and d.civilians_injured.tolist() == [30, 0]


def test_the_civilian_cost_reads_people_not_events():
    """The leaders weigh civilians killed plus civilians injured (people): hitting the injured
    again raises the injury events, not the harm they weigh."""
    d, rng = district([100]), np.random.default_rng(3)
    d.crossfire(0, rate=1.0, air=1.0, injured_per_killed=1e6, rng=rng)
    before = d.harm_total()
    assert before == pytest.approx(100.0)
    d.crossfire(0, rate=1.0, air=1.0, injured_per_killed=1e6, rng=rng)
    assert d.civilian_injury_events[0] >= 199
    assert d.harm_total() == pytest.approx(before)



def test_only_ground_fighting_enters_the_ground_death_record():
    """The mediator weighs the deaths ground operations add: crossfire counts, shelling and starvation
    do not; the week's sum covers the last seven recorded days."""
    d = district([1000, 1000])
    d.harm(np.array([5, 0]), np.zeros(2, dtype=np.int64), HarmCause.SHELLING)
    d.harm(np.array([0, 2]), np.zeros(2, dtype=np.int64), HarmCause.GROUND)
    d.harm(np.array([1, 0]), np.zeros(2, dtype=np.int64), HarmCause.STARVATION)
    d.record_deaths()
    assert d.deaths_last_week() == 8
    assert d.ground_deaths_last_week() == 2
    for _ in range(7):
        d.end_day()
        d.record_deaths()
    assert d.ground_deaths_last_week() == 0
    assert d.deaths_last_week() == 0
