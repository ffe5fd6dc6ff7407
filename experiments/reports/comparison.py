"""The paired comparison's offline HTML report, rendered from the tables the comparison job computes:
what each arm changes, outcome shares per arm with Wilson intervals, the paired differences from the
baseline with bootstrap intervals, overlaid fan charts per arm and the comparison table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from experiments.io import write_text
from experiments.measures import MEASURES, outcome_label
from experiments.reports.colours import arm_colours, rgba
from experiments.reports.page import Section, figure_html, render_page, table
from experiments.reports.plotly_text import plotly_text
from sim.enums import Escalation, Outcome

# (title, daily column, y axis title, y axis settings): one overlaid panel per column, an arm a line
FAN_PANELS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("Rebel-held share of the district", "control_held", "share of cells", dict(range=[0, 1], tickformat=".0%")),
    ("Fighters evacuated (cumulative)", "fighters_evacuated", "fighters", {}),
    ("Civilians killed (cumulative)", "civilians_killed", "civilians", {}),
    ("Civilians displaced (cumulative)", "civilians_displaced", "civilians", {}),
    ("Escalation used by the besieger", "escalation_used", "level",
     dict(tickmode="array", tickvals=[int(e) for e in Escalation], ticktext=[e.name for e in Escalation],
          range=[-0.3, len(Escalation) - 0.7])),
    ("Expulsion demand on the table", "expulsion_fraction", "fraction of the fighters", dict(range=[0, 1])),
]
FAN_COLUMNS = tuple(col for _, col, _, _ in FAN_PANELS)
STEP_SERIES = frozenset({"escalation_used"})
DIFFERENCE_MEASURES = ("end_day", "civilians_killed", "civilians_displaced", "fighters_evacuated")


def _arms(comparison: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(comparison["arm"]))


def _shown_outcomes(comparison: pd.DataFrame) -> list[str]:
    """The outcome classes some arm reaches, in the fixed order (all six when none is reached)."""
    shares = comparison[comparison["statistic"] == "share"]
    reached = set(shares.loc[shares["value"] > 0, "quantity"].str.removeprefix("p_"))
    return [o.value for o in Outcome if o.value in reached] or [o.value for o in Outcome]


def _outcome_figure(comparison: pd.DataFrame, colours: dict[str, str], outcomes: list[str]) -> go.Figure:
    fig = go.Figure()
    shares = comparison[comparison["statistic"] == "share"]
    for arm in _arms(comparison):
        rows = shares[shares["arm"] == arm].set_index("quantity").reindex([f"p_{o}" for o in outcomes])
        p = rows["value"].fillna(0.0)
        fig.add_trace(go.Bar(
            name=plotly_text(arm), x=[outcome_label(o) for o in outcomes], y=p, marker_color=colours[arm],
            error_y=dict(type="data", symmetric=False, array=rows["hi"] - p, arrayminus=p - rows["lo"],
                         color="#333", thickness=1.2, width=4),
            customdata=np.column_stack([rows["lo"], rows["hi"]]),
            hovertemplate=f"{plotly_text(arm)}<br>%{{x}}: %{{y:.1%}}"
                          "<br>95% Wilson interval %{customdata[0]:.1%} to %{customdata[1]:.1%}<extra></extra>"))
    fig.update_layout(barmode="group", height=400, template="plotly_white", margin=dict(l=60, r=20, t=50, b=60),
                      yaxis=dict(title="share of replicates", range=[0, 1.05], tickformat=".0%"),
                      xaxis=dict(type="category"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0,
                                  title=dict(text="arm ")))
    return fig


def _difference_figure(comparison: pd.DataFrame, colours: dict[str, str], outcomes: list[str],
                       baseline: str) -> go.Figure:
    fig = go.Figure()
    shares = comparison[(comparison["statistic"] == "share") & ~comparison["is_baseline"]]
    x = [outcome_label(o) for o in outcomes]
    for arm in [a for a in _arms(comparison) if a != baseline]:
        rows = shares[shares["arm"] == arm].set_index("quantity").reindex([f"p_{o}" for o in outcomes])
        d = 100 * rows["difference"]
        fig.add_trace(go.Scatter(
            name=plotly_text(arm), x=x, y=d, mode="markers", marker=dict(color=colours[arm], size=11, symbol="diamond"),
            error_y=dict(type="data", symmetric=False, array=100 * rows["difference_hi"] - d,
                         arrayminus=d - 100 * rows["difference_lo"], color=colours[arm], thickness=2, width=6),
            customdata=np.column_stack([100 * rows["difference_lo"], 100 * rows["difference_hi"]]),
            hovertemplate=f"{plotly_text(arm)} minus {plotly_text(baseline)}<br>%{{x}}: %{{y:+.1f}} points"
                          "<br>95% interval %{customdata[0]:+.1f} to %{customdata[1]:+.1f}<extra></extra>"))
    fig.add_hline(y=0, line=dict(color="#888", width=1))
    fig.update_layout(height=380, template="plotly_white", margin=dict(l=70, r=20, t=50, b=60),
                      scattermode="group", xaxis=dict(type="category"),
                      yaxis=dict(title=f"difference from {plotly_text(baseline)}<br>(percentage points)",
                                 zeroline=False),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0,
                                  title=dict(text="arm ")))
    return fig


def _measure_figure(comparison: pd.DataFrame, colours: dict[str, str], measure: str, baseline: str) -> go.Figure:
    rows = comparison[(comparison["quantity"] == measure) & ~comparison["is_baseline"]]
    known = MEASURES.get(measure)
    label = known.title if known else measure.replace("_", " ")
    unit = known.unit if known else ""
    fig = go.Figure(go.Scatter(
        x=[plotly_text(a) for a in rows["arm"]], y=rows["difference"], mode="markers",
        marker=dict(color=[colours[a] for a in rows["arm"]], size=11, symbol="diamond"),
        error_y=dict(type="data", symmetric=False, array=rows["difference_hi"] - rows["difference"],
                     arrayminus=rows["difference"] - rows["difference_lo"], color="#333", thickness=1.5, width=6),
        customdata=np.column_stack([rows["difference_lo"], rows["difference_hi"]]),
        hovertemplate="%{x}: %{y:+,.1f}<br>95% interval %{customdata[0]:+,.1f} to %{customdata[1]:+,.1f}"
                      "<extra></extra>", showlegend=False))
    fig.add_hline(y=0, line=dict(color="#888", width=1))
    fig.update_layout(title=dict(text=plotly_text(label), x=0.01, font=dict(size=14)), height=300,
                      template="plotly_white", margin=dict(l=70, r=15, t=45, b=45),
                      xaxis=dict(type="category", range=[-0.5, len(rows) - 0.5]),
                      yaxis=dict(title=f"mean paired difference ({unit})" if unit else "mean paired difference",
                                 zeroline=False))
    return fig


def _fan_figure(title: str, column: str, y_title: str, yaxis: dict[str, Any], fans: dict[str, dict[str, pd.DataFrame]],
                colours: dict[str, str]) -> go.Figure:
    fig = go.Figure()
    shape = "hv" if column in STEP_SERIES else "linear"
    for arm, arm_fans in fans.items():
        frame = arm_fans.get(column)
        if frame is None or frame.empty:
            continue
        lo_q, mid_q, hi_q = frame.columns
        x = frame.index.to_numpy()
        name = plotly_text(arm)
        fig.add_trace(go.Scatter(x=x, y=frame[hi_q], mode="lines", line=dict(width=0, shape=shape), legendgroup=arm,
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=frame[lo_q], mode="lines", line=dict(width=0, shape=shape), fill="tonexty",
                                 fillcolor=rgba(colours[arm], 0.15), legendgroup=arm, showlegend=False,
                                 hoverinfo="skip"))
        fmt = ".2f" if frame[mid_q].abs().max() <= 1.0 else ",.0f"
        fig.add_trace(go.Scatter(x=x, y=frame[mid_q], mode="lines", name=name, legendgroup=arm,
                                 line=dict(color=colours[arm], width=2, shape=shape),
                                 customdata=np.column_stack([frame[lo_q], frame[hi_q]]),
                                 hovertemplate=f"{name}: median %{{y:{fmt}}} (10-90%: %{{customdata[0]:{fmt}}} to "
                                               f"%{{customdata[1]:{fmt}}})<extra></extra>"))
    # the legend sits under the plot: at the top right, the toolbar that appears on hover would cover it
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=15)), height=370, template="plotly_white",
                      margin=dict(l=60, r=15, t=45, b=95), hovermode="x unified",
                      legend=dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0.0, font=dict(size=11)),
                      xaxis=dict(title="day"), yaxis=dict(title=y_title, **yaxis))
    return fig


def _table_view(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison table as people read it: shares in percent, differences in points."""
    share = comparison["statistic"] == "share"

    def fmt(v: float, pct: bool, signed: bool = False) -> str:
        if pd.isna(v):
            return ""
        if pct:
            return f"{100 * v:+.1f}" if signed else f"{v:.1%}"
        return f"{v:+,.1f}" if signed else f"{v:,.1f}"

    rows = []
    for r, is_share in zip(comparison.itertuples(), share):
        measure = MEASURES.get(r.quantity)
        quantity = (outcome_label(r.quantity.removeprefix("p_")) if is_share
                    else measure.label_with_unit if measure else r.quantity)
        rows.append({
            "arm": r.arm, "quantity": quantity, "statistic": "share" if is_share else "median",
            "value": fmt(r.value, is_share), "95% interval": f"{fmt(r.lo, is_share)} – {fmt(r.hi, is_share)}",
            "paired difference (points for shares)": fmt(r.difference, is_share, True),
            "95% interval of the difference": "" if pd.isna(r.difference) else
            f"{fmt(r.difference_lo, is_share, True)} to {fmt(r.difference_hi, is_share, True)}",
        })
    return pd.DataFrame(rows)


@dataclass
class ComparisonFigures:
    """The comparison's figures, for the report and the explorer: outcome shares per arm, the paired
    differences of the shares and of each measure, and one overlaid fan chart per FAN_PANELS entry."""

    outcomes: go.Figure
    differences: go.Figure
    measures: list[go.Figure]
    fans: list[go.Figure]


def comparison_figures(comparison: pd.DataFrame, fans: dict[str, dict[str, pd.DataFrame]],
                       baseline: str) -> ComparisonFigures:
    """Every figure of a comparison, each arm in its colour (the baseline grey)."""
    colours = arm_colours(_arms(comparison), baseline)
    outcomes = _shown_outcomes(comparison)
    return ComparisonFigures(
        outcomes=_outcome_figure(comparison, colours, outcomes),
        differences=_difference_figure(comparison, colours, outcomes, baseline),
        measures=[_measure_figure(comparison, colours, m, baseline) for m in DIFFERENCE_MEASURES
                  if m in set(comparison["quantity"])],
        fans=[_fan_figure(t, c, y, ya, fans, colours) for t, c, y, ya in FAN_PANELS])


def render_comparison_report(comparison: pd.DataFrame, fans: dict[str, dict[str, pd.DataFrame]],
                             arms: pd.DataFrame, meta: dict, replicates: int, baseline: str) -> str:
    """The report as one HTML string; `comparison` is the job's tidy table, `fans` per arm the 10-50-90%
    quantiles of each FAN_COLUMNS column by day, `arms` one row per arm and override."""
    names = _arms(comparison)
    figures = comparison_figures(comparison, fans, baseline)
    sections = [
        Section("arms", "Arms", "What each arm changes",
                f"The baseline is the scenario as configured; every other arm changes only the parameters listed. "
                f"Each arm ran the same {replicates} replicates on the same root seed, so replicate r of an arm "
                "differs from replicate r of the baseline only by the arm's changes (common random numbers): "
                "the differences below are paired replicate by replicate.",
                {"table": table(arms, "data compact")}),
        Section("outcomes", "Outcomes", "Outcome probabilities per arm",
                "Each bar is the share of an arm's replicates that ended in that class, with its 95% Wilson "
                "interval. Classes no arm reached are left out.",
                {"figure": figure_html(figures.outcomes)}),
        Section("differences", "Differences", f"Paired differences from {baseline}",
                "The change in each outcome's share (percentage points), with the 95% Bonett-Price interval for "
                "paired proportions, and in the mean of duration and harm over the replicate pairs, with a 95% "
                "percentile bootstrap interval over the pairs. "
                "An interval that excludes zero is a difference these replicates resolve; one that spans zero "
                "is not, and more replicates would narrow it.",
                {"figure": figure_html(figures.differences), "figures": [figure_html(f) for f in figures.measures]}),
        Section("over-time", "Over time", "Over time, arm by arm",
                "The median across each arm's replicates and its 10th to 90th percentile band, day by day; "
                "a finished run's last day is carried forward, so late days show where runs ended.",
                {"figures": [figure_html(f) for f in figures.fans]}),
        Section("table", "Table", "The comparison table",
                "Every arm and quantity: the share (outcomes) or median (duration and harm) with its 95% interval, "
                "and the paired mean difference from the baseline with its interval (comparison.csv holds the "
                "unrounded values).",
                {"table": table(_table_view(comparison), "data compact")}),
    ]
    return render_page("comparison.html", f"Paired comparison — {meta.get('scenario', '')}", sections, meta=meta,
                       framed=True, replicates=replicates, arms=names, baseline=baseline)


def write_comparison_report(path: Path, comparison: pd.DataFrame, fans: dict[str, dict[str, pd.DataFrame]],
                            arms: pd.DataFrame, meta: dict, replicates: int, baseline: str) -> Path:
    """Render the report and write it atomically."""
    return write_text(Path(path), render_comparison_report(comparison, fans, arms, meta, replicates, baseline))
