"""One self-contained, offline HTML page for a sensitivity design, from its tables alone: Morris mu*
with confidence intervals and mu* against sigma, or Sobol S1 and ST with intervals, per output; the
scenario-discovery boxes; the design and its ranges. plotly.js is embedded once, as in the other
reports (experiments/report.py, whose style and helpers it reuses)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from experiments.io import atomic_write
from experiments.reports.scenario import _esc, _figure_html, _section, _table, page
from experiments.sensitivity.design import DesignSettings, Method, level_text
from experiments.sensitivity.ranges import UncertainParameter

BARS = 20   # parameters drawn per bar chart (the most influential)
RARE_SHARE = 0.01  # an outcome this rare on average over the design gives indices that are mostly sampling noise
LABELS = {"p_settlement": "P(negotiated settlement)", "p_takeover": "P(military takeover)",
          "p_full_evacuation": "P(full evacuation)", "end_day": "days to resolution",
          "civilians_killed": "civilians killed"}


def _short(key: str) -> str:
    return key.removeprefix("model.")


def _morris_figures(sub: pd.DataFrame, output: str, level: str) -> str:
    wide = sub.pivot(index="parameter", columns="index", values="value")
    conf = sub[sub["index"] == "mu_star"].set_index("parameter")["conf"]
    top = wide.sort_values("mu_star", ascending=False).head(BARS)[::-1]
    bars = go.Figure(go.Bar(x=top["mu_star"], y=[_short(p) for p in top.index], orientation="h",
                            error_x={"type": "data", "array": conf.loc[top.index].fillna(0).to_numpy()},
                            marker_color="#2a7ab0"))
    bars.update_layout(title=f"{LABELS.get(output, output)}: mu* ({level} bootstrap interval)", height=120 + 22 * len(top),
                       margin={"l": 260, "r": 20, "t": 40, "b": 40}, xaxis_title="mu* (output units per range)")
    scatter = go.Figure(go.Scatter(x=wide["mu_star"], y=wide["sigma"], mode="markers+text",
                                   text=[_short(p).split(".")[-1] if p in top.index[-8:] else "" for p in wide.index],
                                   textposition="top center", hovertext=[_short(p) for p in wide.index],
                                   marker={"color": "#c0392b", "size": 8}))
    scatter.update_layout(title="mu* against sigma (nonlinear or interacting above the diagonal)", height=420,
                          xaxis_title="mu*", yaxis_title="sigma", margin={"t": 40, "b": 40})
    return f'<div class="row"><div>{_figure_html(bars)}</div><div>{_figure_html(scatter)}</div></div>'


def _sobol_figure(sub: pd.DataFrame, output: str, level: str) -> str:
    order = sub[sub["index"] == "ST"].sort_values("value", ascending=False)["parameter"].tolist()
    fig = go.Figure()
    for index, colour in (("S1", "#2a7ab0"), ("ST", "#e67e22")):
        part = sub[sub["index"] == index].set_index("parameter").loc[order]
        fig.add_trace(go.Bar(name=index, x=[_short(p) for p in order], y=part["value"], marker_color=colour,
                             error_y={"type": "data", "array": part["conf"].fillna(0).to_numpy()}))
    fig.update_layout(title=f"{LABELS.get(output, output)}: first-order S1 and total ST ({level} intervals)",
                      barmode="group", height=420, yaxis_title="share of variance", margin={"t": 40, "b": 120})
    return _figure_html(fig)


def _rare_note(output: str, outputs: pd.DataFrame) -> str:
    """A warning under an outcome share so rare over the design that its indices are mostly noise."""
    if not output.startswith("p_") or output not in outputs or outputs[output].mean() >= RARE_SHARE:
        return ""
    return (f'<p class="note"><b>Rare outcome:</b> {outputs[output].mean():.2%} of replicates on average over '
            "the design. These indices mostly measure sampling noise: read them as no detectable effect.</p>")


def _indices_section(table: pd.DataFrame, method: Method, conf_level: float, outputs: pd.DataFrame) -> str:
    level = level_text(conf_level)
    if table.empty:
        return _section("Indices", "Not computed: some design points failed or are unfinished (see the console "
                        "message); re-running the same command retries them.", "", "indices")
    parts = []
    for output, sub in table.groupby("output", sort=False):
        parts.append(f"<h3>{_esc(LABELS.get(output, output))}</h3>" + _rare_note(output, outputs))
        if sub.empty:
            parts.append('<p class="note">Constant over the design: no variance to apportion.</p>')
        elif method == Method.MORRIS:
            parts.append(_morris_figures(sub, output, level))
        else:
            parts.append(_sobol_figure(sub, output, level))
    missing = set(LABELS) - set(table["output"])
    if missing and method == Method.SOBOL:
        parts.append(f'<p class="note">No Sobol indices for {", ".join(sorted(missing))}: constant over the '
                     "design.</p>")
    how = ("Morris elementary effects: mu* is the mean absolute change in the output when a parameter moves "
           "across its range (per full range), sigma their spread; a large sigma means the effect depends on the "
           f"other parameters (nonlinear or interacting). Intervals are bootstrap {level}."
           if method == Method.MORRIS
           else "Sobol indices: S1 is the share of the output's variance explained by the parameter alone, ST "
                f"including all its interactions; ST - S1 measures interactions. Intervals are bootstrap {level}.")
    return _section("Indices", how, "".join(parts), "indices")


def _discovery_section(boxes: pd.DataFrame) -> str:
    if boxes.empty:
        return _section("Scenario discovery", "No finished replicates to fit.", "", "discovery")
    how = ("A shallow decision tree (CART) on every replicate of every design point: where do the sieges end "
           "by force (military takeover or full evacuation) rather than in a negotiated settlement? Each leaf "
           "is a box: coverage is the share of all forced endings that fall in it, density the share of its "
           "replicates that end by force. Boxes sorted by density.")
    return _section("Scenario discovery", how, f'<div class="scroll">{_table(boxes, "data")}</div>', "discovery")


def _design_section(settings: DesignSettings, params: list[UncertainParameter], points: int,
                    outputs: pd.DataFrame) -> str:
    size = (f"{settings.trajectories} trajectories, {settings.levels} levels" if settings.method == Method.MORRIS
            else f"base sample N = {settings.base_samples}")
    ranges = pd.DataFrame([{"parameter": _short(p.key), "lo": p.lo, "hi": p.hi,
                            "whole number": "yes" if p.integer else "", "reason": p.reason} for p in params])
    spread = outputs.describe().T[["mean", "min", "max"]].rename_axis("output").reset_index() if len(outputs) else None
    body = (f"<p>{_esc(settings.method.value.title())} design: {points} points ({_esc(size)}), design seed "
            f"{settings.seed}; each point is one sweep job running the run's replicates.</p>"
            + (f"<h3>Outputs over the design points</h3>{_table(spread, 'data')}" if spread is not None else "")
            + f"<h3>Parameters and ranges</h3><div class=\"scroll\">{_table(ranges, 'data')}</div>")
    return _section("Design", "The uncertain parameters, their ranges (conf/sensitivity/ranges.yaml) and the "
                    "spread of each output over the design.", body, "design")


def render_sensitivity_report(table: pd.DataFrame, boxes: pd.DataFrame, settings: DesignSettings,
                              params: list[UncertainParameter], outputs: pd.DataFrame, points: int,
                              title: str) -> str:
    sections = [_indices_section(table, settings.method, settings.conf_level, outputs), _discovery_section(boxes),
                _design_section(settings, params, points, outputs)]
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in
                  (("indices", "Indices"), ("discovery", "Scenario discovery"), ("design", "Design")))
    page_title = f"Sensitivity report — {title}"
    return page(page_title, f"<header><h1>{_esc(page_title)}</h1><nav>{nav}</nav></header>", sections,
                footer="Generated offline from the design's tables; plotly.js is embedded in this file.")


def write_sensitivity_report(path: Path, table: pd.DataFrame, boxes: pd.DataFrame, settings: DesignSettings,
                             params: list[UncertainParameter], outputs: pd.DataFrame, points: int,
                             title: str) -> Path:
    """Render the page and write it atomically."""
    text = render_sensitivity_report(table, boxes, settings, params, outputs, points, title)
    return atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
