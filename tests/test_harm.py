"""Unit and property tests of the harm, supply and flight rules (sim/harm.py).

Each test states a level, a boundary case or a comparative static of one formula; property tests
use hypothesis with a small example budget (helpers.mechanics.FAST)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.mechanics import FAST, unit
from sim import harm

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
        # above the buffer (20 days) nothing leaks in; no leakage reproduces the plain stock rule
        assert harm.supply_after_day(30.0, 1.0, 0.6, 0.8, 20.0) == pytest.approx(29.6)
        assert harm.supply_after_day(0.2, 1.0, 0.6, 0.0, 20.0) == 0.0
        assert harm.supply_after_day(0.0, 0.0, 0.6, 0.0, 20.0) == pytest.approx(0.6)
        # at 10 days hardship is 0.5, so the leak brings 0.4: resupply covers need exactly
        assert harm.supply_after_day(10.0, 1.0, 0.6, 0.8, 20.0) == pytest.approx(10.0)
        # empty stocks under full hardship: 0.6 + 0.8 - 1 = 0.4 comes back
        assert harm.supply_after_day(0.0, 1.0, 0.6, 0.8, 20.0) == pytest.approx(0.4)

    @FAST
    @given(stock=st.floats(0, 1000), need=st.floats(0, 2), resupply=st.floats(0, 2), leak=st.floats(0, 2))
    def test_supply_never_negative_and_monotone(self, stock, need, resupply, leak):
        s = harm.supply_after_day(stock, need, resupply, leak, 20.0)
        assert s >= 0.0
        assert harm.supply_after_day(stock, need, resupply + 0.1, leak, 20.0) >= s
        assert harm.supply_after_day(stock, need + 0.1, resupply, leak, 20.0) <= s
        assert harm.supply_after_day(stock, need, resupply, leak + 0.1, 20.0) >= s

    @pytest.mark.parametrize("resupply, leak", [(0.6, 0.8), (0.3, 1.0), (0.8, 0.4)])
    def test_a_long_siege_settles_at_the_equilibrium_of_its_leak(self, resupply, leak):
        """Stocks settle where resupply plus the leak covers need: H* = (1 - resupply) / leak."""
        stock = harm.stock_after_siege(40.0, 2000, resupply, leak, 20.0)
        assert harm.hardship(stock, 20.0) == pytest.approx(min(1.0, (1.0 - resupply) / leak), abs=1e-6)

    def test_without_a_leak_a_long_siege_empties_the_stocks(self):
        assert harm.stock_after_siege(40.0, 200, 0.6, 0.0, 20.0) == 0.0
        assert harm.stock_after_siege(40.0, 10, 0.6, 0.0, 20.0) == pytest.approx(36.0)
        assert harm.stock_after_siege(40.0, 0, 0.6, 0.8, 20.0) == 40.0

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
