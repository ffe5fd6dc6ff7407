"""Pattern 4 of shared/PATTERNS.md on the shared cases' facts, over seeded replicates: in every
evacuation the evacuated share of fighters is far above that of civilians; more civilians flee into
besieger-held areas than are bused out of a large enclave; a small enclave empties completely while
a large one sheds a minority. (The size of that minority, 13-16% of Eastern Ghouta's people and
12-18% of East Aleppo's, comes out short, about a tenth: docs/ODD.md, section 1.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.intervals import bootstrap_ci
from helpers.scenarios import scenario_params, simulate
from sim.deal import family_share
from sim.enums import DealTemplate
from sim.params import ImplementationParams

N = 40
LARGE = ("east_aleppo_2016", "eastern_ghouta_2018")
SMALL = "homs_old_city_2014"


@pytest.fixture(scope="module")
def cases() -> dict[str, pd.DataFrame]:
    """Each case's runs, with the civilians bused out (the convoys' family seats) added."""
    out = {}
    for case in (*LARGE, SMALL, "daraa_2021"):
        runs, _, events = simulate(scenario_params(f"scenario={case}", "model.horizon_days=365"), N, seed=44)
        bused = events[events["event"] == "convoy"].groupby("replicate")["civilians"].sum()
        out[case] = runs.set_index("replicate").assign(civilians_bused=bused.reindex(range(N), fill_value=0))
    return out


HOMS_PAUSE_MISS = ("known miss since flight follows the shells on a resident's cell, not the shells per resident "
                   "(docs/ODD.md, 7.4): Homs's restricted corridor lets out about 320 of its 3,000 by flight, so "
                   "the buses' family seats carry about 76% of its civilians beside 86% of its fighters (medians "
                   "of 40 replicates, seed 44); the UN pause that let about 1,400 out before the deal (case file) "
                   "is not modelled")


@pytest.mark.parametrize("case", [*LARGE, "daraa_2021",
                                  pytest.param(SMALL, marks=pytest.mark.xfail(strict=True, reason=HOMS_PAUSE_MISS))])
def test_fighters_leave_in_a_far_larger_share_than_civilians(cases, case):
    runs = cases[case]
    fighters = runs["fighters_evacuated"] / runs["fighters_initial"]
    civilians = runs["civilians_bused"] / runs["civilians_initial"]
    lo, _ = bootstrap_ci((fighters - 2 * civilians).to_numpy(float))
    assert lo > 0, f"{case}: the fighters' evacuated share is at least twice the civilians'"


@pytest.mark.parametrize("case", LARGE)
def test_more_civilians_flee_to_besieger_areas_than_are_bused_out_of_a_large_enclave(cases, case):
    runs = cases[case]
    fled = runs["civilians_displaced"] - runs["civilians_bused"]
    lo, _ = bootstrap_ci((fled - runs["civilians_bused"]).to_numpy(float))
    assert lo > 0, case


@pytest.mark.xfail(strict=True, reason="known miss: Homs's few thousand leave in a median 87% [86%, 89%] (by flight "
                   "and the buses, 40 replicates, seed 44); about 360 stay in blocks the besieger took before the "
                   "deal, who fled through the UN pause in the record (case file; docs/ODD.md, 7.4)")
def test_a_small_enclave_empties(cases):
    small = cases[SMALL]
    left = small["civilians_displaced"] / small["civilians_initial"]
    lo, _ = bootstrap_ci(left.to_numpy(float), stat=np.median)
    assert lo > 0.9, "a few thousand people: nearly everyone leaves"


@pytest.mark.parametrize("case", LARGE)
def test_a_large_enclave_sheds_a_minority(cases, case):
    runs = cases[case]
    north = (runs["fighters_evacuated"] + runs["civilians_bused"]) / (runs["fighters_initial"]
                                                                       + runs["civilians_initial"])
    _, hi = bootstrap_ci(north.to_numpy(float), stat=np.median)
    assert hi < 0.5, f"{case}: a minority of the people goes north"


@pytest.mark.parametrize("template, share", [(DealTemplate.NAMED_LIST, 0.15), (DealTemplate.SETTLE_OR_LEAVE, 0.72),
                                             (DealTemplate.FULL_EXIT, 0.72)])
def test_relatives_take_a_few_seats_beside_wanted_men_and_most_beside_leaving_families(template, share):
    assert family_share(template, ImplementationParams()) == share


def test_under_a_full_exit_the_buses_carry_whole_families(cases):
    """East Aleppo's full exit: about 2.6 relatives a fighter (Douma's ratio), where relatives remain."""
    runs = cases["east_aleppo_2016"]
    per_fighter = runs["civilians_bused"] / runs["fighters_evacuated"]
    lo, hi = bootstrap_ci(per_fighter.to_numpy(float))
    assert lo > 2.0 and hi < 2.7, f"relatives a fighter 95% CI [{lo:.2f}, {hi:.2f}]"
