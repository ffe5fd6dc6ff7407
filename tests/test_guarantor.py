"""A guarantor on the ground as a term of the deal (shared/PATTERNS.md, pattern 10): the pure rule,
its mapping from a case fact, and paired directional tests over replicates on Daraa's facts: with the
guarantor's military police deployed, the same terms are more acceptable, come sooner and are
breached less."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.config.compose import compose, to_run_config
from helpers.intervals import bootstrap_ci
from helpers.scenarios import scenario_params, simulate
from sim import mediator as mediator_rules

N = 100


@pytest.mark.parametrize("credibility, on_ground, expected", [(0.35, False, 0.35), (0.35, True, 0.545),
                                                              (1.0, True, 1.0), (0.0, True, 0.3)])
def test_military_police_close_a_share_of_the_credibility_gap(credibility, on_ground, expected):
    assert mediator_rules.guaranteed_credibility(credibility, on_ground, 0.3) == pytest.approx(expected)


def test_the_case_fact_maps_to_the_term():
    assert to_run_config(compose([])).model.terms.guarantor_on_ground is False
    assert to_run_config(compose(["case.guarantor_on_ground=true"])).model.terms.guarantor_on_ground is True


@pytest.fixture(scope="module")
def arms() -> dict[bool, tuple[pd.DataFrame, pd.DataFrame]]:
    return {on: simulate(scenario_params(f"model.terms.guarantor_on_ground={str(on).lower()}"), N, seed=47)[::2]
            for on in (False, True)}


def _first_round_acceptance(events: pd.DataFrame) -> np.ndarray:
    votes = events[(events["event"] == "vote") & (events["round"] == 1)]
    return votes.groupby("replicate")["p_accept"].mean().reindex(range(N)).to_numpy(float)


def test_the_same_terms_are_more_acceptable_and_the_siege_ends_sooner(arms):
    (base, base_events), (guarded, guarded_events) = arms[False], arms[True]
    lo, _ = bootstrap_ci(_first_round_acceptance(guarded_events) - _first_round_acceptance(base_events))
    assert lo > 0, "factions are readier to disarm under the guarantor's police"
    _, hi = bootstrap_ci(guarded.sort_values("replicate")["end_day"].to_numpy(float)
                         - base.sort_values("replicate")["end_day"].to_numpy(float))
    assert hi < 0, "the deal comes sooner"


def test_the_police_keep_the_besiegers_ceasefire_breaches_down():
    """Breaches per day of a deal being implemented, pooled over replicates, with a paired bootstrap
    interval of the difference (replicates resampled jointly)."""
    def per_replicate(on: bool) -> tuple[np.ndarray, np.ndarray]:
        _, daily, events = simulate(scenario_params(f"model.terms.guarantor_on_ground={str(on).lower()}"), N,
                                    seed=47)
        breaches = events[(events["event"] == "violation") & (events["detail"] == "shelled during a ceasefire")]
        counts = breaches.groupby("replicate").size().reindex(range(N), fill_value=0).to_numpy(float)
        deal_days = (daily[daily["phase"].isin(["implementation", "suspended"])].groupby("replicate").size()
                     .reindex(range(N), fill_value=0).to_numpy(float))
        return counts, deal_days
    (b0, d0), (b1, d1) = per_replicate(False), per_replicate(True)
    rng = np.random.default_rng(3)
    idx = rng.integers(0, N, size=(2000, N))
    diff = b1[idx].sum(axis=1) / d1[idx].sum(axis=1) - b0[idx].sum(axis=1) / d0[idx].sum(axis=1)
    assert np.quantile(diff, 0.975) < 0, "fewer breaches a day of implementation under the police"
