"""Posterior-predictive runs: every replicate draws its particle from its own stream, so the tables
are identical bit for bit across worker counts; the drawn values are the ones simulated; particles
are drawn in proportion to their weights; bad posteriors are refused in one line."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from experiments.config.compose import check_run, compose, to_run_config
from experiments.config.schema import CONF_DIR, ConfigError, LeftOutFit, PosteriorConfig
from experiments.replicates import run_replicates
from sim.draws import ParameterDraws
from sim.runner import run_replicate

PATHS = ["fighters.resolve_mean", "besieger.probe_attacks_per_day"]
VALUES = [[0.35, 1], [0.75, 3], [0.55, 2]]


@pytest.fixture(scope="module")
def daraa():
    return to_run_config(compose([])).model


def test_tables_are_identical_across_worker_counts_and_particles_vary(daraa):
    draws = ParameterDraws.create(PATHS, VALUES, [0.2, 0.3, 0.5], "test")
    one = run_replicates(daraa, 11, 12, workers=1, draws=draws)
    two = run_replicates(daraa, 11, 12, workers=2, draws=draws)
    for a, b in ((one.runs, two.runs), (one.daily, two.daily), (one.events, two.events)):
        pd.testing.assert_frame_equal(a, b)
    assert one.runs["particle"].nunique() > 1


def test_a_replicate_simulates_its_particles_values(daraa):
    draws = ParameterDraws.create(PATHS, VALUES, None, "test")
    drawn = run_replicate(daraa, 11, 4, draws=draws)
    k = drawn.run.pop("particle")
    params = dataclasses.replace(daraa, fighters=dataclasses.replace(daraa.fighters, resolve_mean=VALUES[k][0]),
                                 besieger=dataclasses.replace(daraa.besieger, probe_attacks_per_day=VALUES[k][1]))
    fixed = run_replicate(params, 11, 4)
    assert drawn.run == fixed.run
    pd.testing.assert_frame_equal(pd.DataFrame(drawn.daily), pd.DataFrame(fixed.daily))  # NaN-aware


def test_particles_are_drawn_in_proportion_to_their_weights():
    draws = ParameterDraws.create(["fighters.resolve_mean"], [[0.4], [0.6]], [0.8, 0.2])
    n = 4000
    share = np.mean([draws.particle(5, r) == 0 for r in range(n)])
    half_width = 3 * np.sqrt(0.8 * 0.2 / n)   # a 3-sigma binomial interval around the weight
    assert abs(share - 0.8) < half_width


def test_weighted_quantiles_of_the_particles():
    draws = ParameterDraws.create(["fighters.resolve_mean"], [[0.1], [0.2], [0.3], [0.4]], [0.1, 0.1, 0.7, 0.1])
    low, median, high = draws.weighted_quantiles()["fighters.resolve_mean"]
    assert (low, median, high) == (0.1, 0.3, 0.4)


def _with_posterior(**fields):
    run = to_run_config(compose([]))
    run.posterior = PosteriorConfig(**{"source": "test", "paths": PATHS, "values": VALUES, **fields})
    return run


def test_a_good_posterior_passes_and_is_named_in_the_record():
    from experiments.io import parameter_uncertainty

    run = _with_posterior()
    check_run(run)
    assert "posterior test" in parameter_uncertainty(run) and "3 weighted particles" in parameter_uncertainty(run)


@pytest.mark.parametrize(("fields", "message"), [
    ({"paths": ["fighters.count"], "values": [[400]]}, "only numeric assumptions carry a posterior"),
    ({"paths": ["fighters.resolve_mean"], "values": [[0.5, 0.2]]}, "need rows of 1 values each"),
    ({"weights": [1.0, -1.0, 1.0]}, "non-negative weights"),
    ({"values": [[1.5, 1], [0.5, 2], [0.5, 2]]}, r"posterior.values\[0\]: model.fighters.resolve_mean=1.5"),
    ({"paths": ["fighters.no_such"], "values": [[1.0]]}, "a dotted path under model"),
    ({"left_out": [LeftOutFit("daraa_2021", "", [[0.5]])]}, r"posterior.left_out\[0\] \(daraa_2021\): .*rows of 2"),
    ({"left_out": [LeftOutFit("", "", [[0.5, 1]])]}, r"posterior.left_out\[0\].case='' is not allowed"),
    ({"left_out": [LeftOutFit("a", "", [[0.5, 1]]), LeftOutFit("a", "", [[0.5, 1]])]}, "each case once"),
    ({"left_out": [LeftOutFit("a", "", [[0.5, 1], [1.5, 1]])]},
     r"posterior.left_out\[0\].values\[1\]: model.fighters.resolve_mean=1.5"),
])
def test_bad_posteriors_are_refused_in_one_line(fields, message):
    with pytest.raises(ConfigError, match=message):
        check_run(_with_posterior(**fields))


def test_a_posterior_may_not_override_what_the_cases_facts_set():
    from experiments.run import check_task

    run = _with_posterior(paths=["mediator.initial_credibility"], values=[[0.3], [0.4]])
    check_run(run)  # an assumption, so the posterior itself is valid ...
    with pytest.raises(ConfigError, match="the case's facts set it"):
        check_task(run)  # ... but Daraa's facts set the mediator's credibility


@pytest.mark.parametrize("name", sorted(p.stem for p in (CONF_DIR / "calibration").glob("*.yaml")))
def test_every_shipped_calibration_composes_for_the_scenario_and_the_hindcast(name):
    from experiments.run import check_task

    for extra in ([], ["+experiment=hindcast"]):
        run = to_run_config(compose([*extra, f"+calibration={name}"]))
        check_task(run)
