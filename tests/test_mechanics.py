"""Unit and property tests of the pure mechanics: sim/combat.py, harm.py, beliefs.py,
decisions.py, mediator.py and outcomes.py.

Each test states a level, a boundary case or a comparative static of one formula. Property tests
use hypothesis with a small example budget so the whole file runs in a few seconds. Some tests
pin bugs found and fixed while writing them (overflow at low temperature, counter-offers when exile
beats staying).
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim import beliefs, combat, decisions, harm, mediator, outcomes
from sim.decisions import FactionSituation, Terms
from sim.enums import AirCover, Escalation, FighterStatus, Outcome, WeaponsHandover
from sim.params import CombatParams, MediatorParams, NegotiationParams, OutcomeParams

FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

NEG = NegotiationParams()
CP = CombatParams()
MP = MediatorParams()

unit = st.floats(0.0, 1.0, allow_nan=False)
open_unit = st.floats(0.01, 0.99, allow_nan=False)
pos = st.floats(0.1, 1e4, allow_nan=False)


def default_terms(**kw) -> Terms:
    base = dict(expulsion_fraction=0.25, weapons_handover=WeaponsHandover.ALL, besieger_entry=True)
    base.update(kw)
    return Terms(**base)


def situation(**kw) -> FactionSituation:
    base = dict(exile_share=np.array([0.25]), p_takeover=np.array([0.3]), resolve=np.array([0.55]),
                losses_share=np.array([0.05]), hardship=0.2, civilian_harm=0.5, months_besieged=1.0)
    base.update(kw)
    return FactionSituation(**base)


def calm(**kw) -> FactionSituation:
    """A faction for which fighting (0.19 at p=0.2) lies between exile (-0.2) and staying under an
    0.8-credible guarantee (0.35), so its counter-offer is interior (about 0.29 at exile_scale 1)."""
    base = dict(exile_share=np.zeros(1), p_takeover=np.array([0.2]), resolve=np.array([0.6]),
                losses_share=np.array([0.02]), hardship=0.1, civilian_harm=0.2, months_besieged=0.5)
    base.update(kw)
    return FactionSituation(**base)


def stay_value(credibility: float, terms: Terms, neg: NegotiationParams = NEG) -> float:
    return float(decisions.accept_value(np.array(0.0), credibility, terms, neg))


# --------------------------------------------------------------------------------------------
# combat.assault_success_probability
# --------------------------------------------------------------------------------------------

class TestAssaultSuccess:
    def test_half_exactly_at_required_ratio_with_defaults(self):
        ratio = CP.required_force_ratio * CP.urban_defence_multiplier
        p = combat.assault_success_probability(ratio * 10.0, 10.0, CP.urban_defence_multiplier,
                                               CP.required_force_ratio, CP.assault_steepness)
        assert p == pytest.approx(0.5, abs=1e-12)

    @FAST
    @given(d=pos, m=st.floats(1.0, 20.0), r=st.floats(1.0, 20.0), k=st.floats(0.1, 20.0))
    def test_half_at_required_ratio_property(self, d, m, r, k):
        p = combat.assault_success_probability(r * m * d, d, m, r, k)
        assert p == pytest.approx(0.5, abs=1e-9)

    def test_known_value_one_log_unit_above(self):
        # x = k * 1 when A/D = r*m*e -> sigmoid(k)
        r, m, k = 3.0, 1.6, 2.0
        p = combat.assault_success_probability(r * m * math.e * 7.0, 7.0, m, r, k)
        assert p == pytest.approx(1.0 / (1.0 + math.exp(-k)), rel=1e-12)

    def test_zero_defenders_is_certain_success(self):
        assert combat.assault_success_probability(10.0, 0.0, 1.6, 3.0, 2.0) == 1.0
        # zero defenders wins even with zero attackers (the defenders check comes first)
        assert combat.assault_success_probability(0.0, 0.0, 1.6, 3.0, 2.0) == 1.0

    def test_zero_attackers_is_certain_failure(self):
        assert combat.assault_success_probability(0.0, 10.0, 1.6, 3.0, 2.0) == 0.0

    @FAST
    @given(a=pos, d=pos, m=st.floats(1.0, 20.0), r=st.floats(1.0, 20.0), k=st.floats(0.1, 20.0),
           f=st.floats(1.05, 10.0))
    def test_monotone_in_attackers_defenders_and_urban(self, a, d, m, r, k, f):
        p = combat.assault_success_probability(a, d, m, r, k)
        assert 0.0 <= p <= 1.0
        assert combat.assault_success_probability(a * f, d, m, r, k) >= p
        assert combat.assault_success_probability(a, d * f, m, r, k) <= p
        assert combat.assault_success_probability(a, d, m * f, r, k) <= p
        assert combat.assault_success_probability(a, d, m, r * f, k) <= p

    def test_strictly_monotone_in_interior(self):
        args = dict(urban_multiplier=1.6, required_ratio=3.0, steepness=2.0)
        ps = [combat.assault_success_probability(a, 10.0, **args) for a in (10, 30, 48, 80, 200)]
        assert all(x < y for x, y in zip(ps, ps[1:]))
        qs = [combat.assault_success_probability(48.0, 10.0, m, 3.0, 2.0) for m in (1.0, 1.6, 3.0, 6.0)]
        assert all(x > y for x, y in zip(qs, qs[1:]))

    def test_depends_only_on_force_ratio(self):
        p1 = combat.assault_success_probability(30.0, 10.0, 1.6, 3.0, 2.0)
        p2 = combat.assault_success_probability(300.0, 100.0, 1.6, 3.0, 2.0)
        assert p1 == pytest.approx(p2, rel=1e-12)

    def test_steepness_sharpens_around_threshold(self):
        above = [combat.assault_success_probability(100.0, 10.0, 1.6, 3.0, k) for k in (0.5, 2.0, 8.0)]
        below = [combat.assault_success_probability(20.0, 10.0, 1.6, 3.0, k) for k in (0.5, 2.0, 8.0)]
        assert above[0] < above[1] < above[2]
        assert below[0] > below[1] > below[2]

    def test_extreme_ratio_does_not_raise(self):
        p = combat.assault_success_probability(1e-300, 1.0, 1.6, 3.0, 2.0)
        assert 0.0 <= p < 1e-6


# --------------------------------------------------------------------------------------------
# combat.ground_losses
# --------------------------------------------------------------------------------------------

class TestGroundLosses:
    def test_square_law_levels(self):
        a_loss, d_loss = combat.ground_losses(100.0, 20.0, 1.6, 0.004, 0.02)
        assert a_loss == pytest.approx(0.02 * 20.0 * 1.6)
        assert d_loss == pytest.approx(0.004 * 100.0 / 1.6)

    def test_attacker_losses_proportional_to_defenders(self):
        a1, _ = combat.ground_losses(1000.0, 10.0, 1.6, 0.004, 0.02)
        a2, _ = combat.ground_losses(1000.0, 20.0, 1.6, 0.004, 0.02)
        assert a2 == pytest.approx(2.0 * a1)

    def test_defender_losses_proportional_to_attackers(self):
        _, d1 = combat.ground_losses(50.0, 100.0, 1.6, 0.004, 0.02)
        _, d2 = combat.ground_losses(150.0, 100.0, 1.6, 0.004, 0.02)
        assert d2 == pytest.approx(3.0 * d1)

    def test_urban_multiplier_favours_defenders(self):
        a1, d1 = combat.ground_losses(100.0, 20.0, 1.0, 0.004, 0.02)
        a2, d2 = combat.ground_losses(100.0, 20.0, 2.0, 0.004, 0.02)
        assert a2 == pytest.approx(2.0 * a1)
        assert d2 == pytest.approx(d1 / 2.0)

    def test_zero_sides(self):
        assert combat.ground_losses(0.0, 20.0, 1.6, 0.004, 0.02) == (0.0, 0.0)
        assert combat.ground_losses(100.0, 0.0, 1.6, 0.004, 0.02) == (0.0, 0.0)

    def test_capped_at_force_size(self):
        a_loss, d_loss = combat.ground_losses(2.0, 5.0, 10.0, 1.0, 1.0)
        assert a_loss == 2.0  # uncapped would be 50
        assert d_loss == pytest.approx(0.2)
        a_loss, d_loss = combat.ground_losses(1000.0, 3.0, 1.0, 1.0, 0.0)
        assert d_loss == 3.0 and a_loss == 0.0

    @FAST
    @given(a=st.floats(0, 1e5), d=st.floats(0, 1e5), m=st.floats(1.0, 20.0), la=unit, ld=unit)
    def test_never_negative_never_more_than_force(self, a, d, m, la, ld):
        a_loss, d_loss = combat.ground_losses(a, d, m, la, ld)
        assert 0.0 <= a_loss <= a
        assert 0.0 <= d_loss <= d


# --------------------------------------------------------------------------------------------
# combat.area_fire_hit_probability and shells_by_cell
# --------------------------------------------------------------------------------------------

class TestAreaFire:
    def test_zero_shells_or_full_shelter_exactly_zero(self):
        zero = combat.area_fire_hit_probability(np.zeros(4), 0.5, np.array([0.0, 0.3, 0.9, 1.0]))
        assert np.all(zero == 0.0)
        full = combat.area_fire_hit_probability(np.array([0.0, 1.0, 100.0, 1e6]), 0.5, np.ones(4))
        assert np.all(full == 0.0)

    def test_matches_formula_and_shape(self):
        shells = np.array([[10.0, 20.0], [0.0, 500.0]])
        shelter = np.array([[0.8, 0.5], [0.0, 0.2]])
        p = combat.area_fire_hit_probability(shells, CP.shell_lethality, shelter)
        assert p.shape == shells.shape
        np.testing.assert_allclose(p, 1.0 - np.exp(-CP.shell_lethality * shells * (1.0 - shelter)),
                                   rtol=1e-12)

    @FAST
    @given(s=st.floats(0, 1e5), lam=unit, sh=unit, f=st.floats(1.01, 10.0))
    def test_monotone_and_bounded(self, s, lam, sh, f):
        p = combat.area_fire_hit_probability(np.array([s]), lam, np.array([sh]))[0]
        assert 0.0 <= p <= 1.0
        assert combat.area_fire_hit_probability(np.array([s * f]), lam, np.array([sh]))[0] >= p
        assert combat.area_fire_hit_probability(np.array([s]), min(1.0, lam * f), np.array([sh]))[0] >= p
        assert combat.area_fire_hit_probability(np.array([s]), lam, np.array([min(1.0, sh * f)]))[0] <= p

    def test_strictly_monotone_interior(self):
        s = np.array([10.0, 50.0, 200.0])
        p = combat.area_fire_hit_probability(s, 0.001, np.full(3, 0.5))
        assert np.all(np.diff(p) > 0)
        q = combat.area_fire_hit_probability(np.full(3, 100.0), 0.001, np.array([0.0, 0.5, 0.9]))
        assert np.all(np.diff(q) < 0)


class TestShellsByCell:
    def grid(self):
        targetable = np.array([True, True, True, True, False, False])
        frontier = np.array([True, False, False, True, True, False])  # cell 4 frontier but not targetable
        return targetable, frontier

    def test_conserves_total(self):
        t, f = self.grid()
        out = combat.shells_by_cell(60.0, t, f)
        assert out.sum() == pytest.approx(60.0)

    def test_zero_on_non_targetable(self):
        t, f = self.grid()
        out = combat.shells_by_cell(60.0, t, f, frontier_weight=5.0)
        assert np.all(out[~t] == 0.0)

    def test_frontier_weight_ratio(self):
        t, f = self.grid()
        for w in (1.0, 3.0, 7.5):
            out = combat.shells_by_cell(90.0, t, f, frontier_weight=w)
            assert out[0] == pytest.approx(w * out[1])
            assert out[3] == pytest.approx(w * out[2])
            assert out[0] == pytest.approx(out[3])
            assert out[1] == pytest.approx(out[2])
        # default weight is 3 -> 2 frontier, 2 interior: 60 / (3+3+1+1) = 7.5 per interior cell
        out = combat.shells_by_cell(60.0, t, f)
        np.testing.assert_allclose(out, [22.5, 7.5, 7.5, 22.5, 0.0, 0.0])

    def test_degenerate_inputs_give_zeros(self):
        t, f = self.grid()
        assert np.all(combat.shells_by_cell(0.0, t, f) == 0.0)
        none = np.zeros(6, dtype=bool)
        out = combat.shells_by_cell(60.0, none, f)
        assert out.shape == (6,) and np.all(out == 0.0)

    def test_two_dimensional_grid(self):
        t = np.ones((3, 3), dtype=bool)
        t[0, 0] = False
        f = np.zeros((3, 3), dtype=bool)
        f[0, :] = True
        out = combat.shells_by_cell(100.0, t, f)
        assert out.shape == (3, 3)
        assert out.sum() == pytest.approx(100.0)
        assert out[0, 0] == 0.0
        assert out[0, 1] == pytest.approx(3.0 * out[2, 2])

    @FAST
    @given(total=st.floats(0.1, 1e5), w=st.floats(1.0, 10.0),
           cells=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=30))
    def test_conservation_property(self, total, w, cells):
        t = np.array([c[0] for c in cells])
        f = np.array([c[1] for c in cells]) & t
        assume(t.any())
        out = combat.shells_by_cell(total, t, f, w)
        assert out.sum() == pytest.approx(total, rel=1e-9)
        assert np.all(out >= 0.0)
        assert np.all(out[~t] == 0.0)


# --------------------------------------------------------------------------------------------
# harm
# --------------------------------------------------------------------------------------------

class TestHarm:
    def test_shelter_falls_with_damage(self):
        s = harm.shelter(0.85, np.array([0.0, 0.5, 1.0]))
        np.testing.assert_allclose(s, [0.85, 0.425, 0.0])

    def test_damage_zero_shells_unchanged(self):
        d = np.array([0.0, 0.3, 1.0])
        np.testing.assert_allclose(harm.damage_after_shelling(d, np.zeros(3), 0.004), d)

    @FAST
    @given(d=unit, s=st.floats(0, 1e6), k=unit, f=st.floats(1.01, 10.0))
    def test_damage_saturates_and_is_monotone(self, d, s, k, f):
        out = harm.damage_after_shelling(np.array([d]), np.array([s]), k)[0]
        assert d - 1e-12 <= out <= 1.0
        more = harm.damage_after_shelling(np.array([d]), np.array([s * f]), k)[0]
        assert more >= out

    def test_damage_composes_over_days(self):
        d1 = harm.damage_after_shelling(np.array([0.1]), np.array([100.0]), 0.004)
        d2 = harm.damage_after_shelling(d1, np.array([50.0]), 0.004)
        direct = harm.damage_after_shelling(np.array([0.1]), np.array([150.0]), 0.004)
        np.testing.assert_allclose(d2, direct, rtol=1e-12)
        huge = harm.damage_after_shelling(np.array([0.0]), np.array([1e9]), 0.004)
        assert huge[0] == pytest.approx(1.0) and huge[0] <= 1.0

    def test_hardship_levels(self):
        assert harm.hardship(40.0) == 0.0
        assert harm.hardship(20.0) == 0.0
        assert harm.hardship(0.0) == 1.0
        assert harm.hardship(-5.0) == 1.0
        assert harm.hardship(10.0) == pytest.approx(0.5)
        assert harm.hardship(5.0, buffer_days=10.0) == pytest.approx(0.5)

    def test_hardship_non_increasing_in_stock(self):
        hs = [harm.hardship(x) for x in np.linspace(-5, 50, 111)]
        assert all(a >= b for a, b in zip(hs, hs[1:]))
        assert all(0.0 <= h <= 1.0 for h in hs)

    def test_supply_update(self):
        assert harm.supply_after_day(10.0, 1.0, 0.6) == pytest.approx(9.6)
        assert harm.supply_after_day(0.2, 1.0, 0.6) == 0.0
        assert harm.supply_after_day(0.0, 0.0, 0.6) == pytest.approx(0.6)

    @FAST
    @given(stock=st.floats(0, 1000), need=st.floats(0, 2), resupply=st.floats(0, 2))
    def test_supply_never_negative_and_monotone(self, stock, need, resupply):
        s = harm.supply_after_day(stock, need, resupply)
        assert s >= 0.0
        assert harm.supply_after_day(stock, need, resupply + 0.1) >= s
        assert harm.supply_after_day(stock, need + 0.1, resupply) <= s

    def flight(self, h=0.3, shells=0.5, risk=0.3):
        from sim.params import CivilianParams
        c = CivilianParams()
        return harm.flight_probability(h, np.atleast_1d(np.asarray(shells, dtype=float)), risk,
                                       c.flight_intercept, c.flight_hardship, c.flight_shelling,
                                       c.flight_journey_risk)

    def test_flight_comparative_statics(self):
        base = self.flight()[0]
        assert 0.0 < base < 1.0
        assert self.flight(h=0.8)[0] > base
        assert self.flight(shells=2.0)[0] > base
        assert self.flight(risk=0.9)[0] < base

    def test_flight_quiet_day_rate(self):
        # with no hardship, shelling or journey risk the daily rate is sigmoid(intercept)
        from sim.params import CivilianParams
        c = CivilianParams()
        p = harm.flight_probability(0.0, np.zeros(1), 0.0, c.flight_intercept, c.flight_hardship,
                                    c.flight_shelling, c.flight_journey_risk)
        assert p[0] == pytest.approx(1.0 / (1.0 + math.exp(-c.flight_intercept)))

    @FAST
    @given(h=unit, s=st.floats(0, 10), r=unit, dh=st.floats(0.01, 1), ds=st.floats(0.01, 5),
           dr=st.floats(0.01, 1))
    def test_flight_monotone_property(self, h, s, r, dh, ds, dr):
        p = self.flight(h, s, r)[0]
        assert 0.0 <= p <= 1.0
        assert self.flight(h + dh, s, r)[0] >= p
        assert self.flight(h, s + ds, r)[0] >= p
        assert self.flight(h, s, r + dr)[0] <= p

    def test_flight_vectorised_over_cells(self):
        p = self.flight(shells=np.array([0.0, 1.0, 5.0]))
        assert p.shape == (3,)
        assert np.all(np.diff(p) > 0)


# --------------------------------------------------------------------------------------------
# beliefs
# --------------------------------------------------------------------------------------------

class TestBeliefs:
    def test_no_forgetting_is_plain_counting(self):
        a, b = beliefs.update_beta(np.array(5.0), np.array(7.0), 2.0, 3.0, 2.0, 6.0, 1.0)
        assert float(a) == pytest.approx(7.0)
        assert float(b) == pytest.approx(10.0)

    @FAST
    @given(a0=st.floats(0.01, 100), b0=st.floats(0.01, 100), s=st.floats(0, 10), f=st.floats(0, 10),
           pa=st.floats(0.01, 100), pb=st.floats(0.01, 100))
    def test_no_forgetting_property(self, a0, b0, s, f, pa, pb):
        a, b = beliefs.update_beta(np.array(a0), np.array(b0), s, f, pa, pb, 1.0)
        assert float(a) == pytest.approx(a0 + s)
        assert float(b) == pytest.approx(b0 + f)

    def test_no_signals_decay_to_prior(self):
        a, b = np.array([30.0, 0.5]), np.array([1.0, 40.0])
        dist0 = np.abs(a - 2.0) + np.abs(b - 6.0)
        for _ in range(400):
            a, b = beliefs.update_beta(a, b, 0.0, 0.0, 2.0, 6.0, 0.97)
        np.testing.assert_allclose(a, 2.0, atol=1e-3)
        np.testing.assert_allclose(b, 6.0, atol=1e-3)
        # one step shrinks the distance to the prior by exactly the forgetting factor
        a1, b1 = beliefs.update_beta(np.array([30.0, 0.5]), np.array([1.0, 40.0]), 0, 0, 2.0, 6.0, 0.97)
        np.testing.assert_allclose(np.abs(a1 - 2.0) + np.abs(b1 - 6.0), 0.97 * dist0)

    def test_prior_is_fixed_point(self):
        a, b = beliefs.update_beta(np.array(2.0), np.array(6.0), 0.0, 0.0, 2.0, 6.0, 0.9)
        assert float(a) == pytest.approx(2.0) and float(b) == pytest.approx(6.0)

    def test_mean_rises_with_successes_and_falls_with_failures(self):
        base = beliefs.belief_mean(*beliefs.update_beta(np.array(2.0), np.array(6.0), 0, 0, 2, 6, 0.97))
        up = beliefs.belief_mean(*beliefs.update_beta(np.array(2.0), np.array(6.0), 3, 0, 2, 6, 0.97))
        down = beliefs.belief_mean(*beliefs.update_beta(np.array(2.0), np.array(6.0), 0, 3, 2, 6, 0.97))
        assert down < base < up

    @FAST
    @given(a=st.floats(0.01, 100), b=st.floats(0.01, 100), s1=st.floats(0, 10), ds=st.floats(0.01, 10),
           fg=st.floats(0.5, 1.0))
    def test_mean_monotone_in_successes_property(self, a, b, s1, ds, fg):
        m1 = beliefs.belief_mean(*beliefs.update_beta(np.array(a), np.array(b), s1, 1.0, 2.0, 6.0, fg))
        m2 = beliefs.belief_mean(*beliefs.update_beta(np.array(a), np.array(b), s1 + ds, 1.0, 2.0, 6.0, fg))
        assert 0.0 < m1 < 1.0
        assert m2 > m1

    def test_belief_mean_values(self):
        np.testing.assert_allclose(beliefs.belief_mean(np.array([2.0, 6.0, 1.0]),
                                                       np.array([6.0, 4.0, 1.0])), [0.25, 0.6, 0.5])


class TestTakeover:
    def test_success_at_unit_strength_is_theta(self):
        for th in (0.05, 0.3, 0.5, 0.9):
            assert beliefs.success_at_strength(th, 1.0, 2.0) == pytest.approx(th)

    def test_success_zero_strength(self):
        assert beliefs.success_at_strength(0.5, 0.0, 2.0) == 0.0

    def test_success_logit_shift(self):
        # strength e shifts the logit by the steepness
        th, k = 0.3, 2.0
        expected = 1.0 / (1.0 + math.exp(-(math.log(th / (1 - th)) + k)))
        assert beliefs.success_at_strength(th, math.e, k) == pytest.approx(expected)

    def test_success_clamps_extreme_theta(self):
        assert 0.0 <= beliefs.success_at_strength(0.0, 4.0, 2.0) < 1e-6
        assert 1.0 - 1e-6 < beliefs.success_at_strength(1.0, 0.25, 2.0) <= 1.0

    @FAST
    @given(th=open_unit, s=st.floats(0.05, 20), k=st.floats(0.1, 5), f=st.floats(1.05, 5))
    def test_success_monotone_property(self, th, s, k, f):
        v = beliefs.success_at_strength(th, s, k)
        assert 0.0 <= v <= 1.0
        assert beliefs.success_at_strength(th, s * f, k) >= v
        assert beliefs.success_at_strength(min(0.999, th * f), s, k) >= v

    def test_takeover_levels(self):
        assert beliefs.takeover_probability(0.3, 2.0, 1.0, 2.0, 30.0, 0.0) == 1.0
        assert beliefs.takeover_probability(0.3, 0.0, 1.0, 2.0, 30.0, 50.0) == 0.0
        assert beliefs.takeover_probability(0.3, 2.0, 1.0, 2.0, 0.0, 50.0) == 0.0
        # strength 1: expected cells = attacks * theta * horizon
        assert beliefs.takeover_probability(0.3, 2.0, 1.0, 2.0, 30.0, 50.0) == pytest.approx(
            1.0 - math.exp(-2.0 * 0.3 * 30.0 / 50.0))

    @FAST
    @given(th=open_unit, a=st.floats(0.1, 20), s=st.floats(0.1, 10), k=st.floats(0.1, 5),
           h=st.floats(1, 120), c=st.floats(1, 100), f=st.floats(1.05, 3))
    def test_takeover_monotone_property(self, th, a, s, k, h, c, f):
        tp = lambda **kw: beliefs.takeover_probability(**{**dict(theta=th, attacks_per_day=a, strength=s,
                                                                 steepness=k, horizon_days=h,
                                                                 cells_to_take=c), **kw})
        v = tp()
        assert 0.0 <= v <= 1.0
        assert tp(theta=min(0.999, th * f)) >= v - 1e-12
        assert tp(attacks_per_day=a * f) >= v - 1e-12
        assert tp(strength=s * f) >= v - 1e-12
        assert tp(horizon_days=h * f) >= v - 1e-12
        assert tp(cells_to_take=c * f) <= v + 1e-12


# --------------------------------------------------------------------------------------------
# decisions
# --------------------------------------------------------------------------------------------

class TestAcceptValue:
    def test_formula_with_defaults(self):
        t = default_terms()
        g, e = 0.5, 0.25
        stay = g * 0.7 + (1 - g) * (-0.3) - 0.03 * 3 - 0.06
        expected = e * (-0.2) + (1 - e) * stay
        assert float(decisions.accept_value(np.array(e), g, t, NEG)) == pytest.approx(expected)

    def test_increasing_in_credibility(self):
        t = default_terms()
        vals = [float(decisions.accept_value(np.array(0.25), g, t, NEG)) for g in np.linspace(0, 1, 11)]
        assert all(x < y for x, y in zip(vals, vals[1:]))

    def test_exile_share_one_ignores_credibility(self):
        t = default_terms()
        v0 = float(decisions.accept_value(np.array(1.0), 0.0, t, NEG))
        v1 = float(decisions.accept_value(np.array(1.0), 1.0, t, NEG))
        assert v0 == pytest.approx(NEG.value_exile) and v1 == pytest.approx(NEG.value_exile)

    def test_decreasing_in_exile_share_when_staying_beats_exile(self):
        t = default_terms()
        g = MP.initial_credibility
        assert stay_value(g, t) > NEG.value_exile  # premise under defaults
        e = np.linspace(0, 1, 11)
        v = decisions.accept_value(e, g, t, NEG)
        assert np.all(np.diff(v) < 0)

    def test_increasing_in_exile_share_when_exile_beats_staying(self):
        # at zero credibility staying means -0.3 - 0.15 = -0.45 < v_exile = -0.2
        t = default_terms()
        assert stay_value(0.0, t) < NEG.value_exile
        v = decisions.accept_value(np.linspace(0, 1, 11), 0.0, t, NEG)
        assert np.all(np.diff(v) > 0)

    def test_decreasing_in_weapons_handover(self):
        vals = [float(decisions.accept_value(np.array(0.25), 0.5, default_terms(weapons_handover=w), NEG))
                for w in WeaponsHandover]
        assert all(x > y for x, y in zip(vals, vals[1:]))
        assert vals[0] - vals[-1] == pytest.approx(0.75 * 3 * NEG.handover_cost)

    def test_besieger_entry_lowers_value(self):
        with_entry = float(decisions.accept_value(np.array(0.25), 0.5, default_terms(besieger_entry=True), NEG))
        without = float(decisions.accept_value(np.array(0.25), 0.5, default_terms(besieger_entry=False), NEG))
        assert with_entry < without
        assert without - with_entry == pytest.approx(0.75 * NEG.entry_cost)

    @FAST
    @given(e=st.floats(0, 0.99), g1=unit, dg=st.floats(0.01, 1))
    def test_credibility_property(self, e, g1, dg):
        t = default_terms()
        v1 = float(decisions.accept_value(np.array(e), g1, t, NEG))
        v2 = float(decisions.accept_value(np.array(e), min(1.0, g1 + dg), t, NEG))
        assert v2 >= v1


class TestFightValue:
    def fv(self, **kw) -> float:
        return float(decisions.fight_value(situation(**kw), NEG)[0])

    def test_formula(self):
        s = situation()
        p = 0.3
        expected = ((1 - p) * 0.5 + p * -0.6 + 0.6 * (0.55 - 0.5) - 0.5 * 0.2 - 0.15 * 0.05 * 10
                    - 0.1 * 0.5 - 0.1 * 1.0)
        assert float(decisions.fight_value(s, NEG)[0]) == pytest.approx(expected)

    @pytest.mark.parametrize("field,lo,hi", [
        ("p_takeover", np.array([0.2]), np.array([0.8])),
        ("hardship", 0.1, 0.9),
        ("losses_share", np.array([0.0]), np.array([0.3])),
        ("civilian_harm", 0.0, 5.0),
        ("months_besieged", 0.0, 4.0),
    ])
    def test_decreasing_in_costs(self, field, lo, hi):
        assert self.fv(**{field: hi}) < self.fv(**{field: lo})

    def test_increasing_in_resolve(self):
        assert self.fv(resolve=np.array([0.9])) > self.fv(resolve=np.array([0.2]))
        # resolve 0.5 is neutral
        neutral = self.fv(resolve=np.array([0.5]))
        assert self.fv(resolve=np.array([0.6])) - neutral == pytest.approx(0.1 * NEG.resolve_weight)

    def test_vectorised_over_factions(self):
        s = situation(exile_share=np.zeros(3), p_takeover=np.array([0.1, 0.5, 0.9]),
                      resolve=np.full(3, 0.5), losses_share=np.zeros(3))
        v = decisions.fight_value(s, NEG)
        assert v.shape == (3,)
        assert np.all(np.diff(v) < 0)

    @FAST
    @given(p=unit, r=unit, l=unit, h=unit, c=st.floats(0, 20), mo=st.floats(0, 12),
           d=st.floats(0.01, 1))
    def test_monotone_property(self, p, r, l, h, c, mo, d):
        args = dict(p_takeover=np.array([p]), resolve=np.array([r]), losses_share=np.array([l]),
                    hardship=h, civilian_harm=c, months_besieged=mo)
        v = self.fv(**args)
        assert self.fv(**{**args, "p_takeover": np.array([p + d])}) < v
        assert self.fv(**{**args, "resolve": np.array([r + d])}) > v
        assert self.fv(**{**args, "losses_share": np.array([l + d])}) < v
        assert self.fv(**{**args, "hardship": h + d}) < v
        assert self.fv(**{**args, "civilian_harm": c + d}) < v
        assert self.fv(**{**args, "months_besieged": mo + d}) < v


class TestAcceptanceProbability:
    def test_half_at_indifference(self):
        for u in (-1.0, 0.0, 0.37):
            assert float(decisions.acceptance_probability(np.array(u), np.array(u), 0.08)) == 0.5

    def test_monotone(self):
        ua = np.linspace(-0.5, 0.5, 21)
        p = decisions.acceptance_probability(ua, np.zeros_like(ua), 0.08)
        assert np.all(np.diff(p) > 0)
        pf = decisions.acceptance_probability(np.zeros_like(ua), ua, 0.08)
        assert np.all(np.diff(pf) < 0)
        np.testing.assert_allclose(p + pf, 1.0)

    def test_temperature_sharpens(self):
        cold = float(decisions.acceptance_probability(np.array(0.1), np.array(0.0), 0.01))
        hot = float(decisions.acceptance_probability(np.array(0.1), np.array(0.0), 1.0))
        assert 0.5 < hot < cold < 1.0

    @FAST
    @given(ua=st.floats(-10, 10), uf=st.floats(-10, 10), t=st.floats(0.05, 10))
    def test_bounded_property(self, ua, uf, t):
        p = float(decisions.acceptance_probability(np.array(ua), np.array(uf), t))
        assert 0.0 <= p <= 1.0
        assert (p >= 0.5) == (ua >= uf) or p == 0.5

    def test_no_overflow_warning_at_low_temperature(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            p = decisions.acceptance_probability(np.array(0.0), np.array(1.0), 0.001)
        assert float(p) == pytest.approx(0.0)


class TestIndifferentExpulsion:
    def check_indifference(self, s, g, terms, scale):
        f = decisions.indifferent_expulsion(s, g, terms, NEG, scale)
        assert np.all((f >= 0.0) & (f <= 1.0))
        interior = (f > 0.0) & (f < 1.0)
        ua = decisions.accept_value(f * scale, g, terms, NEG)
        uf = decisions.fight_value(s, NEG)
        np.testing.assert_allclose(ua[interior], uf[interior], atol=1e-9)
        return f, interior

    def test_indifference_at_returned_fraction_defaults(self):
        s = calm(exile_share=np.zeros(3), p_takeover=np.array([0.1, 0.2, 0.3]),
                 resolve=np.array([0.6, 0.5, 0.7]), losses_share=np.array([0.02, 0.05, 0.0]))
        f, interior = self.check_indifference(s, 0.8, default_terms(), np.array([1.0, 1.5, 0.7]))
        assert interior.all()  # the check above was not vacuous

    @FAST
    @given(p=unit, r=unit, h=unit, g=unit, scale=st.floats(0.2, 4.0), mo=st.floats(0, 4))
    def test_indifference_property(self, p, r, h, g, scale, mo):
        s = situation(exile_share=np.zeros(1), p_takeover=np.array([p]), resolve=np.array([r]),
                      losses_share=np.array([0.05]), hardship=h, civilian_harm=0.5, months_besieged=mo)
        self.check_indifference(s, g, default_terms(), np.array([scale]))

    def test_accepts_below_rejects_above_counter(self):
        # staying beats exile (g high), so accept_value falls with e: accept at f < counter, not above
        s = calm()
        terms, g, scale = default_terms(), 0.8, np.array([1.0])
        f = decisions.indifferent_expulsion(s, g, terms, NEG, scale)
        assert 0.0 < f[0] < 1.0
        uf = decisions.fight_value(s, NEG)
        assert decisions.accept_value((f - 0.05) * scale, g, terms, NEG)[0] > uf[0]
        assert decisions.accept_value((f + 0.05) * scale, g, terms, NEG)[0] < uf[0]

    def test_corner_cases(self):
        terms, scale = default_terms(), np.array([1.0])
        # fighting is worse than any deal -> concede everything
        desperate = situation(p_takeover=np.array([0.99]), resolve=np.array([0.0]), hardship=1.0,
                              months_besieged=6.0)
        assert decisions.indifferent_expulsion(desperate, 0.9, terms, NEG, scale)[0] == 1.0
        # fighting beats even a no-expulsion deal -> counter 0
        confident = situation(p_takeover=np.array([0.0]), resolve=np.array([1.0]), hardship=0.0,
                              losses_share=np.array([0.0]), civilian_harm=0.0, months_besieged=0.0)
        assert decisions.indifferent_expulsion(confident, 0.5, terms, NEG, scale)[0] == 0.0

    def test_counter_rises_with_pressure_on_faction(self):
        terms, scale = default_terms(), np.array([1.0])
        fs = [decisions.indifferent_expulsion(calm(p_takeover=np.array([p])), 0.8, terms, NEG, scale)[0]
              for p in (0.1, 0.2, 0.3)]
        assert 0.0 < fs[0] < fs[1] < fs[2] < 1.0
        # and a more credible guarantee buys a larger acceptable expulsion
        g_lo = decisions.indifferent_expulsion(calm(), 0.7, terms, NEG, scale)[0]
        g_hi = decisions.indifferent_expulsion(calm(), 0.9, terms, NEG, scale)[0]
        assert 0.0 < g_lo < g_hi < 1.0

    def test_counter_falls_with_exile_scale(self):
        s = calm(exile_share=np.zeros(3), p_takeover=np.full(3, 0.2), resolve=np.full(3, 0.6),
                 losses_share=np.full(3, 0.02))
        f = decisions.indifferent_expulsion(s, 0.8, default_terms(), NEG, np.array([0.5, 1.0, 2.0]))
        assert 0.0 < f[2] < f[1] < f[0] < 1.0
        np.testing.assert_allclose(f[1], 2.0 * f[2])

    @staticmethod
    def exile_preferred_case():
        """Credibility 0.1: staying is worth -0.35 < v_exile = -0.2, so accept_value rises with e;
        fighting (-0.25) beats a no-expulsion deal but not full exile -> indifference at e = 2/3."""
        return calm(p_takeover=np.array([0.6])), 0.1, default_terms(), np.array([1.0])

    def test_exile_preferred_case_premise(self):
        s, g, terms, scale = self.exile_preferred_case()
        uf = float(decisions.fight_value(s, NEG)[0])
        assert uf == pytest.approx(-0.25)
        assert stay_value(g, terms) == pytest.approx(-0.35)
        assert stay_value(g, terms) < uf < NEG.value_exile
        # the interior indifference point exists: accept(2/3) == fight
        assert float(decisions.accept_value(np.array(2.0 / 3.0), g, terms, NEG)) == pytest.approx(uf)

    def test_returned_fraction_acceptable_whenever_some_fraction_is(self):
        s, g, terms, scale = self.exile_preferred_case()
        uf = float(decisions.fight_value(s, NEG)[0])
        f = decisions.indifferent_expulsion(s, g, terms, NEG, scale)
        assert float(decisions.accept_value(f * scale, g, terms, NEG)[0]) >= uf - 1e-9


class TestCommittee:
    def test_weighted_majority(self):
        w = np.array([3.0, 2.0, 1.0])
        no_veto = np.zeros(3, dtype=bool)
        assert decisions.committee_accepts(np.array([True, False, False]), w, no_veto, 0.5) == (True, None)
        assert decisions.committee_accepts(np.array([False, True, True]), w, no_veto, 0.5) == (True, None)
        assert decisions.committee_accepts(np.array([False, True, False]), w, no_veto, 0.5) == (False, None)
        assert decisions.committee_accepts(np.array([True, True, False]), w, no_veto, 0.9) == (False, None)
        assert decisions.committee_accepts(np.ones(3, dtype=bool), w, no_veto, 1.0) == (True, None)

    def test_veto_blocks_majority(self):
        w = np.array([5.0, 1.0, 1.0])
        veto = np.array([False, True, False])
        accepted, who = decisions.committee_accepts(np.array([True, False, True]), w, veto, 0.5)
        assert accepted is False and who == 1

    def test_veto_faction_voting_yes_does_not_veto(self):
        w = np.array([5.0, 1.0, 1.0])
        veto = np.array([False, True, False])
        assert decisions.committee_accepts(np.array([True, True, False]), w, veto, 0.5) == (True, None)

    def test_first_vetoing_faction_reported(self):
        veto = np.array([False, True, True])
        accepted, who = decisions.committee_accepts(np.array([True, False, False]), np.ones(3), veto, 0.0)
        assert accepted is False and who == 1

    def test_zero_weights_never_accept(self):
        yes = np.ones(3, dtype=bool)
        assert decisions.committee_accepts(yes, np.zeros(3), np.zeros(3, dtype=bool), 0.5) == (False, None)
        assert decisions.committee_accepts(yes, np.zeros(3), np.zeros(3, dtype=bool), 0.0) == (False, None)

    def test_return_types(self):
        accepted, who = decisions.committee_accepts(np.array([True]), np.array([1.0]), np.array([False]), 0.5)
        assert type(accepted) is bool and who is None

    @FAST
    @given(votes=st.lists(st.tuples(st.booleans(), st.floats(0.0, 10.0)), min_size=1, max_size=8),
           maj=unit)
    def test_majority_property_without_veto(self, votes, maj):
        yes = np.array([v[0] for v in votes])
        w = np.array([v[1] for v in votes])
        accepted, who = decisions.committee_accepts(yes, w, np.zeros(len(votes), dtype=bool), maj)
        assert who is None
        if w.sum() <= 0:
            assert accepted is False
        else:
            assert accepted == (w[yes].sum() / w.sum() >= maj)
            # more yes votes never turn an acceptance into a rejection
            if accepted:
                assert decisions.committee_accepts(np.ones(len(votes), dtype=bool), w,
                                                   np.zeros(len(votes), dtype=bool), maj)[0]


class TestIndividualChoices:
    def test_boarding_refusal_levels(self):
        p = decisions.boarding_refusal_probability(np.array([0.5]), 0.5, 0.05)
        assert p[0] == pytest.approx(0.05)
        assert decisions.boarding_refusal_probability(np.array([0.0]), 0.5, 0.05)[0] == 0.0

    def test_boarding_refusal_statics(self):
        r = np.linspace(0, 1, 11)
        p = decisions.boarding_refusal_probability(r, 0.5, 0.05)
        assert np.all(np.diff(p) > 0)
        pg = [decisions.boarding_refusal_probability(np.array([0.7]), g, 0.05)[0] for g in np.linspace(0, 1, 11)]
        assert all(a > b for a, b in zip(pg, pg[1:]))

    @FAST
    @given(r=unit, g=unit, base=unit, d=st.floats(0.01, 1))
    def test_boarding_refusal_property(self, r, g, base, d):
        p = decisions.boarding_refusal_probability(np.array([r]), g, base)[0]
        assert 0.0 <= p <= 1.0
        assert decisions.boarding_refusal_probability(np.array([min(1, r + d)]), g, base)[0] >= p
        assert decisions.boarding_refusal_probability(np.array([r]), min(1, g + d), base)[0] <= p

    def test_defection_levels_and_statics(self):
        assert decisions.defection_probability(np.array([0.5]), np.array([0.5]), 0.002)[0] == pytest.approx(0.002)
        pr = decisions.defection_probability(np.full(5, 0.5), np.linspace(0, 1, 5), 0.002)
        assert np.all(np.diff(pr) > 0)
        rs = decisions.defection_probability(np.linspace(0, 1, 5), np.full(5, 0.5), 0.002)
        assert np.all(np.diff(rs) < 0)

    @FAST
    @given(r=unit, pr=st.floats(0, 5), base=unit, d=st.floats(0.01, 1))
    def test_defection_property(self, r, pr, base, d):
        p = decisions.defection_probability(np.array([r]), np.array([pr]), base)[0]
        assert 0.0 <= p <= 1.0
        assert decisions.defection_probability(np.array([r]), np.array([pr + d]), base)[0] >= p
        assert decisions.defection_probability(np.array([r + d]), np.array([pr]), base)[0] <= p


class TestVoteReason:
    def test_reasons(self):
        assert decisions.vote_reason(True, 1.0, 0.0, 0.5, 0.1, 0.6, NEG) == "expects the district to fall by force"
        assert decisions.vote_reason(True, 1.0, 0.0, 0.5, 0.1, 0.2, NEG) == "the cost of holding out outweighs the terms"
        assert decisions.vote_reason(False, 0.0, 1.0, 0.1, 0.1, 0.2, NEG) == "guarantee not credible"
        assert decisions.vote_reason(False, 0.0, 1.0, 0.9, 0.5, 0.2, NEG) == "expulsion demand too large"
        assert decisions.vote_reason(False, 0.0, 1.0, 0.9, 0.1, 0.2, NEG) == "expects to hold out"

    def test_reason_never_contradicts_the_vote(self):
        """A vote against the modelled values is attributed to unmodelled considerations."""
        assert "unmodelled" in decisions.vote_reason(True, 0.0, 0.1, 0.5, 0.1, 0.2, NEG)
        assert "unmodelled" in decisions.vote_reason(False, 0.2, 0.1, 0.5, 0.1, 0.2, NEG)


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
        c = lambda lvl, air=AirCover.CONDITIONAL, deaths=0.0: mediator.escalation_cost(
            lvl, 0.3, 0.2, 0.5, deaths, air)
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
        cost = lambda l: mediator.escalation_cost(l, ext, img, hw, deaths, air)
        assert all(cost(l) <= pr for l in Escalation if l <= lvl)
        nxt = int(lvl) + 1
        if nxt <= Escalation.ASSAULT_WITH_AIR and not (nxt == Escalation.ASSAULT_WITH_AIR
                                                       and air == AirCover.WITHHELD):
            assert cost(Escalation(nxt)) > pr

    def test_pressure_over_siege_climbs_the_ladder(self):
        levels = [ceiling(mediator.escalation_pressure(r, 4 * r, MP.impatience, MP.siege_weariness))
                  for r in range(0, 15)]
        assert all(a <= b for a, b in zip(levels, levels[1:]))
        assert levels[-1] == Escalation.ASSAULT_WITH_AIR


class TestReviseExpulsion:
    def rev(self, current=0.5, counter=0.2, p=0.5, base=0.1, floor=0.1, step=0.3, hardening=1.0):
        return mediator.revise_expulsion(current, counter, p, base, floor, step, hardening)

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
            assert mediator.power_expulsion(p, 0.25, 1.0) == pytest.approx(0.25)

    def test_levels_above_threshold(self):
        assert mediator.power_expulsion(1.0, 0.25, 1.0) == pytest.approx(1.0)
        assert mediator.power_expulsion(0.85, 0.25, 1.0) == pytest.approx(0.625)
        assert mediator.power_expulsion(0.85, 0.25, 0.0) == pytest.approx(0.25)
        assert mediator.power_expulsion(0.85, 0.25, 5.0) == pytest.approx(1.0)

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


# --------------------------------------------------------------------------------------------
# outcomes
# --------------------------------------------------------------------------------------------

def status_counts(active=0, wounded=0, killed=0, evacuated=0, settled=0) -> np.ndarray:
    counts = np.zeros(len(FighterStatus), dtype=np.int64)
    for status, n in ((FighterStatus.ACTIVE, active), (FighterStatus.WOUNDED, wounded), (FighterStatus.KILLED, killed),
                      (FighterStatus.EVACUATED, evacuated), (FighterStatus.SETTLED, settled)):
        counts[status] = n
    return counts


class TestOutcome:
    OP = OutcomeParams()

    def test_settlement_classes_at_their_thresholds(self):
        # 100 fighters, 20 killed: full evacuation from 0.6 * 80 = 48 evacuated, partial from 0.05 * 100 = 5
        assert outcomes.settlement_class(status_counts(killed=20, evacuated=48, settled=32), 100, self.OP) \
            == Outcome.FULL_EVACUATION
        assert outcomes.settlement_class(status_counts(killed=20, evacuated=47, settled=33), 100, self.OP) \
            == Outcome.PARTIAL_EVACUATION
        assert outcomes.settlement_class(status_counts(killed=20, evacuated=5, settled=75), 100, self.OP) \
            == Outcome.PARTIAL_EVACUATION
        assert outcomes.settlement_class(status_counts(killed=20, evacuated=4, settled=76), 100, self.OP) \
            == Outcome.SETTLEMENT_LOCAL_STAY
        assert outcomes.settlement_class(status_counts(killed=100), 100, self.OP) == Outcome.SETTLEMENT_LOCAL_STAY

    def test_siege_outcomes(self):
        fighting = status_counts(active=90, killed=10)
        assert outcomes.siege_outcome(0.5, 90, fighting, 100, False, self.OP) is None
        assert outcomes.siege_outcome(0.1, 90, fighting, 100, False, self.OP) == Outcome.MILITARY_TAKEOVER
        assert outcomes.siege_outcome(0.5, 90, fighting, 100, True, self.OP) == Outcome.SIEGE_BROKEN
        beaten = status_counts(active=5, killed=60, settled=35)
        assert outcomes.siege_outcome(0.5, 5, beaten, 100, True, self.OP) == Outcome.MILITARY_TAKEOVER
        defected = status_counts(active=5, killed=10, settled=85)
        assert outcomes.siege_outcome(0.5, 5, defected, 100, True, self.OP) == Outcome.SETTLEMENT_LOCAL_STAY
        strict = dataclasses.replace(self.OP, takeover_control_share=0.05, min_fighting_share=0.01)
        assert outcomes.siege_outcome(0.1, 5, defected, 100, False, strict) is None


# --------------------------------------------------------------------------------------------
# parameter defaults the tests above rely on (so a change of default shows up here first)
# --------------------------------------------------------------------------------------------

def test_default_premises():
    assert NEG.value_hold > NEG.value_fall
    assert NEG.value_settle > NEG.value_reneged
    assert stay_value(MP.initial_credibility, default_terms()) > NEG.value_exile
    assert CP.required_force_ratio == 3.0 and CP.urban_defence_multiplier == 1.6
    assert dataclasses.is_dataclass(NEG)
