"""Bayesian calibration: a small ABC-SMC (two populations) recovers a planted parameter from records
simulated at it, inside its posterior's 90% interval and narrower than the prior; its posterior,
once installed, makes posterior-predictive runs identical across worker counts and launchers; bad
settings are refused in one line before anything runs."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from experiments.config.cases import chosen_cases
from experiments.config.compose import compose, to_run_config
from experiments.config.schema import ConfigError, PosteriorConfig
from experiments.evaluation.abc import check_abc, forecast_row, mean_scores, simulation_seed
from experiments.replicates import run_replicates
from helpers.browser import assert_clean_page

PLANTED = 0.00012    # shell lethality, in the upper part of its prior [4.5e-05, 1.35e-04] (the default is 9e-05)
ABC = ["+experiment=abc", "abc.cases=[daraa_2021]", "abc.parameters=[combat.shell_lethality]",
       f"abc.planted=[{{path:combat.shell_lethality,value:{PLANTED}}}]", "abc.population_size=16",
       "abc.populations=2", "abc.leave_one_out=false", "replicates=5", "workers=1", "hindcast.horizon_days=150",
       "progress=false"]


def siege_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.run", *args], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def abc_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("abc")
    done = siege_run(*ABC, f"hydra.run.dir={out}")
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_a_planted_parameter_is_recovered_inside_the_posteriors_90_percent_interval(abc_run):
    summary = pd.read_parquet(abc_run / "abc_summary.parquet").iloc[0]
    assert summary["q05"] <= PLANTED <= summary["q95"]
    # and the records taught it something: the 90% interval is narrower than the prior's
    assert summary["interval_share_of_prior"] < 0.9


def test_the_posterior_and_diagnostics_are_written(abc_run):
    posterior = pd.read_parquet(abc_run / "abc_posterior.parquet")
    assert len(posterior) == 16 and posterior["weight"].sum() == pytest.approx(1.0)
    assert posterior["combat.shell_lethality"].between(4.5e-05, 1.35e-04).all()
    diagnostics = pd.read_parquet(abc_run / "abc_diagnostics.parquet")
    assert list(diagnostics["t"]) == [0, 1]
    assert diagnostics["epsilon"].iloc[1] < diagnostics["epsilon"].iloc[0]      # the tolerance fell
    assert ((diagnostics["acceptance_rate"] > 0) & (diagnostics["acceptance_rate"] <= 1)).all()
    assert (diagnostics["ess"] <= 16 + 1e-9).all() and (diagnostics["ess"] > 1).all()
    assert (abc_run / "abc_report.html").stat().st_size > 0
    config = OmegaConf.load(abc_run / "posterior.yaml")
    assert list(config.posterior.paths) == ["combat.shell_lethality"] and len(config.posterior["values"]) == 16


def test_posterior_predictive_runs_are_identical_across_workers_and_launchers(abc_run, tmp_path):
    """The installed posterior through the command line, on the basic launcher (points in turn, a pool
    of all cores inside) and on joblib (a job per core, one process each), against the same
    replicates simulated here in one process."""
    search = tmp_path / "conf" / "calibration"
    search.mkdir(parents=True)
    shutil.copy(abc_run / "posterior.yaml", search / "planted_check.yaml")
    common = [f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "+calibration=planted_check", "replicates=12",
              "report=false", "progress=false", "seed=20210624"]
    posterior = OmegaConf.to_object(OmegaConf.load(abc_run / "posterior.yaml").posterior)
    draws = PosteriorConfig(**posterior).draws()
    here = run_replicates(to_run_config(compose([])).model, 20210624, 12, workers=1, draws=draws).runs
    assert here["particle"].nunique() > 1
    for launcher in ("basic", "joblib"):
        done = siege_run("-m", *common, f"hydra/launcher={launcher}", f"hydra.sweep.dir={tmp_path / launcher}")
        assert done.returncode == 0, done.stderr[-2000:]
        pd.testing.assert_frame_equal(here, pd.read_parquet(tmp_path / launcher / "0" / "runs.parquet"))


def test_a_particles_simulation_seed_depends_only_on_its_values():
    assert simulation_seed(1, {"a": 0.5, "b": 2}) == simulation_seed(1, {"b": 2, "a": 0.5})
    assert simulation_seed(1, {"a": 0.5}) != simulation_seed(1, {"a": 0.5000001})
    assert simulation_seed(1, {"a": 0.5}) != simulation_seed(2, {"a": 0.5})


@pytest.mark.parametrize(("overrides", "message"), [
    (["abc.parameters=[]"], "at least one assumption"),
    (["abc.parameters=[besieger.army_strength]"], "the cases' facts set it"),
    (["abc.parameters=[fighters.no_such]"], "abc.parameters"),
    (["abc.population_size=1"], "at least 2 particles"),
    (["abc.parameters=[fighters.resolve_mean]", "abc.planted=[{path:combat.shell_lethality,value:0.0001}]"],
     "needs its parameter in abc.parameters"),
    (["abc.parameters=[combat.shell_lethality]", "abc.planted=[{path:combat.shell_lethality,value:0.5}]"],
     "inside its prior"),
    (["abc.install_as=a/b"], "a plain name"),
    (["abc.patterns=[no_such]"], "abc.patterns: 'no_such' is not allowed: one of failed_deal_first"),
])
def test_bad_abc_settings_are_refused_in_one_line(overrides, message):
    with pytest.raises(ConfigError, match=message):
        check_abc(to_run_config(compose(["+experiment=abc", *overrides])))


def test_a_forecast_is_scored_by_hand():
    run = to_run_config(compose(["+experiment=abc"]))
    case = chosen_cases(["daraa_2021"], "abc.cases")[0]
    record = case.recorded
    # four replicates: three of the recorded class, one full evacuation
    other = "full_evacuation" if record.outcome_class != "full_evacuation" else "military_takeover"
    runs = pd.DataFrame({"outcome": [record.outcome_class] * 3 + [other], "decisive_phase_days": [40.0] * 4,
                         "end_day": [75.0] * 4, "fighters_evacuated": [55.0] * 4, "civilians_killed": [20.0] * 4,
                         "breakdowns": [0, 1, 0, 0], "collapses": [0, 0, 1, 0]})
    probabilities = {record.outcome_class: 0.75, other: 0.25}
    row = forecast_row(run, case, record, "defaults", runs, probabilities)
    assert row["p_recorded"] == 0.75
    assert row["brier"] == pytest.approx(0.25 ** 2 + 0.25 ** 2)
    assert row["log_score"] == pytest.approx(-math.log(0.75))
    assert row["pattern_failed_deal_first"] == 0.5, "two of four replicates see a failed deal"
    assert row["figures_recorded"] >= 1 and 0 <= row["figures_inside"] <= row["figures_recorded"]
    # every replicate gives the same deaths, so the CRPS is the distance to the recorded deaths' midpoint
    low, high = record.civilian_deaths[0], record.civilian_deaths[1]
    mid = low if high is None else (low + high) / 2
    assert row["crps_civilian_deaths"] == pytest.approx(abs(20.0 - mid))
    climatology_row = forecast_row(run, case, record, "climatology", None, probabilities)
    assert "crps_civilian_deaths" not in climatology_row
    means = mean_scores(pd.DataFrame([row, {**row, "case": "x", "brier": 0.0}, climatology_row]))
    assert means.loc[means.forecast == "defaults", "brier"].iloc[0] == pytest.approx(row["brier"] / 2)


def test_the_posterior_file_carries_each_left_out_refit_for_the_hindcast():
    """The config the calibration installs holds the refit without each case beside the full fit, and
    composes into a posterior whose left-out draws are those refits' particles and weights."""
    from experiments.config.ranges import load_ranges
    from experiments.evaluation.abc import AbcResult, posterior_config

    run = to_run_config(compose(["+experiment=abc"]))
    params = load_ranges(only=["model.combat.shell_lethality"])
    cases = chosen_cases(["daraa_2021", "homs_old_city_2014"], "abc.cases")

    def fit(values: list[float], weights: list[float]) -> AbcResult:
        frame = pd.DataFrame({"combat.shell_lethality": values, "weight": weights})
        return AbcResult(frame, frame.assign(t=0), pd.DataFrame({"t": [0]}))

    text = posterior_config(fit([8e-5, 1e-4], [0.5, 0.5]), params, cases, run, "test",
                            {"daraa_2021": fit([1.2e-4], [1.0]), "homs_old_city_2014": fit([6e-5, 7e-5], [0.2, 0.8])})
    body = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(PosteriorConfig),
                                               OmegaConf.create(text)["posterior"]))
    assert [f.case for f in body.left_out] == ["daraa_2021", "homs_old_city_2014"]
    assert "ABC-SMC on homs_old_city_2014," in body.left_out[0].source, "the refit without Daraa saw only Homs"
    homs = body.left_out_draws("homs_old_city_2014")
    assert homs.values[:, 0].tolist() == [6e-5, 7e-5] and homs.weights.tolist() == pytest.approx([0.2, 0.8])
    assert body.left_out_draws("east_aleppo_2016") is None
    assert body.draws().values[:, 0].tolist() == [8e-5, 1e-4]


def test_the_abc_report_opens_cleanly_in_a_browser(abc_run, browser):
    assert_clean_page(browser, abc_run / "abc_report.html")
