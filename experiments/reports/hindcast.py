"""The hindcast report: one offline HTML page with, per case, the predicted outcome distribution
against the recorded class, the recorded figures against the predicted 10-90% ranges (those the model
cannot reach marked), the scores, the model against two reference forecasts, and a plain list of where
the model misses. Rendered from the hindcast's tables alone."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.io import write_text
from experiments.measures import CASE_FIGURES, MEASURES, OUTCOMES, REFERENCE_FORECASTS, outcome_label
from experiments.reports.colours import OUTCOME_COLOURS
from experiments.reports.page import Section, figure_html, render_page, table
from experiments.reports.plotly_text import plotly_text

LOG_AXES = ("siege_length_days", "civilian_deaths")   # figures spanning orders of magnitude across cases
HIDDEN_META = ("scores", "case_files", "scenario")     # shown elsewhere, too long for the header, or meaningless here


UNREACHABLE_COLOUR = "#888888"                          # a recorded figure the model cannot reach
SKILL_UNDEFINED = "n/a: reference certain and right"   # a Brier skill against a perfect reference


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _skill(value: float) -> str:
    return SKILL_UNDEFINED if _missing(value) else f"{value:+.2f}"


def _figures_cell(inside: int, reachable: int, unreachable: int) -> str:
    return f"{inside}/{reachable}" + (f" ({unreachable} unreachable)" if unreachable else "")


def scores_table(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per case as shown: recorded class, the probability given to it with its interval, the
    most likely class, Brier score and its skill against each reference, how many reachable recorded
    figures fall inside the 10-90% range (and how many are unreachable), hit or miss.
    `cases`: one row per case (case, recorded, p_recorded, p_recorded_low, p_recorded_high, modal,
    p_modal, brier, brier_skill_<reference> for each of REFERENCE_FORECASTS, figures_inside,
    figures_reachable, figures_unreachable); `recorded` is '' for a case without a record."""
    brier, skill = MEASURES["brier"].label, MEASURES["brier_skill"].label
    log_score, rps = MEASURES["log_loss"].label_with_unit, MEASURES["rps"].label
    rows = []
    for r in cases.to_dict("records"):
        rows.append({
            "case": r["case"], "recorded class": outcome_label(r["recorded"]) or "not recorded",
            "p(recorded)": (f"{r['p_recorded']:.0%} [{r['p_recorded_low']:.0%}, {r['p_recorded_high']:.0%}]"
                            if r["recorded"] else ""),
            "most likely (model)": f"{outcome_label(r['modal'])} ({r['p_modal']:.0%})",
            brier: f"{r['brier']:.3f}" if r["recorded"] else "",
            log_score: f"{r['log_loss']:.2f}" if r["recorded"] else "",
            rps: f"{r['rps']:.3f}" if r["recorded"] else "",
            **{f"{skill} vs {name}": _skill(r[f"brier_skill_{ref}"]) if r["recorded"] else ""
               for ref, name in REFERENCE_FORECASTS.items()},
            "reachable figures inside 10-90%": _figures_cell(r["figures_inside"], r["figures_reachable"],
                                                              r["figures_unreachable"]),
            "verdict": "hit" if r["recorded"] and r["modal"] == r["recorded"] else ("miss" if r["recorded"] else ""),
        })
    return pd.DataFrame(rows)


def references_table(references: pd.DataFrame) -> pd.DataFrame:
    """The model against the reference forecasts, one row each: mean Brier, mean log score, mean RPS,
    and the model's Brier and RPS skill against the forecast of that row. `references`: rows of
    (forecast, brier, log_loss, rps, brier_skill, rps_skill), forecast 'model' or a key of
    REFERENCE_FORECASTS, the skills NaN on the model's row."""
    labels = {"model": "the model", **REFERENCE_FORECASTS}
    rows = []
    for r in references.to_dict("records"):
        rows.append({
            "forecast": labels[r["forecast"]],
            f"mean {MEASURES['brier'].label}": f"{r['brier']:.3f}",
            f"mean {MEASURES['log_loss'].label_with_unit}": f"{r['log_loss']:.2f}",
            f"mean {MEASURES['rps'].label}": f"{r['rps']:.3f}",
            f"the model's {MEASURES['brier_skill'].label} against it": ("" if r["forecast"] == "model"
                                                                       else _skill(r["brier_skill"])),
            f"the model's {MEASURES['rps_skill'].label} against it": ("" if r["forecast"] == "model"
                                                                     else _skill(r["rps_skill"])),
        })
    return pd.DataFrame(rows)


def fits_table(fits: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """In sample and left out side by side, one row per case: for each fit the probability of the
    recorded class, Brier, log score, RPS, the reachable figures inside their ranges and the share of
    runs that see a deal fail before the one that holds (PATTERNS.md 7). `fits`: rows of (case, fit,
    p_recorded, brier, log_loss, rps, figures_inside, figures_reachable, pattern_failed_deal_first);
    `labels`: fit -> its name."""
    rows = []
    for case, group in fits.groupby("case", sort=False):
        row = {"case": case}
        for r in group.to_dict("records"):
            name = labels[r["fit"]].split(" (")[-1].rstrip(")")
            scored = not _missing(r["brier"])
            row.update({f"{name}: p(recorded)": f"{r['p_recorded']:.0%}" if scored else "",
                        f"{name}: Brier": f"{r['brier']:.3f}" if scored else "",
                        f"{name}: log score": f"{r['log_loss']:.2f}" if scored else "",
                        f"{name}: RPS": f"{r['rps']:.3f}" if scored else "",
                        f"{name}: figures inside": f"{r['figures_inside']}/{r['figures_reachable']}",
                        f"{name}: runs with a failed deal first": f"{r['pattern_failed_deal_first']:.0%}"})
        rows.append(row)
    return pd.DataFrame(rows).fillna("no refit without this case")


def crps_table(fits: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Each case's CRPS per recorded figure, one row per case and fit, in the figure's unit (blank
    where the case records none). Lower is better; 0 when every replicate gives the record."""
    rows = []
    for r in fits.to_dict("records"):
        row = {"case": r["case"], "forecast": labels[r["fit"]]}
        for measure in CASE_FIGURES:
            value = r.get(f"crps_{measure}", float("nan"))
            unit = MEASURES[measure].unit
            row[MEASURES[measure].label_with_unit] = ("" if _missing(value) else f"{value:.1%}" if unit == "share"
                                                      else f"{value:,.1f}")
        rows.append(row)
    return pd.DataFrame(rows)


FIT_COLOURS = {"model": "#2a7ab0", "in_sample": "#2a7ab0", "left_out": "#d35400"}


def reliability_figure(reliability: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Observed frequency against mean forecast probability per bin, each point's area growing with
    the (case, class) pairs in its bin, one series per fit, with the diagonal a reliable forecaster lies on.
    `reliability`: rows of (fit, bin_low, bin_high, pairs, mean_forecast, observed_frequency)."""
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly reliable",
                    line=dict(color="#999", dash="dash"), hoverinfo="skip")
    for fit, group in reliability.groupby("fit", sort=False):
        colour = FIT_COLOURS.get(fit, "#2a7ab0")
        fig.add_scatter(x=group["mean_forecast"], y=group["observed_frequency"], mode="lines+markers",
                        name=plotly_text(labels[fit]), line=dict(color=colour),
                        marker=dict(size=[6 + 3 * math.sqrt(n) for n in group["pairs"]], color=colour),
                        customdata=group[["pairs", "bin_low", "bin_high"]].to_numpy(),
                        hovertemplate="forecasts %{customdata[1]:.0%}-%{customdata[2]:.0%}: mean %{x:.0%}, "
                                      "observed %{y:.0%} (%{customdata[0]} case-class pairs)<extra></extra>")
    fig.update_layout(height=460, margin=dict(l=10, r=10, t=40, b=40), legend=dict(orientation="h", y=-0.2),
                      xaxis=dict(title="forecast probability (mean in the bin)", tickformat=".0%", range=[-0.02, 1.02]),
                      yaxis=dict(title="observed frequency", tickformat=".0%", range=[-0.02, 1.02]),
                      title="Reliability: forecast probability against how often it happened")
    return fig


def reliability_table_text(reliability: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The reliability bins as shown: the forecast, the bin, its pairs, mean forecast and observed share."""
    return pd.DataFrame([{"forecast": labels[r["fit"]],
                          "forecast probability": f"{r['bin_low']:.0%}-{r['bin_high']:.0%}",
                          "case-class pairs": r["pairs"], "mean forecast": f"{r['mean_forecast']:.1%}",
                          "observed frequency": f"{r['observed_frequency']:.0%}"}
                         for r in reliability.to_dict("records")])


def outcome_figure(outcomes: pd.DataFrame) -> go.Figure:
    """Stacked outcome probabilities per case; the recorded class is outlined and annotated.
    `outcomes`: one row per case and class (case, outcome, probability, is_recorded)."""
    cases = list(dict.fromkeys(outcomes["case"]))
    labels = [plotly_text(c) for c in cases]
    by_class = outcomes.set_index(["outcome", "case"])
    fig = go.Figure()
    stacked = np.zeros(len(cases))
    for outcome in OUTCOMES:
        rows = by_class.loc[outcome].reindex(cases)
        share = rows["probability"].fillna(0.0).to_numpy(float)
        fig.add_bar(name=outcome_label(outcome), y=labels, x=share.tolist(), orientation="h",
                    marker=dict(color=OUTCOME_COLOURS[outcome], line=dict(width=0)),
                    hovertemplate="%{y}: " + outcome_label(outcome) + " %{x:.1%}<extra></extra>")
        # the recorded class's outline is a rectangle of its own, so the legend's swatches stay plain
        for i, hit in enumerate(rows["is_recorded"].fillna(False)):
            if hit:
                fig.add_shape(type="rect", xref="x", yref="y", x0=stacked[i], x1=stacked[i] + share[i],
                              y0=i - 0.4, y1=i + 0.4, line=dict(color="#111", width=3))
        stacked += share
    fig.add_scatter(x=[None], y=[None], mode="markers", name="recorded class (outline)",
                    marker=dict(symbol="square-open", size=14, color="#111", line=dict(width=3)))
    recorded = outcomes[outcomes["is_recorded"]]
    for case, outcome in zip(recorded["case"], recorded["outcome"]):
        fig.add_annotation(x=1.01, y=plotly_text(case), xref="paper", text="recorded: " + outcome_label(outcome),
                           showarrow=False, xanchor="left", font=dict(size=12))
    fig.update_layout(barmode="stack", height=120 + 70 * len(cases), margin=dict(l=10, r=260, t=40, b=40),
                      xaxis=dict(title="predicted probability", tickformat=".0%", range=[0, 1]),
                      legend=dict(orientation="h", y=-0.25),
                      title="Predicted outcome classes (recorded class outlined)")
    return fig


def _beyond_all_note(figures: pd.DataFrame) -> str:
    """A sentence naming each recorded share whose upper end exceeds 100% of the fighters inside (the
    case file's sources count differently), or nothing."""
    shares = [m for m in CASE_FIGURES if MEASURES[m].unit == "share"]
    over = figures[figures["measure"].isin(shares) & (pd.to_numeric(figures["recorded_high"]) > 1.0)]
    if over.empty:
        return ""
    listed = "; ".join(f"{r.case}: {MEASURES[r.measure].label} recorded {r.recorded_low:.0%} to "
                       f"{r.recorded_high:.0%}" for r in over.itertuples())
    return (f" Some records reach beyond every fighter the case counts inside, because their sources count "
            f"differently ({listed}); they are drawn to 100% and scored as recorded.")


def figures_figure(figures: pd.DataFrame) -> go.Figure:
    """Per recorded figure: predicted median with its 10-90% range, and the recorded value or range.
    `figures`: one row per case and figure (case, measure, recorded_low, recorded_high, p10, median, p90)."""
    cases = list(dict.fromkeys(figures["case"]))
    fig = make_subplots(rows=1, cols=len(CASE_FIGURES), horizontal_spacing=0.08,
                        subplot_titles=[MEASURES[m].label_with_unit for m in CASE_FIGURES])
    for col, measure in enumerate(CASE_FIGURES, start=1):
        checks = figures[figures["measure"] == measure].set_index("case").reindex(cases)
        fig.add_scatter(row=1, col=col, x=checks["median"], y=[plotly_text(c) for c in cases], mode="markers",
                        name="predicted", legendgroup="predicted", showlegend=col == 1,
                        marker=dict(color="#2a7ab0", size=9),
                        error_x=dict(type="data", symmetric=False, array=checks["p90"] - checks["median"],
                                     arrayminus=checks["median"] - checks["p10"], thickness=2, width=6),
                        hovertemplate="%{y}: median %{x:,.3g}<extra>predicted 10-90%</extra>")
        for case, c in checks.iterrows():
            if _missing(c["recorded_low"]) and _missing(c["recorded_high"]):
                continue
            low = c["recorded_high"] if _missing(c["recorded_low"]) else c["recorded_low"]
            high = low if _missing(c["recorded_high"]) else c["recorded_high"]
            beyond_all = MEASURES[measure].unit == "share" and high > 1.0
            high = min(high, 1.0) if beyond_all else high   # sources that count more evacuees than fighters
            out_of_reach = bool(c.get("unreachable", False))
            colour = UNREACHABLE_COLOUR if out_of_reach else "#c0392b"
            fig.add_scatter(row=1, col=col, x=[low, high], y=[plotly_text(case)] * 2, mode="lines+markers",
                            name="recorded", legendgroup="recorded", showlegend=False,
                            line=dict(color=colour, width=4, dash="dot" if out_of_reach else "solid"),
                            marker=dict(symbol="diamond-open" if out_of_reach else "diamond", size=11, color=colour,
                                        line=dict(width=2, color=colour)),
                            hovertemplate=f"{plotly_text(case)}: recorded %{{x:,.3g}}"
                                          + (" (at least)" if _missing(c["recorded_high"]) else "")
                                          + (" (the record's upper end exceeds every fighter the case counts "
                                             "inside; drawn to 100%)" if beyond_all else "")
                                          + (f"; unreachable: {plotly_text(c['unreachable_reason'])}"
                                             if out_of_reach else "")
                                          + "<extra></extra>")
        if MEASURES[measure].unit == "share":
            fig.update_xaxes(row=1, col=col, tickformat=".0%")
        if measure in LOG_AXES:
            fig.update_xaxes(row=1, col=col, type="log")
    fig.add_scatter(x=[None], y=[None], mode="markers", name="recorded (value or range)",
                    marker=dict(symbol="diamond", size=11, color="#c0392b"))
    if "unreachable" in figures and figures["unreachable"].any():
        fig.add_scatter(x=[None], y=[None], mode="markers", name="recorded, out of the model's reach",
                        marker=dict(symbol="diamond-open", size=11, color=UNREACHABLE_COLOUR,
                                    line=dict(width=2, color=UNREACHABLE_COLOUR)))
    fig.update_yaxes(categoryorder="array", categoryarray=[plotly_text(c) for c in cases[::-1]])
    for col in range(2, len(CASE_FIGURES) + 1):
        fig.update_yaxes(showticklabels=False, row=1, col=col)
    fig.update_layout(height=160 + 60 * len(cases), margin=dict(l=10, r=10, t=60, b=40),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def render_hindcast_report(cases: pd.DataFrame, outcomes: pd.DataFrame, figures: pd.DataFrame,
                           misses: list[str], unreachable: list[str], references: pd.DataFrame, scores: dict,
                           meta: dict, fits: pd.DataFrame, reliability: pd.DataFrame,
                           fit_labels: dict[str, str]) -> str:
    """The report as one HTML string: `cases` as in scores_table, `outcomes` and `figures` as the
    hindcast writes them (hindcast.parquet, hindcast_figures.parquet), `misses` and `unreachable`
    (recorded figures out of the model's reach) in plain sentences, `references` as in
    references_table, `scores` over all cases (mean_p_recorded, mean_brier, uniform_brier,
    climatology_pseudocount, modal_class_hits, cases_scored, figures_inside, figures_reachable,
    figures_unreachable), `fits` as in fits_table (with crps_<figure> columns), `reliability` as in
    reliability_figure, `fit_labels`: fit -> its name."""
    left_out = bool(len(fits)) and (fits["fit"] == "left_out").any()
    sections = [
        Section("scores", "Scores", "Scores", "Each case is simulated from its facts alone, with the behavioural "
                "parameters shared by all cases. p(recorded) is the share of replicates ending in the recorded "
                "class, with its 95% Wilson interval. The Brier score sums the squared errors over the six classes; "
                "its skill against a reference forecast is 1 - Brier(model) / Brier(reference). The log score is -log "
                "of the probability given to the recorded class (floored at half a replicate). The ranked probability "
                "score (RPS) orders the classes from the siege lifted, through a stalemate, a local settlement, a "
                "partial and a full evacuation, to a takeover, and sums the squared errors of the cumulative "
                "probabilities, so a forecast of full evacuation for a takeover costs less than one of a lifted "
                "siege; 0 is perfect, 1 certain and at the far end. All three are proper scores: no forecast "
                "scores better on average than the forecaster's honest probabilities. A recorded figure "
                "the model cannot reach by construction is counted apart, not as a miss.",
                {"scores": scores, "table": table(scores_table(cases))}),
        Section("skill", "Skill", "Against reference forecasts", "Each case's reference forecasts know only how "
                "the other cases ended (leave one out): the climatology gives each class its share among them, "
                f"with {scores['climatology_pseudocount']:g} added to every class's count so that a class no other "
                "case ended in keeps a small probability; the most common class puts probability 1 on the class most "
                "of them ended in (ties: the first in the outcome order). Brier and log scores are means over the "
                "cases with a recorded class; the log score is -log of the probability given to the recorded "
                "class, floored at half a replicate for every forecast. The skill over all cases is 1 - mean Brier "
                "of the model / mean Brier of the reference (the ratio of the means, not the mean of the per-case "
                "skills, which is undefined where the reference is certain and right); the RPS skill likewise. 1 "
                "is a perfect model, 0 no better than the reference, below 0 worse.",
                {"table": table(references_table(references))}),
        *([Section("left-out", "Left out", "In sample and left out", "The in-sample forecast draws its "
                   "behavioural assumptions from the posterior fitted on every case, this one included; the "
                   "left-out forecast from the posterior refitted without the case, as a forecast of a siege the "
                   "calibration never saw would be. Both run on the same root seed, so they differ only by the "
                   "particles. A left-out score much worse than the in-sample one means the fit learnt the case "
                   "rather than the mechanisms.", {"table": table(fits_table(fits, fit_labels))})] if left_out else []),
        Section("reliability", "Reliability", "Reliability diagram", "Every (case, class) pair is a forecast "
                "probability and an outcome, 1 if the case ended in that class and 0 if not; the pairs are pooled "
                "over the cases with a recorded class and binned by the forecast probability. A reliable forecaster's "
                "points lie on the diagonal: of the things given 30%, about 30% happen. With "
                f"{scores['cases_scored']} cases there are only {scores['cases_scored'] * len(OUTCOMES)} pairs, "
                "most of them near 0%, so read the points with their counts.",
                {"figure": figure_html(reliability_figure(reliability, fit_labels)),
                 "table": table(reliability_table_text(reliability, fit_labels))}),
        Section("misses", "Misses", "Where the model misses", "Stated plainly: recorded classes the model does "
                "not make most likely, and recorded figures outside the predicted 10-90% range; below them, the "
                "recorded figures the model cannot reach by construction, which are not counted as misses.",
                {"misses": misses, "unreachable": unreachable}),
        Section("outcomes", "Outcomes", "Outcome classes", "Stacked predicted probabilities per case; the "
                "recorded class has a black outline.", {"figure": figure_html(outcome_figure(outcomes))}),
        Section("figures", "Figures", "Recorded figures", "Blue: the predicted median and 10-90% range across "
                "replicates. Red: the recorded value or range (a lone diamond with no upper end means 'at least'); "
                "grey and open: a recorded figure out of the model's reach. "
                "Siege length counts the days of siege before the model starts. Replicates that reach the horizon "
                "cut durations short." + _beyond_all_note(figures), {"figure": figure_html(figures_figure(figures))}),
        Section("crps", "CRPS", "Continuous ranked probability scores of the figures", "The CRPS of a recorded "
                "figure compares the whole predicted distribution across replicates with the record, in the "
                "figure's unit: the mean distance from a replicate to the record, less half the mean distance "
                "between two replicates. It is the mean absolute error for a point forecast, and a spread that "
                "covers the record is rewarded over a confident miss. A recorded range is scored at its midpoint, "
                "'at least' at its lower end.", {"table": table(crps_table(fits, fit_labels))}),
    ]
    shown = {k: v for k, v in meta.items() if k not in HIDDEN_META}
    return render_page("hindcast.html", "Hindcast of the historical cases", sections, meta=shown,
                       replicates=meta.get("replicates"), cases=len(cases))


def write_hindcast_report(path: Path, cases: pd.DataFrame, outcomes: pd.DataFrame, figures: pd.DataFrame,
                          misses: list[str], unreachable: list[str], references: pd.DataFrame, scores: dict,
                          meta: dict, fits: pd.DataFrame, reliability: pd.DataFrame,
                          fit_labels: dict[str, str]) -> Path:
    """Render and write the report atomically."""
    return write_text(Path(path), render_hindcast_report(cases, outcomes, figures, misses, unreachable, references,
                                                         scores, meta, fits, reliability, fit_labels))
