"""Sensitivity analysis and scenario discovery: Morris then Sobol run end to end through the sweep
machinery and recover a planted effect; the index wrapper gives Ishigami's known indices; discovery
recovers a planted box with its exact coverage and density (bad ranges files and designs stop the run
early: tests/test_bad_inputs.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from experiments.config.ranges import DEFAULT_RANGES, UncertainParameter, check_morris_grid, left_out, load_ranges
from experiments.config.schema import ConfigError
from experiments.reports.sensitivity import Design, render_sensitivity_report
from experiments.sensitivity import analyse as sensitivity_analyse
from experiments.sensitivity import discovery
from experiments.sensitivity.analyse import analyse_design
from experiments.sensitivity.design import DesignSettings, Method, indices, ranking, sample, top_table
from experiments.sensitivity.discovery import TreeSettings, discover, outcome_rows
from experiments.sensitivity.files import design_runs
from helpers.browser import assert_clean_page
from sim.params import ModelParams, SourceKind, assumption_paths, iter_leaves, source_of

ROOT = Path(__file__).resolve().parent.parent
# civilians.count over a sixteen-fold range against three parameters held within ±10%: civilians are
# counts per block, so deaths scale with the population, while the others barely move them.
PLANTED = """parameters:
  model.civilians.count: {lo: 5000, hi: 80000, reason: "wide on purpose: the planted effect"}
  model.combat.shell_lethality: {lo: 8.1e-05, hi: 9.9e-05, reason: "default ±10%"}
  model.mediator.image_weight: {lo: 0.36, hi: 0.44, reason: "Daraa ±10%"}
  model.negotiation.entry_cost: {lo: 0.054, hi: 0.066, reason: "default ±10%"}
"""
TINY = ["replicates=4", "progress=false", "hydra.sweeper.resamples=200"]


def run(*overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.run", *overrides], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def morris(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sensitivity")
    (root / "ranges.yaml").write_text(PLANTED)
    out = root / "morris"
    proc = run("+experiment=morris", *TINY, "hydra.sweeper.trajectories=4",
               f"hydra.sweeper.ranges={root / 'ranges.yaml'}", f"hydra.sweep.dir={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Sensitivity report: {out / 'sensitivity_report.html'}" in proc.stdout
    assert "Most influential parameters per output:" in proc.stdout
    return out


def test_morris_runs_end_to_end_and_writes_its_tables(morris):
    design = pd.read_parquet(morris / "design.parquet")
    assert len(design) == 4 * (4 + 1)
    assert design["model.civilians.count"].between(5000, 80000).all()
    assert (design["model.civilians.count"] == design["model.civilians.count"].round()).all()
    table = pd.read_parquet(morris / "sensitivity_indices.parquet")
    assert set(table["output"]) == {"p_settlement", "p_takeover", "p_full_evacuation", "end_day", "civilians_killed"}
    assert {"mu_star", "sigma", "mu"} <= set(table["index"]) and (table["method"] == "morris").all()
    assert len(table) == 5 * 4 * 3
    boxes = pd.read_parquet(morris / "discovery.parquet")
    assert {"rule", "coverage", "density", "n"} <= set(boxes.columns)
    assert boxes["n"].sum() <= 20 * 4
    assert all((morris / str(i) / "runs.parquet").exists() for i in range(20))
    html = (morris / "sensitivity_report.html").read_text()
    assert "<script src" not in html and "Scenario discovery" in html and "mu* against sigma" in html


def test_morris_recovers_the_planted_effect_on_civilian_deaths(morris):
    table = pd.read_parquet(morris / "sensitivity_indices.parquet")
    deaths = table[(table["output"] == "civilians_killed") & (table["index"] == "mu_star")].set_index("parameter")
    first = deaths["value"].idxmax()
    assert first == "model.civilians.count"
    others = deaths.drop(first)
    assert deaths.loc[first, "conf_low"] > others["conf_high"].max(), "ahead of the others beyond their intervals"


def test_sobol_on_the_top_of_the_morris_result(morris):
    out = morris.parent / "sobol"
    proc = run("+experiment=sobol", *TINY, f"hydra.sweeper.ranges={morris.parent / 'ranges.yaml'}",
               f"hydra.sweeper.morris_dir={morris}", "hydra.sweeper.top=2", "hydra.sweeper.base_samples=4",
               f"hydra.sweep.dir={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    design = pd.read_parquet(out / "design.parquet")
    varied = [c for c in design.columns if c.startswith("model.")]
    assert "model.civilians.count" in varied and len(varied) == 2
    assert len(design) == 4 * (2 + 2)
    table = pd.read_parquet(out / "sensitivity_indices.parquet")
    assert {"S1", "ST"} <= set(table["index"]) and (table["method"] == "sobol").all()
    deaths = table[(table["output"] == "civilians_killed") & (table["index"] == "ST")].set_index("parameter")
    assert deaths["value"].idxmax() == "model.civilians.count"


def test_the_shipped_ranges_file_is_valid_and_covers_the_assumptions():
    params = {p.key: p for p in load_ranges()}
    assert len(params) > 50
    assert params["model.fighters.factions"].integer and not params["model.fighters.resolve_mean"].integer
    assert "model.district.grid_width" not in params and "model.fighters.count" not in params
    excluded = left_out(DEFAULT_RANGES)
    missing = [path for path in assumption_paths() if f"model.{path}" not in params | excluded]
    assert not missing, f"assumptions neither varied nor left out with a reason in the ranges file: {missing}"
    assert all(source_of(_field(key)).kind == SourceKind.ASSUMPTION for key in params), "only assumptions vary"


def _field(key: str):
    return next(f for path, _, f in iter_leaves(ModelParams()) if f"model.{path}" == key)


def test_indices_match_ishigami_known_values():
    """Ishigami (a = 7, b = 0.1): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244 (Saltelli et al. 2008)."""
    params = [UncertainParameter(f"x{i}", -np.pi, np.pi, False, "") for i in (1, 2, 3)]
    settings = DesignSettings(method=Method.SOBOL, base_samples=1024, resamples=200)
    x = sample(settings, params)
    table = indices(settings, params, x, pd.DataFrame({"y": Ishigami.evaluate(x)}))
    s1 = table[table["index"] == "S1"].set_index("parameter")["value"]
    st = table[table["index"] == "ST"].set_index("parameter")["value"]
    assert s1.to_numpy() == pytest.approx([0.314, 0.442, 0.0], abs=0.07)
    assert st.to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=0.07)
    morris = DesignSettings(method=Method.MORRIS, trajectories=50, resamples=200)
    xm = sample(morris, params)
    screened = indices(morris, params, xm, pd.DataFrame({"y": Ishigami.evaluate(xm)}))
    assert set(ranking(screened).index) == {"x1", "x2", "x3"}
    assert (screened[screened["index"] == "mu_star"]["value"] > 1).all(), "every Ishigami input matters"


def test_ranking_discounts_effects_within_their_error():
    def row(output, parameter, value, conf):
        return {"method": "morris", "output": output, "parameter": parameter, "index": "mu_star", "value": value,
                "conf": conf, "conf_low": value - conf, "conf_high": value + conf}
    table = pd.DataFrame([row("deaths", "a", 10.0, 2.0), row("deaths", "b", 1.0, 0.5), row("deaths", "c", 0.5, 0.6),
                          row("noise", "c", 0.07, 0.08), row("noise", "b", 0.05, 0.09)])
    assert list(ranking(table).index) == ["a", "b", "c"], "c leads only the noise output, within its error"
    assert list(ranking(table[table["output"] == "noise"]).index) == ["c", "b"], "alone, noise still ranks"


def test_discovery_recovers_a_planted_box_with_its_coverage_and_density():
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"x1": rng.random(2000), "x2": rng.random(2000), "noise": rng.random(2000)})
    in_box = ((x["x1"] > 0.7) & (x["x2"] <= 0.4)).to_numpy()
    boxes = discover(x, in_box)
    best = boxes.iloc[0]
    assert re.fullmatch(r"x1 > 0\.(69|70)\d* and x2 <= 0\.(39|40)\d*", best["rule"]), best["rule"]
    assert best["n"] == best["n_interest"] == in_box.sum()
    assert best["coverage"] == 1.0 and best["density"] == 1.0
    assert (boxes["n_interest"].iloc[1:] == 0).all() and boxes["n"].sum() == len(x)


def test_discovery_density_and_coverage_are_shares_of_rows_and_of_cases():
    """One split (depth 1): the box x1 > 0.7 holds every case of interest (coverage 1), and its
    density is the share of its rows that are of interest (60% planted)."""
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"x1": rng.random(3000), "noise": rng.random(3000)})
    interest = (x["x1"].to_numpy() > 0.7) & (rng.random(3000) < 0.6)
    boxes = discover(x, interest, TreeSettings(max_depth=1))
    best = boxes.iloc[0]
    assert best["rule"].startswith("x1 > 0.")
    box = x["x1"] > float(best["rule"].split(">")[1])
    assert best["n"] == box.sum() and best["coverage"] == 1.0
    assert best["density"] == pytest.approx(interest[box].mean()) and 0.5 < best["density"] < 0.7
    assert boxes.iloc[1]["density"] == 0.0


def test_discovery_rows_keep_forced_endings_and_settlements_only():
    runs = pd.DataFrame({"outcome": ["military_takeover", "full_evacuation", "negotiated_partial_evacuation",
                                     "stalemate_siege_continues"], "a": ["1", "2", "3", "4"],
                         "air": ["GRANTED", "WITHHELD", "WITHHELD", "GRANTED"]})
    x, y, dropped = outcome_rows(runs, ["a", "air"])
    assert dropped == 1 and list(y) == [True, True, False]
    assert list(x.columns) == ["a", "air=GRANTED", "air=WITHHELD"] and list(x["a"]) == [1, 2, 3]


# The sweeper hands its points to whichever launcher is configured, in one call, so one other launcher
# shows the hand-over; Ray's and submitit's launchers are checked on a sweep in tests/test_sweeps.py
# (each half a minute or more here).
@pytest.mark.parametrize("launcher", ["hydra/launcher=basic"])
def test_the_same_indices_whatever_the_launcher(morris, launcher, tmp_path):
    """The design's points go through the configured launcher like any sweep's: another launcher
    (in-process, against the default joblib pool) gives the same design and indices, bit for bit."""
    out = tmp_path / "again"
    proc = run("+experiment=morris", *TINY, "hydra.sweeper.trajectories=4", launcher,
               f"hydra.sweeper.ranges={morris.parent / 'ranges.yaml'}", f"hydra.sweep.dir={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "design.parquet"), pd.read_parquet(morris / "design.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sensitivity_indices.parquet"),
                                  pd.read_parquet(morris / "sensitivity_indices.parquet"))


def test_whole_number_and_continuous_parameters_with_equal_effects_get_equal_mu_star():
    """A whole-number parameter's Morris grid falls on whole numbers, so the model receives exactly the
    step the estimator divides by: y = (n - 1) / 3 + c moves by the same amount over either range,
    and both get mu* = 1 (per full range). The off-grid [1, 3] is refused."""
    params = [UncertainParameter("n", 1, 4, True, ""), UncertainParameter("c", 0.0, 1.0, False, "")]
    check_morris_grid(params, levels=4)
    settings = DesignSettings(method=Method.MORRIS, trajectories=20, resamples=50)
    x = sample(settings, params)
    received = np.array([[p.value(v) for p, v in zip(params, row)] for row in x], dtype=float)
    assert set(received[:, 0]) == {1.0, 2.0, 3.0, 4.0}
    assert np.abs(received[:, 0] - x[:, 0]).max() < 1e-9, "rounding changes nothing on the grid"
    y = (received[:, 0] - 1) / 3 + received[:, 1]
    mu_star = indices(settings, params, x, pd.DataFrame({"y": y})).query("index == 'mu_star'")
    assert mu_star["value"].to_numpy() == pytest.approx([1.0, 1.0], abs=1e-9)
    with pytest.raises(ConfigError, match=re.escape("n: a whole-number parameter's Morris range needs hi - lo "
                                                    "divisible by levels - 1 = 3")):
        check_morris_grid([UncertainParameter("n", 1, 3, True, "")], levels=4)
    check_morris_grid([UncertainParameter("n", 1, 3, True, "")], levels=2)  # two levels: the bounds only


def test_the_shipped_whole_number_ranges_fall_on_the_morris_grid():
    check_morris_grid(load_ranges(), levels=4)


def test_a_point_folder_from_another_design_is_not_counted(morris, tmp_path):
    """Point folders are reused by index; one that ran another design's row (another seed, other
    ranges) is left out of the analysis rather than mixed in, even though it finished."""
    copy = tmp_path / "morris"
    shutil.copytree(morris, copy)
    _, runs = design_runs(copy)
    assert sorted(runs["point"].unique()) == list(range(20)), "the design's own folders all count"
    point = json.loads((copy / "3" / "point.json").read_text())
    point["overrides"] = [o if not o.startswith("model.mediator.image_weight=") else "model.mediator.image_weight=0.43"
                          for o in point["overrides"]]
    (copy / "3" / "point.json").write_text(json.dumps(point))
    _, runs = design_runs(copy)
    assert 3 not in set(runs["point"]) and runs["point"].nunique() == 19
    result = analyse_design(copy, report=False)
    assert "1 design points failed or unfinished (3)" in result.message and result.indices.empty


def test_analysis_and_discovery_of_a_broken_folder_say_so_in_one_line(morris, tmp_path, capsys):
    copy = tmp_path / "morris"
    shutil.copytree(morris, copy)
    (copy / "sensitivity.json").write_text("{not json")
    assert sensitivity_analyse.main([str(copy)]) == 2
    assert discovery.main([str(copy)]) == 2
    (copy / "sensitivity.json").unlink()
    assert sensitivity_analyse.main([str(copy)]) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert discovery.main([str(empty)]) == 2
    assert sensitivity_analyse.main([str(empty)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 5 and all(line.startswith("error: ") for line in err), err
    assert "sensitivity.json: unreadable" in err[0] and "holds no sensitivity.json" in err[2]


def test_the_top_table_shows_the_design_s_confidence_level():
    table = pd.DataFrame([{"method": "morris", "output": "y", "parameter": "model.a.b", "index": "mu_star",
                           "value": 1.0, "conf": 0.1, "conf_low": 0.9, "conf_high": 1.1}])
    assert "90% interval" in top_table(table, 0.9) and "95%" not in top_table(table, 0.9)


def morris_rows(output: str, effects: dict[str, float]) -> list[dict]:
    """Tidy Morris indices of one output: mu*, sigma and mu per parameter."""
    return [{"method": "morris", "output": output, "parameter": p, "index": index, "value": v, "conf": 0.1 * v,
             "conf_low": 0.9 * v, "conf_high": 1.1 * v}
            for p, v in effects.items() for index in ("mu_star", "sigma", "mu")]


def test_the_report_flags_an_outcome_too_rare_for_its_indices_and_escapes_the_ranges():
    hostile = "<script>alert(1)</script> reason"
    table = pd.DataFrame(morris_rows("p_takeover", {"model.a.b": 0.01, "model.c.d": 0.02})
                         + morris_rows("p_settlement", {"model.a.b": 0.5, "model.c.d": 0.1}))
    outputs = pd.DataFrame({"p_takeover": [0.0, 0.004, 0.0], "p_settlement": [0.5, 0.9, 0.7]})
    ranges = pd.DataFrame({"parameter": ["model.a.b", "model.c.d"], "lo": [0.1, 1], "hi": [0.9, 4],
                           "integer": [False, True], "reason": [hostile, "default ±50%"]})
    labels = {k: sensitivity_analyse.OUTPUTS[k] for k in ("p_takeover", "p_settlement")}
    design = Design(method="morris", points=3, size="1 trajectory, 4 levels", seed=7, level="90%")
    html = render_sensitivity_report(table, pd.DataFrame(), outputs, ranges, labels, design, "tiny <design>")
    html = html.partition("</head>")[2]   # the page, without plotly.js
    takeover, settlement = html.split("<h3>Probability of a negotiated settlement", 1)
    assert "<h3>Probability of a military takeover</h3>" in takeover
    assert "<b>Rare outcome:</b> 0.13% of replicates" in takeover and "Rare outcome" not in settlement
    assert "mu* (90% bootstrap interval)" in html and "95%" not in html
    assert "<script>alert" not in html and "<td>&lt;script&gt;alert(1)&lt;/script&gt; reason</td>" in html
    assert "<td>a.b</td><td>0.1</td><td>0.9</td><td></td>" in html
    assert "<td>c.d</td><td>1</td><td>4</td><td>yes</td>" in html
    assert "Morris design: 3 points (1 trajectory, 4 levels), design seed 7" in html
    nav = re.findall(r'<a href="#([^"]+)">', re.search(r"<nav>(.*?)</nav>", html).group(1))
    assert nav == re.findall(r'<section id="([^"]+)">', html) == ["indices", "discovery", "design"]


def test_the_sensitivity_report_opens_cleanly_in_a_browser(morris, browser):
    assert_clean_page(browser, morris / "sensitivity_report.html")
