"""The Bayesian calibration report: each parameter's posterior against its uniform prior, the
pairwise posteriors, and the run's diagnostics (tolerance, acceptance rate and effective sample size
per population). One offline HTML page."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.io import write_text
from experiments.reports.page import Section, figure_html, render_page, table
from experiments.reports.plotly_text import plotly_text

POSTERIOR_COLOUR, PRIOR_COLOUR, PLANTED_COLOUR = "#2a7ab0", "#b8c2cc", "#c0392b"
BINS = 20


def marginals_figure(summary: pd.DataFrame, posterior: pd.DataFrame) -> go.Figure:
    """Per parameter: the posterior's weight in each of BINS equal bins of the prior's range, over the
    prior's (1/BINS in every bin)."""
    params = list(summary["parameter"])
    columns = min(3, len(params))
    rows = math.ceil(len(params) / columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[plotly_text(p) for p in params],
                        vertical_spacing=0.22 if rows > 1 else 0.1)
    for i, r in enumerate(summary.itertuples()):
        row, col = divmod(i, columns)
        edges = np.linspace(r.prior_low, r.prior_high, BINS + 1)
        weight, _ = np.histogram(posterior[r.parameter], bins=edges, weights=posterior["weight"])
        centres = (edges[:-1] + edges[1:]) / 2
        fig.add_bar(row=row + 1, col=col + 1, x=centres, y=weight / max(weight.sum(), 1e-12), width=np.diff(edges),
                    name="posterior", legendgroup="posterior", showlegend=i == 0, marker_color=POSTERIOR_COLOUR)
        flat = 1.0 / BINS
        fig.add_scatter(row=row + 1, col=col + 1, x=[r.prior_low, r.prior_high], y=[flat, flat], mode="lines",
                        name="prior (uniform)", legendgroup="prior", showlegend=i == 0,
                        line=dict(color=PRIOR_COLOUR, width=3))
        if not math.isnan(r.planted):
            fig.add_vline(x=r.planted, row=row + 1, col=col + 1, line=dict(color=PLANTED_COLOUR, dash="dot"))
    height = 280 * rows + 100
    fig.update_layout(height=height, bargap=0, margin=dict(l=10, r=10, t=70, b=60),
                      legend=dict(orientation="h", y=-60 / height), yaxis_title="weight in the bin")
    fig.update_yaxes(tickformat=".0%")
    return fig


def pairs_figure(summary: pd.DataFrame, posterior: pd.DataFrame) -> go.Figure:
    """Every pair of parameters (the lower triangle): the posterior particles, sized by weight, on the
    prior's box; axes titled by the parameter's own name, its section in the hover."""
    params = list(summary["parameter"])
    n = len(params) - 1
    fig = make_subplots(rows=n, cols=n, horizontal_spacing=0.03, vertical_spacing=0.03)
    size = 4 + 14 * posterior["weight"] / max(posterior["weight"].max(), 1e-12)
    bounds = summary.set_index("parameter")[["prior_low", "prior_high"]]
    for i, y in enumerate(params[1:]):
        for j, x in enumerate(params[:i + 1]):
            fig.add_scatter(row=i + 1, col=j + 1, x=posterior[x], y=posterior[y], mode="markers",
                            marker=dict(size=size, color=POSTERIOR_COLOUR, opacity=0.6), showlegend=False,
                            hovertemplate=f"{plotly_text(x)} %{{x:.4g}}<br>{plotly_text(y)} %{{y:.4g}}<extra></extra>")
            fig.update_xaxes(range=list(bounds.loc[x]), row=i + 1, col=j + 1, showticklabels=i == n - 1,
                             title_text=plotly_text(x.rsplit(".", 1)[-1]) if i == n - 1 else None)
            fig.update_yaxes(range=list(bounds.loc[y]), row=i + 1, col=j + 1, showticklabels=j == 0,
                             title_text=plotly_text(y.rsplit(".", 1)[-1]) if j == 0 else None)
    side = max(360, 190 * n)
    fig.update_layout(height=side, margin=dict(l=10, r=10, t=20, b=10))
    return fig


def diagnostics_figure(diagnostics: pd.DataFrame) -> go.Figure:
    """Tolerance and acceptance rate per population."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["tolerance (mean case loss)", "acceptance rate"])
    fig.add_scatter(row=1, col=1, x=diagnostics["t"], y=diagnostics["epsilon"], mode="lines+markers",
                    name="tolerance", line=dict(color=POSTERIOR_COLOUR))
    fig.add_scatter(row=1, col=2, x=diagnostics["t"], y=diagnostics["acceptance_rate"], mode="lines+markers",
                    name="acceptance", line=dict(color=PLANTED_COLOUR))
    fig.update_xaxes(title_text="population", dtick=1)
    fig.update_yaxes(tickformat=".0%", row=1, col=2)
    fig.update_layout(height=340, showlegend=False, margin=dict(l=10, r=10, t=70, b=40))
    return fig


def scores_figure(means: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Mean Brier, log score and RPS over the cases, per forecast (lower is better)."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=["Brier score", "log score", "ranked probability score"])
    colours = ["#8c8c8c", "#2a7ab0", "#e08e0b", "#b8c2cc"]
    for k, r in enumerate(means.itertuples()):
        label = labels.get(r.forecast, r.forecast)
        for col, score in enumerate(("brier", "log_score", "rps")):
            fig.add_bar(row=1, col=col + 1, x=[label], y=[getattr(r, score)], name=label, legendgroup=label,
                        showlegend=col == 0, marker_color=colours[k % len(colours)])
    fig.update_xaxes(showticklabels=False)
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=70, b=10), legend=dict(orientation="h", y=-0.08))
    return fig


def render_abc_report(summary: pd.DataFrame, populations: pd.DataFrame, diagnostics: pd.DataFrame,
                      meta: dict, scores: pd.DataFrame | None = None, means: pd.DataFrame | None = None,
                      labels: dict[str, str] | None = None) -> str:
    """The report as one HTML string; `scores` (one row per case and forecast) and their `means` add
    the leave-one-case-out comparison, `labels` names the forecasts."""
    posterior = populations[populations["t"] == populations["t"].max()]
    sections = [
        Section("posterior", "Posterior", "Posterior against prior", "Weighted 5%, 50% and 95% quantiles of the "
                "last population; 'interval share of prior' is the 5-95% width over the prior's: near 90% means the "
                "cases say little about the parameter. A planted value (a check on simulated records) is the value "
                "the records were simulated at.", {"table": table(summary, digits=4),
                                                    "figure": figure_html(marginals_figure(summary, posterior))}),
        Section("pairs", "Pairs", "Pairwise posteriors", "Each dot is a particle of the last population, sized by "
                "its weight, on the prior's box: a ridge means two assumptions trade off against each other."
                + ("" if len(summary) > 1 else " With one parameter calibrated there are no pairs."),
                {"figure": figure_html(pairs_figure(summary, posterior))} if len(summary) > 1 else {}),
        Section("diagnostics", "Diagnostics", "Populations", "The tolerance each population met (the median "
                "distance of the one before, pyabc's adaptive quantile), the simulations it took, the share "
                "accepted and the effective sample size of its weights.",
                {"table": table(diagnostics, digits=3), "figure": figure_html(diagnostics_figure(diagnostics))}),
    ]
    if scores is not None and len(scores):
        labels = labels or {}
        shown = means.assign(forecast=[labels.get(f, f) for f in means["forecast"]])
        sections.insert(1, Section(
            "scores", "Scores", "Forecasts scored, each case left out in turn", "Every case forecast four ways on a "
            "seed no fit used: with the fixed defaults, from the posterior fitted on every case (in sample), from a "
            "posterior fitted without it (the honest test), and by the other cases' climatology. Brier, log score "
            "(floored at half a replicate) and ranked probability score of the outcome class, CRPS of each "
            "recorded figure in its unit: lower is better; the mean over the cases first, then every case.",
            {"table": table(shown, digits=3), "figure": figure_html(scores_figure(means, labels)),
             "cases": table(scores.assign(forecast=[labels.get(f, f) for f in scores["forecast"]]), digits=3)}))
    planted = meta.get("planted")
    records = "simulated at planted values" if isinstance(planted, dict) and planted else "the case files"
    return render_page("abc.html", "Bayesian calibration (ABC-SMC)", sections, meta=meta,
                       cases=meta.get("cases", []), replicates=meta.get("replicates"),
                       populations=len(diagnostics), records=records)


def write_abc_report(path: Path, summary: pd.DataFrame, populations: pd.DataFrame, diagnostics: pd.DataFrame,
                     meta: dict, scores: pd.DataFrame | None = None, means: pd.DataFrame | None = None,
                     labels: dict[str, str] | None = None) -> Path:
    """Render and write the report atomically."""
    return write_text(Path(path), render_abc_report(summary, populations, diagnostics, meta, scores, means, labels))
