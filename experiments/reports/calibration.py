"""The calibration report: fitted values with their ranges, fit before and after on a fresh seed,
leave-one-case-out results (the guard against overfitting), the search history and each
parameter's loss profile. One offline HTML page."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.io import write_text
from experiments.reports.page import Section, figure_html, render_page, table
from experiments.reports.plotly_text import plotly_text

STAGES = {"before": ("before (the values the run started from)", "#8c8c8c"),
          "fitted": ("fitted on all cases", "#2a7ab0"),
          "left_out": ("left out of the fit", "#e08e0b")}
FULL_FIT = "fit on all cases"


def loss_figure(cases: pd.DataFrame) -> go.Figure:
    """Loss per case at each stage (lower is better)."""
    fig = go.Figure()
    for stage, (label, colour) in STAGES.items():
        rows = cases[cases["stage"] == stage]
        if len(rows):
            fig.add_bar(name=label, x=[plotly_text(c) for c in rows["case"]], y=rows["loss"], marker_color=colour,
                        customdata=rows["p_recorded"],
                        hovertemplate="%{x}: loss %{y:.2f}, p(recorded) %{customdata:.0%}<extra>" + label
                                      + "</extra>")
    fig.update_layout(barmode="group", height=380, yaxis_title="case loss (lower is better)",
                      margin=dict(l=10, r=10, t=30, b=40), legend=dict(orientation="h", y=1.12))
    return fig


def history_figure(trials: pd.DataFrame) -> go.Figure:
    """Loss of every trial of the fit on all cases, and the best so far."""
    full = trials[trials["fit"] == FULL_FIT].sort_values("trial")
    fig = go.Figure()
    fig.add_scatter(x=full["trial"], y=full["loss"], mode="markers", name="trial", marker=dict(color="#2a7ab0"))
    fig.add_scatter(x=full["trial"], y=full["loss"].cummin(), mode="lines", name="best so far",
                    line=dict(color="#c0392b", shape="hv"))
    fig.update_layout(height=340, xaxis_title="trial (0 = the defaults)", yaxis_title="mean case loss",
                      margin=dict(l=10, r=10, t=30, b=40))
    return fig


def profile_figure(trials: pd.DataFrame, fit: pd.DataFrame, top_share: float) -> go.Figure:
    """Each parameter's value against the loss over the trials; the best trials highlighted."""
    full = trials[trials["fit"] == FULL_FIT]
    params = list(fit["parameter"])
    columns = min(4, len(params))
    rows = math.ceil(len(params) / columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[plotly_text(p) for p in params],
                        vertical_spacing=0.18)
    cutoff = full["loss"].nsmallest(max(3, math.ceil(top_share * len(full)))).max()
    for i, p in enumerate(params):
        r, c = divmod(i, columns)
        best = full["loss"] <= cutoff
        for mask, colour, name in ((~best, "#b8c2cc", "other trials"), (best, "#2a7ab0", "best trials")):
            fig.add_scatter(row=r + 1, col=c + 1, x=full.loc[mask, p], y=full.loc[mask, "loss"], mode="markers",
                            marker=dict(color=colour, size=6), name=name, legendgroup=name, showlegend=i == 0)
        fitted = float(fit.loc[fit["parameter"] == p, "fitted"].iloc[0])
        fig.add_vline(x=fitted, row=r + 1, col=c + 1, line=dict(color="#c0392b", dash="dot"))
    fig.update_layout(height=300 * rows + 90, margin=dict(l=10, r=10, t=50, b=60),
                      legend=dict(orientation="h", y=-60 / (300 * rows + 90)))
    return fig


def overfitting_text(cases: pd.DataFrame) -> str:
    """A plain statement of how the fit carries to cases it did not see."""
    wide = cases.pivot(index="case", columns="stage", values="loss")
    if "left_out" not in wide.columns:
        return "Leave-one-case-out fits were not run (calibration.leave_one_out_trials=0)."
    better = int((wide["left_out"] < wide["before"]).sum())
    worse_than_in = int((wide["left_out"] > wide["fitted"]).sum())
    n = len(wide)
    verdict = ("The fit carries to unseen cases." if better == n else
               "The fit does not carry to every unseen case: treat the fitted values as provisional."
               if better > 0 else "Out of sample the fit is no better than the values before it: it overfits.")
    return (f"Fitted without it, a case's loss beat the values before the fit in {better} of {n} cases; the left-out "
            f"loss was worse than the in-sample loss in {worse_than_in} of {n}. {verdict} Mean loss: before "
            f"{wide['before'].mean():.2f}, fitted in sample {wide['fitted'].mean():.2f}, left out "
            f"{wide['left_out'].mean():.2f}.")


def render_calibration_report(fit: pd.DataFrame, cases: pd.DataFrame, trials: pd.DataFrame, meta: dict,
                              top_share: float = 0.2) -> str:
    """The report as one HTML string: `fit` one row per parameter, `cases` one row per case and
    stage (before, fitted, left_out), `trials` one row per trial of every fit."""
    cases_shown = cases.pivot(index="case", columns="stage", values=["loss", "p_recorded", "brier"])
    cases_shown.columns = [f"{m} ({s.replace('_', ' ')})" for m, s in cases_shown.columns]
    cases_shown = cases_shown.reset_index()
    sections = [
        Section("fitted", "Fitted values", "Fitted values", "Median over the best trials and their 10-90% range "
                "(an approximate-Bayesian reading of the search: a wide range means the cases do not pin the "
                "parameter down). Columns 'without <case>' give the value fitted when that case is left out.",
                {"table": table(fit, digits=4)}),
        Section("before-after", "Before/after", "Fit before and after", "Each case's loss (-log p(recorded class) "
                "plus squared distances of the recorded figures from the predicted medians), on a seed the fit "
                f"never saw ({meta.get('check_seed')}).",
                {"loss_before": meta.get("loss_before", float("nan")),
                 "loss_after": meta.get("loss_after", float("nan")),
                 "figure": figure_html(loss_figure(cases)), "table": table(cases_shown)}),
        Section("loo", "Leave one out", "Leave one case out", "Each case scored by a fit made without it: the guard "
                "against overfitting four cases with several parameters.", {"verdict": overfitting_text(cases)}),
        Section("history", "History", "Search history", "Optuna's TPE sampler; trial 0 is the defaults.",
                {"figure": figure_html(history_figure(trials))}),
        Section("profiles", "Profiles", "Loss profiles", "Each parameter's value against the loss; the dotted line "
                "is the fitted value. A flat cloud means the cases say little about the parameter.",
                {"figure": figure_html(profile_figure(trials, fit, top_share))}),
    ]
    return render_page("calibration.html", "Calibration on the historical cases", sections, meta=meta,
                       cases=meta.get("cases", []), replicates=meta.get("replicates"))


def write_calibration_report(path: Path, fit: pd.DataFrame, cases: pd.DataFrame, trials: pd.DataFrame,
                             meta: dict) -> Path:
    """Render and write the report atomically."""
    text = render_calibration_report(fit, cases, trials, meta, float(meta.get("top_share", 0.2)))
    return write_text(Path(path), text)
