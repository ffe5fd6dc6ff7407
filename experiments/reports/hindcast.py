"""The hindcast report: one offline HTML page with, per case, the predicted outcome distribution
against the recorded class, the recorded figures against the predicted 10-90% ranges, the scores,
and a plain list of where the model misses."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.evaluation.scoring import brier_score
from experiments.io import atomic_write
from experiments.measures import CASE_FIGURES as MEASURES
from experiments.measures import MEASURES as MEASURE_REGISTRY
from experiments.reports.scenario import (
    OUTCOME_COLOURS,
    OUTCOMES,
    _esc,
    _figure_html,
    _meta_table,
    _section,
    _table,
    page,
)

if TYPE_CHECKING:
    from experiments.evaluation.hindcast import CaseResult


def scores_table(results: list[CaseResult]) -> pd.DataFrame:
    """One row per case: recorded class, the probability given to it with its interval, the most
    likely class, Brier score, and how many recorded figures fall inside the 10-90% range."""
    rows = []
    for r in results:
        probs = r.probabilities
        modal = r.modal
        rec = r.outcomes.set_index("outcome").loc[r.recorded] if r.recorded else None
        inside = [c for c in r.checks if c.inside is not None]
        rows.append({
            "case": r.case.id, "recorded class": r.recorded.replace("_", " ") or "not recorded",
            "p(recorded)": f"{rec['probability']:.0%} [{rec['ci_low']:.0%}, {rec['ci_high']:.0%}]" if rec is not None else "",
            "most likely (model)": f"{modal.replace('_', ' ')} ({probs[modal]:.0%})",
            "Brier": round(brier_score(probs, r.recorded), 3) if r.recorded else None,
            "figures inside 10-90%": f"{sum(bool(c.inside) for c in inside)}/{len(inside)}",
            "verdict": "hit" if r.recorded and modal == r.recorded else ("miss" if r.recorded else ""),
        })
    return pd.DataFrame(rows)


def outcome_figure(results: list[CaseResult]) -> go.Figure:
    """Stacked outcome probabilities per case; the recorded class is outlined and annotated."""
    cases = [r.case.id for r in results]
    fig = go.Figure()
    for outcome in OUTCOMES:
        probs = [r.probabilities.get(outcome, 0.0) for r in results]
        lo = [p - r.outcomes.set_index("outcome").loc[outcome, "ci_low"] for p, r in zip(probs, results)]
        hi = [r.outcomes.set_index("outcome").loc[outcome, "ci_high"] - p for p, r in zip(probs, results)]
        fig.add_bar(name=outcome.replace("_", " "), y=cases, x=probs, orientation="h",
                    marker=dict(color=OUTCOME_COLOURS[outcome],
                                line=dict(width=[3 if r.recorded == outcome else 0 for r in results], color="#111")),
                    customdata=list(zip(lo, hi)),
                    hovertemplate="%{y}: " + outcome.replace("_", " ") + " %{x:.1%}<extra></extra>")
    for r in results:
        if r.recorded:
            fig.add_annotation(x=1.01, y=r.case.id, xref="paper", text="recorded: " + r.recorded.replace("_", " "),
                               showarrow=False, xanchor="left", font=dict(size=12))
    fig.update_layout(barmode="stack", height=120 + 70 * len(results), margin=dict(l=10, r=260, t=40, b=40),
                      xaxis=dict(title="predicted probability", tickformat=".0%", range=[0, 1]),
                      legend=dict(orientation="h", y=-0.25), title="Predicted outcome classes (recorded class outlined)")
    return fig


def figures_figure(results: list[CaseResult]) -> go.Figure:
    """Per recorded figure: predicted median with its 10-90% range, and the recorded value or range."""
    fig = make_subplots(rows=1, cols=len(MEASURES), subplot_titles=[MEASURE_REGISTRY[m].label_with_unit for m in MEASURES],
                        horizontal_spacing=0.08)
    cases = [r.case.id for r in results]
    for col, measure in enumerate(MEASURES, start=1):
        checks = [next(c for c in r.checks if c.measure == measure) for r in results]
        fig.add_scatter(row=1, col=col, x=[c.median for c in checks], y=cases, mode="markers", name="predicted",
                        legendgroup="predicted", showlegend=col == 1, marker=dict(color="#2a7ab0", size=9),
                        error_x=dict(type="data", symmetric=False, array=[c.p90 - c.median for c in checks],
                                     arrayminus=[c.median - c.p10 for c in checks], thickness=2, width=6),
                        hovertemplate="%{y}: median %{x:,.3g}<extra>predicted 10-90%</extra>")
        rec = [(r.case.id, c) for r, c in zip(results, checks) if c.recorded_low is not None or c.recorded_high is not None]
        for case_id, c in rec:
            low = c.recorded_low if c.recorded_low is not None else c.recorded_high
            high = c.recorded_high if c.recorded_high is not None else low
            fig.add_scatter(row=1, col=col, x=[low, high], y=[case_id, case_id], mode="lines+markers",
                            name="recorded", legendgroup="recorded", showlegend=False,
                            line=dict(color="#c0392b", width=4), marker=dict(symbol="diamond", size=11, color="#c0392b"),
                            hovertemplate=f"{case_id}: recorded %{{x:,.3g}}"
                                          + (" (at least)" if c.recorded_high is None else "") + "<extra></extra>")
        if measure.endswith("share"):
            fig.update_xaxes(row=1, col=col, tickformat=".0%")
        if measure in ("civilian_deaths", "siege_length_days"):
            fig.update_xaxes(row=1, col=col, type="log")
    fig.add_scatter(x=[None], y=[None], mode="markers", name="recorded (value or range)",
                    marker=dict(symbol="diamond", size=11, color="#c0392b"))
    fig.update_yaxes(categoryorder="array", categoryarray=cases[::-1])
    for col in range(2, len(MEASURES) + 1):
        fig.update_yaxes(showticklabels=False, row=1, col=col)
    fig.update_layout(height=160 + 60 * len(results), margin=dict(l=10, r=10, t=60, b=40),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def render_hindcast_report(results: list[CaseResult], scores: dict, meta: dict) -> str:
    """The report as one HTML string."""
    misses = [m for r in results for m in r.misses]
    miss_html = ("<ul>" + "".join(f"<li>{_esc(m)}</li>" for m in misses) + "</ul>") if misses else \
        "<p>No misses: every recorded class is the model's most likely and every recorded figure is inside its range.</p>"
    summary = (f"Mean probability given to the recorded class: <b>{scores['mean_p_recorded']:.2f}</b>; "
               f"mean Brier score <b>{scores['mean_brier']:.2f}</b> (0 is perfect; equal odds on the six classes "
               f"score {scores['uniform_brier']:.2f}); the recorded class is the most likely one in "
               f"<b>{scores['modal_class_hits']}/{scores['cases_scored']}</b> cases; recorded figures inside the "
               f"predicted 10-90% range: <b>{scores['figures_inside']}/{scores['figures_recorded']}</b>.")
    sections = [
        _section("Scores", "Each case is simulated from its facts alone, with the behavioural parameters shared "
                 "by all cases. p(recorded) is the share of replicates ending in the recorded class, with its 95% "
                 "Wilson interval. The Brier score sums the squared errors over the six classes.",
                 f"<p>{summary}</p>" + _table(scores_table(results), "data"), "scores"),
        _section("Where the model misses", "Stated plainly: recorded classes the model does not make most "
                 "likely, and recorded figures outside the predicted 10-90% range.", miss_html, "misses"),
        _section("Outcome classes", "Stacked predicted probabilities per case; the recorded class has a "
                 "black outline.", _figure_html(outcome_figure(results)), "outcomes"),
        _section("Recorded figures", "Blue: the predicted median and 10-90% range across replicates. Red: "
                 "the recorded value or range (a lone diamond with no upper end means 'at least'). Siege length "
                 "counts the days of siege before the model starts. Replicates that reach the horizon cut "
                 "durations short.", _figure_html(figures_figure(results)), "figures"),
    ]
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (("scores", "Scores"), ("misses", "Misses"),
                                                          ("outcomes", "Outcomes"), ("figures", "Figures")))
    title = "Hindcast of the historical cases"
    shown = {k: v for k, v in meta.items() if k not in ("scores", "case_files")}
    header = (f"<header><h1>{_esc(title)}</h1><p class=\"lead\">{meta.get('replicates')} replicates per case, "
              f"{len(results)} cases.</p>{_meta_table(shown)}<nav>{nav}</nav></header>")
    return page(title, header, sections)


def write_hindcast_report(path: Path, results: list[CaseResult], scores: dict, meta: dict) -> Path:
    """Render and write the report atomically."""
    text = render_hindcast_report(results, scores, meta)
    atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return Path(path)
