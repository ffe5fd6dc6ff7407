"""The main job end to end, as a user runs it: tables, config, provenance, versions and report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.browser import assert_clean_page
from sim.enums import Outcome

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT.parent / "shared" / "cases" / "syrian_sieges.yaml"
RUN_COLUMNS = ["replicate", "seed", "outcome", "end_day", "fighters_killed", "fighters_evacuated",
               "fighters_settled", "civilians_killed", "civilians_injured", "civilians_displaced",
               "besieger_killed", "rounds", "breakdowns", "final_expulsion_fraction",
               "final_weapons_handover", "final_besieger_entry"]


@pytest.fixture(scope="module")
def job(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("job") / "run"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "replicates=6", "workers=2", "seed=11",
                           "model.horizon_days=60", "format=xlsx", f"hydra.run.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc


def test_job_ends_with_the_report_path(job):
    out, proc = job
    last = proc.stdout.strip().splitlines()[-1]
    assert last == f"Interactive report: {out / 'report.html'}"
    assert (out / "report.html").stat().st_size > 1_000_000, "plotly.js is embedded"
    assert "Outcome probabilities (95% Wilson intervals)" in proc.stdout


def test_job_writes_tidy_tables(job):
    out, _ = job
    runs = pd.read_parquet(out / "runs.parquet")
    daily = pd.read_parquet(out / "daily.parquet")
    events = pd.read_parquet(out / "events.parquet")
    assert list(runs["replicate"]) == list(range(6))
    assert set(RUN_COLUMNS) <= set(runs.columns)
    assert set(runs["outcome"]) <= {o.value for o in Outcome}
    assert runs["seed"].nunique() == 6
    assert (daily.groupby("replicate")["day"].max() == runs.set_index("replicate")["end_day"]).all()
    assert {"offer", "vote", "decision", "outcome"} <= set(events["event"])
    votes = events[events["event"] == "vote"]
    assert votes[["u_accept", "u_fight", "p_accept", "reason"]].notna().all().all()


def test_format_xlsx_writes_each_table_beside_its_parquet(job):
    """format=xlsx: runs, daily and events also as one-sheet workbooks holding the same rows, listed
    in the manifest (so a damaged copy is caught like any output)."""
    out, _ = job
    manifest = json.loads((out / "manifest.json").read_text())
    for name in ("runs", "daily", "events"):
        parquet = pd.read_parquet(out / f"{name}.parquet")
        workbook = pd.read_excel(out / f"{name}.xlsx", sheet_name=name, engine="openpyxl")
        assert list(workbook.columns) == list(parquet.columns) and len(workbook) == len(parquet) > 0
        numeric = parquet.select_dtypes("number").columns
        pd.testing.assert_frame_equal(workbook[numeric], parquet[numeric], check_dtype=False)
        assert f"{name}.xlsx" in json.dumps(manifest)


def test_exports_refuse_what_they_cannot_hold(tmp_path, monkeypatch):
    import experiments.io as io
    from experiments.config.compose import compose, to_run_config
    from experiments.config.schema import ConfigError

    with pytest.raises(ConfigError, match=r"format='json' is not allowed: one of parquet, csv, xlsx"):
        to_run_config(compose(["format=json"]))
    with pytest.raises(ConfigError, match=r"the daily table can reach 1,200,000 rows .* use format=csv"):
        to_run_config(compose(["format=xlsx", "replicates=10000", "model.horizon_days=120"]))
    table = pd.DataFrame({"a": range(5)})
    assert pd.read_csv(io.write_export(tmp_path / "t.parquet", table, "csv")).equals(table)
    monkeypatch.setattr(io, "XLSX_MAX_ROWS", 5)
    with pytest.raises(ValueError, match="format=xlsx cannot hold t: 5 rows, and a sheet holds 4 below its header"):
        io.write_export(tmp_path / "t.parquet", table, "xlsx")
    assert io.write_export(tmp_path / "t.parquet", table, "parquet") is None


def test_job_records_config_seed_and_versions(job):
    out, _ = job
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["root_seed"] == 11 and meta["replicates"] == 6
    assert meta["packages"]["mesa"].startswith("3.5")
    assert meta["code_version"]
    resolved = yaml.safe_load((out / "config_resolved.yaml").read_text())
    assert resolved["model"]["horizon_days"] == 60
    params = pd.read_csv(out / "parameters.csv")
    assert params["provenance"].notna().all()
    assert not list(out.glob(".*.tmp")), "no temporary files left behind"


@pytest.mark.skipif(not CASES.exists(), reason="shared/ is not beside the checkout")
def test_outcome_classes_are_those_of_the_case_file():
    meta = yaml.safe_load(CASES.read_text())["meta"]
    assert {o.value for o in Outcome} == set(meta["outcome_classes"])


def test_console_script_runs_from_any_folder(tmp_path):
    """`siege-run` finds its configs wherever it is started (the package's conf/, not the cwd)."""
    script = Path(sys.executable).parent / "siege-run"
    if not script.exists():
        pytest.skip("console script not installed (pip install -e . creates it)")
    out = tmp_path / "run"
    proc = subprocess.run([str(script), "replicates=2", "report=false", "progress=false",
                           "model.horizon_days=20", f"hydra.run.dir={out}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(pd.read_parquet(out / "runs.parquet")) == 2
    assert not (out / "report.html").exists()


def test_the_report_opens_cleanly_in_a_browser(job, browser):
    """Headless Chromium: no console error, nothing asked of another machine, every figure drawn."""
    out, _ = job
    check = assert_clean_page(browser, out / "report.html", min_figures=5)
    assert browser.find_element("id", "story").is_displayed()
    assert check.figures == len(browser.find_elements("css selector", ".plotly-graph-div"))
