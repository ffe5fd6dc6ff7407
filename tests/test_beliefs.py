"""Unit and property tests of the belief rules (sim/beliefs.py): Beta updates and the chance of a
takeover within the planning horizon.

Each test states a level, a boundary case or a comparative static of one formula; property tests
use hypothesis with a small example budget (helpers.mechanics.FAST)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.mechanics import FAST, open_unit
from sim import beliefs

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
        def tp(**kw):
            args = dict(theta=th, attacks_per_day=a, strength=s, steepness=k, horizon_days=h, cells_to_take=c)
            return beliefs.takeover_probability(**{**args, **kw})
        v = tp()
        assert 0.0 <= v <= 1.0
        assert tp(theta=min(0.999, th * f)) >= v - 1e-12
        assert tp(attacks_per_day=a * f) >= v - 1e-12
        assert tp(strength=s * f) >= v - 1e-12
        assert tp(horizon_days=h * f) >= v - 1e-12
        assert tp(cells_to_take=c * f) <= v + 1e-12


class TestCombatSignals:
    """Every attack is a signal; an assault's outcome is weighed by what it says about a probe."""

    def test_a_probe_is_one_observation(self):
        won, held = beliefs.signal_weights(0.3, 1.0, 1.5)
        assert won == pytest.approx(1.0)
        assert held == pytest.approx(1.0)

    @FAST
    @given(theta=open_unit, strength=st.floats(1.01, 50), steep=st.floats(0.1, 5))
    def test_stronger_attacks_tell_less_when_they_win_and_more_when_held(self, theta, strength, steep):
        won, held = beliefs.signal_weights(theta, strength, steep)
        assert 0.0 <= won < 1.0
        assert held > 1.0

    @FAST
    @given(theta=open_unit, s1=st.floats(1, 20), ds=st.floats(0.01, 20), steep=st.floats(0.1, 5))
    def test_weights_are_monotone_in_strength(self, theta, s1, ds, steep):
        won1, held1 = beliefs.signal_weights(theta, s1, steep)
        won2, held2 = beliefs.signal_weights(theta, s1 + ds, steep)
        assert won2 <= won1 + 1e-12
        assert held2 >= held1 - 1e-12

    def test_signals_add_up_the_day(self):
        day = [(1.0, True), (1.0, False), (4.0, True), (4.0, False)]
        won4, held4 = beliefs.signal_weights(0.2, 4.0, 1.5)
        assert beliefs.signals(0.2, day, 1.5) == pytest.approx((1.0 + won4, 1.0 + held4))
        assert beliefs.signals(0.2, [], 1.5) == (0.0, 0.0)
