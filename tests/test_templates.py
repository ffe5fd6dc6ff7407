"""Deal templates (shared/PATTERNS.md, patterns 2-3): a named list, each fighter's choice to settle or
to leave, the exit of every organised fighter. The choice's comparative statics, who is set to leave
when a deal is struck, the mediator's bargaining, and paired directional tests over replicates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers.intervals import bootstrap_ci
from helpers.mechanics import NEG, default_terms
from helpers.scenarios import scenario_params, simulate
from sim import decisions
from sim.deal import Deal
from sim.enums import DealTemplate, Outcome
from sim.model import SiegeModel

SETTLE = default_terms(template=DealTemplate.SETTLE_OR_LEAVE)


def advantage(resolve=0.55, hardliner=False, credibility=0.5, **neg):
    return float(decisions.leave_advantage(np.array([resolve]), np.array([hardliner]), credibility, SETTLE,
                                           dataclasses.replace(NEG, **neg))[0])


def test_a_fighter_leans_to_exile_when_resolute_a_hardliner_afraid_or_distrustful():
    base = advantage()
    assert advantage(resolve=0.9) > base > advantage(resolve=0.2)
    assert advantage(hardliner=True) > base
    assert advantage(credibility=0.1) > base > advantage(credibility=0.9)
    assert advantage(reprisal_fear=0.5) > base
    assert advantage(exile_resolve_weight=0.0, resolve=0.9) == pytest.approx(advantage(exile_resolve_weight=0.0))


def test_leaving_is_a_logit_choice_and_its_value_is_at_least_staying_less_the_noise():
    adv = np.linspace(-2, 2, 41)
    p = decisions.leave_probability(adv, 0.1)
    assert np.all(np.diff(p) > 0) and p[0] < 1e-6 and p[-1] > 1 - 1e-6 and p[20] == 0.5
    stay = decisions.stay_value(0.5, SETTLE, NEG)
    value = decisions.choice_value(adv, 0.5, SETTLE, NEG)
    assert np.all(value >= stay + np.minimum(adv, 0) * 0.5) and value[-1] == pytest.approx(stay + 2.0)
    assert value[0] == pytest.approx(stay, abs=1e-6), "a fighter sure to stay is worth staying"


@pytest.fixture(scope="module")
def model() -> SiegeModel:
    return SiegeModel(scenario_params(), root_seed=3, replicate=0)


def test_a_full_exit_lists_every_fighting_fighter_and_a_choice_lists_about_its_expected_share(model):
    fighters = model.fighters
    fighting = fighters.fighting()
    for template, expected in ((DealTemplate.FULL_EXIT, None), (DealTemplate.SETTLE_OR_LEAVE, "mean")):
        f = dataclasses.replace(fighters, listed=np.zeros_like(fighters.listed))
        terms = default_terms(template=template)
        _, n = Deal.strike(0, terms, [], f, 0.5, NEG, 2.0, np.random.default_rng(1))
        if expected is None:
            assert n == fighting.sum() and np.array_equal(f.listed, fighting)
        else:
            adv = decisions.leave_advantage(f.resolve[fighting], f.hardliner[fighting], 0.5, terms, NEG)
            p = decisions.leave_probability(adv, NEG.choice_temperature)
            sd = np.sqrt((p * (1 - p)).sum())
            assert abs(n - p.sum()) < 4 * sd, "the leavers are drawn from each fighter's own probability"


def test_the_mediator_bargains_over_the_share_only_under_a_named_list(model):
    for template in (DealTemplate.FULL_EXIT, DealTemplate.SETTLE_OR_LEAVE):
        terms = default_terms(template=template, expulsion_fraction=1.0)
        assert model.mediator.revise(terms, counter=0.1) == terms
        assert model.mediator.offer(terms) == terms
    listed = default_terms(expulsion_fraction=0.6)
    assert model.mediator.revise(listed, counter=0.1).expulsion_fraction < 0.6


def test_a_full_exit_weighs_exile_for_every_member(model):
    votes = model.committee.positions(default_terms(template=DealTemplate.FULL_EXIT), 0.5)
    assert all(v.exile_share == 1.0 for v in votes)
    assert all(v.u_accept == pytest.approx(NEG.value_exile + NEG.family_exile_bonus) for v in votes)


# ------------------------------------------------------------------ paired directional tests over replicates
N = 120
ALEPPO = ("scenario=east_aleppo_2016", "model.horizon_days=120")


def _share(runs, outcome: str) -> np.ndarray:
    return (runs["outcome"] == outcome).to_numpy(float)


def test_a_full_exit_empties_the_enclave_where_a_named_list_is_bargained_down():
    """East Aleppo's facts with the full exit it recorded, against the same demand as a named list that
    the mediator may concede down to its floor (common random numbers: replicate r pairs with r)."""
    exit_runs = simulate(scenario_params(*ALEPPO), N, seed=11)[0]
    listed = simulate(scenario_params(*ALEPPO, "model.terms.template=NAMED_LIST"), N, seed=11)[0]
    diff = _share(exit_runs, Outcome.FULL_EVACUATION.value) - _share(listed, Outcome.FULL_EVACUATION.value)
    lo, _ = bootstrap_ci(diff)
    assert lo > 0.3, f"a full exit should make a full evacuation far more likely (paired difference lo {lo:.2f})"


def test_under_settle_or_leave_a_trusted_guarantee_keeps_fighters_home():
    """Daraa's facts under settle-or-leave: a credible guarantee (0.9) against a distrusted one (0.1)."""
    base = ("model.terms.template=SETTLE_OR_LEAVE", "model.horizon_days=120")
    trusted = simulate(scenario_params(*base, "model.mediator.initial_credibility=0.9"), N, seed=13)[0]
    distrusted = simulate(scenario_params(*base, "model.mediator.initial_credibility=0.1"), N, seed=13)[0]
    share = lambda runs: (runs["fighters_evacuated"] / runs["fighters_initial"]).to_numpy()  # noqa: E731
    lo, _ = bootstrap_ci(share(distrusted) - share(trusted))
    assert lo > 0, f"distrust should send more fighters north (paired difference lo {lo:.3f})"
    stay = _share(trusted, Outcome.SETTLEMENT_LOCAL_STAY.value)
    assert stay.mean() > 0.5, "with a trusted guarantee a minority leaves: a local stay"
