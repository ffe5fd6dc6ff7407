"""The hindcast: scores on hand-made predictions give known values (the model's, the reference
forecasts' and the skill against them), recorded figures out of the model's reach are flagged and not
counted as misses, the report renders hand-made results with a case's text escaped, and the job runs
every case, a user's own case folder included, writing hindcast.parquet and its report."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.config.cases import CASES_DIR, Case
from experiments.evaluation.hindcast import (
    FITS,
    case_rows,
    figure_rows,
    fit_rows,
    outcome_rows,
    overall_scores,
    reference_rows,
    reliability_rows,
    score_case,
)
from experiments.evaluation.scoring import (
    UNIFORM_BRIER,
    brier_score,
    brier_skill_score,
    climatology,
    figure_checks,
    figure_counts,
    inside_range,
    log_loss,
    most_common_class,
    overall_skill,
    reachable_range,
    reference_forecasts,
    unreachable_reason,
)
from experiments.reports.hindcast import render_hindcast_report
from helpers.browser import assert_clean_page
from sim.cases import RecordedOutcome
from sim.enums import Outcome

ROOT = Path(__file__).resolve().parent.parent
FULL, PARTIAL = Outcome.FULL_EVACUATION.value, Outcome.PARTIAL_EVACUATION.value
TAKEOVER, LOCAL_STAY = Outcome.MILITARY_TAKEOVER.value, Outcome.SETTLEMENT_LOCAL_STAY.value
HORIZON = 365
# The shipped cases' recorded classes, as the reference forecasts read them.
SHIPPED = {"daraa_2021": PARTIAL, "east_aleppo_2016": FULL, "eastern_ghouta_2018": FULL, "homs_old_city_2014": FULL}


def made_runs(outcomes: list[str], end_days: list[int] | None = None, evacuated: int = 0,
              killed: int = 0, broken: int = 0, collapsed: int = 0) -> pd.DataFrame:
    """A hand-made run table with the columns the scores read: the first `broken` runs see an
    implementation breakdown, the last `collapsed` a deal collapse."""
    n = len(outcomes)
    end_days = end_days or [10] * n
    return pd.DataFrame({"replicate": range(n), "outcome": outcomes, "end_day": end_days,
                         "decisive_phase_days": [d // 2 for d in end_days], "fighters_evacuated": [evacuated] * n,
                         "civilians_killed": [killed] * n, "breakdowns": [1] * broken + [0] * (n - broken),
                         "collapses": [0] * (n - collapsed) + [2] * collapsed})


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
    result = score_case(case, runs, HORIZON, SHIPPED)
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
    # the references know Daraa (partial), Ghouta and Homs (full): climatology 3/9 on full, Brier 44/81;
    # the most common class is full evacuation, right and certain, so no skill against it is defined
    assert rows.loc[FULL, "p_recorded_climatology"] == pytest.approx(3 / 9)
    assert rows.loc[FULL, "brier_climatology"] == pytest.approx(44 / 81)
    assert rows.loc[FULL, "brier_skill_climatology"] == pytest.approx(1 - 0.98 / (44 / 81))
    assert rows.loc[FULL, "log_loss_climatology"] == pytest.approx(math.log(3))
    assert rows.loc[PARTIAL, "probability_climatology"] == pytest.approx(2 / 9)
    assert rows.loc[FULL, "probability_most_common"] == 1.0 and rows.loc[FULL, "brier_most_common"] == 0.0
    assert rows.loc[FULL, "log_loss_most_common"] == 0.0 and math.isnan(rows.loc[FULL, "brier_skill_most_common"])


def test_overall_scores_against_the_references_computed_by_hand():
    """Two cases, references from three records: Aleppo (full) sees Daraa (partial) and Ghouta (full),
    a tie the outcome order gives to partial evacuation; Daraa (partial) sees two full evacuations."""
    recorded = {"east_aleppo_2016": FULL, "daraa_2021": PARTIAL, "eastern_ghouta_2018": FULL}
    aleppo = score_case(Case(CASES_DIR / "east_aleppo_2016.yaml"), made_runs([FULL] * 3 + [PARTIAL] * 7),
                        HORIZON, recorded)                                   # model Brier 0.98
    daraa = score_case(Case(CASES_DIR / "daraa_2021.yaml"), made_runs([PARTIAL] * 10), HORIZON, recorded)  # 0
    scores = overall_scores([aleppo, daraa])
    climatology_briers = (44 / 64, 62 / 64)      # (2/8 on full, 2/8 partial, 1/8 each other), (1/8 partial, 3/8 full)
    assert scores["mean_brier"] == pytest.approx(0.49)
    assert scores["mean_brier_climatology"] == pytest.approx(sum(climatology_briers) / 2)
    assert scores["brier_skill_climatology"] == pytest.approx(1 - 0.49 / (sum(climatology_briers) / 2))
    assert scores["mean_brier_most_common"] == 2.0, "partial for Aleppo, full for Daraa: both wrong and certain"
    assert scores["brier_skill_most_common"] == pytest.approx(1 - 0.49 / 2)
    assert scores["mean_log_loss"] == pytest.approx(-math.log(0.3) / 2)
    assert scores["mean_log_loss_most_common"] == pytest.approx(math.log(20)), "floored at half of 10 replicates"
    assert scores["mean_log_loss_climatology"] == pytest.approx((math.log(4) + math.log(8)) / 2)
    per_case = case_rows([aleppo, daraa]).set_index("case")
    assert per_case.loc["east_aleppo_2016", "brier_skill_climatology"] == pytest.approx(1 - 0.98 / (44 / 64))
    assert per_case.loc["daraa_2021", "brier_skill_most_common"] == 1.0
    table = reference_rows(scores).set_index("forecast")
    assert list(table.index) == ["model", "climatology", "most_common"]
    assert table.loc["most_common", "brier"] == 2.0 and math.isnan(table.loc["model", "brier_skill"])
    assert table.loc["climatology", "brier_skill"] == pytest.approx(scores["brier_skill_climatology"])


def facts_of(case_file: str, **changes):
    return dataclasses.replace(Case(CASES_DIR / case_file).facts, **changes)


def test_reachable_ranges_follow_from_the_horizon_and_the_facts():
    facts = facts_of("daraa_2021.yaml", siege_days_so_far=100, fighters_inside=400, civilians_inside=40000)
    assert reachable_range("siege_length_days", facts, 365)[:2] == (100, 464), "days before the start + day 364"
    assert reachable_range("decisive_phase_days", facts, 365)[:2] == (0, 364)
    assert reachable_range("fighters_evacuated_share", facts, 365)[:2] == (0.0, 1.0)
    assert reachable_range("civilian_deaths", facts, 365)[:2] == (0, 40000)
    with pytest.raises(KeyError):
        reachable_range("end_day", facts, 365)


@pytest.mark.parametrize("measure, low, high, unreachable", [
    ("siege_length_days", 464, 464, False), ("siege_length_days", 465, 465, True),
    ("siege_length_days", 100, 100, False), ("siege_length_days", 99, 99, True),   # shorter than the days before
    ("siege_length_days", 400, 800, False), ("siege_length_days", 500, None, True),  # 'at least 500': beyond 464
    ("decisive_phase_days", 364, 364, False), ("decisive_phase_days", 365, 365, True),
    ("fighters_evacuated_share", 1.2, 1.5, True), ("fighters_evacuated_share", 0.9, 1.2, False),
    ("civilian_deaths", 40001, None, True), ("civilian_deaths", 30000, 50000, False),
    ("siege_length_days", None, None, False)])
def test_a_recorded_figure_is_unreachable_only_when_wholly_out_of_reach(measure, low, high, unreachable):
    facts = facts_of("daraa_2021.yaml", siege_days_so_far=100, fighters_inside=400, civilians_inside=40000)
    assert bool(unreachable_reason(measure, low, high, facts, 365)) is unreachable


def test_an_unreachable_figure_is_flagged_and_counted_apart_not_as_a_miss():
    """Homs records a 700-day siege; the model starts on its first day and stops within 365 days."""
    homs = Case(CASES_DIR / "homs_old_city_2014.yaml")               # recorded: 700 days, 900-1,800 evacuated
    result = score_case(homs, made_runs([FULL] * 10, end_days=[30] * 10, evacuated=1200), HORIZON, SHIPPED)
    checks = {c.measure: c for c in result.checks}
    assert checks["siege_length_days"].unreachable and checks["siege_length_days"].inside is False
    assert "0-364 days" in checks["siege_length_days"].unreachable_reason
    assert not checks["fighters_evacuated_share"].unreachable and checks["fighters_evacuated_share"].inside
    assert not any("siege length" in m for m in result.misses)
    assert len(result.unreachable) == 1 and "homs_old_city_2014: siege length (days) recorded 700" \
        in result.unreachable[0]
    assert figure_counts(result.checks) == {"figures_recorded": 2, "figures_unreachable": 1, "figures_reachable": 1,
                                            "figures_inside": 1}
    assert overall_scores([result])["figures_unreachable"] == 1
    assert outcome_rows([result])["siege_length_days_unreachable"].all()
    # with the horizon a run reaches it, it is an ordinary miss again
    longer = score_case(homs, made_runs([FULL] * 10, end_days=[30] * 10, evacuated=1200), 800, SHIPPED)
    assert not longer.unreachable and any("siege length" in m for m in longer.misses)


def test_figures_outside_their_range_are_stated_as_misses():
    case = Case(CASES_DIR / "daraa_2021.yaml")             # recorded: 75 days, 53-61 evacuated, 16-25 killed
    runs = made_runs([PARTIAL] * 10, end_days=[30] * 10, evacuated=20, killed=100)
    checks = {c.measure: c for c in figure_checks(runs, case.facts, case.recorded, HORIZON)}
    assert checks["siege_length_days"].inside is False and checks["civilian_deaths"].inside is False
    assert checks["fighters_evacuated_share"].p90 == pytest.approx(20 / 400)
    assert not any(c.unreachable for c in checks.values())
    misses = score_case(case, runs, HORIZON, SHIPPED).misses
    assert any("siege length" in m and "too low" in m for m in misses)
    assert any("civilians killed" in m and "too high" in m for m in misses)
    assert not any("recorded negotiated" in m for m in misses), "the class was right"


def test_a_case_without_a_recorded_outcome_is_predicted_but_not_scored():
    case = Case(CASES_DIR / "daraa_2021.yaml")
    case.recorded = RecordedOutcome()
    result = score_case(case, made_runs([PARTIAL] * 4), HORIZON, {**SHIPPED, "daraa_2021": ""})
    rows = outcome_rows([result])
    assert (rows["recorded_outcome"] == "").all() and rows["brier"].isna().all()
    assert rows["brier_climatology"].isna().all() and rows["brier_skill_most_common"].isna().all()
    # its reference forecasts still exist (the other three cases' classes), for the probability columns
    assert rows.set_index("outcome").loc[FULL, "probability_climatology"] == pytest.approx(4 / 9)
    scores = overall_scores([result])
    assert scores["cases_scored"] == 0 and math.isnan(scores["brier_skill_climatology"])


HOSTILE = '<img src=x onerror="alert(1)">'


def test_the_report_shows_hand_made_results_with_a_case_id_escaped():
    """A case id from a user's file reaches the scores table, the misses and the figures: escaped in
    each (inside a figure for Plotly, which draws markup), and the navigation links every section."""
    aleppo = Case(CASES_DIR / "east_aleppo_2016.yaml")
    aleppo.id = HOSTILE
    daraa = Case(CASES_DIR / "daraa_2021.yaml")
    homs = Case(CASES_DIR / "homs_old_city_2014.yaml")
    recorded = {**SHIPPED, HOSTILE: FULL}
    del recorded["east_aleppo_2016"]                          # the hostile id stands for Aleppo
    results = [score_case(aleppo, made_runs([FULL] * 3 + [PARTIAL] * 7, end_days=list(range(50, 150, 10)),
                                            evacuated=4000, killed=700), HORIZON, recorded),
               score_case(daraa, made_runs([PARTIAL] * 10, end_days=[60] * 10, evacuated=55, killed=20), HORIZON,
                          recorded),
               score_case(homs, made_runs([FULL] * 10, end_days=[30] * 10, evacuated=1200), HORIZON, recorded)]
    cases = case_rows(results)
    assert cases.loc[0, "modal"] == PARTIAL and cases.loc[0, "p_recorded"] == pytest.approx(0.3)
    assert cases.loc[0, "brier"] == pytest.approx(0.7 ** 2 + 0.7 ** 2)
    misses = [m for r in results for m in r.misses]
    unreachable = [m for r in results for m in r.unreachable]
    scores = overall_scores(results)
    html = render_hindcast_report(cases, outcome_rows(results), figure_rows(results), misses, unreachable,
                                  reference_rows(scores), scores, {"replicates": 10, "scores": {}, "case_files": {}},
                                  fit_rows(results, {}), reliability_rows({"model": results}), FITS)
    assert "<img" not in html
    escaped = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"
    # Aleppo: 30% on full evacuation (recorded), 70% on partial, one class nearer the siege lifted: RPS 0.7^2 / 5
    assert f"<tr><td>{escaped}</td><td>full evacuation</td><td>30% [" in html
    assert "<td>0.980</td><td>1.20</td><td>0.098</td>" in html, "Brier, log score, RPS of Aleppo"
    assert f"<li>{escaped}: recorded full evacuation, but the model makes" in html
    assert "<td>miss</td>" in html and "<td>hit</td>" in html
    # Aleppo's skill against the climatology (3/9 on full evacuation) is 1 - 0.98 / (44/81); against the most
    # common class (full, right and certain) it is undefined; Homs: 1 of 1 reachable figure, 1 unreachable
    assert f"<td>{1 - 0.98 / (44 / 81):+.2f}</td><td>n/a: reference certain and right</td><td>2/3</td>" in html
    assert "<td>1/1 (1 unreachable)</td>" in html
    assert "<b>5 of 8</b> reachable recorded figures inside the predicted 10-90% range; <b>1 unreachable</b>" in html
    skill = re.search(r'<section id="skill">(.*?)</section>', html, re.S).group(1)
    assert "<th>mean Brier score</th><th>mean log score (nats)</th>" in skill
    assert f"<tr><td>the model</td><td>{scores['mean_brier']:.3f}</td>" in skill
    climate = scores["mean_brier_climatology"], scores["mean_log_loss_climatology"], scores["brier_skill_climatology"]
    assert scores["mean_rps_climatology"] > 0 and not math.isnan(scores["mean_rps"])
    climate = (*climate[:2], scores["mean_rps_climatology"], climate[2],
               1 - scores["mean_rps"] / scores["mean_rps_climatology"])
    assert ("<tr><td>climatology</td><td>{:.3f}</td><td>{:.2f}</td><td>{:.3f}</td><td>{:+.2f}</td>"
            "<td>{:+.2f}</td>".format(*climate)) in skill
    assert "<li>homs_old_city_2014: siege length (days) recorded 700 is out of reach" in html
    plots = [json.loads(m) for m in re.findall(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', html, re.S)]
    assert len(plots) == 3 and "<img" not in json.dumps(plots)
    assert plots[1][0]["y"] == ['&lt;img src=x onerror="alert(1)"&gt;', "daraa_2021", "homs_old_city_2014"]
    out_of_reach = [t for t in plots[2] if t.get("marker", {}).get("symbol") == "diamond-open"]
    assert [t["name"] for t in out_of_reach] == ["recorded", "recorded, out of the model's reach"]
    assert out_of_reach[0]["x"] == [700, 700] and out_of_reach[0]["y"] == ["homs_old_city_2014"] * 2
    nav = re.findall(r'<a href="#([^"]+)">', re.search(r"<nav>(.*?)</nav>", html).group(1))
    assert nav == re.findall(r'<section id="([^"]+)">', html) == ["scores", "skill", "reliability", "misses",
                                                                   "outcomes", "figures", "crps"]


def test_in_sample_and_left_out_fits_side_by_side_with_their_reliability():
    """A left-out forecast of one case sits beside the in-sample one with scores worked out by hand;
    the reliability table pools each fit's (case, class) pairs; a case without a refit says so."""
    daraa, homs = Case(CASES_DIR / "daraa_2021.yaml"), Case(CASES_DIR / "homs_old_city_2014.yaml")
    in_sample = [score_case(daraa, made_runs([PARTIAL] * 8 + [FULL] * 2, evacuated=100, killed=20, broken=3,
                                             collapsed=8), HORIZON, SHIPPED),
                 score_case(homs, made_runs([FULL] * 10, evacuated=1200), HORIZON, SHIPPED)]
    left = {"daraa_2021": score_case(daraa, made_runs([PARTIAL] * 4 + [TAKEOVER] * 6, evacuated=60, killed=20),
                                     HORIZON, SHIPPED)}
    fits = fit_rows(in_sample, left)
    assert fits[["case", "fit"]].values.tolist() == [["daraa_2021", "in_sample"], ["daraa_2021", "left_out"],
                                                     ["homs_old_city_2014", "in_sample"]]
    d_in, d_out = fits.iloc[0], fits.iloc[1]
    assert d_in["p_recorded"] == pytest.approx(0.8) and d_out["p_recorded"] == pytest.approx(0.4)
    # in sample: 0.2 more than the record at full evacuation (cumulative 0.8 short at partial): 0.2^2 / 5;
    # left out: 0.6 short at partial and at full evacuation, 2 x 0.6^2 / 5
    assert d_in["rps"] == pytest.approx(0.2 ** 2 / 5) and d_out["rps"] == pytest.approx(2 * 0.6 ** 2 / 5)
    assert d_out["brier"] == pytest.approx(0.6 ** 2 + 0.6 ** 2)
    # runs 0-2 break down and runs 2-9 collapse: 10 of 10 see a failed deal; the left-out runs none
    assert d_in["pattern_failed_deal_first"] == 1.0 and d_out["pattern_failed_deal_first"] == 0.0
    # every replicate evacuating 100 fighters: the CRPS of a point forecast is its distance to the record's midpoint
    fighters = daraa.facts.fighters_inside
    assert d_in["crps_fighters_evacuated_share"] == pytest.approx(abs(100 / fighters - recorded_share(daraa)))
    assert d_out["crps_fighters_evacuated_share"] == pytest.approx(abs(60 / fighters - recorded_share(daraa)))
    reliability = reliability_rows({"in_sample": in_sample, "left_out": list(left.values())})
    for fit, n_cases in (("in_sample", 2), ("left_out", 1)):
        rows = reliability[reliability["fit"] == fit]
        assert rows["pairs"].sum() == 6 * n_cases
        hits = (rows["pairs"] * rows["observed_frequency"]).sum()
        assert hits == pytest.approx(n_cases), "one recorded class per case"
    from experiments.reports.hindcast import fits_table
    shown = fits_table(fits, FITS)
    assert shown.loc[0, "in sample: p(recorded)"] == "80%" and shown.loc[0, "left out: RPS"] == "0.144"
    assert shown.loc[1, "left out: Brier"] == "no refit without this case"


def recorded_share(case: Case) -> float:
    """The midpoint of a case's recorded share of fighters evacuated."""
    low, high = case.recorded.fighters_evacuated[0], case.recorded.fighters_evacuated[-1]
    return (low + high) / 2 / case.facts.fighters_inside


def user_case(folder: Path, case_id: str, fighters: int = 120) -> None:
    """A case file of the user's: the Homs facts with fewer fighters and no record (Homs's record of
    900-1,800 evacuated would not fit 120 fighters)."""
    text = (CASES_DIR / "homs_old_city_2014.yaml").read_text()
    text = text.replace("id: homs_old_city_2014", f"id: {case_id}").replace("fighters_inside: 1500",
                                                                          f"fighters_inside: {fighters}")
    head, rest = text.split("recorded:", 1)
    text = head + "sources:" + rest.split("sources:", 1)[1]
    (folder / f"{case_id}.yaml").write_text(text)


@pytest.fixture(scope="module")
def hindcast_job(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    tmp_path = tmp_path_factory.mktemp("hindcast")
    cases = tmp_path / "my_cases"
    cases.mkdir()
    user_case(cases, "my_town_2030")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "+experiment=hindcast", "replicates=4",
                           "workers=1", "hindcast.horizon_days=40", f"cases_dir={cases}", f"hydra.run.dir={out}",
                           "posterior.paths=[combat.shell_lethality]", "posterior.values=[[9e-5],[1.1e-4]]",
                           "posterior.left_out=[{case:daraa_2021,source:refit,values:[[8e-5]]}]"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc


def test_the_hindcast_report_opens_cleanly_in_a_browser(hindcast_job, browser):
    out, _ = hindcast_job
    assert_clean_page(browser, out / "hindcast_report.html", min_figures=2)


def test_hindcast_job_runs_every_case_and_a_users_own(hindcast_job):
    out, proc = hindcast_job
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
    scores = {"p_recorded", "brier", "log_loss", "p_recorded_climatology", "brier_climatology",
              "log_loss_climatology", "brier_skill_climatology", "p_recorded_most_common", "brier_most_common",
              "log_loss_most_common", "brier_skill_most_common", "probability_climatology", "probability_most_common"}
    assert scores <= set(table.columns), scores - set(table.columns)
    assert daraa["p_recorded_climatology"].iloc[0] == pytest.approx(1 / 9), "the other three cases' classes"
    per_case = table.drop_duplicates("case").set_index("case")
    scored = per_case[per_case["recorded_outcome"] != ""]
    assert len(scored) == 4 and scored[["brier", "brier_climatology"]].notna().all().all()
    for ref in ("climatology", "most_common"):
        defined = scored[scored[f"brier_{ref}"] > 0]
        assert len(defined) >= 1, f"no case where the {ref} reference can be improved on"
        skill = 1 - defined["brier"] / defined[f"brier_{ref}"]
        assert defined[f"brier_skill_{ref}"].tolist() == pytest.approx(skill.tolist())
        assert scored.loc[scored[f"brier_{ref}"] == 0, f"brier_skill_{ref}"].isna().all()
    meta = json.loads((out / "metadata.json").read_text())["scores"]
    for ref in ("climatology", "most_common"):               # over all cases: the ratio of the mean Briers
        assert meta[f"mean_brier_{ref}"] == pytest.approx(scored[f"brier_{ref}"].mean())
        assert meta[f"brier_skill_{ref}"] == pytest.approx(1 - scored["brier"].mean() / scored[f"brier_{ref}"].mean())
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4 * len(expected) and runs["end_day"].max() <= 39
    # a 40-day horizon puts the recorded siege lengths out of reach (all but East Aleppo's 158 days, which
    # starts after 121 days of siege: 121-160 is reachable) and Ghouta's 55-day phase
    figures = pd.read_parquet(out / "hindcast_figures.parquet").set_index(["case", "measure"])
    assert figures.loc[("daraa_2021", "siege_length_days"), "unreachable"]
    assert not figures.loc[("daraa_2021", "decisive_phase_days"), "unreachable"], "39 days fit in days 0-39"
    assert figures.loc[("eastern_ghouta_2018", "decisive_phase_days"), "unreachable"]
    assert not figures.loc[("east_aleppo_2016", "siege_length_days"), "unreachable"]
    assert figures["unreachable"].sum() == 4, figures[figures["unreachable"]]
    assert (table.drop_duplicates("case").filter(like="_unreachable").sum().sum()) == 4
    assert meta["figures_unreachable"] == 4 and meta["figures_reachable"] == meta["figures_recorded"] - 4
    assert f"of {meta['figures_reachable']} reachable figures inside their ranges; 4 unreachable" in proc.stdout
    report = (out / "hindcast_report.html").read_text()
    assert "my_town_2030" in report and "Where the model misses" in report and "Against reference forecasts" in report
    assert "<b>4 unreachable</b>" in report and report.count("is out of reach: ") == 4
    # the posterior holds a refit without Daraa: Daraa is forecast from it too, side by side with the rest
    fits = pd.read_parquet(out / "hindcast_fits.parquet")
    assert sorted(fits.loc[fits["fit"] == "in_sample", "case"]) == sorted(expected)
    assert fits.loc[fits["fit"] == "left_out", "case"].tolist() == ["daraa_2021"]
    left_runs = pd.read_parquet(out / "runs_left_out.parquet")
    assert len(left_runs) == 4 and (left_runs["case"] == "daraa_2021").all() and (left_runs["particle"] == 0).all()
    assert "In sample against left out" in proc.stdout and "In sample and left out" in report
    reliability = pd.read_parquet(out / "hindcast_reliability.parquet")
    assert reliability.groupby("fit")["pairs"].sum().to_dict() == {"in_sample": 24, "left_out": 6}


def test_the_recorded_class_is_outlined_by_a_shape_so_the_legend_swatches_stay_plain():
    from experiments.reports.hindcast import outcome_figure
    shares = {"a_case": {PARTIAL: 0.3, "full_evacuation": 0.7}, "b_case": {PARTIAL: 0.6, "military_takeover": 0.4}}
    recorded = {"a_case": "full_evacuation", "b_case": "military_takeover"}
    rows = [{"case": case, "outcome": o, "probability": shares[case].get(o, 0.0), "is_recorded": o == recorded[case]}
            for case in shares for o in (o.value for o in Outcome)]
    fig = outcome_figure(pd.DataFrame(rows))
    bars = [t for t in fig.data if t.type == "bar"]
    assert bars and all(t.marker.line.width in (0, None) for t in bars)
    # stacked in outcome order: partial (0.3) then full (0.7) for a_case; partial (0.6) then takeover for b_case
    outlines = sorted((s.y0, s.x0, s.x1) for s in fig.layout.shapes)
    assert outlines == [(-0.4, pytest.approx(0.3), pytest.approx(1.0)), (0.6, pytest.approx(0.6), pytest.approx(1.0))]
    assert any(t.name == "recorded class (outline)" for t in fig.data)


def test_a_recorded_share_beyond_every_fighter_is_named_and_drawn_to_100_percent():
    """Homs 2014's sources count 900-1,800 evacuated of about 1,500 fighters: the report says so."""
    from experiments.reports.hindcast import _beyond_all_note, figures_figure
    figures = pd.DataFrame([{"case": "homs_old_city_2014", "measure": "fighters_evacuated_share", "recorded_low": 0.6,
                             "recorded_high": 1.2, "p10": 0.9, "median": 0.95, "p90": 0.99, "unreachable": False}])
    note = _beyond_all_note(figures)
    assert "homs_old_city_2014" in note and "60% to 120%" in note and "drawn to 100%" in note
    drawn = [t for t in figures_figure(figures).data if t.name == "recorded" and t.x is not None]
    assert max(drawn[0].x) == 1.0
    assert _beyond_all_note(figures.assign(recorded_high=0.9)) == ""
