"""Paired comparisons (`task: COMPARISON`): the shipped air-cover comparison end to end, the ad hoc
form on the command line, the pairing itself (an arm that changes nothing differs by exactly zero,
replicate by replicate) and the summary's arithmetic on a table made by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.analysis.comparison import comparison_table
from experiments.manifest import MANIFEST_FILE
from experiments.measures import SWEEP_MEDIANS
from helpers.browser import assert_clean_page

ROOT = Path(__file__).resolve().parent.parent
ARMS = ["withheld", "conditional", "granted", "granted_weak_constraint"]


def siege_run(out: Path, *overrides: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "experiments.run", *overrides, "workers=2",
                           f"hydra.run.dir={out}"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


@pytest.fixture(scope="module")
def air_cover(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("compare") / "air_cover"
    return out, siege_run(out, "+experiment=compare_air_cover", "replicates=40", "format=csv")


def test_one_command_writes_the_comparison_and_its_report(air_cover):
    out, proc = air_cover
    assert proc.stdout.strip().splitlines()[-1] == f"Comparison report: {out / 'comparison_report.html'}"
    for name in ARMS:
        for table in ("runs", "daily", "events"):
            assert (out / "arms" / name / f"{table}.parquet").is_file()
    files = json.loads((out / MANIFEST_FILE).read_text())["files"]
    for name in ("comparison.csv", "comparison.parquet", "arms.csv", "runs.parquet", "runs.csv",
                 "comparison_report.html", "arms/granted/daily.parquet"):
        assert name in files, name
    csv = pd.read_csv(out / "comparison.csv")
    assert list(csv["arm"].unique()) == ARMS
    parquet = pd.read_parquet(out / "comparison.parquet")
    pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)  # the plain file holds the same rows
    html = (out / "comparison_report.html").read_text(encoding="utf-8")
    for section in ('id="arms"', 'id="outcomes"', 'id="differences"', 'id="over-time"', 'id="table"'):
        assert section in html


def test_every_arm_runs_the_baselines_seeds(air_cover):
    """Common random numbers: replicate r of each arm is drawn on the baseline's seed for r."""
    out, _ = air_cover
    runs = pd.read_parquet(out / "runs.parquet")
    seeds = runs.pivot(index="replicate", columns="arm", values="seed")
    assert len(seeds) == 40 and (seeds.nunique(axis=1) == 1).all()


def test_granted_air_cover_under_a_weak_constraint_changes_the_outcome(air_cover):
    """Air cover granted by a mediator that pays little for the harm it enables breaks the deadlock
    (PATTERNS.md: air power decides); the paired interval of the change excludes zero."""
    out, _ = air_cover
    table = pd.read_csv(out / "comparison.csv")
    row = table[(table["arm"] == "granted_weak_constraint") & (table["quantity"] == "p_full_evacuation")].iloc[0]
    assert row["pairs"] == 40
    assert row["difference_lo"] > 0, row.to_dict()
    base = table[(table["arm"] == "withheld") & (table["statistic"] == "share")]
    assert base["difference"].isna().all() and (base["pairs"] == 0).all()


def test_the_ad_hoc_form_and_an_arm_that_changes_nothing(tmp_path):
    """An arm given on the command line that sets the baseline's own value runs the same replicates on
    the same seeds: every paired difference is exactly zero; a measure's bootstrap interval is [0, 0];
    a share's interval still allows the few points that 12 concordant pairs cannot rule out."""
    out = tmp_path / "same"
    siege_run(out, "+experiment=compare", "replicates=12", "model.horizon_days=60",
              "+comparison.arms.same={model.terms.expulsion_fraction:0.25}", "report=false")
    table = pd.read_parquet(out / "comparison.parquet")
    same = table[table["arm"] == "same"]
    assert len(same) > 0 and (same["pairs"] == 12).all()
    assert (same["difference"] == 0).all()
    measures = same[same["statistic"] == "median"]
    assert (measures[["difference_lo", "difference_hi"]].fillna(0) == 0).all().all()
    shares = same[same["statistic"] == "share"]
    assert (shares["difference_lo"] == -shares["difference_hi"]).all() and (shares["difference_hi"] > 0).all()
    base = pd.read_parquet(out / "arms" / "baseline" / "events.parquet")
    mine = pd.read_parquet(out / "arms" / "same" / "events.parquet")
    pd.testing.assert_frame_equal(base, mine)


def test_the_summary_pairs_replicates_and_counts_the_change():
    """Made by hand: the arm flips 6 of 40 replicates from one class to another, so the paired
    difference is exactly 6/40 and its bootstrap interval brackets it; the shares are the arms' own."""
    n, flipped = 40, 6
    base = pd.DataFrame({"arm": "base", "replicate": range(n), "outcome": ["full_evacuation"] * n})
    arm = base.assign(arm="alt")
    arm.loc[:flipped - 1, "outcome"] = "military_takeover"
    runs = pd.concat([base, arm], ignore_index=True)
    rng = np.random.default_rng(1)
    for measure in SWEEP_MEDIANS:
        runs[measure] = rng.integers(0, 100, len(runs))
    table = comparison_table(runs, ["base", "alt"], "base")
    takeover = table[(table["arm"] == "alt") & (table["quantity"] == "p_military_takeover")].iloc[0]
    assert takeover["value"] == pytest.approx(flipped / n)
    assert takeover["difference"] == pytest.approx(flipped / n)
    assert takeover["difference_lo"] < flipped / n < takeover["difference_hi"]
    evacuated = table[(table["arm"] == "alt") & (table["quantity"] == "p_full_evacuation")].iloc[0]
    assert evacuated["difference"] == pytest.approx(-flipped / n)


def test_the_comparison_report_opens_cleanly_in_a_browser(air_cover, browser):
    out, _ = air_cover
    assert_clean_page(browser, out / "comparison_report.html", min_figures=8)
    legend = " ".join(e.text for e in browser.find_elements("css selector", "#outcomes .legendtext"))
    for arm in ARMS:
        assert arm in legend
