"""Calibration: the objective's pieces give known values and the job recovers a planted target (a
case whose record was simulated at a known parameter value); bad settings are refused in
tests/test_bad_inputs.py."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments.config.cases import CASES_DIR, Case
from experiments.config.compose import compose, to_run_config
from experiments.config.schema import FitParameter
from experiments.evaluation.calibration import fitted_values
from experiments.evaluation.scoring import FIGURE_TERM_CAP, case_loss, figure_distance
from experiments.replicates import run_replicates
from experiments.reports.calibration import render_calibration_report
from helpers.browser import assert_clean_page
from sim.cases import RecordedOutcome
from sim.params import with_values

ROOT = Path(__file__).resolve().parent.parent
PLANTED = {"path": "combat.shell_lethality", "truth": 2.5e-4, "low": 3e-5, "high": 3e-4}


def test_figure_distance_in_doublings_and_tenths():
    assert figure_distance(15, 10, 20, "civilian_deaths") == 0.0
    assert figure_distance(63, 127, 127, "civilian_deaths") == pytest.approx(1.0)        # half: one doubling
    assert figure_distance(255, 100, 127, "civilian_deaths") == pytest.approx(1.0)
    assert figure_distance(50, 600, None, "civilian_deaths") > 0 == figure_distance(700, 600, None, "civilian_deaths")
    assert figure_distance(0.30, 0.10, 0.15, "fighters_evacuated_share") == pytest.approx(1.5)
    assert figure_distance(1.0, None, None, "decisive_phase_days") == 0.0


def test_case_loss_adds_class_and_figure_terms():
    case = Case(CASES_DIR / "daraa_2021.yaml")
    case.recorded = RecordedOutcome(outcome_class="full_evacuation", decisive_phase_days=31.0,
                                    civilian_deaths=[15.0, 15.0])
    runs = pd.DataFrame({"outcome": ["full_evacuation"] * 5 + ["military_takeover"] * 5, "end_day": [40] * 10,
                         "decisive_phase_days": [15] * 10, "fighters_evacuated": [100] * 10,
                         "civilians_killed": [15] * 10})
    terms = case_loss(runs, case.facts, case.recorded)
    assert terms["class"] == pytest.approx(math.log(2))
    assert terms["decisive_phase_days"] == pytest.approx(1.0)     # 15 vs 31 days: one doubling of (1 + days)
    assert terms["civilian_deaths"] == 0.0
    assert "fighters_evacuated_share" not in terms                # not recorded here
    assert terms["total"] == pytest.approx(math.log(2) + 1.0)


def test_a_figure_the_model_cannot_reach_costs_at_most_the_cap():
    case = Case(CASES_DIR / "daraa_2021.yaml")
    case.recorded = RecordedOutcome(decisive_phase_days=255.0)
    runs = pd.DataFrame({"outcome": ["full_evacuation"] * 4, "end_day": [10] * 4, "decisive_phase_days": [0] * 4,
                         "fighters_evacuated": [0] * 4, "civilians_killed": [0] * 4})
    assert figure_distance(0, 255, 255, "decisive_phase_days") == pytest.approx(8.0)   # 1 vs 256: 8 doublings
    assert case_loss(runs, case.facts, case.recorded)["decisive_phase_days"] == FIGURE_TERM_CAP


def test_fitted_values_are_the_median_and_range_of_the_best_trials():
    a = "negotiation.resolve_weight"
    trials = pd.DataFrame({"loss": [5.0, 1.0, 2.0, 3.0, 9.0, 8.0], a: [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
    fitted, q10, q90 = fitted_values(trials, [FitParameter(a, 0, 5)], top_share=0.2)  # best 3: 1, 2, 3
    assert fitted[a] == 2.0 and q10[a] == pytest.approx(1.2) and q90[a] == pytest.approx(2.8)


def test_the_report_renders_hand_made_tables_with_a_case_id_escaped():
    hostile = "<b>bold</b>_case"
    a = "negotiation.resolve_weight"
    fit = pd.DataFrame([{"parameter": a, "before": 1.0, "fitted": 0.6, "q10": 0.5, "q90": 0.8, "low": 0.2,
                         "high": 2.0, f"without_{hostile}": 0.7}])
    cases = pd.DataFrame([{"case": c, "stage": stage, "loss": loss, "p_recorded": 0.5, "brier": 0.3}
                          for c in (hostile, "daraa_2021")
                          for stage, loss in (("before", 3.0), ("fitted", 1.0), ("left_out", 2.0))])
    trials = pd.DataFrame({"fit": ["fit on all cases"] * 4, "trial": range(4), "loss": [3.0, 2.0, 1.0, 1.5],
                           a: [1.0, 0.8, 0.6, 0.7]})
    html = render_calibration_report(fit, cases, trials, {"cases": [hostile, "daraa_2021"], "replicates": 4,
                                                          "check_seed": 8, "loss_before": 3.0, "loss_after": 1.0})
    html = html.partition("</head>")[2]
    assert "<b>bold</b>" not in html and "<td>&lt;b&gt;bold&lt;/b&gt;_case</td>" in html
    assert "Cases: &lt;b&gt;bold&lt;/b&gt;_case, daraa_2021; 4 replicates a case per trial." in html
    assert "Mean case loss: 3.000 before, 1.000 fitted." in html
    losses = json.loads(re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', html, re.S).group(1))
    assert [t["x"] for t in losses] == [["&lt;b&gt;bold&lt;/b&gt;_case", "daraa_2021"]] * 3   # escaped for Plotly
    assert "a case&#39;s loss beat the values before the fit in 2 of 2 cases" in html
    nav = re.findall(r'<a href="#([^"]+)">', re.search(r"<nav>(.*?)</nav>", html).group(1))
    assert nav == re.findall(r'<section id="([^"]+)">', html) == ["fitted", "before-after", "loo", "history",
                                                                   "profiles"]


def planted_case(folder: Path) -> None:
    """The Daraa facts with a record simulated at a shell lethality the defaults do not have."""
    base = to_run_config(compose(["model.horizon_days=120"])).model
    truth = with_values(base, {PLANTED["path"]: PLANTED["truth"]})
    runs = run_replicates(truth, 4242, 40, 1).runs
    deaths = float(runs["civilians_killed"].median())
    data = yaml.safe_load((CASES_DIR / "daraa_2021.yaml").read_text())
    data["id"] = "planted_case"
    data["recorded"] = {"outcome_class": str(runs["outcome"].mode().iloc[0]),
                        "decisive_phase_days": float(runs["decisive_phase_days"].median()),
                        "civilian_deaths": [deaths, deaths]}
    (folder / "planted_case.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture(scope="module")
def planted_fit(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp("calibration")
    cases = tmp_path / "cases"
    cases.mkdir()
    planted_case(cases)
    out = tmp_path / "out"
    p = PLANTED
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "+experiment=calibration", f"cases_dir={cases}",
                           "calibration.cases=[planted_case]", "calibration.trials=10",
                           "calibration.leave_one_out_trials=0", "replicates=12", "workers=2",
                           "hindcast.horizon_days=120",
                           f"calibration.parameters=[{{path:{p['path']},low:{p['low']},high:{p['high']}}}]",
                           f"hydra.run.dir={out}"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def test_the_calibration_report_opens_cleanly_in_a_browser(planted_fit, browser):
    assert_clean_page(browser, planted_fit / "calibration_report.html")


def test_calibration_recovers_a_planted_target(planted_fit):
    out, p = planted_fit, PLANTED
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["loss_after"] < meta["loss_before"], "the fit improves the objective on a fresh seed"
    fit = pd.read_parquet(out / "calibration_fit.parquet").set_index("parameter").loc[p["path"]]
    default = fit["before"]
    assert abs(fit["fitted"] - p["truth"]) < abs(default - p["truth"]) / 2, "the fit moves most of the way to the truth"
    assert fit["q10"] <= fit["fitted"] <= fit["q90"]
    trials = pd.read_parquet(out / "calibration_trials.parquet")
    assert len(trials) == 10 and trials[p["path"]].iloc[0] == default, "trial 0 is the defaults"
    calibrated = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert calibrated["model"]["combat"]["shell_lethality"] == pytest.approx(fit["fitted"])
    assert "10-90% range" in calibrated["provenance"][f"model.{p['path']}"]
    assert (out / "calibration_report.html").exists()


def test_the_shipped_calibration_applies_to_any_scenario_with_its_uncertainty():
    fitted = yaml.safe_load((ROOT / "conf" / "calibration" / "cases_fit.yaml").read_text())
    for scenario in ("daraa_2021", "east_aleppo_2016"):
        run = to_run_config(compose([f"scenario={scenario}", "+calibration=cases_fit"]))
        assert run.model.negotiation.resolve_weight == fitted["model"]["negotiation"]["resolve_weight"]
        assert run.model.fighters.count == to_run_config(compose([f"scenario={scenario}"])).model.fighters.count
        text = run.provenance["model.negotiation.resolve_weight"]
        assert "calibration cases_fit" in text and "10-90% range" in text
