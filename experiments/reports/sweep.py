"""One self-contained, offline HTML report comparing the points of a sweep.

Written by `experiments.sweeps.aggregate` from the sweep's summary table alone (one row per point;
see `experiments.analysis.sweep.summarise`). Like every report (page skeleton: reports/page.py), the
page embeds plotly.js once, inline in <head>: no CDN, no <script src>.

Sections, in order: a header (points, axes, reference point, failed points), outcome probabilities
along the first axis (one panel per value of the second axis), heatmaps of each outcome over the
first two axes, medians of duration and harm, paired differences from the reference point, and a
table of every point. Axis values are the strings of the Hydra overrides; an axis whose values all
parse as numbers is ordered and drawn numerically, any other keeps the order of first appearance.
Axes beyond those drawn (the third onwards, or the second when it has more than ten values) are
chosen with a dropdown.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative, sample_colorscale
from plotly.subplots import make_subplots

from experiments.io import write_text
from experiments.measures import (
    MEASURES,
    OUTCOMES,
    SWEEP_DIFFERENCE_PANELS,
    SWEEP_PANELS,
    SWEEP_TABLE_MEDIANS,
    outcome_label,
)
from experiments.reports.colours import OUTCOME_COLOURS, rgba
from experiments.reports.page import Section, figure_html, render_page, table
from experiments.reports.plotly_text import plotly_text
from experiments.reports.sweep_plan import Plan, make_plan, prepare

PANEL_HEIGHT = 250        # px, one small-multiple panel


def _done(row: dict[str, Any] | None) -> bool:
    return row is not None and row.get("status") == "done" and int(row.get("n") or 0) > 0


def _get(row: dict[str, Any] | None, column: str) -> float:
    """A finished point's number, NaN for a missing, failed or empty point (the summary gives a
    failed point's Wilson interval as 0..1, which must not be drawn)."""
    if not _done(row) or column not in row:
        return float("nan")
    try:
        value = float(row[column])
    except (TypeError, ValueError):
        return float("nan")
    return value


def _positions(plan: Plan) -> tuple[list[float], float]:
    """x coordinates of the first axis's values (numbers, or 0..k-1 for categories) and the
    smallest gap between two of them."""
    values = plan.values[plan.x]
    xs = [float(v) for v in values] if plan.numeric[plan.x] else [float(i) for i in range(len(values))]
    gaps = np.diff(sorted(xs))
    gaps = gaps[gaps > 0]
    gap = float(gaps.min()) if gaps.size else (abs(xs[0]) * 0.2 or 1.0 if plan.numeric[plan.x] else 1.0)
    return xs, gap


def _xaxis(plan: Plan) -> dict[str, Any]:
    """The first axis: linear with ticks at the swept values when numeric, categories otherwise."""
    values = plan.values[plan.x]
    xs, gap = _positions(plan)
    title = dict(text=plotly_text(plan.short[plan.x]))
    if plan.numeric[plan.x]:
        ticks = dict(tickmode="array", tickvals=xs, ticktext=values) if len(values) <= 12 else {}
        return dict(title=title, range=[min(xs) - gap * 0.4, max(xs) + gap * 0.4], zeroline=False, **ticks)
    return dict(title=title, tickmode="array", tickvals=xs, ticktext=[plotly_text(v) for v in values],
                range=[-0.5, len(values) - 0.5], zeroline=False)


def _group_values(plan: Plan) -> list[str | None]:
    return list(plan.values[plan.group]) if plan.group else [None]


def _group_colours(plan: Plan) -> list[str]:
    groups = _group_values(plan)
    if plan.group and plan.numeric[plan.group] and len(groups) > 2:
        return sample_colorscale("Plasma", [0.8 * i / (len(groups) - 1) for i in range(len(groups))])
    palette = qualitative.D3
    return [palette[i % len(palette)] for i in range(len(groups))]


def _point(plan: Plan, x: str, group: str | None, combo: Sequence[str]) -> dict[str, Any] | None:
    values = {plan.x: x, **dict(zip(plan.selectors, combo))}
    if plan.group:
        values[plan.group] = group
    return plan.row(**values)


def _grid_columns(n: int, widest: int = 4) -> int:
    """Columns for n panels: all in one row up to `widest`, else 4 or 3, whichever leaves fewer holes."""
    if n <= widest:
        return max(n, 1)
    return min((widest, 3), key=lambda c: (math.ceil(n / c) * c - n, -c))


def _pct(value: float, digits: int = 0) -> str:
    return "–" if math.isnan(value) else f"{value * 100:.{digits}f}%"


def _num(value: float) -> str:
    if math.isnan(value):
        return "–"
    value = round(value, 0 if abs(value) >= 100 else 1)
    return f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"


def _signed(value: float, percent: bool = False) -> str:
    if math.isnan(value):
        return "–"
    if percent:
        return f"{value * 100:+.0f} pp"
    value = round(value, 0 if abs(value) >= 100 else 1)
    return f"{value:+,.0f}" if value == round(value) else f"{value:+,.1f}"


# ---------------------------------------------------------------------------------------- figure helpers
def _combo_menu(plan: Plan, combo_of_trace: list[int], base_visible: list[Any], x: float = 0.0,
                y: float = 1.0) -> list[dict[str, Any]]:
    """A dropdown over the selector axes' combinations; each shows that combination's traces."""
    if len(plan.combos) < 2:
        return []
    buttons = []
    for i, combo in enumerate(plan.combos):
        visible = [v if c == i or c < 0 else False for c, v in zip(combo_of_trace, base_visible)]
        buttons.append(dict(label=plotly_text(plan.combo_text(combo)), method="restyle", args=[{"visible": visible}]))
    return [dict(buttons=buttons, active=plan.active, direction="down", showactive=True, x=x, xanchor="left",
                 y=y, yanchor="top", pad=dict(r=4, t=2, b=2), bgcolor="#f4f6f8", font=dict(size=12))]


def _apply_visibility(fig: go.Figure, plan: Plan, combo_of_trace: list[int], base_visible: list[Any]) -> None:
    for trace, c, v in zip(fig.data, combo_of_trace, base_visible):
        trace.visible = v if c == plan.active or c < 0 else False


def _paper_y(height: int, top: int, bottom: int, px_from_top: float) -> float:
    """Paper y of a point px_from_top pixels below the figure's top edge."""
    plot = max(height - top - bottom, 1)
    return 1.0 + (top - px_from_top) / plot


def _band(xs: Sequence[float], lo: Sequence[float], hi: Sequence[float]) -> tuple[list[Any], list[Any]]:
    """A closed polygon per run of points with a known interval, separated by gaps (fill='toself'
    fills each segment on its own)."""
    px: list[Any] = []
    py: list[Any] = []
    segment: list[tuple[float, float, float]] = []

    def flush() -> None:
        if segment:
            px.extend([s[0] for s in segment] + [s[0] for s in reversed(segment)] + [None])
            py.extend([s[2] for s in segment] + [s[1] for s in reversed(segment)] + [None])
            segment.clear()

    for x, a, b in zip(xs, lo, hi):
        if math.isnan(a) or math.isnan(b):
            flush()
        else:
            segment.append((x, a, b))
    flush()
    return px, py


def _subplots(n: int, columns: int, titles: list[str] | None, top: int, bottom: int,
              panel_height: int = PANEL_HEIGHT, gap: int = 64) -> tuple[go.Figure, int]:
    """`n` panels in rows of `columns`, and the figure's height in px."""
    rows = math.ceil(n / columns)
    height = top + bottom + rows * panel_height + (rows - 1) * gap
    spacing = gap / max(height - top - bottom, 1) if rows > 1 else 0.1
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=titles, horizontal_spacing=0.06 if columns > 1 else 0.0,
                        vertical_spacing=spacing)
    for annotation in fig.layout.annotations:
        annotation.font = dict(size=13)
    return fig, height


def _bottom_of_column(index: int, n: int, columns: int) -> bool:
    """Whether panel `index` (row-major) has no panel below it."""
    return index + columns >= n


# ---------------------------------------------------------------------------------------- 1. header
def _lead(frame: pd.DataFrame, real_axes: list[str]) -> str:
    counts = frame["status"].value_counts()
    done = int(counts.get("done", 0))
    others = ", ".join(f"{int(k)} {s}" for s, k in counts.items() if s != "done")
    ns = sorted({int(n) for n, s in zip(frame["n"], frame["status"]) if s == "done" and n > 0})
    reps = (f"{ns[0]} replicates per point" if len(ns) == 1 else
            f"{ns[0]} to {ns[-1]} replicates per point" if ns else "no finished replicates")
    return (f"{len(frame)} sweep point{'s' if len(frame) != 1 else ''} ({done} done"
            f"{', ' + others if others else ''}), {reps}, over "
            + (f"{len(real_axes)} ax{'e' if len(real_axes) != 1 else 'i'}s." if real_axes else "no varying axis.")
            + " Figures are interactive: hover for values and intervals, click a legend entry to hide or show "
              "it, drag to zoom, double-click to reset.")


def _axes_rows(plan: Plan, real_axes: list[str]) -> list[dict[str, Any]]:
    """Per swept axis: its values (each flagged when it is the reference point's) and its kind."""
    ref = plan.reference
    return [{"axis": axis, "kind": "numeric" if plan.numeric[axis] else "categorical",
             "cells": [(v, ref is not None and ref.get(axis) == v) for v in plan.values[axis]]}
            for axis in real_axes]


def _reference_text(plan: Plan, real_axes: list[str]) -> dict[str, str] | None:
    ref = plan.reference
    if ref is None:
        return None
    return {"point": str(ref["point"]), "where": plan.point_text(ref) if real_axes else ""}


def _unfinished(frame: pd.DataFrame, plan: Plan, real_axes: list[str]) -> list[dict[str, str]]:
    """The points that failed or did not finish, each with where it is and its error."""
    items = []
    for record in frame[frame["status"] != "done"].to_dict("records"):
        error = record["error"] or ("no status recorded: the job did not finish, or is still running"
                                    if record["status"] == "unfinished" else "no error recorded")
        items.append({"point": str(record["point"]), "where": plan.point_text(record) if real_axes else "",
                      "status": record["status"], "error": error})
    return items


# ---------------------------------------------------------------------------------------- 2. outcome lines
def _observed(frame: pd.DataFrame, outcome: str) -> bool:
    column = f"p_{outcome}"
    if column not in frame.columns:
        return False
    values = pd.to_numeric(frame.loc[frame["status"] == "done", column], errors="coerce")
    return bool((values > 0).any())


def _outcome_figure(frame: pd.DataFrame, plan: Plan) -> go.Figure:
    groups = _group_values(plan)
    columns = _grid_columns(len(groups))
    menu = len(plan.combos) > 1
    top = (76 if plan.group else 60) + (44 if menu else 0)
    titles = [plotly_text(f"{plan.short[plan.group]} = {g}") for g in groups] if plan.group else None
    single = len(plan.values[plan.x]) == 1
    categorical = not plan.numeric[plan.x]  # categories are never joined by lines or bands
    fig, height = _subplots(len(groups), columns, titles, top=top, bottom=90 if single else 56)
    xs, _ = _positions(plan)
    xvalues = plan.values[plan.x]
    observed = {o: _observed(frame, o) for o in OUTCOMES}
    combo_of_trace: list[int] = []
    base_visible: list[Any] = []
    traces: list[go.Scatter] = []
    cells: list[tuple[int, int]] = []
    for ci, combo in enumerate(plan.combos):
        for gi, group in enumerate(groups):
            r, c = divmod(gi, columns)
            points = [_point(plan, x, group, combo) for x in xvalues]
            where = plan.combo_text(combo)
            where = (f"{plan.short[plan.group]} = {group}" if plan.group else "") + (", " if where and plan.group
                                                                                    else "") + where
            for outcome in OUTCOMES:
                colour = OUTCOME_COLOURS[outcome]
                p = [_get(pt, f"p_{outcome}") for pt in points]
                lo = [_get(pt, f"p_{outcome}_lo") for pt in points]
                hi = [_get(pt, f"p_{outcome}_hi") for pt in points]
                n = [int(pt["n"]) if _done(pt) else 0 for pt in points]
                custom = [[_pct(a), _pct(b), k, plotly_text(x)] for a, b, k, x in zip(lo, hi, n, xvalues)]
                hover = (f"{plotly_text(outcome_label(outcome))}: %{{y:.0%}} [%{{customdata[0]}}–%{{customdata[1]}}], "
                         f"n = %{{customdata[2]}}<extra>{plotly_text(where)}</extra>")
                state = True if observed[outcome] else "legendonly"
                if single or categorical:  # bars: one per class, or per class and category side by side
                    traces.append(go.Bar(
                        x=[outcome_label(outcome)] if single else xs, y=p, name=outcome_label(outcome),
                        legendgroup=outcome, showlegend=gi == 0, offsetgroup=outcome,
                        marker_color=colour, customdata=custom, hovertemplate=hover,
                        error_y=dict(type="data", symmetric=False, array=[b - a for a, b in zip(p, hi)],
                                     arrayminus=[a - b for a, b in zip(p, lo)], color="#333", thickness=1.2,
                                     width=5)))
                    cells.append((r + 1, c + 1))
                    combo_of_trace.append(ci)
                    base_visible.append(True if single else state)
                    continue
                bx, by = _band(xs, lo, hi)
                traces.append(go.Scatter(x=bx, y=by, mode="lines", fill="toself", fillcolor=rgba(colour, 0.11),
                                         line=dict(width=0), hoverinfo="skip", showlegend=False,
                                         legendgroup=outcome, name=outcome_label(outcome)))
                traces.append(go.Scatter(
                    x=xs, y=p, mode="lines+markers", name=outcome_label(outcome), legendgroup=outcome,
                    showlegend=gi == 0, line=dict(color=colour, width=2), marker=dict(size=6, color=colour),
                    customdata=custom, hovertemplate=hover))
                cells += [(r + 1, c + 1)] * 2
                combo_of_trace += [ci, ci]
                base_visible += [state, state]
    fig.add_traces(traces, rows=[rc[0] for rc in cells], cols=[rc[1] for rc in cells])
    _apply_visibility(fig, plan, combo_of_trace, base_visible)
    xaxis = _xaxis(plan)
    if single:
        xaxis = dict(title=dict(text=plotly_text(f"{plan.short[plan.x]} = {xvalues[0]}")), type="category",
                     tickmode="array", tickvals=[outcome_label(o) for o in OUTCOMES],
                     ticktext=[outcome_label(o).replace(" ", "<br>", 1) for o in OUTCOMES])
    for i in range(len(groups)):
        r, c = divmod(i, columns)
        fig.update_xaxes(row=r + 1, col=c + 1, **{k: v for k, v in xaxis.items() if k != "title"},
                         title=xaxis["title"] if _bottom_of_column(i, len(groups), columns) else None)
        fig.update_yaxes(row=r + 1, col=c + 1, range=[-0.03, 1.03], tickformat=".0%",
                         title="probability" if c == 0 else None)
    fig.update_layout(
        height=height, template="plotly_white", margin=dict(l=64, r=20, t=top, b=90 if single else 56),
        hovermode="closest" if single or categorical else "x unified", bargap=0.35 if single else 0.2,
        barmode="group",
        legend=dict(orientation="h", yref="container", y=1.0 - ((44 if menu else 0) + 6) / height, yanchor="top",
                    x=0.0, xanchor="left", font=dict(size=12), groupclick="togglegroup"),
        updatemenus=_combo_menu(plan, combo_of_trace, base_visible,
                                y=_paper_y(height, top, 90 if single else 56, 6)),
    )
    return fig


def _outcome_section(frame: pd.DataFrame, plan: Plan, notes: list[str]) -> Section:
    xname = plan.short[plan.x]
    if len(plan.values[plan.x]) == 1:
        how = ("Each bar is the share of the point's replicates ending in that outcome class; the whiskers are "
               "its 95% Wilson interval. ")
    else:
        how = (f"Each line is the share of a point's replicates ending in that outcome class, along {xname}; "
               "the shaded band is its 95% Wilson interval. ")
    if plan.group:
        how += f"Each panel holds one value of {plan.short[plan.group]}. "
    if len(plan.combos) > 1:
        how += f"The dropdown chooses the value{'s' if len(plan.selectors) > 1 else ''} of " \
               f"{', '.join(plan.short[a] for a in plan.selectors)}. "
    hidden = [outcome_label(o) for o in OUTCOMES if not _observed(frame, o)]
    if hidden:
        how += "Classes never seen at any point start hidden: click their legend entry to show them."
    return Section("outcomes", "Outcomes", f"Outcome probabilities along {xname}", how,
                   {"figure": figure_html(_outcome_figure(frame, plan)), "notes": notes})


# ---------------------------------------------------------------------------------------- 3. heatmaps
def _heatmap_figure(frame: pd.DataFrame, plan: Plan) -> go.Figure:
    """One heatmap per combination of the third and later axes (a dropdown shows one), over cells at
    integer positions (so that overlays can be drawn): an outcome dropdown restyles every heatmap's
    values; failed or missing points are hatched; the reference point's cell is outlined."""
    xa, ya = plan.axes[0], plan.axes[1]
    xv, yv = plan.values[xa], plan.values[ya]
    selectors = plan.axes[2:]
    present = {tuple(r[a] for a in selectors) for r in plan.rows.values()}
    combos = [c for c in itertools.product(*(plan.values[a] for a in selectors)) if c in present] or [()]
    ref = plan.reference
    ref_combo = combos.index(tuple(ref[a] for a in selectors)) if ref is not None else -1
    active = max(ref_combo, 0)

    def point(x: str, y: str, combo: tuple[str, ...]) -> dict[str, Any] | None:
        return plan.row(**{xa: x, ya: y, **dict(zip(selectors, combo))})

    def cells(outcome: str, combo: tuple[str, ...]) -> tuple[list, list, list]:
        z, text, hover = [], [], []
        for y in yv:
            zr, tr, hr = [], [], []
            for x in xv:
                pt = point(x, y, combo)
                p = _get(pt, f"p_{outcome}")
                zr.append(None if math.isnan(p) else p)
                status = pt["status"] if pt is not None else "not in the sweep"
                tr.append(_pct(p) if _done(pt) else status)
                where = plotly_text(f"{plan.short[xa]} = {x}") + "<br>" + plotly_text(f"{plan.short[ya]} = {y}")
                if _done(pt):
                    hr.append(f"{where}<br>P({outcome_label(outcome)}) = {_pct(p, 1)}<br>95% Wilson interval "
                              f"{_pct(_get(pt, f'p_{outcome}_lo'), 1)} – {_pct(_get(pt, f'p_{outcome}_hi'), 1)}"
                              f"<br>n = {int(pt['n'])} replicates (point {plotly_text(pt['point'])})"
                              + ("<br><b>reference point</b>" if pt["is_reference"] else ""))
                else:
                    hr.append(f"{where}<br>{plotly_text(status)}"
                              + (plotly_text(f" (point {pt['point']})") + "<br>" + plotly_text(pt["error"])
                                 if pt is not None else ""))
            z.append(zr)
            text.append(tr)
            hover.append(hr)
        return z, text, hover

    def scale(outcome: str) -> list[list[Any]]:
        return [[0.0, "#ffffff"], [1.0, OUTCOME_COLOURS[outcome]]]

    means = {o: np.nanmean([_get(r, f"p_{o}") for r in plan.rows.values()] or [np.nan]) for o in OUTCOMES}
    first = max(OUTCOMES, key=lambda o: -1.0 if math.isnan(means[o]) else float(means[o]))
    font = 14 if len(xv) <= 6 else 12 if len(xv) <= 10 else 10 if len(xv) <= 16 else 8
    row_px = int(min(90, max(30, 560 / max(len(yv), 1))))
    top, bottom = 54, 64
    height = top + bottom + row_px * len(yv)
    xs, ys = list(range(len(xv))), list(range(len(yv)))
    traces: list[Any] = []
    combo_of_trace: list[int] = []
    heat_index: list[int] = []
    for ci, combo in enumerate(combos):
        z, text, hover = cells(first, combo)
        heat_index.append(len(traces))
        traces.append(go.Heatmap(
            x=xs, y=ys, z=z, text=text, customdata=hover, texttemplate="%{text}", textfont=dict(size=font),
            hovertemplate="%{customdata}<extra></extra>", zmin=0.0, zmax=1.0, colorscale=scale(first), xgap=2,
            ygap=2, hoverongaps=True, name=plotly_text(plan.combo_text(combo)) if selectors else "",
            colorbar=dict(title=dict(text="share"), tickformat=".0%", thickness=14, len=1.0, y=0.5,
                          yanchor="middle")))
        combo_of_trace.append(ci)
        gaps = [(i, j) for j, y in enumerate(yv) for i, x in enumerate(xv) if not _done(point(x, y, combo))]
        if gaps:  # hatch the cells of failed, unfinished or missing points
            hx: list[Any] = []
            hy: list[Any] = []
            for i, j in gaps:
                hx += [i - 0.47, i + 0.47, i + 0.47, i - 0.47, i - 0.47, None]
                hy += [j - 0.47, j - 0.47, j + 0.47, j + 0.47, j - 0.47, None]
            traces.append(go.Scatter(x=hx, y=hy, mode="lines", fill="toself", line=dict(width=0),
                                     fillcolor="rgba(0,0,0,0)", hoverinfo="skip", showlegend=False,
                                     fillpattern=dict(shape="/", fgcolor="#b03a2e", fgopacity=0.35, size=9,
                                                      solidity=0.15)))
            combo_of_trace.append(ci)
        if ci == ref_combo:
            i, j = xv.index(ref[xa]), yv.index(ref[ya])
            traces.append(go.Scatter(x=[i - 0.5, i + 0.5, i + 0.5, i - 0.5, i - 0.5],
                                     y=[j - 0.5, j - 0.5, j + 0.5, j + 0.5, j - 0.5], mode="lines",
                                     line=dict(color="#111", width=3), hoverinfo="skip", showlegend=False))
            combo_of_trace.append(ci)
    fig = go.Figure(traces)
    for trace, ci in zip(fig.data, combo_of_trace):
        trace.visible = ci == active
    outcome_buttons = []
    for outcome in OUTCOMES:
        data = [cells(outcome, combo) for combo in combos]
        outcome_buttons.append(dict(
            label=f"P({outcome_label(outcome)})", method="restyle",
            args=[{"z": [d[0] for d in data], "text": [d[1] for d in data], "customdata": [d[2] for d in data],
                   "colorscale": [scale(outcome)] * len(combos)}, heat_index]))
    y_menu = _paper_y(height, top, bottom, 8)
    updatemenus = [dict(buttons=outcome_buttons, active=OUTCOMES.index(first), direction="down", showactive=True,
                        x=0.0, xanchor="left", y=y_menu, yanchor="top", bgcolor="#f4f6f8", font=dict(size=12))]
    if len(combos) > 1:
        buttons = [dict(label=plotly_text(", ".join(f"{plan.short[a]} = {v}" for a, v in zip(selectors, combo))),
                        method="restyle", args=[{"visible": [c == ci for c in combo_of_trace]}])
                   for ci, combo in enumerate(combos)]
        updatemenus.append(dict(buttons=buttons, active=active, direction="down", showactive=True, x=0.42,
                                xanchor="left", y=y_menu, yanchor="top", bgcolor="#f4f6f8", font=dict(size=12)))
    fig.update_layout(
        height=height, template="plotly_white", margin=dict(l=90, r=20, t=top, b=bottom),
        plot_bgcolor="#ffffff", updatemenus=updatemenus, showlegend=False,
        xaxis=dict(title=plotly_text(plan.short[xa]), tickmode="array", tickvals=xs,
                   ticktext=[plotly_text(v) for v in xv],
                   range=[-0.5, len(xv) - 0.5], showgrid=False, zeroline=False, tickfont=dict(size=12)),
        yaxis=dict(title=plotly_text(plan.short[ya]), tickmode="array", tickvals=ys,
                   ticktext=[plotly_text(v) for v in yv],
                   range=[-0.5, len(yv) - 0.5], showgrid=False, zeroline=False, tickfont=dict(size=12)),
    )
    return fig


def _heatmap_section(frame: pd.DataFrame, plan: Plan) -> Section:
    xa, ya = plan.short[plan.axes[0]], plan.short[plan.axes[1]]
    how = (f"The probability of one outcome class at every combination of {xa} and {ya}; choose the class with "
           "the dropdown. Cells show the share of replicates, hover for the 95% Wilson interval and the number of "
           "replicates; hatched cells are points that failed or did not finish"
           + (", and the outlined cell is the reference point." if plan.reference is not None else "."))
    if len(plan.axes) > 2:
        how += f" The second dropdown chooses {', '.join(plan.short[a] for a in plan.axes[2:])}."
    return Section("heatmaps", "Heatmaps", f"Heatmaps over {xa} x {ya}", how,
                   {"figure": figure_html(_heatmap_figure(frame, plan))})


# ---------------------------------------------------------------------------------------- 4-5. lines with error bars
def _lines_figure(plan: Plan, panels: list[tuple[str, str, str]], value_of, columns: int,
                  reference_marker: bool = False) -> go.Figure:
    """One panel per (column prefix, title, kind): a line per value of the group axis along the first axis,
    with 95% error bars; points of different lines are nudged apart so that equal values stay visible.
    value_of(point, prefix) -> (value, lo, hi); kind 'count' or 'share' (a difference of probabilities)."""
    groups = _group_values(plan)
    colours = _group_colours(plan)
    menu = len(plan.combos) > 1
    top = 64 + (44 if menu else 0)
    fig, height = _subplots(len(panels), columns, [t for _, t, _ in panels], top=top, bottom=56,
                                  panel_height=270)
    xs, gap = _positions(plan)
    k = len(groups)
    nudge = [((i - (k - 1) / 2) * 0.3 * gap / max(k - 1, 1)) if k > 1 else 0.0 for i in range(k)]
    xvalues = plan.values[plan.x]
    combo_of_trace: list[int] = []
    base_visible: list[Any] = []
    traces: list[go.Scatter] = []
    cells: list[tuple[int, int]] = []
    ref = plan.reference
    ref_x = None
    for ci, combo in enumerate(plan.combos):
        for gi, group in enumerate(groups):
            points = [_point(plan, x, group, combo) for x in xvalues]
            label = f"{plan.short[plan.group]} = {group}" if plan.group else "median"
            where = ", ".join(w for w in (label if plan.group else "", plan.combo_text(combo)) if w)
            for pi, (prefix, title, kind) in enumerate(panels):
                r, c = divmod(pi, columns)
                triples = [value_of(pt, prefix) for pt in points]
                v = [t[0] for t in triples]
                lo = [t[1] for t in triples]
                hi = [t[2] for t in triples]
                share = kind == "share"
                text = [(_signed(a, share) + f" [{_signed(b, share)}, {_signed(d, share)}]") if kind != "count"
                        else f"{_num(a)} [{_num(b)}–{_num(d)}]" for a, b, d in zip(v, lo, hi)]
                custom = [[plotly_text(x), t, int(pt["n"]) if _done(pt) else 0]
                          for x, t, pt in zip(xvalues, text, points)]
                traces.append(go.Scatter(
                    x=[x + nudge[gi] for x in xs], y=v, mode="lines+markers" if plan.numeric[plan.x] else "markers",
                    name=plotly_text(group or label),
                    legendgroup=f"g{gi}", showlegend=bool(plan.group) and pi == 0,
                    line=dict(color=colours[gi], width=1.8), marker=dict(size=6, color=colours[gi]),
                    error_y=dict(type="data", symmetric=False, array=[b - a for a, b in zip(v, hi)],
                                 arrayminus=[a - b for a, b in zip(v, lo)], color=colours[gi], thickness=1.1, width=3),
                    customdata=custom,
                    hovertemplate=(f"{plotly_text(plan.short[plan.x])} = %{{customdata[0]}}"
                                   f"{'<br>' + plotly_text(where) if where else ''}<br>{title}: %{{customdata[1]}}"
                                   "<br>n = %{customdata[2]}<extra></extra>")))
                cells.append((r + 1, c + 1))
                combo_of_trace.append(ci)
                base_visible.append(True)
                ref_here = _point(plan, ref[plan.x], group, combo) if reference_marker and ref is not None else None
                if ref_here is not None and ref_here["point"] == ref["point"]:
                    xi = xvalues.index(ref[plan.x])
                    ref_x = xs[xi] + nudge[gi]
                    traces.append(go.Scatter(
                        x=[xs[xi] + nudge[gi]], y=[0.0], mode="markers", name="reference point",
                        legendgroup="reference", showlegend=pi == 0, legendrank=2000,
                        marker=dict(symbol="star", size=15, color="#ffffff", line=dict(color="#111", width=1.6)),
                        hovertemplate=plotly_text(f"reference point {ref['point']}: {plan.point_text(ref)}")
                                      + "<extra></extra>"))
                    cells.append((r + 1, c + 1))
                    combo_of_trace.append(ci)
                    base_visible.append(True)
    fig.add_traces(traces, rows=[rc[0] for rc in cells], cols=[rc[1] for rc in cells])
    _apply_visibility(fig, plan, combo_of_trace, base_visible)
    xaxis = _xaxis(plan)
    for pi, (_, _, kind) in enumerate(panels):
        r, c = divmod(pi, columns)
        fig.update_xaxes(row=r + 1, col=c + 1, **{k: v for k, v in xaxis.items() if k != "title"},
                         title=xaxis["title"] if _bottom_of_column(pi, len(panels), columns) else None)
        fig.update_yaxes(row=r + 1, col=c + 1, tickformat="+.0%" if kind == "share" else ",",
                         zeroline=True, zerolinecolor="#999", rangemode="tozero" if kind == "count" else "normal")
    if ref_x is not None:
        shapes = []
        for pi in range(len(panels)):
            suffix = "" if pi == 0 else str(pi + 1)
            shapes.append(dict(type="line", xref=f"x{suffix}", yref=f"y{suffix} domain", x0=ref_x, x1=ref_x, y0=0,
                               y1=1, line=dict(color="#888", width=1, dash="dot"), layer="below"))
        fig.update_layout(shapes=shapes)
    fig.update_layout(
        height=height, template="plotly_white", margin=dict(l=64, r=20, t=top, b=56), hovermode="closest",
        legend=dict(orientation="h", yref="container", y=1.0 - ((44 if menu else 0) + 6) / height, yanchor="top",
                    x=0.0, xanchor="left", font=dict(size=12),
                    title=dict(text=plotly_text(plan.short[plan.group]) + ":" if plan.group else "")),
        updatemenus=_combo_menu(plan, combo_of_trace, base_visible, y=_paper_y(height, top, 56, 6)),
    )
    return fig


def _median_of(point: dict[str, Any] | None, measure: str) -> tuple[float, float, float]:
    return (_get(point, f"{measure}_median"), _get(point, f"{measure}_median_lo"), _get(point, f"{measure}_median_hi"))


def _diff_of(point: dict[str, Any] | None, name: str) -> tuple[float, float, float]:
    return _get(point, f"diff_{name}"), _get(point, f"diff_{name}_lo"), _get(point, f"diff_{name}_hi")


def _how_lines(plan: Plan) -> str:
    how = ""
    if plan.group:
        how += (f" One line per value of {plan.short[plan.group]} (double-click its legend entry to see it alone); "
                "points are nudged sideways so that lines that coincide stay visible.")
    if len(plan.combos) > 1:
        how += f" The dropdown chooses {', '.join(plan.short[a] for a in plan.selectors)}."
    return how


def _harm_section(frame: pd.DataFrame, plan: Plan) -> Section:
    panels = [(m, MEASURES[m].title, "count") for m in SWEEP_PANELS if f"{m}_median" in frame.columns]
    if not panels:
        return Section("harm", "Duration and harm", "Duration and harm", "The summary holds no medians.")
    fig = _lines_figure(plan, panels, _median_of, columns=2)
    how = (f"Medians over each point's replicates along {plan.short[plan.x]}, with 95% bootstrap intervals as "
           "error bars. A run still going at the horizon counts with its last day, so durations near the horizon "
           "are a floor." + _how_lines(plan))
    return Section("harm", "Duration and harm", "Duration and harm", how, {"figure": figure_html(fig)})


def _diff_section(frame: pd.DataFrame, plan: Plan) -> Section | None:
    if not any(c.startswith("diff_") for c in frame.columns) or plan.reference is None:
        return None
    if int((frame["status"] == "done").sum()) < 2:
        return None
    panels = [(m, f"Δ {MEASURES[m].label}", "signed") for m in SWEEP_DIFFERENCE_PANELS if f"diff_{m}" in frame.columns]
    for outcome in OUTCOMES:
        cols = [f"diff_p_{outcome}{s}" for s in ("", "_lo", "_hi")]
        if all(c in frame.columns for c in cols):
            values = frame.loc[frame["status"] == "done", cols].apply(pd.to_numeric, errors="coerce").to_numpy()
            if np.nan_to_num(np.abs(values)).max(initial=0.0) > 0:
                panels.append((f"p_{outcome}", f"Δ P({outcome_label(outcome)})", "share"))
    fig = _lines_figure(plan, panels, _diff_of, columns=min(3, len(panels)), reference_marker=True)
    ref = plan.reference
    how = ("Each point minus the reference point, replicate by replicate (replicate i of both uses the same "
           "random seed): the mean paired difference with its 95% bootstrap interval, for the days to resolution, "
           "civilians killed and the probability (in percentage points) of each outcome class that differs "
           f"somewhere. The star and the dotted line mark the reference point ({plan.point_text(ref)}); an interval "
           "that excludes zero is a difference the replicates can tell apart." + _how_lines(plan))
    return Section("differences", "Differences", "Differences from the reference point", how,
                   {"figure": figure_html(fig)})


# ---------------------------------------------------------------------------------------- 6. table
def _points_section(frame: pd.DataFrame, plan: Plan, real_axes: list[str]) -> Section:
    keys = [[plan.values[a].index(v) for a, v in zip(plan.axes, vals)] for vals in zip(*(frame[a] for a in plan.axes))]
    order = sorted(range(len(frame)), key=lambda i: keys[i])
    records = [frame.iloc[i].to_dict() for i in order]
    columns: dict[str, list[Any]] = {"point": [r["point"] for r in records]}
    for axis in real_axes:
        columns[plan.short[axis]] = [r[axis] for r in records]
    columns["status"] = [r["status"] for r in records]
    columns["n"] = [int(r["n"]) for r in records]
    for outcome in OUTCOMES:
        columns[outcome] = [f"{_pct(_get(r, f'p_{outcome}'))} [{_pct(_get(r, f'p_{outcome}_lo'))[:-1]}–"
                            f"{_pct(_get(r, f'p_{outcome}_hi'))[:-1]}]" if _done(r) else "" for r in records]
    for measure in SWEEP_TABLE_MEDIANS:
        columns[f"median {MEASURES[measure].label}"] = [f"{_num(v)} [{_num(lo)}–{_num(hi)}]" if _done(r) else ""
                                                        for r in records for v, lo, hi in [_median_of(r, measure)]]
    classes = ["reference" if r["is_reference"] else "failed" if r["status"] != "done" else "" for r in records]
    how = ("Every point of the sweep: the share of replicates in each outcome class with its 95% Wilson interval "
           "in brackets, and the median days to resolution and civilians killed with 95% bootstrap intervals. "
           "The reference point is highlighted in blue, failed or unfinished points in red.")
    return Section("points", "All points", "All points", how,
                   {"table": table(pd.DataFrame(columns), "data points", classes)})


# ---------------------------------------------------------------------------------------- page
def render_sweep_report(summary: pd.DataFrame, axes: list[str], title: str,
                        uncertainty: list[str] | None = None) -> str:
    """The sweep report as one HTML string; `uncertainty`: the points' parameter-uncertainty records
    (which posterior their replicates drew from, or none), shown in the page's record."""
    frame, plot_axes = prepare(summary, axes)
    real_axes = list(axes)
    plan = make_plan(frame, plot_axes)
    notes = []
    if len(plot_axes) < 2:
        notes.append("No heatmaps: they need two sweep axes, and this sweep has " + ("one." if real_axes else "none."))
    diff = _diff_section(frame, plan)
    if diff is None:
        notes.append("No differences from a reference point: "
                     + ("the reference is the only finished point." if plan.reference is not None
                        else "the summary has no finished reference point."))
    sections = [_outcome_section(frame, plan, notes),
                *([_heatmap_section(frame, plan)] if len(plot_axes) >= 2 else []),
                _harm_section(frame, plan),
                *([diff] if diff is not None else []),
                _points_section(frame, plan, real_axes)]
    return render_page("sweep.html", f"Sweep report — {title}", sections, framed=True,
                       footer="Generated offline from the sweep summary table; plotly.js is embedded in this file.",
                       lead=_lead(frame, real_axes), axes=_axes_rows(plan, real_axes),
                       reference=_reference_text(plan, real_axes), unfinished=_unfinished(frame, plan, real_axes),
                       points=len(frame), uncertainty=uncertainty or [])


def write_sweep_report(path: Path, summary: pd.DataFrame, axes: list[str], title: str,
                       uncertainty: list[str] | None = None) -> Path:
    """Render the sweep report and write it atomically (temporary file beside `path`, then rename)."""
    return write_text(Path(path), render_sweep_report(summary, axes, title, uncertainty))

