"""Unit and property tests of the combat rules (sim/combat.py): the 3:1 rule's assault success,
Lanchester losses, area fire and the spread of shells.

Each test states a level, a boundary case or a comparative static of one formula; property tests
use hypothesis with a small example budget (helpers.mechanics.FAST)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from helpers.mechanics import CP, FAST, pos, unit
from sim import combat

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
