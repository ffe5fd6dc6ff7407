"""One self-contained, offline HTML report of a scenario's replicates, rendered from tables the
scenario job computes (experiments/analysis/): outcome probabilities with Wilson intervals, fan
charts over time, the animated district of a representative ("showcase") replicate, that replicate's
negotiation timeline, and the parameter table with provenance. Page skeleton: reports/page.py."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.io import write_text
from experiments.measures import outcome_label
from experiments.reports.colours import CONTROL_COLOURS, OUTCOME_COLOURS, rgba
from experiments.reports.page import Section, figure_html, render_page, table
from experiments.reports.plotly_text import plotly_text
from sim.enums import Control, Escalation, EventKind

ESCALATION_NAMES = [e.name for e in Escalation]


@dataclass
class Showcase:
    """The representative replicate drawn as a map and a negotiation timeline."""

    replicate: int
    outcome: str              # its outcome class
    daily: pd.DataFrame       # that replicate's daily rows
    events: pd.DataFrame      # that replicate's events
    grid: list[dict[str, np.ndarray]]   # per day: control, damage, civilians; flat, row-major
    width: int
    height: int
    evacuation_cell: int
    story: pd.DataFrame | None = None   # its story (experiments/analysis/story.py): days, text per line


# ---------------------------------------------------------------------------------------- 1. outcomes
def _outcome_section(outcomes: pd.DataFrame, replicates: int) -> Section:
    p = outcomes["probability"].fillna(0.0)
    fig = go.Figure(go.Bar(
        x=outcomes["outcome"], y=p,
        marker_color=[OUTCOME_COLOURS[o] for o in outcomes["outcome"]],
        error_y=dict(type="data", symmetric=False, array=outcomes["ci_high"] - p, arrayminus=p - outcomes["ci_low"],
                     color="#333", thickness=1.5, width=6),
        customdata=np.column_stack([outcomes["count"], outcomes["ci_low"], outcomes["ci_high"]]),
        hovertemplate="%{x}<br>share %{y:.1%} (%{customdata[0]} runs)"
                      "<br>95% Wilson interval %{customdata[1]:.1%} to %{customdata[2]:.1%}<extra></extra>",
    ))
    for name, share, k, hi in zip(outcomes["outcome"], p, outcomes["count"], outcomes["ci_high"]):
        fig.add_annotation(x=name, y=hi, text=f"<b>{share:.0%}</b> ({k})", showarrow=False, yshift=12,
                           font=dict(size=12))
    fig.update_layout(
        height=380, margin=dict(l=60, r=20, t=30, b=90), template="plotly_white", showlegend=False,
        yaxis=dict(title="share of replicates", range=[0, 1.12], tickformat=".0%"),
        xaxis=dict(tickmode="array", tickvals=outcomes["outcome"],
                   ticktext=[outcome_label(o).replace(" ", "<br>", 1) for o in outcomes["outcome"]]),
    )
    shown = pd.DataFrame({
        "outcome class": [outcome_label(o) for o in outcomes["outcome"]],
        "count": outcomes["count"],
        "probability": [f"{v:.1%}" if not math.isnan(v) else "" for v in outcomes["probability"]],
        "95% Wilson interval": [f"{lo:.1%} – {hi:.1%}" for lo, hi in zip(outcomes["ci_low"], outcomes["ci_high"])],
        "median end day": outcomes["median_end_day"],
    })
    explanation = (f"Each bar is the share of the {replicates} replicates that ended in that class; the whiskers are "
                   "95% Wilson score intervals, i.e. how far the share could move with a different set of "
                   "random seeds. Classes with no runs are shown as empty bars.")
    return Section("outcomes", "Outcomes", "Outcome probabilities", explanation,
                   {"figure": figure_html(fig), "table": table(shown, "data compact"),
                    "unclassified": replicates - int(outcomes["count"].sum())})


# ---------------------------------------------------------------------------------------- 2. fan charts
# (title, y axis title, [(daily column, label, colour)], y axis settings); the job computes each
# column's quantiles (experiments/analysis/fans.py), those in STEP_SERIES as levels drawn as steps.
FAN_PANELS: list[tuple[str, str, list[tuple[str, str, str]], dict[str, Any]]] = [
    ("Control of the district", "share of cells",
     [("control_held", "rebel-held (rebel + contested)", "#2e8b57"),
      ("control_besieger", "besieger", "#b03a2e")],
     dict(range=[0, 1], tickformat=".0%")),
    ("Fighters by status", "fighters",
     [("fighters_active", "active", "#2a7ab0"), ("fighters_wounded", "wounded", "#e08e0b"),
      ("fighters_killed", "killed", "#c0392b"), ("fighters_evacuated", "evacuated", "#7b4fa3"),
      ("fighters_settled", "settled", "#4c9a2a")], {}),
    ("Civilians killed and injured", "civilians",
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
FAN_COLUMNS = tuple(col for _, _, series, _ in FAN_PANELS for col, _, _ in series)
STEP_SERIES = frozenset({"escalation_ceiling", "escalation_used"})
DASHED_SERIES = frozenset({"escalation_ceiling"})
# two levels on one ladder often coincide: the ceiling is drawn a little above each rung and the level
# used a little below, so that neither line nor band hides the other (the hover gives the true level)
LEVEL_OFFSETS = {"escalation_ceiling": 0.09, "escalation_used": -0.09}


def _fan_figure(title: str, y_title: str, series: list[tuple[str, str, str]], yaxis: dict[str, Any],
                fans: dict[str, pd.DataFrame]) -> go.Figure:
    fig = go.Figure()
    for col, name, colour in series:
        if col not in fans:
            continue
        frame = fans[col]
        lo_q, mid_q, hi_q = frame.columns   # the 10th, 50th and 90th percentiles
        x = frame.index.to_numpy()
        shape = "hv" if col in STEP_SERIES else "linear"
        shift = LEVEL_OFFSETS.get(col, 0.0)
        fig.add_trace(go.Scatter(x=x, y=frame[hi_q] + shift, mode="lines", line=dict(width=0, shape=shape),
                                 legendgroup=col, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=frame[lo_q] + shift, mode="lines", line=dict(width=0, shape=shape),
                                 fill="tonexty", fillcolor=rgba(colour, 0.12 if shift else 0.18), legendgroup=col,
                                 showlegend=False, hoverinfo="skip"))
        custom = np.column_stack([frame[lo_q], frame[hi_q], frame[mid_q]])
        fmt = ".2f" if frame[mid_q].abs().max() <= 1.0 else ",.0f"
        fig.add_trace(go.Scatter(x=x, y=frame[mid_q] + shift, mode="lines", name=name, legendgroup=col,
                                 line=dict(color=colour, width=2, shape=shape,
                                           dash="dash" if col in DASHED_SERIES else "solid"), customdata=custom,
                                 hovertemplate=f"{name}<br>day %{{x}}: median %{{customdata[2]:{fmt}}}"
                                               f"<br>10-90%: %{{customdata[0]:{fmt}}} to %{{customdata[1]:{fmt}}}"
                                               "<extra></extra>"))
    # the legend sits under the plot: at the top right, the toolbar that appears on hover would cover it
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=15)), height=370,
                      margin=dict(l=60, r=15, t=45, b=95), template="plotly_white", hovermode="x unified",
                      legend=dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0.0,
                                  font=dict(size=11)),
                      xaxis=dict(title="day"), yaxis=dict(title=y_title, **yaxis))
    return fig


def _time_section(fans: dict[str, pd.DataFrame], replicates: int) -> Section:
    figures = [figure_html(_fan_figure(t, y, s, ya, fans)) for t, y, s, ya in FAN_PANELS]
    last = max((int(frame.index.max()) for frame in fans.values() if len(frame)), default=0)
    explanation = (f"The line is the median across the {replicates} replicates and the shaded band the 10th to 90th "
                   "percentile on each day. Runs end on different days, so each replicate's last recorded "
                   f"day is carried forward to day {last} before the percentiles are taken: late days show "
                   "where finished runs ended, not fighting that continued. Counts are cumulative.")
    return Section("over-time", "Over time", "Over time", explanation, {"figures": figures})


# ---------------------------------------------------------------------------------------- 3. district map
def _control_colourscale() -> list[list[Any]]:
    colours = [CONTROL_COLOURS[c] for c in Control]
    n = len(colours)
    scale = []
    for i, c in enumerate(colours):
        scale += [[i / n, c], [(i + 1) / n, c]]
    return scale


def district_figure(showcase: Showcase) -> go.Figure:
    """Control, damage and civilians per block, one animation frame a day, with Play, Pause and a slider."""
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
             colorbar=colorbar(0, tickvals=[int(c) for c in Control], ticktext=control_names,
                               title=dict(text="who holds the block", side="bottom")),
             customdata=np.array(control_names, dtype=object)[first[0].astype(int)] if showcase.grid else None,
             hovertemplate="row %{y}, col %{x}: %{customdata}<extra></extra>"),
        dict(colorscale="OrRd", zmin=0.0, zmax=dzmax,
             colorbar=colorbar(1, title=dict(text="share of the block destroyed", side="bottom")),
             hovertemplate="row %{y}, col %{x}: damage %{z:.2f}<extra></extra>"),
        dict(colorscale="Blues", zmin=0.0, zmax=civ_max,
             colorbar=colorbar(2, title=dict(text="civilians in the block (people)", side="bottom")),
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
    head = f"Replicate {showcase.replicate} — outcome: {plotly_text(outcome_label(showcase.outcome))}"

    def title(day: int) -> str:
        return f"{head} — day {day}" + (f" ({plotly_text(dates[day])})" if day in dates else "")

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
        # below the maps: the colour bars with their titles, then the Play buttons and the day slider
        height=610, margin=dict(l=20, r=20, t=80, b=200), template="plotly_white",
        updatemenus=[dict(type="buttons", direction="left", x=0.0, xanchor="left", y=-0.40, yanchor="top",
                          pad=dict(t=0, r=10), showactive=False, buttons=[
            dict(label="▶ Play", method="animate",
                 args=[None, dict(frame=dict(duration=250, redraw=True), fromcurrent=True,
                                  transition=dict(duration=0), mode="immediate")]),
            dict(label="❚❚ Pause", method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                    transition=dict(duration=0))]),
        ])],
        sliders=[dict(active=0, steps=steps, x=0.16, len=0.84, y=-0.36, yanchor="top",
                      pad=dict(t=10, b=0), currentvalue=dict(visible=False),
                      transition=dict(duration=0))] if steps else [],
    )
    return fig


def _district_section(showcase: Showcase) -> Section:
    explanation = (f"Replicate {showcase.replicate} (outcome: {outcome_label(showcase.outcome)}) was chosen as "
                   "typical: it ended in the most common outcome class, on the day closest to that class's median "
                   "end day. Press Play or drag the slider; each square is one city block, north at the top, and "
                   "the star marks the evacuation point where convoys leave.")
    return Section("district", "District", "The district, day by day", explanation,
                   {"figure": figure_html(district_figure(showcase)) if showcase.grid else ""})


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


def _timeline_figure(showcase: Showcase) -> go.Figure:
    ev = showcase.events
    kind = _col(ev, "event").astype(str)
    votes = ev[kind == EventKind.VOTE.value]
    factions = sorted({f for f in (_faction_id(v) for v in _col(votes, "faction")) if f is not None and f >= 0})
    lanes = (["escalation", "committee", "deal"] + [f"faction {f}" for f in factions]
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
            text=[f"round {_num(r, '.0f')}<br>expulsion fraction {_num(e, '.2f')}<br>weapons handover {plotly_text(wh)}"
                  f"<br>besieger entry {plotly_text(be)}<br>credibility {_num(c, '.2f')}"
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
        y = [y_of[lane]] * len(rows) if isinstance(lane, str) else [y_of[one] for one in lane]
        fig.add_trace(go.Scatter(x=rows["day"], y=y, mode="markers", name=name, showlegend=show,
                                 marker=dict(symbol=symbol, color=colour, size=size,
                                             line=dict(color="#222", width=0.8)),
                                 text=texts, hovertemplate="day %{x}<br>%{text}<extra></extra>"), row=2, col=1)

    for verdict, colour, symbol in (("accept", "#2e8b57", "circle"), ("reject", "#c0392b", "x")):
        rows = votes[_col(votes, "vote").astype(str) == verdict]
        texts = [f"round {_num(r, '.0f')}, faction {_faction_id(f)}: <b>{verdict}</b><br>u_accept {_num(ua)}, "
                 f"u_fight {_num(uf)}<br>p_accept {_num(pa)}, p_takeover {_num(pt)}<br>reason: {plotly_text(rs)}"
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
                bits.append(plotly_text(r.get("reason")))
            if verdict == "implement":
                bits.append(f"{_num(r.get('listed'), '.0f')} fighters listed, {_num(r.get('spoilers'), '.0f')} "
                            f"spoiler faction(s), expulsion {_num(r.get('expulsion_fraction'), '.2f')}")
            texts.append("<br>".join(bits))
        lane_trace(rows, "deal" if verdict == "implement" else "committee",
                   "deal: implementation starts" if verdict == "implement" else f"committee: {verdict}",
                   colour, symbol, texts, size=13)

    launches = ev[kind == EventKind.ESCALATION.value]
    lane_trace(launches, "escalation", "decisive phase launched", "#b03a2e", "arrow-bar-right",
               [f"{plotly_text(d)}<br>rung {plotly_text(lv)}, pressure {_num(pr, '.2f')}"
                for d, lv, pr in zip(_col(launches, "detail"), _col(launches, "level"), _col(launches, "pressure"))],
               size=14)
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
               [f"{plotly_text(a)}: {plotly_text(d)}" + (f" ({plotly_text(lv)})" if isinstance(lv, str) else "")
                for a, d, lv in zip(_col(violations, "actor"), _col(violations, "detail"), _col(violations, "level"))])
    breakdowns = ev[kind == EventKind.BREAKDOWN.value]
    collapsed = np.array([_truthy(v) for v in _col(breakdowns, "collapsed")], dtype=bool)
    for mask, label, colour, symbol in ((collapsed, "breakdown: deal collapsed", "#111111", "x-thin-open"),
                                        (~collapsed, "breakdown: suspended", "#e08e0b", "hourglass")):
        rows = breakdowns[mask]
        lane_trace(rows, "breakdown", label, colour, symbol,
                   [f"{label}<br>cause: {plotly_text(d)}" for d in _col(rows, "detail")], size=13)
    resumptions = ev[kind == EventKind.RESUMPTION.value]
    lane_trace(resumptions, "breakdown", "implementation resumed", "#2e8b57", "triangle-right",
               ["implementation resumed"] * len(resumptions), size=11)
    strikes = ev[kind == EventKind.PRE_EMPTIVE_STRIKE.value]
    lane_trace(strikes, "pre-emptive strike", "pre-emptive strike", "#c0392b", "star-triangle-up",
               [f"{plotly_text(a)} struck first (p_takeover {_num(p, '.2f')})"
                for a, p in zip(_col(strikes, "actor"), _col(strikes, "p_takeover"))])
    ends = ev[kind == EventKind.OUTCOME.value]
    lane_trace(ends, "outcome", "outcome", OUTCOME_COLOURS.get(showcase.outcome, "#333"), "star",
               [f"outcome: {plotly_text(d)}" for d in _col(ends, "detail")], size=18)

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


def _negotiation_section(showcase: Showcase) -> Section:
    votes = vote_table(showcase.events)
    classes = ["accept" if v == "accept" else "reject" for v in votes["vote"]]
    explanation = ("Top: the expulsion fraction the mediator put on the table at each round, and its credibility. "
                   "Bottom: one lane per actor; circles are a faction's accept votes, crosses its rejections, "
                   "diamonds the committee's verdict and squares the start of a deal's implementation. Hover for each "
                   "faction's utilities (u_accept vs u_fight), acceptance probability, belief in a takeover and "
                   "stated reason; triangles are convoys (size = people carried).")
    return Section("negotiation", "Negotiation", f"Negotiation timeline of replicate {showcase.replicate}",
                   explanation, {"figure": figure_html(_timeline_figure(showcase)), "replicate": showcase.replicate,
                                 "votes": table(votes, "data compact votes", classes) if len(votes) else None})


def _story_section(showcase: Showcase) -> Section:
    explanation = (f"What happened in replicate {showcase.replicate}, told from its events table: the terms, the "
                   "factions' answers and their stated reasons, the escalation, the ground taken, the deal and its "
                   "convoys. Rounds that repeat the same terms and the same answer are told once. Reasons are the "
                   "model's: the term that weighed most in a faction's vote, or, when a faction voted against the "
                   "balance of the modelled terms, considerations the model does not represent.")
    story = showcase.story if showcase.story is not None else pd.DataFrame(columns=["days", "text"])
    return Section("story", "Story", f"The story of replicate {showcase.replicate}", explanation,
                   {"lines": list(zip(story["days"], story["text"]))})


# ---------------------------------------------------------------------------------------- 5. parameters
def _parameter_section(parameters: pd.DataFrame) -> Section:
    preferred = ["parameter", "meaning", "value", "default", "unit", "range", "source_kind", "provenance",
                 "scenario_provenance"]
    cols = [c for c in preferred if c in parameters.columns] + [c for c in parameters.columns if c not in preferred]
    frame = parameters[cols]
    classes = None
    if {"value", "default"} <= set(frame.columns):
        classes = ["changed" if str(v) != str(d) else "" for v, d in zip(frame["value"], frame["default"])]
    has_scenario = "scenario_provenance" in frame.columns
    explanation = ("Every model parameter with what it means, the value used, its default, unit and allowed range, "
                   "and where the "
                   "default comes from: the kind of source (article, case file, literature, assumption or "
                   "specification) and the citation" + (" (the scenario column names the source of a scenario's "
                                                        "override)"
                                           if has_scenario else "") +
                   ". Highlighted rows differ from the default.")
    return Section("parameters", "Parameters", "Parameters and provenance", explanation,
                   {"table": table(frame, "data params", classes, digits=4)})


# ---------------------------------------------------------------------------------------- page
def _scenario_name(meta: dict) -> str:
    for key in ("scenario", "scenario_name", "name"):
        if meta.get(key):
            return str(meta[key])
    return "unnamed scenario"


def render_report(outcomes: pd.DataFrame, fans: dict[str, pd.DataFrame], showcase: Showcase,
                  parameters: pd.DataFrame, meta: dict, replicates: int) -> str:
    """The report as one HTML string. `outcomes`: one row per outcome class (outcome, count,
    probability, ci_low, ci_high, median_end_day); `fans`: per daily column of FAN_COLUMNS, a
    (day x quantile) frame of its 10th, 50th and 90th percentiles; `replicates`: how many ran."""
    scenario = _scenario_name(meta)
    sections = [
        _outcome_section(outcomes, replicates),
        _time_section(fans, replicates),
        _story_section(showcase),
        _district_section(showcase),
        _negotiation_section(showcase),
        _parameter_section(parameters),
    ]
    return render_page("scenario.html", f"Siege simulation report — {scenario}", sections, meta=meta, framed=True,
                       scenario=scenario, replicates=replicates)


def write_report(path: Path, outcomes: pd.DataFrame, fans: dict[str, pd.DataFrame], showcase: Showcase,
                 parameters: pd.DataFrame, meta: dict, replicates: int) -> Path:
    """Render the report and write it atomically (temporary file beside `path`, then rename)."""
    return write_text(Path(path), render_report(outcomes, fans, showcase, parameters, meta, replicates))
