"""Sweeps: every experiment config runs in tiny form; aggregation gives known numbers on hand-made
tables; an interrupted sweep resumes to the same summary; the launcher and the worker count do not
change the summary; a failing point is recorded and the sweep goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra.types import RunMode
from pandas.testing import assert_frame_equal

from experiments.config.compose import compose, to_run_config
from experiments.config.schema import CONF_DIR
from experiments.manifest import write_manifest
from experiments.stats import wilson_interval
from experiments.sweeps.aggregate import analyse
from experiments.sweeps.check import sweep_axes
from experiments.sweeps.check import sweeper_params as _params
from experiments.sweeps.folder import STATUS_FILE
from experiments.sweeps.point import run_point
from helpers.browser import assert_clean_page

ROOT = Path(__file__).resolve().parent.parent
# sensitivity designs (hydra/sweeper=salib) have no axes nor reference: tests/test_sensitivity.py runs them;
# the hindcast and the calibrations are single jobs (a `task:`): tests/test_hindcast.py, test_calibration.py,
# test_abc.py; a comparison (compare*.yaml, a `task:` of its own or by its defaults) tests/test_comparison.py
EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml")
                     if "override /hydra/sweeper: salib" not in p.read_text() and "\ntask:" not in p.read_text()
                     and "  - compare\n" not in p.read_text())
TINY = ["replicates=3", "model.horizon_days=40", "progress=false", "workers=1"]


def sweep(sweep_dir: Path, *overrides: str, timeout: int = 600, returncode: int = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "experiments.run", *overrides, f"hydra.sweep.dir={sweep_dir}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == returncode, proc.stderr[-3000:]
    return proc


def tiny_axes(experiment: str) -> list[str]:
    """The experiment's own axes cut to their first two values."""
    cfg = compose([f"+experiment={experiment}"], with_hydra=True)
    axes = sweep_axes([], _params(cfg.hydra.sweeper))
    assert axes, f"{experiment} sweeps nothing"
    return [f"{key}={','.join(values[:2])}" for key, values in axes.items()]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_config_runs_in_tiny_form(tmp_path, experiment):
    proc = sweep(tmp_path, f"+experiment={experiment}", *TINY, *tiny_axes(experiment))
    summary = pd.read_csv(tmp_path / "sweep_summary.csv")
    points = 2 ** len(tiny_axes(experiment))
    assert len(summary) == points and (summary["status"] == "done").all()
    assert (summary["n"] == 3).all()
    assert (tmp_path / "sweep_report.html").exists()
    assert "Sweep report:" in proc.stdout
    assert len(pd.read_parquet(tmp_path / "sweep_runs.parquet")) == 3 * points


def test_every_experiment_sets_a_multirun_a_reference_and_a_fixed_sweep_dir():
    for experiment in EXPERIMENTS:
        cfg = compose([f"+experiment={experiment}"], with_hydra=True)
        assert cfg.hydra.mode == RunMode.MULTIRUN
        assert "${now:" not in (CONF_DIR / "experiment" / f"{experiment}.yaml").read_text()
        run = to_run_config(cfg)
        assert run.experiment == experiment and run.reference
        axes = sweep_axes([], _params(cfg.hydra.sweeper))
        assert set(run.reference) <= set(axes), "the reference point lies on the sweep's axes"


# ------------------------------------------------------------------ aggregation on hand-made tables
def _fake_point(root: Path, name: str, overrides: list[str], outcomes: list[str], end_days: list[int],
                status: str = "done") -> None:
    job = root / name
    job.mkdir(parents=True)
    (job / "point.json").write_text(json.dumps({"overrides": overrides, "hash": "h", "replicates": len(outcomes),
                                                "seed": 1, "scenario": "x", "reference": {"a": "1"}}))
    error = "boom" if status == "failed" else ""
    (job / STATUS_FILE).write_text(json.dumps({"status": status, "hash": "h", "error": error}))
    if status == "done":
        n = len(outcomes)
        runs = pd.DataFrame({"replicate": range(n), "outcome": outcomes, "end_day": end_days,
                             **{c: np.arange(n) * (2 if "2" in overrides[0] else 1)
                                for c in ["civilians_killed", "civilians_injured", "civilians_displaced",
                                          "fighters_killed", "fighters_evacuated", "besieger_killed", "breakdowns"]}})
        runs.to_parquet(job / "runs.parquet")
        write_manifest(job, ["runs.parquet"], identity="h")


def test_aggregation_gives_known_probabilities_intervals_and_paired_differences(tmp_path):
    partial, takeover = "negotiated_partial_evacuation", "military_takeover"
    _fake_point(tmp_path, "0", ["a=1"], [partial] * 8 + [takeover] * 2, [50] * 10)
    _fake_point(tmp_path, "1", ["a=2"], [partial] * 5 + [takeover] * 5, [60] * 10)
    _fake_point(tmp_path, "2", ["a=3"], [], [], status="failed")
    result = analyse(tmp_path, report=False)
    s = result.summary.set_index("point")
    assert result.axes == ["a"]
    assert s.loc["0", f"p_{partial}"] == pytest.approx(0.8)
    assert (s.loc["0", f"p_{partial}_lo"], s.loc["0", f"p_{partial}_hi"]) == pytest.approx(wilson_interval(8, 10))
    assert s.loc["1", f"p_{takeover}"] == pytest.approx(0.5)
    assert s.loc["0", "is_reference"] and not s.loc["1", "is_reference"]
    assert s.loc["1", "diff_end_day"] == pytest.approx(10.0)
    assert s.loc["1", "diff_end_day_lo"] == pytest.approx(10.0) and s.loc["1", "diff_end_day_hi"] == pytest.approx(10.0)
    assert s.loc["1", f"diff_p_{takeover}"] == pytest.approx(0.3)
    assert s.loc["1", "end_day_median"] == 60
    assert s.loc["2", "status"] == "failed" and s.loc["2", "n"] == 0
    assert "point 2 failed: boom" in result.message
    assert (tmp_path / "sweep_summary.csv").exists() and (tmp_path / "sweep_runs.parquet").exists()
    again = analyse(tmp_path, reference={"a": "2"}, report=False).summary.set_index("point")
    assert again.loc["1", "is_reference"] and again.loc["0", "diff_end_day"] == pytest.approx(-10.0)
    analyse(tmp_path, report=False, export="xlsx")
    workbook = pd.read_excel(tmp_path / "sweep_summary.xlsx", engine="openpyxl")
    assert len(workbook) == 3 and list(workbook["point"]) == [0, 1, 2]


def test_the_sweep_report_says_which_posterior_its_points_drew_from(tmp_path):
    """Each finished point's record of parameter uncertainty (metadata.json) heads the sweep report,
    once when the points agree; a point that failed has no record and adds none."""
    partial = "negotiated_partial_evacuation"
    for name, a in (("0", "1"), ("1", "2")):
        _fake_point(tmp_path, name, [f"a={a}"], [partial] * 4, [50] * 4)
        (tmp_path / name / "metadata.json").write_text(json.dumps(
            {"parameter_uncertainty": "posterior abc <x> (test): each replicate draws combat.shell_lethality"}))
    _fake_point(tmp_path, "2", ["a=3"], [], [], status="failed")
    report = analyse(tmp_path).report.read_text()
    row = "<tr><th>parameter uncertainty</th><td>posterior abc &lt;x&gt; (test): each replicate draws"
    assert report.count(row) == 1 and "(points differ)" not in report
    (tmp_path / "1" / "metadata.json").write_text(json.dumps({"parameter_uncertainty": "none: fixed"}))
    report = analyse(tmp_path).report.read_text()
    assert report.count("<tr><th>parameter uncertainty</th>") == 2 and report.count("(points differ)") == 2


# ------------------------------------------------------------------ resume and robustness
RESUME = ["+experiment=guarantee_credibility", "model.mediator.initial_credibility=0.2,0.5,0.8",
          "replicates=6", "model.horizon_days=60", "progress=false", "workers=1"]


def _summary(sweep_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(sweep_dir / "sweep_summary.parquet").sort_values("point").reset_index(drop=True)


def test_killed_sweep_resumes_to_the_same_summary(tmp_path):
    full, broken = tmp_path / "full", tmp_path / "broken"
    sweep(full, *RESUME)
    proc = subprocess.Popen([sys.executable, "-m", "experiments.run", *RESUME, f"hydra.sweep.dir={broken}"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while not (broken / "0" / STATUS_FILE).exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (broken / "0" / STATUS_FILE).exists(), "the first point finished before the kill"
    assert not (broken / "sweep_summary.parquet").exists(), "killed before the end"
    (broken / "1" / STATUS_FILE).unlink(missing_ok=True)  # a half-done point must be redone
    resumed = sweep(broken, *RESUME)
    assert "[point 0] already finished, skipped" in resumed.stdout
    assert_frame_equal(_summary(full), _summary(broken))


def test_failed_point_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    import experiments.sweeps.point as job

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    base = ["replicates=2", "model.horizon_days=20", "progress=false", "workers=1"]
    statuses = []
    for num, cred in enumerate(["0.2", "0.5", "0.8"]):
        overrides = [f"model.mediator.initial_credibility={cred}"]
        run = to_run_config(compose(base + overrides))
        with monkeypatch.context() as m:
            if cred == "0.5":
                m.setattr(job, "simulate_to_files", boom)
            statuses.append(run_point(run, tmp_path / str(num), overrides, num))
    assert statuses == ["done", "failed", "done"]
    failure = json.loads((tmp_path / "1" / STATUS_FILE).read_text())
    assert failure["status"] == "failed" and "simulated failure" in failure["error"]
    result = analyse(tmp_path, report=False)
    assert list(result.failed["point"]) == ["1"]
    assert "point 1 failed: RuntimeError: simulated failure" in result.message
    # re-running retries the failed point and skips the finished ones
    run = to_run_config(compose([*base, "model.mediator.initial_credibility=0.2"]))
    assert run_point(run, tmp_path / "0", ["model.mediator.initial_credibility=0.2"], 0) == "skipped"


# ------------------------------------------------------------------ same summary whatever the launcher
LAUNCHERS = {
    "basic, in-job pool of 1": ["hydra/launcher=basic", "workers=1"],
    "basic, in-job pool of 2": ["hydra/launcher=basic", "workers=2"],
    "joblib (default), 2 jobs at once": ["hydra.launcher.n_jobs=2"],
    "submitit local": ["hydra/launcher=submitit_local"],
    "ray local cluster": ["hydra/launcher=ray"],
}
SMALL = ["+experiment=expulsion_x_air_cover", "model.terms.expulsion_fraction=0.25,0.5",
         "model.mediator.air_cover=WITHHELD,GRANTED", "replicates=4", "model.horizon_days=60", "progress=false"]


@pytest.fixture(scope="module")
def reference_summary(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("launchers") / "basic"
    sweep(out, *SMALL, "hydra/launcher=basic", "workers=1")
    return _summary(out)


@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_same_summary_whatever_the_launcher_and_workers(tmp_path, reference_summary, launcher):
    sweep(tmp_path, *SMALL, *LAUNCHERS[launcher])
    assert_frame_equal(reference_summary, _summary(tmp_path))


# ------------------------------------------------------------------ direction checks over paired replicates
@pytest.fixture(scope="module")
def air_by_constraint(tmp_path_factory):
    """200 paired replicates at each of air cover withheld/granted x external constraint 0.9/0.1,
    aggregated against the Daraa point (withheld, 0.9)."""
    out = tmp_path_factory.mktemp("directions") / "air"
    sweep(out, "+experiment=external_constraint", "model.mediator.external_constraint=0.9,0.1",
          "model.mediator.air_cover=WITHHELD,GRANTED", "replicates=200", "progress=false")
    return analyse(out, reference={"model.mediator.external_constraint": "0.9",
                                   "model.mediator.air_cover": "WITHHELD"}, report=False)


def paired_ci(runs: pd.DataFrame, a: tuple[str, str], b: tuple[str, str], value) -> tuple[float, float]:
    """Bootstrap 95% interval of mean(value at b - value at a), replicates paired by index."""
    keys = ["model.mediator.external_constraint", "model.mediator.air_cover"]

    def at(point):
        sub = runs[(runs[keys[0]] == point[0]) & (runs[keys[1]] == point[1])].set_index("replicate")
        return value(sub).sort_index().to_numpy(float)

    diff = at(b) - at(a)
    rng = np.random.default_rng(0)
    means = diff[rng.integers(0, diff.size, size=(2000, diff.size))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def takeover(runs: pd.DataFrame) -> pd.Series:
    return (runs["outcome"] == "military_takeover").astype(float)


def forced_exit(runs: pd.DataFrame) -> pd.Series:
    """The brief's military endings: a takeover or the exit of every organised fighter."""
    return runs["outcome"].isin(["military_takeover", "full_evacuation"]).astype(float)


def civilian_harm(runs: pd.DataFrame) -> pd.Series:
    return runs["civilians_killed"] + runs["civilians_injured"]


def test_air_cover_raises_takeover_and_civilian_harm(air_by_constraint):
    runs = air_by_constraint.runs
    for constraint in ("0.9", "0.1"):
        lo, _ = paired_ci(runs, (constraint, "WITHHELD"), (constraint, "GRANTED"), civilian_harm)
        assert lo > 0, f"air cover brings more civilian harm (constraint {constraint})"
    lo, _ = paired_ci(runs, ("0.9", "WITHHELD"), ("0.1", "GRANTED"), forced_exit)
    assert lo > 0, "air cover with a weak constraint makes a takeover or a full evacuation more likely than at Daraa"


def test_air_cover_with_a_weak_constraint_raises_takeover_alone(air_by_constraint):
    lo, _ = paired_ci(air_by_constraint.runs, ("0.9", "WITHHELD"), ("0.1", "GRANTED"), takeover)
    assert lo > 0, "air cover with a weak constraint makes a takeover more likely than at Daraa"


def test_weaker_constraint_raises_military_endings(air_by_constraint):
    summary = air_by_constraint.summary.set_index(["model.mediator.external_constraint",
                                                   "model.mediator.air_cover"])
    weak = summary.loc[("0.1", "WITHHELD")]
    assert weak["diff_p_military_takeover"] + weak["diff_p_full_evacuation_lo"] > 0.5, \
        "takeover or full evacuation replaces the negotiated partial evacuation"
    lo, _ = paired_ci(air_by_constraint.runs, ("0.9", "GRANTED"), ("0.1", "GRANTED"), forced_exit)
    assert lo > 0, "with air cover, a weaker constraint makes a takeover or a full evacuation more likely"


def test_weaker_constraint_raises_civilian_harm(air_by_constraint):
    lo, _ = paired_ci(air_by_constraint.runs, ("0.9", "WITHHELD"), ("0.1", "WITHHELD"), civilian_harm)
    assert lo > 0, "more civilians killed and injured, paired by replicate"


def test_a_sweep_pairs_a_harsher_expulsion_with_longer_sieges(tmp_path):
    """The sweep's paired differences carry the pattern (the rejected-offers half of it is a known miss,
    tests/test_patterns.py)."""
    sweep(tmp_path, "+experiment=expulsion_x_air_cover", "model.terms.expulsion_fraction=0.25,0.5",
          "model.mediator.air_cover=WITHHELD", "replicates=200", "progress=false")
    result = analyse(tmp_path, report=False)
    harsh = result.summary.set_index("model.terms.expulsion_fraction").loc["0.5"]
    assert harsh["diff_end_day_lo"] > 0, "longer sieges, paired by replicate"
    assert harsh["diff_end_day"] == pytest.approx(
        result.runs.pivot(index="replicate", columns="model.terms.expulsion_fraction", values="end_day")
         .pipe(lambda r: (r["0.5"] - r["0.25"]).mean()))


def test_invalid_combination_fails_its_point_and_the_sweep_goes_on(tmp_path):
    """Each value is valid alone, but 50 fighters cannot have 100 on the expulsion list."""
    proc = sweep(tmp_path, "-m", "model.fighters.count=400,50", "model.terms.expulsion_list=40,100",
                 "replicates=2", "model.horizon_days=20", "progress=false", returncode=1)
    summary = pd.read_csv(tmp_path / "sweep_summary.csv")
    assert len(summary) == 4
    bad = summary[summary["status"] == "failed"]
    assert len(bad) == 1 and "expulsion_list" in bad["error"].iloc[0]
    assert (summary["status"] == "done").sum() == 3
    assert "1 failed or unfinished" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1].startswith("error: 1 of 4 points failed"), "the exit says which"
    assert "(3)" in proc.stderr.strip().splitlines()[-1]


def test_analysis_ignores_folders_of_an_earlier_larger_sweep(tmp_path):
    sweep(tmp_path, "+experiment=guarantee_credibility", "model.mediator.initial_credibility=0.2,0.5,0.8",
          "replicates=2", "model.horizon_days=20", "progress=false")
    sweep(tmp_path, "+experiment=guarantee_credibility", "model.mediator.initial_credibility=0.2,0.5",
          "replicates=2", "model.horizon_days=20", "progress=false")
    summary = pd.read_csv(tmp_path / "sweep_summary.csv")
    assert sorted(summary["model.mediator.initial_credibility"]) == [0.2, 0.5]
    assert not list(tmp_path.glob("*/report.html")), "a sweep's points write no report each"


def test_a_sweep_over_scenarios_reports_them_as_categories_in_a_browser(tmp_path, browser):
    """`-m scenario=a,b`: the report opens cleanly and its outcome chart holds bars, one per class,
    at the two scenarios' categories, with no line joining them."""
    sweep(tmp_path, "-m", "scenario=daraa_2021,homs_old_city_2014", *TINY)
    assert_clean_page(browser, tmp_path / "sweep_report.html", min_figures=3)
    traces = browser.execute_script(
        "return document.querySelector('#outcomes .plotly-graph-div').data.map(t => [t.type, t.mode || '', t.x])")
    bars = [t for t in traces if t[0] == "bar"]
    assert bars and all(len(x) == 2 for _, _, x in bars)
    assert not [t for t in traces if "lines" in t[1]]
