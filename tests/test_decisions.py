"""Unit and property tests of the decision rules (sim/decisions.py): the value of accepting and of
fighting on, the logit vote, counter-offers, the committee, individual choices, vote reasons.

Each test states a level, a boundary case or a comparative static of one formula; property tests
use hypothesis with a small example budget (helpers.mechanics.FAST)."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.mechanics import FAST, MP, NEG, calm, default_terms, situation, stay_value, unit
from sim import decisions
from sim.enums import WeaponsHandover

# --------------------------------------------------------------------------------------------
# decisions
# --------------------------------------------------------------------------------------------

class TestAcceptValue:
    def test_formula_with_defaults(self):
        t = default_terms()
        g, e = 0.5, 0.25
        stay = g * 0.7 + (1 - g) * (-0.3) - 0.03 * 3 - 0.06 - NEG.reprisal_fear
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
                    - NEG.civilian_cost * 1.25 - 0.1 * 1.0)
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
    @given(p=unit, r=unit, loss=unit, h=unit, c=st.floats(0, 20), mo=st.floats(0, 12),
           d=st.floats(0.01, 1))
    def test_monotone_property(self, p, r, loss, h, c, mo, d):
        args = dict(p_takeover=np.array([p]), resolve=np.array([r]), losses_share=np.array([loss]),
                    hardship=h, civilian_harm=c, months_besieged=mo)
        v = self.fv(**args)
        assert self.fv(**{**args, "p_takeover": np.array([p + d])}) < v
        assert self.fv(**{**args, "resolve": np.array([r + d])}) > v
        assert self.fv(**{**args, "losses_share": np.array([loss + d])}) < v
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


# The counter-offer tests below fix their premises in round numbers, so they read the formula without
# the fear of reprisals (a constant lowering U_stay; TestAcceptValue covers it).
NO_FEAR = replace(NEG, reprisal_fear=0.0)


class TestIndifferentExpulsion:
    def check_indifference(self, s, g, terms, scale):
        f = decisions.indifferent_expulsion(s, g, terms, NO_FEAR, scale)
        assert np.all((f >= 0.0) & (f <= 1.0))
        interior = (f > 0.0) & (f < 1.0)
        ua = decisions.accept_value(f * scale, g, terms, NO_FEAR)
        uf = decisions.fight_value(s, NO_FEAR)
        np.testing.assert_allclose(ua[interior], uf[interior], atol=1e-9)
        return f, interior

    def test_indifference_at_returned_fraction_defaults(self):
        s = calm(exile_share=np.zeros(3), p_takeover=np.array([0.1, 0.2, 0.3]),
                 resolve=np.array([0.6, 0.5, 0.7]), losses_share=np.array([0.02, 0.05, 0.0]))
        _, interior = self.check_indifference(s, 0.8, default_terms(), np.array([1.0, 1.5, 0.7]))
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
        f = decisions.indifferent_expulsion(s, g, terms, NO_FEAR, scale)
        assert 0.0 < f[0] < 1.0
        uf = decisions.fight_value(s, NO_FEAR)
        assert decisions.accept_value((f - 0.05) * scale, g, terms, NO_FEAR)[0] > uf[0]
        assert decisions.accept_value((f + 0.05) * scale, g, terms, NO_FEAR)[0] < uf[0]

    def test_corner_cases(self):
        terms, scale = default_terms(), np.array([1.0])
        # fighting is worse than any deal -> concede everything
        desperate = situation(p_takeover=np.array([0.99]), resolve=np.array([0.0]), hardship=1.0,
                              months_besieged=6.0)
        assert decisions.indifferent_expulsion(desperate, 0.9, terms, NO_FEAR, scale)[0] == 1.0
        # fighting beats even a no-expulsion deal -> counter 0
        confident = situation(p_takeover=np.array([0.0]), resolve=np.array([1.0]), hardship=0.0,
                              losses_share=np.array([0.0]), civilian_harm=0.0, months_besieged=0.0)
        assert decisions.indifferent_expulsion(confident, 0.5, terms, NO_FEAR, scale)[0] == 0.0

    def test_counter_rises_with_pressure_on_faction(self):
        terms, scale = default_terms(), np.array([1.0])
        fs = [decisions.indifferent_expulsion(calm(p_takeover=np.array([p])), 0.8, terms, NO_FEAR, scale)[0]
              for p in (0.1, 0.2, 0.3)]
        assert 0.0 < fs[0] < fs[1] < fs[2] < 1.0
        # and a more credible guarantee buys a larger acceptable expulsion
        g_lo = decisions.indifferent_expulsion(calm(), 0.7, terms, NO_FEAR, scale)[0]
        g_hi = decisions.indifferent_expulsion(calm(), 0.9, terms, NO_FEAR, scale)[0]
        assert 0.0 < g_lo < g_hi < 1.0

    def test_counter_falls_with_exile_scale(self):
        s = calm(exile_share=np.zeros(3), p_takeover=np.full(3, 0.2), resolve=np.full(3, 0.6),
                 losses_share=np.full(3, 0.02))
        f = decisions.indifferent_expulsion(s, 0.8, default_terms(), NO_FEAR, np.array([0.5, 1.0, 2.0]))
        assert 0.0 < f[2] < f[1] < f[0] < 1.0
        np.testing.assert_allclose(f[1], 2.0 * f[2])

    @staticmethod
    def exile_preferred_case():
        """Credibility 0.1: staying is worth -0.35 < v_exile = -0.2, so accept_value rises with e;
        fighting (-0.25) beats a no-expulsion deal but not full exile -> indifference at e = 2/3."""
        return calm(p_takeover=np.array([0.6])), 0.1, default_terms(), np.array([1.0])

    def test_exile_preferred_case_premise(self):
        s, g, terms, _ = self.exile_preferred_case()
        uf = float(decisions.fight_value(s, NO_FEAR)[0])
        assert uf == pytest.approx(-0.25)
        assert stay_value(g, terms, NO_FEAR) == pytest.approx(-0.35)
        assert stay_value(g, terms, NO_FEAR) < uf < NEG.value_exile
        # the interior indifference point exists: accept(2/3) == fight
        assert float(decisions.accept_value(np.array(2.0 / 3.0), g, terms, NO_FEAR)) == pytest.approx(uf)

    def test_returned_fraction_acceptable_whenever_some_fraction_is(self):
        s, g, terms, scale = self.exile_preferred_case()
        uf = float(decisions.fight_value(s, NO_FEAR)[0])
        f = decisions.indifferent_expulsion(s, g, terms, NO_FEAR, scale)
        assert float(decisions.accept_value(f * scale, g, terms, NO_FEAR)[0]) >= uf - 1e-9


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
        assert decisions.vote_reason(True, 1.0, 0.0, 0.5, 0.1, 0.2, NEG) == \
            "the cost of holding out outweighs the terms"
        assert decisions.vote_reason(False, 0.0, 1.0, 0.1, 0.1, 0.2, NEG) == "guarantee not credible"
        assert decisions.vote_reason(False, 0.0, 1.0, 0.9, 0.5, 0.2, NEG) == "expulsion demand too large"
        assert decisions.vote_reason(False, 0.0, 1.0, 0.9, 0.1, 0.2, NEG) == "expects to hold out"

    def test_reason_never_contradicts_the_vote(self):
        """A vote against the modelled values is attributed to unmodelled considerations."""
        assert "unmodelled" in decisions.vote_reason(True, 0.0, 0.1, 0.5, 0.1, 0.2, NEG)
        assert "unmodelled" in decisions.vote_reason(False, 0.2, 0.1, 0.5, 0.1, 0.2, NEG)


class TestFeltHardship:
    """Only hardship beyond what the long phase left weighs in fighting on (pattern 6)."""

    def test_full_adaptation_discounts_the_starting_hardship(self):
        assert decisions.felt_hardship(0.5, 0.5, 1.0) == 0.0
        assert decisions.felt_hardship(0.7, 0.5, 1.0) == pytest.approx(0.2)

    def test_no_adaptation_feels_it_all(self):
        assert decisions.felt_hardship(0.5, 0.5, 0.0) == 0.5

    @FAST
    @given(h=unit, endured=unit, a=unit)
    def test_bounded_and_monotone(self, h, endured, a):
        felt = decisions.felt_hardship(h, endured, a)
        assert 0.0 <= felt <= h
        assert decisions.felt_hardship(h, endured, min(1.0, a + 0.1)) <= felt
