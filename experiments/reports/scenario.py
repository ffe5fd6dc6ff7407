"""One self-contained, offline HTML report of a scenario's replicates.

The page embeds plotly.js once, inline in <head> (no CDN, no <script src>), so it opens anywhere
without a network. Sections, in order: outcome probabilities with Wilson intervals, fan charts over
time, the animated district of a representative ("showcase") replicate, that replicate's
negotiation timeline, and the parameter table with provenance.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from experiments.analysis.summary import outcome_table
from experiments.io import atomic_write
from sim.enums import Control, Escalation, EventKind, Outcome

OUTCOMES: list[str] = [o.value for o in Outcome]
OUTCOME_COLOURS = {
    Outcome.SETTLEMENT_LOCAL_STAY.value: "#4c9a2a",
    Outcome.PARTIAL_EVACUATION.value: "#2a7ab0",
    Outcome.FULL_EVACUATION.value: "#7b4fa3",
    Outcome.MILITARY_TAKEOVER.value: "#c0392b",
    Outcome.STALEMATE.value: "#8c8c8c",
    Outcome.SIEGE_BROKEN.value: "#e08e0b",
}
CONTROL_COLOURS = {Control.REBEL: "#2e8b57", Control.CONTESTED: "#f2c14e", Control.BESIEGER: "#b03a2e"}
ESCALATION_NAMES = [e.name for e in Escalation]
FAN_QUANTILES = (0.1, 0.5, 0.9)
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


# ---------------------------------------------------------------------------------------- data
@dataclass
class Showcase:
    """The representative replicate drawn as a map and a negotiation timeline."""

    replicate: int
    daily: pd.DataFrame       # that replicate's daily rows
    events: pd.DataFrame      # that replicate's events
    grid: list[dict[str, np.ndarray]]   # per day: control, damage, civilians; flat, row-major
    width: int
    height: int
    evacuation_cell: int


def choose_showcase(runs: pd.DataFrame) -> int:
    """The representative replicate: in the modal outcome class (ties: the class first in Outcome
    order), the run whose end day is closest to that class's median (ties: the lowest replicate)."""
    counts = runs["outcome"].value_counts()
    top = counts.max()
    modal = next(o for o in OUTCOMES if counts.get(o, 0) == top) if top > 0 else runs["outcome"].iloc[0]
    members = runs[runs["outcome"] == modal]
    distance = (members["end_day"] - members["end_day"].median()).abs()
    best = members.assign(distance=distance).sort_values(["distance", "replicate"])
    return int(best["replicate"].iloc[0])


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any, digits: int = 3) -> str:
    """A cell's text: numbers rounded, dicts as 'key value' pairs, missing values blank; escaped."""
    if isinstance(value, dict):
        return ", ".join(f"{_esc(k)} {_esc(v)}" for k, v in value.items())
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return _esc(f"{value:,.{digits}g}" if abs(value) >= 1e4 or value != round(value, digits)
                    else f"{value:g}")
    if isinstance(value, (int, np.integer)):
        return _esc(f"{value:,}" if abs(value) >= 1e4 else f"{value}")
    return _esc(value)


def _table(frame: pd.DataFrame, css_class: str, row_classes: Sequence[str] | None = None, digits: int = 3) -> str:
    """An HTML table of a DataFrame, every cell escaped."""
    head = "".join(f"<th>{_esc(str(c).replace('_', ' '))}</th>" for c in frame.columns)
    rows = []
    for i, record in enumerate(frame.itertuples(index=False)):
        cls = f' class="{_esc(row_classes[i])}"' if row_classes is not None and row_classes[i] else ""
        rows.append(f"<tr{cls}>" + "".join(f"<td>{_fmt(v, digits)}</td>" for v in record) + "</tr>")
    return f'<table class="{_esc(css_class)}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _section(title: str, explanation: str, body: str, anchor: str) -> str:
    return (f'<section id="{_esc(anchor)}"><h2>{_esc(title)}</h2><p class="explain">{_esc(explanation)}</p>'
            f"{body}</section>")


def _figure_html(fig: go.Figure) -> str:
    """A figure's div and script, without plotly.js (embedded once in <head>) and without auto-play."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, auto_play=False)


def _label(outcome: str) -> str:
    return outcome.replace("_", " ")


# ---------------------------------------------------------------------------------------- 1. outcomes
def outcome_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Count, share, Wilson interval and median end day per outcome class, all six in enum order."""
    return outcome_table(runs).rename(columns={"ci_low": "lo", "ci_high": "hi"})


def _outcome_section(runs: pd.DataFrame) -> str:
    summary = outcome_summary(runs)
    n = len(runs)
    p = summary["probability"].fillna(0.0)
    fig = go.Figure(go.Bar(
        x=summary["outcome"], y=p,
        marker_color=[OUTCOME_COLOURS[o] for o in summary["outcome"]],
        error_y=dict(type="data", symmetric=False, array=summary["hi"] - p, arrayminus=p - summary["lo"],
                     color="#333", thickness=1.5, width=6),
        customdata=np.column_stack([summary["count"], summary["lo"], summary["hi"]]),
        hovertemplate="%{x}<br>share %{y:.1%} (%{customdata[0]} runs)"
                      "<br>95% Wilson interval %{customdata[1]:.1%} to %{customdata[2]:.1%}<extra></extra>",
    ))
    for name, share, k, hi in zip(summary["outcome"], p, summary["count"], summary["hi"]):
        fig.add_annotation(x=name, y=hi, text=f"<b>{share:.0%}</b> ({k})", showarrow=False, yshift=12,
                           font=dict(size=12))
    fig.update_layout(
        height=380, margin=dict(l=60, r=20, t=30, b=90), template="plotly_white", showlegend=False,
        yaxis=dict(title="share of replicates", range=[0, 1.12], tickformat=".0%"),
        xaxis=dict(tickmode="array", tickvals=summary["outcome"],
                   ticktext=[_label(o).replace(" ", "<br>", 1) for o in summary["outcome"]]),
    )
    table = pd.DataFrame({
        "outcome class": summary["outcome"],
        "count": summary["count"],
        "probability": [f"{v:.1%}" if not math.isnan(v) else "" for v in summary["probability"]],
        "95% Wilson interval": [f"{lo:.1%} – {hi:.1%}" for lo, hi in zip(summary["lo"], summary["hi"])],
        "median end day": summary["median_end_day"],
    })
    unclassified = n - int(summary["count"].sum())
    note = (f'<p class="note">{unclassified} replicate(s) ended without a recognised outcome class and are '
            f"counted in the denominator only.</p>" if unclassified else "")
    explanation = (f"Each bar is the share of the {n} replicates that ended in that class; the whiskers are "
                   "95% Wilson score intervals, i.e. how far the share could move with a different set of "
                   "random seeds. Classes with no runs are shown as empty bars.")
    return _section("Outcome probabilities", explanation,
                    f'<div class="row"><div class="wide">{_figure_html(fig)}</div>'
                    f'<div class="side">{_table(table, "data compact")}{note}</div></div>', "outcomes")


# ---------------------------------------------------------------------------------------- 2. fan charts
FAN_PANELS: list[tuple[str, str, list[tuple[str, str, str]], dict[str, Any]]] = [
    ("Control of the district", "share of cells",
     [("control_held", "rebel-held (rebel + contested)", "#2e8b57"),
      ("control_besieger", "besieger", "#b03a2e")],
     dict(range=[0, 1], tickformat=".0%")),
    ("Fighters by status", "fighters",
     [("fighters_active", "active", "#2a7ab0"), ("fighters_wounded", "wounded", "#e08e0b"),
      ("fighters_killed", "killed", "#c0392b"), ("fighters_evacuated", "evacuated", "#7b4fa3"),
      ("fighters_settled", "settled", "#4c9a2a")], {}),
    ("Civilians killed and injured (cumulative)", "civilians",
     [("civilians_killed", "killed", "#c0392b"), ("civilians_injured", "injured", "#e08e0b")], {}),
    ("Civilians displaced (cumulative)", "civilians",
     [("civilians_displaced", "displaced", "#2a7ab0")], {}),
    ("Escalation", "level",
     [("escalation_used", "level used by the besieger", "#c0392b"),
      ("escalation_ceiling", "ceiling set by the mediator", "#5b3a8c")],
     dict(tickmode="array", tickvals=list(range(len(ESCALATION_NAMES))), ticktext=ESCALATION_NAMES,
          range=[-0.3, len(ESCALATION_NAMES) - 0.7])),
    ("Terms on the table", "fraction",
     [("expulsion_fraction", "expulsion fraction demanded", "#b03a2e"),
      ("credibility", "mediator credibility", "#2a7ab0")], dict(range=[0, 1])),
]
STEP_SERIES = {"escalation_ceiling", "escalation_used"}
DASHED_SERIES = {"escalation_ceiling"}


def fan_quantiles(daily: pd.DataFrame, columns: Iterable[str],
                  quantiles: Sequence[float] = FAN_QUANTILES) -> dict[str, pd.DataFrame]:
    """Per column: a (day x quantile) frame across replicates, each replicate's last row carried
    forward to the largest end day. Vectorised: one pivot, one forward fill, one quantile per column."""
    columns = [c for c in columns if c in daily.columns]
    if daily.empty or not columns:
        return {}
    wide = (daily[["replicate", "day", *columns]]
            .drop_duplicates(["replicate", "day"], keep="last")
            .pivot(index="day", columns="replicate", values=columns)
            .astype(float))
    days = np.arange(int(daily["day"].min()), int(daily["day"].max()) + 1)
    wide = wide.reindex(days).ffill()
    out = {}
    for col in columns:
        block = wide[col].to_numpy()
        method = "nearest" if col in STEP_SERIES else "linear"
        q = np.nanquantile(block, quantiles, axis=1, method=method) if block.size else np.empty((len(quantiles), 0))
        out[col] = pd.DataFrame(q.T, index=days, columns=list(quantiles))
    return out


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _fan_figure(title: str, y_title: str, series: list[tuple[str, str, str]], yaxis: dict[str, Any],
                q: dict[str, pd.DataFrame]) -> go.Figure:
    fig = go.Figure()
    lo_q, mid_q, hi_q = FAN_QUANTILES
    for col, name, colour in series:
        if col not in q:
            continue
        frame = q[col]
        x = frame.index.to_numpy()
        shape = "hv" if col in STEP_SERIES else "linear"
        fig.add_trace(go.Scatter(x=x, y=frame[hi_q], mode="lines", line=dict(width=0, shape=shape),
                                 legendgroup=col, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=frame[lo_q], mode="lines", line=dict(width=0, shape=shape),
                                 fill="tonexty", fillcolor=_rgba(colour, 0.18), legendgroup=col,
                                 showlegend=False, hoverinfo="skip"))
        custom = np.column_stack([frame[lo_q], frame[hi_q]])
        fmt = ".2f" if frame[mid_q].abs().max() <= 1.0 else ",.0f"
        fig.add_trace(go.Scatter(x=x, y=frame[mid_q], mode="lines", name=name, legendgroup=col,
                                 line=dict(color=colour, width=2, shape=shape,
                                           dash="dash" if col in DASHED_SERIES else "solid"), customdata=custom,
                                 hovertemplate=f"{_esc(name)}<br>day %{{x}}: median %{{y:{fmt}}}"
                                               f"<br>10-90%: %{{customdata[0]:{fmt}}} to %{{customdata[1]:{fmt}}}"
                                               "<extra></extra>"))
    fig.update_layout(title=dict(text=_esc(title), x=0.01, font=dict(size=15)), height=330,
                      margin=dict(l=60, r=15, t=45, b=45), template="plotly_white", hovermode="x unified",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0,
                                  font=dict(size=11)),
                      xaxis=dict(title="day"), yaxis=dict(title=y_title, **yaxis))
    return fig


def _time_section(daily: pd.DataFrame) -> str:
    data = daily.copy() if not daily.empty else daily
    if {"control_rebel", "control_contested"} <= set(data.columns):
        data = data.assign(control_held=data["control_rebel"] + data["control_contested"])
    needed = [col for _, _, series, _ in FAN_PANELS for col, _, _ in series]
    q = fan_quantiles(data, needed)
    figures = [_figure_html(_fan_figure(t, y, s, ya, q)) for t, y, s, ya in FAN_PANELS]
    n = daily["replicate"].nunique() if "replicate" in daily.columns else 0
    last = int(daily["day"].max()) if not daily.empty else 0
    explanation = (f"The line is the median across the {n} replicates and the shaded band the 10th to 90th "
                   "percentile on each day. Runs end on different days, so each replicate's last recorded "
                   f"day is carried forward to day {last} before the percentiles are taken: late days show "
                   "where finished runs ended, not fighting that continued. Counts are cumulative.")
    grid = "".join(f'<div class="cell">{f}</div>' for f in figures)
    return _section("Over time", explanation, f'<div class="grid2">{grid}</div>', "over-time")


# ---------------------------------------------------------------------------------------- 3. district map
def _control_colourscale() -> list[list[Any]]:
    colours = [CONTROL_COLOURS[c] for c in Control]
    n = len(colours)
    scale = []
    for i, c in enumerate(colours):
        scale += [[i / n, c], [(i + 1) / n, c]]
    return scale


def _district_figure(showcase: Showcase, outcome: str) -> go.Figure:
    w, h = showcase.width, showcase.height
    days = showcase.daily["day"].astype(int).tolist() if "day" in showcase.daily.columns else []
    if len(days) != len(showcase.grid):
        days = list(range(len(showcase.grid)))
    civ_max = max((float(np.max(g["civilians"])) for g in showcase.grid), default=1.0) or 1.0
    # damage is a 0..1 share; a light siege never gets near 1, so the scale stops at the run's maximum
    # (rounded up to 0.05) and the panel title says so
    dmax = max((float(np.max(g["damage"])) for g in showcase.grid), default=1.0)
    dzmax = 1.0 if dmax > 0.5 else max(0.05, math.ceil(dmax * 20 - 1e-9) / 20)
    titles = ("Control", "Damage (0 = intact, 1 = destroyed)" if dzmax == 1.0
              else f"Damage (share destroyed; scale 0–{dzmax:.2f})", "Civilians present")
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.05)

    def layers(g: dict[str, np.ndarray]) -> list[np.ndarray]:
        return [np.asarray(g["control"]).reshape(h, w).astype(np.int8),
                np.round(np.asarray(g["damage"], dtype=float).reshape(h, w), 3),
                np.asarray(g["civilians"]).reshape(h, w)]

    domains = [(0.0, 0.3), (0.35, 0.65), (0.7, 1.0)]
    def colorbar(i: int, **kw: Any) -> dict[str, Any]:
        lo, hi = domains[i]
        return dict(orientation="h", x=(lo + hi) / 2, xanchor="center", y=-0.08, yanchor="top", len=hi - lo,
                    thickness=12, **kw)

    control_names = [c.name.lower() for c in Control]
    first = layers(showcase.grid[0]) if showcase.grid else [np.zeros((h, w))] * 3
    heat = [
        dict(colorscale=_control_colourscale(), zmin=-0.5, zmax=len(Control) - 0.5,
             colorbar=colorbar(0, tickvals=[int(c) for c in Control], ticktext=control_names),
             customdata=np.array(control_names, dtype=object)[first[0].astype(int)] if showcase.grid else None,
             hovertemplate="row %{y}, col %{x}: %{customdata}<extra></extra>"),
        dict(colorscale="OrRd", zmin=0.0, zmax=dzmax, colorbar=colorbar(1),
             hovertemplate="row %{y}, col %{x}: damage %{z:.2f}<extra></extra>"),
        dict(colorscale="Blues", zmin=0.0, zmax=civ_max, colorbar=colorbar(2),
             hovertemplate="row %{y}, col %{x}: %{z:,} civilians<extra></extra>"),
    ]
    for i, (z, style) in enumerate(zip(first, heat)):
        fig.add_trace(go.Heatmap(z=z, xgap=1, ygap=1, **style), row=1, col=i + 1)
    er, ec = divmod(int(showcase.evacuation_cell), max(w, 1))
    for i in range(3):
        fig.add_trace(go.Scatter(x=[ec], y=[er], mode="markers", name="evacuation point", showlegend=False,
                                 marker=dict(symbol="star", size=16, color="#ffffff",
                                             line=dict(color="#111", width=1.5)),
                                 hovertemplate="evacuation point (row %{y}, col %{x})<extra></extra>"),
                      row=1, col=i + 1)
    for i in range(3):
        fig.update_xaxes(row=1, col=i + 1, showticklabels=False, showgrid=False, zeroline=False,
                         constrain="domain")
        fig.update_yaxes(row=1, col=i + 1, showticklabels=False, showgrid=False, zeroline=False,
                         autorange="reversed", scaleanchor=f"x{'' if i == 0 else i + 1}", constrain="domain")

    dates = (showcase.daily.drop_duplicates("day").set_index("day")["date"].astype(str).to_dict()
             if {"day", "date"} <= set(showcase.daily.columns) else {})
    head = f"Replicate {showcase.replicate} — outcome: {_esc(outcome)}"

    def title(day: int) -> str:
        return f"{head} — day {day}" + (f" ({_esc(dates[day])})" if day in dates else "")

    frames = []
    for day, g in zip(days, showcase.grid):
        z = layers(g)
        frames.append(go.Frame(
            name=str(day), traces=[0, 1, 2], layout=dict(title=dict(text=title(day), x=0.01)),
            data=[go.Heatmap(z=z[0], customdata=np.array(control_names, dtype=object)[z[0].astype(int)]),
                  go.Heatmap(z=z[1]), go.Heatmap(z=z[2])]))
    fig.frames = frames
    every = max(1, math.ceil(len(days) / 30))  # at most ~30 labels under the slider

    def tick(i: int, day: int) -> str:
        last = i == len(days) - 1 and i % every >= every / 2
        return str(day) if i % every == 0 or last else ""

    # explicit step values: blank labels must not collide (plotly matches steps by value)
    steps = [dict(method="animate", value=str(d), label=tick(i, d),
                  args=[[str(d)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                       transition=dict(duration=0))]) for i, d in enumerate(days)]
    fig.update_layout(
        title=dict(text=title(days[0]) if days else head, x=0.01),
        height=560, margin=dict(l=20, r=20, t=80, b=150), template="plotly_white",
        updatemenus=[dict(type="buttons", direction="left", x=0.0, xanchor="left", y=-0.22, yanchor="top",
                          pad=dict(t=0, r=10), showactive=False, buttons=[
            dict(label="▶ Play", method="animate",
                 args=[None, dict(frame=dict(duration=250, redraw=True), fromcurrent=True,
                                  transition=dict(duration=0), mode="immediate")]),
            dict(label="❚❚ Pause", method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                    transition=dict(duration=0))]),
        ])],
        sliders=[dict(active=0, steps=steps, x=0.16, len=0.84, y=-0.18, yanchor="top",
                      pad=dict(t=10, b=0), currentvalue=dict(visible=False),
                      transition=dict(duration=0))] if steps else [],
    )
    return fig


def _showcase_outcome(showcase: Showcase, runs: pd.DataFrame) -> str:
    row = runs.loc[runs["replicate"] == showcase.replicate, "outcome"] if "replicate" in runs.columns else []
    if len(row) and isinstance(row.iloc[0], str):
        return row.iloc[0]
    ev = showcase.events
    if not ev.empty and "event" in ev.columns:
        hit = ev.loc[ev["event"] == EventKind.OUTCOME.value, "detail"]
        if len(hit):
            return str(hit.iloc[-1])
    return "unknown"


def _district_section(showcase: Showcase, outcome: str) -> str:
    if not showcase.grid:
        body = '<p class="note">No district layers were recorded for this replicate.</p>'
    else:
        body = _figure_html(_district_figure(showcase, outcome))
    explanation = (f"Replicate {showcase.replicate} (outcome: {_esc(_label(outcome))}) was chosen as typical: it ended "
                   "in the most common outcome class, on the day closest to that class's median end day. Press "
                   "Play or drag the slider; each square is one city block, north at the top, and the star marks "
                   "the evacuation point where convoys leave.")
    return _section("The district, day by day", explanation, body, "district")


# ---------------------------------------------------------------------------------------- 4. negotiation
def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(np.nan, index=frame.index, dtype=float)


def _num(value: Any, fmt: str = ".3f") -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(v) else format(v, fmt)


def _truthy(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _faction_id(value: Any) -> int | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else int(v)


def _timeline_figure(showcase: Showcase, outcome: str) -> go.Figure:
    ev = showcase.events
    kind = _col(ev, "event").astype(str)
    votes = ev[kind == EventKind.VOTE.value]
    factions = sorted({f for f in (_faction_id(v) for v in _col(votes, "faction")) if f is not None and f >= 0})
    lanes = (["committee", "deal"] + [f"faction {f}" for f in factions]
             + ["convoy", "refusal", "violation", "breakdown", "pre-emptive strike", "outcome"])
    y_of = {name: i for i, name in enumerate(lanes)}

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.3, 0.7], vertical_spacing=0.06,
                        subplot_titles=("Offers on the table", "Votes, decisions and implementation"))
    # offers: expulsion fraction (and credibility) per round
    offers = ev[kind == EventKind.OFFER.value]
    if not offers.empty:
        fig.add_trace(go.Scatter(
            x=offers["day"], y=_col(offers, "expulsion_fraction"), mode="lines+markers",
            name="offer: expulsion fraction",
            line=dict(color="#b03a2e", shape="hv"), marker=dict(size=8),
            text=[f"round {_num(r, '.0f')}<br>expulsion fraction {_num(e, '.2f')}<br>weapons handover {_esc(wh)}"
                  f"<br>besieger entry {_esc(be)}<br>credibility {_num(c, '.2f')}"
                  for r, e, wh, be, c in zip(_col(offers, "round"), _col(offers, "expulsion_fraction"),
                                             _col(offers, "weapons_handover"), _col(offers, "besieger_entry"),
                                             _col(offers, "credibility"))],
            hovertemplate="day %{x}<br>%{text}<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(
            x=offers["day"], y=_col(offers, "credibility"), mode="lines+markers", name="mediator credibility",
            line=dict(color="#2a7ab0", dash="dot", shape="hv"), marker=dict(size=6),
            hovertemplate="day %{x}: credibility %{y:.2f}<extra></extra>"), row=1, col=1)

    def lane_trace(rows: pd.DataFrame, lane: str | list[str], name: str, colour: str, symbol: str,
                   texts: list[str], size: Any = 11, show: bool = True) -> None:
        if rows.empty:
            return
        y = [y_of[lane]] * len(rows) if isinstance(lane, str) else [y_of[l] for l in lane]
        fig.add_trace(go.Scatter(x=rows["day"], y=y, mode="markers", name=name, showlegend=show,
                                 marker=dict(symbol=symbol, color=colour, size=size,
                                             line=dict(color="#222", width=0.8)),
                                 text=texts, hovertemplate="day %{x}<br>%{text}<extra></extra>"), row=2, col=1)

    for verdict, colour, symbol in (("accept", "#2e8b57", "circle"), ("reject", "#c0392b", "x")):
        rows = votes[_col(votes, "vote").astype(str) == verdict]
        texts = [f"round {_num(r, '.0f')}, faction {_faction_id(f)}: <b>{verdict}</b><br>u_accept {_num(ua)}, "
                 f"u_fight {_num(uf)}<br>p_accept {_num(pa)}, p_takeover {_num(pt)}<br>reason: {_esc(rs)}"
                 for r, f, ua, uf, pa, pt, rs in zip(_col(rows, "round"), _col(rows, "faction"), _col(rows, "u_accept"),
                                                     _col(rows, "u_fight"), _col(rows, "p_accept"),
                                                     _col(rows, "p_takeover"), _col(rows, "reason").fillna(""))]
        lanes_of = [f"faction {_faction_id(f)}" for f in _col(rows, "faction")]
        lane_trace(rows, lanes_of, f"vote: {verdict}", colour, symbol, texts)

    decisions = ev[kind.isin([EventKind.DECISION.value, EventKind.DEAL.value])]
    verdicts = np.where(_col(decisions, "event") == EventKind.DEAL.value, "implement",
                        _col(decisions, "vote").astype(str))
    for verdict, colour, symbol in (("accept", "#2e8b57", "diamond"), ("reject", "#c0392b", "diamond-open"),
                                    ("implement", "#7b4fa3", "square")):
        rows = decisions[verdicts == verdict]
        texts = []
        for _, r in rows.iterrows():
            bits = [f"committee: <b>{verdict}</b>"]
            if not pd.isna(r.get("round", np.nan)):
                bits.append(f"round {_num(r.get('round'), '.0f')}")
            veto = _faction_id(r.get("faction"))
            if veto is not None and veto >= 0:
                bits.append(f"veto by faction {veto}")
            if isinstance(r.get("reason"), str) and r.get("reason"):
                bits.append(_esc(r.get("reason")))
            if verdict == "implement":
                bits.append(f"{_num(r.get('listed'), '.0f')} fighters listed, {_num(r.get('spoilers'), '.0f')} "
                            f"spoiler faction(s), expulsion {_num(r.get('expulsion_fraction'), '.2f')}")
            texts.append("<br>".join(bits))
        lane_trace(rows, "deal" if verdict == "implement" else "committee",
                   "deal: implementation starts" if verdict == "implement" else f"committee: {verdict}",
                   colour, symbol, texts, size=13)

    convoys = ev[kind == EventKind.CONVOY.value]
    if not convoys.empty:
        carried = _col(convoys, "fighters").fillna(0) + _col(convoys, "civilians").fillna(0)
        size = 10 + 20 * np.sqrt(carried / max(float(carried.max()), 1.0))
        texts = [f"convoy: {_num(f, '.0f')} fighters, {_num(c, '.0f')} civilians<br>{_num(rf, '.0f')} refused, "
                 f"{_num(s, '.0f')} seats" for f, c, rf, s in zip(_col(convoys, "fighters"), _col(convoys, "civilians"),
                                                                 _col(convoys, "refused"), _col(convoys, "seats"))]
        lane_trace(convoys, "convoy", "convoy", "#2a7ab0", "triangle-up", texts, size=size.to_numpy())
    refusals = ev[kind == EventKind.REFUSAL.value]
    lane_trace(refusals, "refusal", "refusal to board", "#e08e0b", "triangle-down",
               [f"{_num(r, '.0f')} listed fighters refused to board" for r in _col(refusals, "refused")])
    violations = ev[kind == EventKind.VIOLATION.value]
    lane_trace(violations, "violation", "violation", "#8e44ad", "bowtie",
               [f"{_esc(a)}: {_esc(d)}" + (f" ({_esc(l)})" if isinstance(l, str) else "")
                for a, d, l in zip(_col(violations, "actor"), _col(violations, "detail"), _col(violations, "level"))])
    breakdowns = ev[kind == EventKind.BREAKDOWN.value]
    collapsed = np.array([_truthy(v) for v in _col(breakdowns, "collapsed")], dtype=bool)
    for mask, label, colour, symbol in ((collapsed, "breakdown: deal collapsed", "#111111", "x-thin-open"),
                                        (~collapsed, "breakdown: suspended", "#e08e0b", "hourglass")):
        rows = breakdowns[mask]
        lane_trace(rows, "breakdown", label, colour, symbol,
                   [f"{label}<br>cause: {_esc(d)}" for d in _col(rows, "detail")], size=13)
    resumptions = ev[kind == EventKind.RESUMPTION.value]
    lane_trace(resumptions, "breakdown", "implementation resumed", "#2e8b57", "triangle-right",
               ["implementation resumed"] * len(resumptions), size=11)
    strikes = ev[kind == EventKind.PRE_EMPTIVE_STRIKE.value]
    lane_trace(strikes, "pre-emptive strike", "pre-emptive strike", "#c0392b", "star-triangle-up",
               [f"{_esc(a)} struck first (p_takeover {_num(p, '.2f')})"
                for a, p in zip(_col(strikes, "actor"), _col(strikes, "p_takeover"))])
    ends = ev[kind == EventKind.OUTCOME.value]
    lane_trace(ends, "outcome", "outcome", OUTCOME_COLOURS.get(outcome, "#333"), "star",
               [f"outcome: {_esc(d)}" for d in _col(ends, "detail")], size=18)

    last_day = int(showcase.daily["day"].max()) if "day" in showcase.daily.columns and len(showcase.daily) else 1
    fig.update_yaxes(row=1, col=1, title="fraction", range=[0, 1.05])
    fig.update_yaxes(row=2, col=1, tickmode="array", tickvals=list(range(len(lanes))), ticktext=lanes,
                     range=[len(lanes) - 0.5, -0.5], showgrid=True, gridcolor="#eee")
    fig.update_xaxes(row=2, col=1, title="day", range=[-1, last_day + 1.5])
    fig.update_layout(height=260 + 28 * len(lanes) + 160, template="plotly_white",
                      margin=dict(l=120, r=20, t=50, b=40),
                      legend=dict(orientation="v", x=1.01, xanchor="left", y=1.0, font=dict(size=11)),
                      hovermode="closest")
    return fig


def vote_table(events: pd.DataFrame) -> pd.DataFrame:
    """The showcase's votes, one row per faction and round."""
    kind = _col(events, "event").astype(str)
    votes = events[kind == EventKind.VOTE.value]
    table = pd.DataFrame({
        "round": _col(votes, "round"), "day": _col(votes, "day"), "faction": _col(votes, "faction"),
        "vote": _col(votes, "vote"), "u_accept": _col(votes, "u_accept"), "u_fight": _col(votes, "u_fight"),
        "p_accept": _col(votes, "p_accept"), "reason": _col(votes, "reason"),
    })
    return table.sort_values(["round", "faction"], kind="mergesort").reset_index(drop=True)


def _negotiation_section(showcase: Showcase, outcome: str) -> str:
    votes = vote_table(showcase.events)
    classes = ["accept" if v == "accept" else "reject" for v in votes["vote"]]
    table = (f'<div class="scroll">{_table(votes, "data compact votes", classes)}</div>' if len(votes)
             else '<p class="note">No negotiation round took place in this replicate.</p>')
    explanation = ("Top: the expulsion fraction the mediator put on the table at each round, and its credibility. "
                   "Bottom: one lane per actor; circles are a faction's accept votes, crosses its rejections, "
                   "diamonds the committee's verdict and squares the start of a deal's implementation. Hover for each "
                   "faction's utilities (u_accept vs u_fight), acceptance probability, belief in a takeover and "
                   "stated reason; triangles are convoys (size = people carried).")
    body = (_figure_html(_timeline_figure(showcase, outcome))
            + f"<h3>Votes of replicate {showcase.replicate}</h3>" + table)
    return _section(f"Negotiation timeline of replicate {showcase.replicate}", explanation, body, "negotiation")


# ---------------------------------------------------------------------------------------- 5. parameters
def _parameter_section(parameters: pd.DataFrame) -> str:
    preferred = ["parameter", "value", "default", "unit", "range", "provenance", "scenario_provenance"]
    cols = [c for c in preferred if c in parameters.columns] + [c for c in parameters.columns if c not in preferred]
    frame = parameters[cols]
    classes = None
    if {"value", "default"} <= set(frame.columns):
        classes = ["changed" if str(v) != str(d) else "" for v, d in zip(frame["value"], frame["default"])]
    has_scenario = "scenario_provenance" in frame.columns
    explanation = ("Every model parameter with the value used, its default, unit and allowed range, and where the "
                   "default comes from" + (" (the scenario column names the source of a scenario's override)"
                                           if has_scenario else "") +
                   ". Highlighted rows differ from the default.")
    return _section("Parameters and provenance", explanation,
                    f'<div class="scroll tall">{_table(frame, "data params", classes, digits=4)}</div>', "parameters")


# ---------------------------------------------------------------------------------------- page
CSS = """
:root { --ink: #1d2330; --muted: #5b6474; --line: #d9dde3; --accent: #2a7ab0; --bg: #ffffff; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: var(--bg); margin: 0; line-height: 1.45; }
main { max-width: 1380px; margin: 0 auto; padding: 16px 28px 40px; }
h1 { font-size: 26px; margin: 8px 0 4px; } h2 { font-size: 20px; margin: 34px 0 4px;
     border-bottom: 2px solid var(--line); padding-bottom: 4px; } h3 { font-size: 16px; margin: 18px 0 6px; }
.lead, .explain { color: var(--muted); max-width: 960px; margin: 4px 0 10px; }
nav a { margin-right: 16px; color: var(--accent); text-decoration: none; font-weight: 600; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: #f4f6f8; }
table.meta { margin: 10px 0; } table.meta th { color: var(--muted); font-weight: 600; }
tr.changed td { background: #fff7dd; } tr.accept td:nth-child(4) { color: #2e7d32; font-weight: 600; }
tr.reject td:nth-child(4) { color: #c0392b; font-weight: 600; }
.row { display: grid; grid-template-columns: minmax(0, 3fr) minmax(280px, 2fr); gap: 18px; align-items: start; }
@media (max-width: 1000px) { .row { grid-template-columns: 1fr; } }
.note { color: var(--muted); font-size: 13px; }
:root { --ink:#1f2328; --muted:#57606a; --line:#d8dee4; --bg:#ffffff; --band:#f6f8fa; --accent:#2a7ab0; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: var(--bg); }
main { max-width: 1360px; margin: 0 auto; padding: 18px 28px 60px; }
header h1 { font-size: 26px; margin: 6px 0 4px; }
header p.lead { color: var(--muted); margin: 0 0 10px; }
nav { margin: 8px 0 4px; font-size: 14px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
section { border-top: 1px solid var(--line); margin-top: 26px; padding-top: 6px; }
h2 { font-size: 21px; margin: 12px 0 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.how { color: var(--muted); margin: 0 0 10px; max-width: 980px; }
p.note { color: var(--muted); font-size: 13px; }
table.data { border-collapse: collapse; font-size: 13px; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left;
                               vertical-align: top; }
table.data th { background: var(--band); position: sticky; top: 0; z-index: 1; }
table.data tbody tr:nth-child(even) { background: #fbfcfd; }
table.data td:not(:first-child) { font-variant-numeric: tabular-nums; }
table.meta { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
table.meta th { text-align: left; color: var(--muted); font-weight: 600; padding: 2px 14px 2px 0; }
table.meta td { padding: 2px 0; }
tr.changed td { background: #fff6d6; }
tr.accept td:nth-child(4) { color: #2e7d32; font-weight: 600; }
tr.reject td:nth-child(4) { color: #b03a2e; font-weight: 600; }
/* grid, not flex: plotly sizes a figure while the page is still parsing, before later siblings exist */
.row { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; align-items: start; }
@media (max-width: 900px) { .row { grid-template-columns: 1fr; } }
.grid2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 18px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
.scroll { max-height: 420px; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
.scroll.tall { max-height: 640px; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; }
"""


def _meta_table(meta: dict) -> str:
    order = ["scenario", "replicates", "root_seed", "seed_rule", "code_version", "packages", "created"]
    keys = [k for k in order if k in meta] + [k for k in meta if k not in order]
    rows = "".join(f"<tr><th>{_esc(k.replace('_', ' '))}</th><td>{_fmt(meta[k])}</td></tr>" for k in keys)
    return f'<table class="meta">{rows}</table>'


def _scenario_name(meta: dict) -> str:
    for key in ("scenario", "scenario_name", "name"):
        if meta.get(key):
            return str(meta[key])
    return "unnamed scenario"


def page(title: str, header: str, sections: Sequence[str], footer: str = "Generated offline; plotly.js is "
         "embedded in this file.", css: str = "") -> str:
    """A whole offline report page: plotly.js inline in <head> (no CDN), then `header` (the <header>
    element: title, lead, metadata, navigation) and the sections."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_esc(title)}</title>\n<style>{CSS}{css}</style>\n"
            f"<script type=\"text/javascript\">{get_plotlyjs()}</script>\n</head>\n<body>\n<main>\n"
            f"{header}\n" + "\n".join(sections) + f"\n<footer>{_esc(footer)}</footer>\n</main>\n</body>\n</html>\n")


def render_report(runs: pd.DataFrame, daily: pd.DataFrame, events: pd.DataFrame, showcase: Showcase,
                  parameters: pd.DataFrame, meta: dict) -> str:
    """The report as one HTML string."""
    scenario = _scenario_name(meta)
    # a showcase built without its own rows borrows them from the full tables
    if showcase.events.empty and "replicate" in events.columns:
        showcase = dataclasses.replace(showcase, events=events[events["replicate"] == showcase.replicate])
    if showcase.daily.empty and "replicate" in daily.columns:
        showcase = dataclasses.replace(showcase, daily=daily[daily["replicate"] == showcase.replicate])
    outcome = _showcase_outcome(showcase, runs)
    sections = [
        _outcome_section(runs),
        _time_section(daily),
        _district_section(showcase, outcome),
        _negotiation_section(showcase, outcome),
        _parameter_section(parameters),
    ]
    nav = "".join(f'<a href="#{a}">{_esc(t)}</a>' for a, t in (
        ("outcomes", "Outcomes"), ("over-time", "Over time"), ("district", "District"),
        ("negotiation", "Negotiation"), ("parameters", "Parameters")))
    title = f"Siege simulation report — {scenario}"
    header = (f"<header><h1>{_esc(title)}</h1><p class=\"lead\">{len(runs)} simulated replicates of the scenario "
              f"<b>{_esc(scenario)}</b>. All figures are interactive: hover for values, drag to zoom, double-click "
              f"to reset.</p>{_meta_table(meta)}<nav>{nav}</nav></header>")
    return page(title, header, sections)


def write_report(path: Path, runs: pd.DataFrame, daily: pd.DataFrame, events: pd.DataFrame,
                 showcase: Showcase, parameters: pd.DataFrame, meta: dict) -> Path:
    """Render the report and write it atomically (temporary file beside `path`, then rename)."""
    path = Path(path)
    text = render_report(runs, daily, events, showcase, parameters, meta)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path
