"""The corridor for civilians as a case fact (OPEN, RESTRICTED, CLOSED): the pure share of flight it
lets through, its mapping (older case files get OPEN), and paired directional tests over replicates:
a corridor that closes displaces fewer people and leaves more under the bombardment."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.config.cases import CASES_DIR, register_cases
from experiments.config.compose import compose, to_run_config
from helpers.intervals import bootstrap_ci
from helpers.scenarios import scenario_params, simulate
from sim import harm
from sim.enums import Corridor

N = 100


@pytest.mark.parametrize("corridor, expected", [(Corridor.OPEN, 1.0), (Corridor.RESTRICTED, 0.3),
                                                (Corridor.CLOSED, 0.0)])
def test_a_corridor_lets_through_its_share_of_the_flight(corridor, expected):
    assert harm.corridor_flight_share(corridor, 0.3) == expected


def test_the_case_fact_maps_to_the_corridor_and_older_case_files_get_an_open_one(tmp_path):
    assert to_run_config(compose([])).model.civilians.corridor == Corridor.OPEN
    assert to_run_config(compose(["case.corridor=CLOSED"])).model.civilians.corridor == Corridor.CLOSED
    assert to_run_config(compose(["scenario=eastern_ghouta_2018"])).model.civilians.corridor == Corridor.RESTRICTED
    text = (CASES_DIR / "homs_old_city_2014.yaml").read_text()
    older = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("corridor"))
    (tmp_path / "older_homs.yaml").write_text(older.replace("id: homs_old_city_2014", "id: older_homs"))
    register_cases(tmp_path)
    assert to_run_config(compose(["scenario=older_homs"])).model.civilians.corridor == Corridor.OPEN


@pytest.fixture(scope="module")
def arms():
    """Daraa's siege with each corridor, paired by replicate."""
    return {c: simulate(scenario_params(f"model.civilians.corridor={c.name}"), N, seed=41)[0].sort_values("replicate")
            for c in Corridor}


def test_a_restricted_corridor_displaces_fewer_and_a_closed_one_none_by_flight(arms):
    displaced = {c: runs["civilians_displaced"].to_numpy(float) for c, runs in arms.items()}
    _, hi = bootstrap_ci(displaced[Corridor.RESTRICTED] - displaced[Corridor.OPEN])
    assert hi < 0, "fewer leave through pauses and checkpoints"
    family_seats = arms[Corridor.CLOSED]["fighters_evacuated"].to_numpy(float)  # relatives ride with fighters
    assert np.all(displaced[Corridor.CLOSED] <= family_seats), "with no corridor only relatives on the buses leave"


def test_a_closed_corridor_leaves_more_civilians_under_fire(arms):
    harmed = {c: (runs["civilians_killed"] + runs["civilians_injured"]).to_numpy(float) for c, runs in arms.items()}
    lo, _ = bootstrap_ci(harmed[Corridor.CLOSED] - harmed[Corridor.OPEN])
    assert lo > 0, "more civilians killed or injured when nobody can leave"
