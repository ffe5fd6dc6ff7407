"""The hindcast: scores on hand-made predictions give known values (the model's, the reference
forecasts' and the skill against them), the report renders hand-made
results with a case's text escaped, and the job runs every case, a user's own case folder included,
writing hindcast.parquet and its report."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.config.cases import CASES_DIR, Case
from experiments.evaluation.hindcast import case_rows, figure_rows, outcome_rows, overall_scores, score_case
from experiments.evaluation.scoring import (
    UNIFORM_BRIER,
    brier_score,
    brier_skill_score,
    climatology,
    figure_checks,
    inside_range,
    log_loss,
    most_common_class,
    overall_skill,
    reference_forecasts,
)
from experiments.reports.hindcast import render_hindcast_report
from sim.cases import RecordedOutcome
from sim.enums import Outcome

ROOT = Path(__file__).resolve().parent.parent
FULL, PARTIAL = Outcome.FULL_EVACUATION.value, Outcome.PARTIAL_EVACUATION.value
TAKEOVER, LOCAL_STAY = Outcome.MILITARY_TAKEOVER.value, Outcome.SETTLEMENT_LOCAL_STAY.value
# The shipped cases' recorded classes, as the reference forecasts read them.
SHIPPED = {"daraa_2021": PARTIAL, "east_aleppo_2016": FULL, "eastern_ghouta_2018": FULL, "homs_old_city_2014": FULL}
TAKEOVER = Outcome.MILITARY_TAKEOVER.value


def made_runs(outcomes: list[str], end_days: list[int] | None = None, evacuated: int = 0,
              killed: int = 0) -> pd.DataFrame:
    """A hand-made run table with the columns the scores read."""
    n = len(outcomes)
    end_days = end_days or [10] * n
    return pd.DataFrame({"replicate": range(n), "outcome": outcomes, "end_day": end_days,
                         "decisive_phase_days": [d // 2 for d in end_days], "fighters_evacuated": [evacuated] * n,
                         "civilians_killed": [killed] * n})


def test_brier_score_known_values():
    assert brier_score({FULL: 1.0}, FULL) == 0.0
    assert brier_score({PARTIAL: 1.0}, FULL) == 2.0
    assert brier_score({PARTIAL: 0.7, FULL: 0.3}, FULL) == pytest.approx(0.7 ** 2 + 0.7 ** 2)
    assert brier_score({o.value: 1 / 6 for o in Outcome}, FULL) == pytest.approx(UNIFORM_BRIER) == pytest.approx(5 / 6)
    with pytest.raises(ValueError):
        brier_score({FULL: 1.0}, "surrender")


def test_log_loss_is_floored_at_half_a_replicate():
    assert log_loss(0.5, 100) == pytest.approx(math.log(2))
    assert log_loss(0.0, 100) == pytest.approx(math.log(200))
    assert math.copysign(1, log_loss(1.0, 100)) == 1, "a certain, right forecast costs 0, not -0"


def test_climatology_adds_one_to_every_class():
    three_full = climatology([FULL, FULL, FULL])
    assert three_full[FULL] == pytest.approx(4 / 9)
    assert all(three_full[o.value] == pytest.approx(1 / 9) for o in Outcome if o.value != FULL)
    mixed = climatology([PARTIAL, FULL, FULL])
    assert (mixed[PARTIAL], mixed[FULL], mixed[TAKEOVER]) == pytest.approx((2 / 9, 3 / 9, 1 / 9))
    assert climatology([FULL, FULL, FULL], pseudocount=0.5)[FULL] == pytest.approx(3.5 / 6)
    assert climatology([FULL, PARTIAL], pseudocount=0.0) == pytest.approx(
        {o.value: 0.5 if o.value in (FULL, PARTIAL) else 0.0 for o in Outcome})
    assert climatology([]) == pytest.approx({o.value: 1 / 6 for o in Outcome}), "no other case: equal odds"
    assert sum(climatology([FULL, TAKEOVER]).values()) == pytest.approx(1)
    with pytest.raises(ValueError):
        climatology([], pseudocount=0.0)
    with pytest.raises(ValueError):
        climatology(["surrender"])


def test_most_common_class_is_certain_and_breaks_ties_by_outcome_order():
    assert most_common_class([FULL, PARTIAL, FULL]) == {o.value: float(o.value == FULL) for o in Outcome}
    assert most_common_class([FULL, PARTIAL])[PARTIAL] == 1.0, "partial evacuation comes before full"
    assert most_common_class([TAKEOVER, FULL, TAKEOVER, FULL])[FULL] == 1.0
    assert most_common_class([TAKEOVER, LOCAL_STAY])[LOCAL_STAY] == 1.0
    with pytest.raises(ValueError):
        most_common_class([])


def test_reference_forecasts_leave_the_case_out():
    """Each shipped case gets the classes of the other three; a case without a record adds nothing."""
    recorded = {**SHIPPED, "my_town": ""}
    daraa = reference_forecasts("daraa_2021", recorded)
    assert daraa["climatology"][PARTIAL] == pytest.approx(1 / 9) and daraa["climatology"][FULL] == pytest.approx(4 / 9)
    assert daraa["most_common"][FULL] == 1.0
    aleppo = reference_forecasts("east_aleppo_2016", recorded)
    assert (aleppo["climatology"][FULL], aleppo["climatology"][PARTIAL]) == pytest.approx((3 / 9, 2 / 9))
    assert aleppo["most_common"][FULL] == 1.0
    assert reference_forecasts("my_town", recorded)["climatology"][FULL] == pytest.approx(4 / 10)
    alone = reference_forecasts("daraa_2021", {"daraa_2021": PARTIAL})
    assert alone["climatology"] == pytest.approx({o.value: 1 / 6 for o in Outcome}) and alone["most_common"] is None


def test_brier_skill_score_known_values():
    reference = climatology([FULL, FULL, PARTIAL])                      # Brier 44/81 against FULL
    assert brier_score(reference, FULL) == pytest.approx(44 / 81)
    perfect, worse = {FULL: 1.0}, {PARTIAL: 1.0}
    assert brier_skill_score(brier_score(perfect, FULL), brier_score(reference, FULL)) == 1.0
    assert brier_skill_score(brier_score(reference, FULL), brier_score(reference, FULL)) == pytest.approx(0.0)
    assert brier_skill_score(brier_score(worse, FULL), brier_score(reference, FULL)) == pytest.approx(1 - 2 / (44 / 81))
    assert brier_skill_score(0.5, 1.0) == pytest.approx(0.5)
    assert math.isnan(brier_skill_score(0.1, 0.0)), "nothing improves on a certain, right reference"
    assert math.isnan(brier_skill_score(float("nan"), 0.5))


def test_overall_skill_is_the_ratio_of_the_mean_briers():
    # mean of the per-case skills would be (0.5 + 0.75) / 2 = 0.625; the ratio of the means is 1 - 0.25/0.9
    assert overall_skill([0.1, 0.4], [0.2, 1.6]) == pytest.approx(1 - 0.25 / 0.9)
    # a case where the reference is certain and right has no skill of its own but counts in the means
    assert overall_skill([0.1, 1.0], [0.2, 0.0]) == pytest.approx(1 - 0.55 / 0.1)
    assert overall_skill([0.1, float("nan")], [0.2, 0.5]) == pytest.approx(0.5), "cases without a score are left out"
    assert math.isnan(overall_skill([], []))


@pytest.mark.parametrize("p10, p90, low, high, expected", [
    (10, 20, 15, 15, True), (10, 20, 25, 25, False), (10, 20, 5, 9, False), (10, 20, 5, 12, True),
    (10, 20, 18, None, True), (10, 20, 21, None, False), (10, 20, None, None, None)])
def test_inside_range(p10, p90, low, high, expected):
    assert inside_range(p10, p90, low, high) is expected


def test_a_hand_made_case_scores_as_computed_by_hand():
    case = Case(CASES_DIR / "east_aleppo_2016.yaml")      # recorded: full evacuation, 37 days, >= 600 deaths
    runs = made_runs([FULL] * 3 + [PARTIAL] * 7, end_days=list(range(50, 150, 10)), evacuated=4000, killed=700)
    result = score_case(case, runs)
    assert result.probabilities[FULL] == pytest.approx(0.3)
    rows = outcome_rows([result]).set_index("outcome")
    assert rows.loc[FULL, "is_recorded"] and not rows.loc[PARTIAL, "is_recorded"]
    assert rows.loc[FULL, "p_recorded"] == pytest.approx(0.3)
    assert rows.loc[FULL, "brier"] == pytest.approx(0.7 ** 2 + 0.7 ** 2)
    assert rows.loc[FULL, "ci_low"] < 0.3 < rows.loc[FULL, "ci_high"]
    checks = {c.measure: c for c in result.checks}
    # decisive phase = end_day // 2 = 25..70: p10 and p90 of those, and 37 lies inside
    assert (checks["decisive_phase_days"].p10, checks["decisive_phase_days"].p90) == pytest.approx((29.5, 65.5))
    assert checks["decisive_phase_days"].inside is True
    assert checks["siege_length_days"].inside is False         # 158 recorded, 59-131 predicted
    assert checks["civilian_deaths"].inside is True            # 700 meets 'at least 600'
    assert checks["fighters_evacuated_share"].inside is None   # the case records no evacuated count
    assert any("recorded full evacuation" in m for m in result.misses)
    scores = overall_scores([result])
    assert scores["mean_p_recorded"] == pytest.approx(0.3) and scores["modal_class_hits"] == 0


def test_figures_outside_their_range_are_stated_as_misses():
    case = Case(CASES_DIR / "daraa_2021.yaml")             # recorded: 75 days, 53-61 evacuated, 16-25 killed
    runs = made_runs([PARTIAL] * 10, end_days=[30] * 10, evacuated=20, killed=100)
    checks = {c.measure: c for c in figure_checks(runs, case.facts, case.recorded)}
    assert checks["siege_length_days"].inside is False and checks["civilian_deaths"].inside is False
    assert checks["fighters_evacuated_share"].p90 == pytest.approx(20 / 400)
    misses = score_case(case, runs).misses
    assert any("siege length" in m and "too low" in m for m in misses)
    assert any("civilians killed" in m and "too high" in m for m in misses)
    assert not any("recorded negotiated" in m for m in misses), "the class was right"


def test_a_case_without_a_recorded_outcome_is_predicted_but_not_scored():
    case = Case(CASES_DIR / "daraa_2021.yaml")
    case.recorded = RecordedOutcome()
    result = score_case(case, made_runs([PARTIAL] * 4))
    rows = outcome_rows([result])
    assert (rows["recorded_outcome"] == "").all() and rows["brier"].isna().all()
    assert overall_scores([result])["cases_scored"] == 0


HOSTILE = '<img src=x onerror="alert(1)">'


def test_the_report_shows_hand_made_results_with_a_case_id_escaped():
    """A case id from a user's file reaches the scores table, the misses and the figures: escaped in
    each (inside a figure for Plotly, which draws markup), and the navigation links every section."""
    aleppo = Case(CASES_DIR / "east_aleppo_2016.yaml")
    aleppo.id = HOSTILE
    daraa = Case(CASES_DIR / "daraa_2021.yaml")
    results = [score_case(aleppo, made_runs([FULL] * 3 + [PARTIAL] * 7, end_days=list(range(50, 150, 10)),
                                            evacuated=4000, killed=700)),
               score_case(daraa, made_runs([PARTIAL] * 10, end_days=[60] * 10, evacuated=55, killed=20))]
    cases = case_rows(results)
    assert cases.loc[0, "modal"] == PARTIAL and cases.loc[0, "p_recorded"] == pytest.approx(0.3)
    assert cases.loc[0, "brier"] == pytest.approx(0.7 ** 2 + 0.7 ** 2)
    misses = [m for r in results for m in r.misses]
    html = render_hindcast_report(cases, outcome_rows(results), figure_rows(results), misses,
                                  overall_scores(results), {"replicates": 10, "scores": {}, "case_files": {}})
    assert "<img" not in html
    escaped = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"
    assert f"<tr><td>{escaped}</td><td>full evacuation</td><td>30% [" in html
    assert f"<li>{escaped}: recorded full evacuation, but the model makes" in html
    assert "<td>miss</td>" in html and "<td>hit</td>" in html
    plots = [json.loads(m) for m in re.findall(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', html, re.S)]
    assert len(plots) == 2 and "<img" not in json.dumps(plots)
    assert plots[0][0]["y"] == ['&lt;img src=x onerror="alert(1)"&gt;', "daraa_2021"]
    nav = re.findall(r'<a href="#([^"]+)">', re.search(r"<nav>(.*?)</nav>", html).group(1))
    assert nav == re.findall(r'<section id="([^"]+)">', html) == ["scores", "misses", "outcomes", "figures"]


def user_case(folder: Path, case_id: str, fighters: int = 120) -> None:
    """A case file of the user's: the Homs facts with fewer fighters and no record (Homs's record of
    900-1,800 evacuated would not fit 120 fighters)."""
    text = (CASES_DIR / "homs_old_city_2014.yaml").read_text()
    text = text.replace("id: homs_old_city_2014", f"id: {case_id}").replace("fighters_inside: 1500",
                                                                          f"fighters_inside: {fighters}")
    head, rest = text.split("recorded:", 1)
    text = head + "sources:" + rest.split("sources:", 1)[1]
    (folder / f"{case_id}.yaml").write_text(text)


def test_hindcast_job_runs_every_case_and_a_users_own(tmp_path):
    cases = tmp_path / "my_cases"
    cases.mkdir()
    user_case(cases, "my_town_2030")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "+experiment=hindcast", "replicates=4",
                           "workers=1", "hindcast.horizon_days=40", f"cases_dir={cases}", f"hydra.run.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == f"Interactive report: {out / 'hindcast_report.html'}"
    table = pd.read_parquet(out / "hindcast.parquet")
    assert {"case", "outcome", "probability", "ci_low", "ci_high", "recorded_outcome"} <= set(table.columns)
    expected = {p.stem for p in CASES_DIR.glob("*.yaml")} | {"my_town_2030"}
    assert set(table["case"]) == expected
    assert len(table) == 6 * len(expected)
    assert table.groupby("case")["probability"].sum().round(9).eq(1).all()
    mine = table[table["case"] == "my_town_2030"]
    assert (mine["recorded_outcome"] == "").all()
    daraa = table[table["case"] == "daraa_2021"]
    assert (daraa["recorded_outcome"] == PARTIAL).all() and daraa["siege_length_days_recorded_low"].iloc[0] == 75
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4 * len(expected) and runs["end_day"].max() <= 39
    report = (out / "hindcast_report.html").read_text()
    assert "my_town_2030" in report and "Where the model misses" in report
