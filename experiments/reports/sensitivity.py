"""One self-contained, offline HTML page for a sensitivity design, from its tables alone: Morris mu*
with confidence intervals and mu* against sigma, or Sobol S1 and ST with intervals, per output; the
scenario-discovery boxes; the design and its ranges. Page skeleton: reports/page.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from experiments.io import write_text
from experiments.reports.page import Section, figure_html, render_page, table
from experiments.reports.plotly_text import plotly_text

BARS = 20   # parameters drawn per bar chart (the most influential)
RARE_SHARE = 0.01  # an outcome this rare on average over the design gives indices that are mostly sampling noise
MORRIS = "morris"


@dataclass
class Design:
    """What the page says about the design, as plain values read from the design's files."""

    method: str     # "morris" or "sobol"
    points: int
    size: str       # "10 trajectories, 4 levels" or "base sample N = 64"
    seed: int
    level: str      # the confidence level of the intervals as configured, e.g. "95%"


def _short(key: str) -> str:
    return key.removeprefix("model.")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(label: str, index: str) -> str:
    """A figure's title: the output on one line (registry labels can be long), the index below it."""
    return f"{_capital(label)}<br><sup>{index}</sup>"


def _morris_figures(sub: pd.DataFrame, label: str, level: str) -> list[str]:
    wide = sub.pivot(index="parameter", columns="index", values="value")
    conf = sub[sub["index"] == "mu_star"].set_index("parameter")["conf"]
    top = wide.sort_values("mu_star", ascending=False).head(BARS)[::-1]
    bars = go.Figure(go.Bar(x=top["mu_star"], y=[plotly_text(_short(p)) for p in top.index], orientation="h",
                            error_x={"type": "data", "array": conf.loc[top.index].fillna(0).to_numpy()},
                            marker_color="#2a7ab0"))
    bars.update_layout(title=_title(label, f"mu* ({level} bootstrap interval)"), height=140 + 22 * len(top),
                       margin={"l": 260, "r": 20, "t": 60, "b": 40}, xaxis_title="mu* (output units per range)")
    scatter = go.Figure(go.Scatter(x=wide["mu_star"], y=wide["sigma"], mode="markers+text",
                                   text=[plotly_text(_short(p).split(".")[-1]) if p in top.index[-8:] else ""
                                         for p in wide.index],
                                   textposition="top center", hovertext=[plotly_text(_short(p)) for p in wide.index],
                                   marker={"color": "#c0392b", "size": 8}))
    scatter.update_layout(title="mu* against sigma (nonlinear or interacting above the diagonal)", height=420,
                          xaxis_title="mu*", yaxis_title="sigma", margin={"t": 40, "b": 40})
    return [figure_html(bars), figure_html(scatter)]


def _sobol_figures(sub: pd.DataFrame, label: str, level: str) -> list[str]:
    order = sub[sub["index"] == "ST"].sort_values("value", ascending=False)["parameter"].tolist()
    fig = go.Figure()
    for index, colour in (("S1", "#2a7ab0"), ("ST", "#e67e22")):
        part = sub[sub["index"] == index].set_index("parameter").loc[order]
        fig.add_trace(go.Bar(name=index, x=[plotly_text(_short(p)) for p in order], y=part["value"],
                             marker_color=colour, error_y={"type": "data", "array": part["conf"].fillna(0).to_numpy()}))
    fig.update_layout(title=_title(label, f"first-order S1 and total ST ({level} intervals)"),
                      barmode="group", height=440, yaxis_title="share of variance", margin={"t": 60, "b": 120})
    return [figure_html(fig)]


def _rare_share(output: str, outputs: pd.DataFrame) -> float | None:
    """The mean share of an outcome so rare over the design that its indices are mostly noise, else None."""
    if not output.startswith("p_") or output not in outputs or outputs[output].mean() >= RARE_SHARE:
        return None
    return float(outputs[output].mean())


def _indices_section(indices: pd.DataFrame, outputs: pd.DataFrame, labels: dict[str, str], design: Design) -> Section:
    level = design.level
    if indices.empty:
        return Section("indices", "Indices", "Indices", "Not computed: some design points failed or are unfinished "
                       "(see the console message); re-running the same command retries them.")
    blocks = []
    for output, sub in indices.groupby("output", sort=False):
        label = labels.get(output, output)
        figures = (_morris_figures(sub, label, level) if design.method == MORRIS else _sobol_figures(sub, label, level)
                   ) if len(sub) else []
        blocks.append({"title": _capital(label), "rare_share": _rare_share(output, outputs), "figures": figures})
    missing = [labels[o] for o in labels if o not in set(indices["output"])] if design.method != MORRIS else []
    how = ("Morris elementary effects: mu* is the mean absolute change in the output when a parameter moves "
           "across its range (per full range), sigma their spread; a large sigma means the effect depends on the "
           f"other parameters (nonlinear or interacting). Intervals are bootstrap {level}."
           if design.method == MORRIS
           else "Sobol indices: S1 is the share of the output's variance explained by the parameter alone, ST "
                f"including all its interactions; ST - S1 measures interactions. Intervals are bootstrap {level}.")
    return Section("indices", "Indices", "Indices", how, {"outputs": blocks, "constant": missing,
                                                          "morris": design.method == MORRIS})


def _discovery_section(boxes: pd.DataFrame) -> Section:
    if boxes.empty:
        return Section("discovery", "Scenario discovery", "Scenario discovery", "No finished replicates to fit.")
    how = ("A shallow decision tree (CART) on every replicate of every design point: where do the sieges end "
           "by force (military takeover or full evacuation) rather than in a negotiated settlement? Each leaf "
           "is a box: coverage is the share of all forced endings that fall in it, density the share of its "
           "replicates that end by force. Boxes sorted by density.")
    return Section("discovery", "Scenario discovery", "Scenario discovery", how, {"table": table(boxes)})


def _design_section(ranges: pd.DataFrame, outputs: pd.DataFrame, design: Design) -> Section:
    shown = pd.DataFrame({"parameter": [_short(k) for k in ranges["parameter"]], "lo": ranges["lo"],
                          "hi": ranges["hi"], "whole number": ["yes" if i else "" for i in ranges["integer"]],
                          "reason": ranges["reason"]})
    spread = outputs.describe().T[["mean", "min", "max"]].rename_axis("output").reset_index() if len(outputs) else None
    return Section("design", "Design", "Design", "The uncertain parameters, their ranges "
                   "(conf/sensitivity/ranges.yaml) and the spread of each output over the design.",
                   {"design": design, "method": _capital(design.method), "ranges": table(shown),
                    "spread": table(spread) if spread is not None else None})


def render_sensitivity_report(indices: pd.DataFrame, boxes: pd.DataFrame, outputs: pd.DataFrame,
                              ranges: pd.DataFrame, labels: dict[str, str], design: Design, title: str) -> str:
    """The page as one HTML string. `indices`: the tidy indices (output, parameter, index, value, conf);
    `boxes`: the discovery boxes; `outputs`: one row per design point, one column per output, named in
    `labels`; `ranges`: one row per parameter (parameter, lo, hi, integer, reason)."""
    sections = [_indices_section(indices, outputs, labels, design), _discovery_section(boxes),
                _design_section(ranges, outputs, design)]
    return render_page("sensitivity.html", f"Sensitivity report — {title}", sections,
                       footer="Generated offline from the design's tables; plotly.js is embedded in this file.")


def write_sensitivity_report(path: Path, indices: pd.DataFrame, boxes: pd.DataFrame, outputs: pd.DataFrame,
                             ranges: pd.DataFrame, labels: dict[str, str], design: Design, title: str) -> Path:
    """Render the page and write it atomically."""
    return write_text(Path(path), render_sensitivity_report(indices, boxes, outputs, ranges, labels, design, title))
