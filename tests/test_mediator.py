"""Unit and property tests of the mediator's rules (sim/mediator.py): escalation pressure, cost and
ceiling, revising and hardening the demand, credibility.

Each test states a level, a boundary case or a comparative static of one formula; property tests
use hypothesis with a small example budget (helpers.mechanics.FAST)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.mechanics import FAST, MP, unit
from sim import mediator
from sim.enums import AirCover, Escalation

# --------------------------------------------------------------------------------------------
# mediator
# --------------------------------------------------------------------------------------------

def ceiling(pressure, ext=MP.external_constraint, img=MP.image_weight, harm_w=MP.civilian_harm_weight,
            deaths=0.0, air=AirCover.CONDITIONAL):
    return mediator.escalation_ceiling(pressure, ext, img, harm_w, deaths, air)


class TestEscalation:
    def test_pressure_formula_and_baseline(self):
        assert mediator.escalation_pressure(0, 0, 0.12, 0.1) == pytest.approx(0.2)
        assert mediator.escalation_pressure(3, 60, 0.12, 0.1) == pytest.approx(0.2 + 0.36 + 0.2)
        assert mediator.escalation_pressure(4, 0, 0.12, 0.1) > mediator.escalation_pressure(3, 0, 0.12, 0.1)
        assert mediator.escalation_pressure(0, 31, 0.12, 0.1) > mediator.escalation_pressure(0, 30, 0.12, 0.1)

    def test_zero_pressure_gives_none(self):
        for air in AirCover:
            assert ceiling(0.0, air=air) == Escalation.NONE
            assert ceiling(-1.0, air=air) == Escalation.NONE

    def test_baseline_pressure_with_defaults_allows_ground_probes(self):
        # documents current behaviour: the 0.2 baseline pays for shelling (0.05) and probes (0.15)
        # at the default constraint 0.3 + image 0.2, but not a full assault (0.5)
        p0 = mediator.escalation_pressure(0, 0, MP.impatience, MP.siege_weariness)
        assert ceiling(p0) == Escalation.GROUND_PROBES
        assert ceiling(p0, deaths=10.0) == Escalation.SHELLING  # civilian deaths cost 0.5 above shelling

    def test_cost_structure(self):
        def c(lvl, air=AirCover.CONDITIONAL, deaths=0.0):
            return mediator.escalation_cost(lvl, 0.3, 0.2, 0.5, deaths, air)
        assert c(Escalation.NONE) == 0.0
        costs = [c(lvl) for lvl in Escalation]
        assert all(a < b for a, b in zip(costs, costs[1:]))
        assert c(Escalation.ASSAULT_WITH_AIR, AirCover.GRANTED) == pytest.approx(c(Escalation.FULL_ASSAULT))
        # civilian deaths cost only from ground probes upwards
        assert c(Escalation.SHELLING, deaths=20.0) == c(Escalation.SHELLING)
        extra = [c(lvl, deaths=20.0) - c(lvl) for lvl in Escalation if lvl >= Escalation.GROUND_PROBES]
        assert extra[0] > 0.0
        assert extra == pytest.approx([extra[0]] * len(extra))
        assert c(Escalation.GROUND_PROBES, deaths=40.0) > c(Escalation.GROUND_PROBES, deaths=20.0)

    def test_withheld_never_above_full_assault(self):
        for pr in (0.0, 0.5, 1.0, 5.0, 100.0, 1e9):
            for ext in (0.0, 0.3, 1.0):
                lvl = ceiling(pr, ext=ext, img=0.0, air=AirCover.WITHHELD)
                assert lvl <= Escalation.FULL_ASSAULT
        assert ceiling(1e9, air=AirCover.WITHHELD) == Escalation.FULL_ASSAULT

    def test_conditional_and_granted_reach_air(self):
        assert ceiling(1e9, air=AirCover.CONDITIONAL) == Escalation.ASSAULT_WITH_AIR
        assert ceiling(1e9, air=AirCover.GRANTED) == Escalation.ASSAULT_WITH_AIR
        # conditional air costs 1.6 * 0.5 = 0.8 > full assault 0.5
        assert ceiling(0.6, air=AirCover.CONDITIONAL) == Escalation.FULL_ASSAULT
        assert ceiling(0.8, air=AirCover.CONDITIONAL) == Escalation.ASSAULT_WITH_AIR

    @FAST
    @given(pr=st.floats(0, 5), ext=unit, img=unit, hw=st.floats(0, 10), deaths=st.floats(0, 50))
    def test_granted_air_comes_with_any_full_assault(self, pr, ext, img, hw, deaths):
        lvl = ceiling(pr, ext, img, hw, deaths, AirCover.GRANTED)
        assert lvl != Escalation.FULL_ASSAULT
        if ceiling(pr, ext, img, hw, deaths, AirCover.WITHHELD) == Escalation.FULL_ASSAULT:
            assert lvl == Escalation.ASSAULT_WITH_AIR

    @FAST
    @given(pr=st.floats(0, 5), dp=st.floats(0.001, 5), ext=unit, img=unit, hw=st.floats(0, 10),
           deaths=st.floats(0, 50), air=st.sampled_from(list(AirCover)))
    def test_non_decreasing_in_pressure(self, pr, dp, ext, img, hw, deaths, air):
        assert ceiling(pr + dp, ext, img, hw, deaths, air) >= ceiling(pr, ext, img, hw, deaths, air)

    @FAST
    @given(pr=st.floats(0, 5), ext=unit, de=st.floats(0.001, 1), img=unit, hw=st.floats(0, 10),
           deaths=st.floats(0, 50), air=st.sampled_from(list(AirCover)))
    def test_non_increasing_in_constraint_and_deaths(self, pr, ext, de, img, hw, deaths, air):
        lvl = ceiling(pr, ext, img, hw, deaths, air)
        assert ceiling(pr, min(1.0, ext + de), img, hw, deaths, air) <= lvl
        assert ceiling(pr, ext, min(1.0, img + de), hw, deaths, air) <= lvl
        assert ceiling(pr, ext, img, hw, deaths + 10 * de, air) <= lvl

    @FAST
    @given(pr=st.floats(0, 5), ext=unit, img=unit, hw=st.floats(0, 10), deaths=st.floats(0, 50),
           air=st.sampled_from(list(AirCover)))
    def test_ceiling_is_highest_affordable_rung(self, pr, ext, img, hw, deaths, air):
        lvl = ceiling(pr, ext, img, hw, deaths, air)
        def cost(level):
            return mediator.escalation_cost(level, ext, img, hw, deaths, air)
        assert all(cost(level) <= pr for level in Escalation if level <= lvl)
        nxt = int(lvl) + 1
        if nxt <= Escalation.ASSAULT_WITH_AIR and not (nxt == Escalation.ASSAULT_WITH_AIR
                                                       and air == AirCover.WITHHELD):
            assert cost(Escalation(nxt)) > pr

    def test_pressure_over_siege_climbs_the_ladder(self):
        levels = [ceiling(mediator.escalation_pressure(r, 4 * r, MP.impatience, MP.siege_weariness))
                  for r in range(0, 41)]
        assert all(a <= b for a, b in zip(levels, levels[1:]))
        assert levels[-1] == Escalation.ASSAULT_WITH_AIR


class TestReviseExpulsion:
    def rev(self, current=0.5, counter=0.2, p=0.5, base=0.1, floor=0.1, step=0.3, hardening=1.0, threshold=0.7):
        return mediator.revise_expulsion(current, counter, p, base, floor, step, hardening, threshold)

    def test_concedes_share_of_gap_to_lower_counter(self):
        assert self.rev() == pytest.approx(0.5 - 0.3 * 0.3)
        assert self.rev(step=1.0) == pytest.approx(0.2)
        assert self.rev(step=0.0) == pytest.approx(0.5)

    def test_higher_counter_does_not_raise_demand(self):
        assert self.rev(current=0.3, counter=0.8) == pytest.approx(0.3)

    def test_never_below_floor(self):
        assert self.rev(current=0.15, counter=0.0, step=1.0, floor=0.1, base=0.05) == pytest.approx(0.1)

    def test_concedes_from_opening_demand_when_takeover_unlikely(self):
        # base = the opening demand (m.base_expulsion in the model); below p = 0.7 the base does not
        # hold the demand up, so the floor is what binds
        out = mediator.revise_expulsion(0.25, 0.1, 0.5, 0.25, 0.1, 0.3, 1.0)
        assert out == pytest.approx(0.25 - 0.3 * 0.15)
        x = 0.25
        for _ in range(50):
            x = mediator.revise_expulsion(x, 0.0, 0.5, 0.25, 0.1, 0.3, 1.0)
        assert x == pytest.approx(0.1)

    def test_hardens_toward_one_when_takeover_near_certain(self):
        assert self.rev(p=1.0) == pytest.approx(1.0)
        assert self.rev(current=0.25, counter=0.0, p=0.85, base=0.25) == pytest.approx(0.25 + 0.5 * 0.75)
        vals = [self.rev(current=0.25, counter=0.1, p=p, base=0.25) for p in np.linspace(0, 1, 21)]
        assert all(a <= b + 1e-12 for a, b in zip(vals, vals[1:]))
        assert vals[-1] == pytest.approx(1.0)

    def test_no_hardening_below_threshold(self):
        for p in (0.0, 0.3, 0.7):
            assert self.rev(current=0.4, counter=0.4, p=p, base=0.1) == pytest.approx(0.4)

    @FAST
    @given(cur=unit, ctr=unit, p=unit, base=unit, floor=unit, step=unit, hard=st.floats(0, 5))
    def test_bounds_property(self, cur, ctr, p, base, floor, step, hard):
        out = mediator.revise_expulsion(cur, ctr, p, base, floor, step, hard)
        assert floor - 1e-12 <= out <= 1.0
        assert isinstance(out, float)

    @FAST
    @given(cur=unit, ctr=unit, p=unit, dp=st.floats(0.001, 1), base=unit, floor=unit, step=unit,
           hard=st.floats(0, 5))
    def test_monotone_in_p_takeover_property(self, cur, ctr, p, dp, base, floor, step, hard):
        lo = mediator.revise_expulsion(cur, ctr, p, base, floor, step, hard)
        hi = mediator.revise_expulsion(cur, ctr, min(1.0, p + dp), base, floor, step, hard)
        assert hi >= lo - 1e-12

    @FAST
    @given(cur=unit, ctr=unit, dc=st.floats(0.001, 1), p=st.floats(0, 0.7), floor=unit, step=unit)
    def test_lower_counter_never_raises_demand(self, cur, ctr, dc, p, floor, step):
        lo = mediator.revise_expulsion(cur, max(0.0, ctr - dc), p, 0.0, floor, step, 1.0)
        hi = mediator.revise_expulsion(cur, ctr, p, 0.0, floor, step, 1.0)
        assert lo <= hi + 1e-12
        assert hi <= max(cur, floor) + 1e-12


class TestPowerExpulsion:
    def test_base_below_threshold(self):
        for p in (0.0, 0.5, 0.7):
            assert mediator.power_expulsion(p, 0.25, 1.0, 0.7) == pytest.approx(0.25)

    def test_levels_above_threshold(self):
        assert mediator.power_expulsion(1.0, 0.25, 1.0, 0.7) == pytest.approx(1.0)
        assert mediator.power_expulsion(0.85, 0.25, 1.0, 0.7) == pytest.approx(0.625)
        assert mediator.power_expulsion(0.85, 0.25, 0.0, 0.7) == pytest.approx(0.25)
        assert mediator.power_expulsion(0.85, 0.25, 5.0, 0.7) == pytest.approx(1.0)

    def test_default_threshold_is_an_even_chance(self):
        assert mediator.power_expulsion(0.5, 0.25, 1.0) == pytest.approx(0.25)
        assert mediator.power_expulsion(0.75, 0.25, 1.0) == pytest.approx(0.25 + 0.5 * 0.75)

    def test_outside_constraint_tempers_hardening(self):
        assert mediator.constrained_hardening(1.0, 0.0) == pytest.approx(1.0)
        assert mediator.constrained_hardening(1.0, 0.9) == pytest.approx(0.1)
        assert mediator.constrained_hardening(2.0, 1.0) == pytest.approx(0.0)
        demands = [mediator.power_expulsion(0.9, 0.25, mediator.constrained_hardening(1.0, x), 0.5)
                   for x in np.linspace(0, 1, 11)]
        assert all(a >= b - 1e-12 for a, b in zip(demands, demands[1:]))

    @FAST
    @given(p=unit, dp=st.floats(0.001, 1), base=unit, h=st.floats(0, 5), dh=st.floats(0.01, 5))
    def test_bounded_and_monotone(self, p, dp, base, h, dh):
        v = mediator.power_expulsion(p, base, h)
        assert base - 1e-12 <= v <= 1.0
        assert mediator.power_expulsion(min(1.0, p + dp), base, h) >= v - 1e-12
        assert mediator.power_expulsion(p, base, h + dh) >= v - 1e-12

    def test_revise_hardens_to_power_demand(self):
        for p in (0.75, 0.85, 0.95, 1.0):
            out = mediator.revise_expulsion(0.25, 0.0, p, 0.25, 0.1, 0.3, 1.0)
            assert out == pytest.approx(mediator.power_expulsion(p, 0.25, 1.0))


class TestCredibility:
    def test_violations_erode(self):
        vals = [mediator.credibility_after(0.8, v, True, 0.15, 0.01) for v in range(5)]
        assert vals[1] == pytest.approx(0.8 * 0.85)
        assert vals[2] == pytest.approx(0.8 * 0.85 ** 2)
        assert all(a > b for a, b in zip(vals[1:], vals[2:]))
        assert vals[1] < 0.8

    def test_compliant_day_rises_slowly(self):
        g = mediator.credibility_after(0.5, 0, True, 0.15, 0.01)
        assert g == pytest.approx(0.5 + 0.01 * 0.5)
        assert 0.5 < g < 0.51
        # approaches but never exceeds 1
        x = 0.5
        for _ in range(2000):
            x = mediator.credibility_after(x, 0, True, 0.15, 0.01)
        assert 0.99 < x <= 1.0

    def test_no_gain_on_violation_day_or_non_compliant_day(self):
        assert mediator.credibility_after(0.5, 0, False, 0.15, 0.01) == pytest.approx(0.5)
        assert mediator.credibility_after(0.5, 1, True, 0.15, 0.01) == pytest.approx(0.425)

    @FAST
    @given(g=unit, v=st.integers(0, 20), comp=st.booleans(), loss=unit, gain=unit)
    def test_bounded_property(self, g, v, comp, loss, gain):
        out = mediator.credibility_after(g, v, comp, loss, gain)
        assert 0.0 <= out <= 1.0
        if v > 0:
            assert out <= g + 1e-12
        elif comp:
            assert out >= g - 1e-12

    @FAST
    @given(g=st.floats(0.01, 1), v=st.integers(0, 10), loss=st.floats(0.01, 0.99), gain=unit)
    def test_more_violations_lower_credibility(self, g, v, loss, gain):
        assert (mediator.credibility_after(g, v + 1, True, loss, gain)
                < mediator.credibility_after(g, v, True, loss, gain))


class TestDecisivePhase:
    """The decisive phase: launched by the first approval of ground operations, never called off."""

    def test_launch_is_the_approval_of_ground_operations(self):
        assert not mediator.launches_decisive_phase(Escalation.NONE)
        assert not mediator.launches_decisive_phase(Escalation.SHELLING)
        assert all(mediator.launches_decisive_phase(lvl) for lvl in Escalation if lvl >= Escalation.GROUND_PROBES)

    def test_floor_holds_the_ceiling_at_ground_operations(self):
        low = 0.0  # no pressure at all: without the floor nothing is approved
        assert ceiling(low) == Escalation.NONE
        floored = mediator.escalation_ceiling(low, MP.external_constraint, MP.image_weight,
                                              MP.civilian_harm_weight, 100.0, AirCover.CONDITIONAL,
                                              floor=Escalation.GROUND_PROBES)
        assert floored == Escalation.GROUND_PROBES

    def test_floor_never_exceeds_the_cap(self):
        capped = mediator.escalation_ceiling(5.0, 0.3, 0.2, 0.5, 0.0, AirCover.CONDITIONAL,
                                             max_level=Escalation.SHELLING, floor=Escalation.GROUND_PROBES)
        assert capped == Escalation.SHELLING

    @FAST
    @given(pr=st.floats(0, 5), ext=unit, img=unit, hw=st.floats(0, 10), deaths=st.floats(0, 50),
           air=st.sampled_from(list(AirCover)))
    def test_floor_only_lifts_what_the_pressure_would_not_pay_for(self, pr, ext, img, hw, deaths, air):
        free = ceiling(pr, ext, img, hw, deaths, air)
        floored = mediator.escalation_ceiling(pr, ext, img, hw, deaths, air, floor=Escalation.GROUND_PROBES)
        assert floored == max(free, Escalation.GROUND_PROBES)


class TestHarmOfGroundOperations:
    def test_the_mediator_weighs_the_deaths_ground_fighting_adds(self):
        # the cost term reads last week's ground-combat deaths: zero of them cost nothing extra however
        # many the bombardment killed (those are the price of the shelling rung already approved)
        c = mediator.escalation_cost(Escalation.GROUND_PROBES, 0.6, 0.1, 0.5, 0.0, AirCover.GRANTED)
        assert c == pytest.approx(MP.level_cost_ground_probes * 0.7)
        assert mediator.escalation_cost(Escalation.GROUND_PROBES, 0.6, 0.1, 0.5, 20.0, AirCover.GRANTED) > c
