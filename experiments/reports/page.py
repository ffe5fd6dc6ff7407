"""What every report page shares: the Jinja2 environment (autoescaping on) over the templates shipped
in this package, the sections a page has (its navigation is built from that list), tables as rows of
cell text, the job's metadata as rows, and Plotly figures as HTML without plotly.js, which the base
template embeds once, inline in <head>, so a page opens offline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from experiments.reports.framing import FRAMING, WHERE_IT_MISSES

PLOT_CONFIG = {"displaylogo": False, "responsive": True}
FOOTER = "Generated offline; plotly.js is embedded in this file."
META_ORDER = ("scenario", "replicates", "root_seed", "seed_rule", "parameter_uncertainty", "code_version", "packages",
              "created")

# StrictUndefined: a template naming a value the report did not pass fails instead of printing nothing.
TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("experiments.reports", "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass
class Section:
    """One <section> of a page: its anchor and navigation label, heading and explanation (plain
    text), and the values the report's template draws in it (figures, tables, notes)."""

    anchor: str
    nav: str
    heading: str
    explanation: str
    parts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Table:
    """A table as text: header cells, rows of cell text, and a CSS class per row ('' for none)."""

    css: str
    columns: list[str]
    rows: list[list[str]]
    row_classes: list[str]


def cell_text(value: Any, digits: int = 3) -> str:
    """A cell's text: numbers rounded, dicts as 'key value' pairs, booleans as yes/no, missing blank."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.{digits}g}" if abs(value) >= 1e4 or value != round(value, digits) else f"{value:g}"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}" if abs(value) >= 1e4 else f"{value}"
    return str(value)


def table(frame: pd.DataFrame, css: str = "data", row_classes: Sequence[str] | None = None,
          digits: int = 3) -> Table:
    """A DataFrame as a Table: column names with spaces for underscores, every cell as cell_text."""
    return Table(css=css, columns=[str(c).replace("_", " ") for c in frame.columns],
                 rows=[[cell_text(v, digits) for v in record] for record in frame.itertuples(index=False)],
                 row_classes=list(row_classes) if row_classes is not None else [""] * len(frame))


IDENTIFIERS = ("root_seed", "seed", "code_version")   # printed as typed (no thousands separators): copied into commands


def meta_rows(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The job's record as (name, text) rows: scenario, replicates, seeds, code and package versions
    first, anything else after. A seed prints as it is typed on a command line."""
    keys = [k for k in META_ORDER if k in meta] + [k for k in meta if k not in META_ORDER]
    return [(k.replace("_", " "), str(meta[k]) if k in IDENTIFIERS else cell_text(meta[k])) for k in keys]


def figure_html(fig: go.Figure) -> str:
    """A figure's div and script, without plotly.js (embedded once in <head>) and without auto-play."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, auto_play=False)


def render_page(template: str, title: str, sections: list[Section], meta: dict[str, Any] | None = None,
                footer: str = FOOTER, framed: bool = False, **values: Any) -> str:
    """A whole page from a report's template: `title` heads it, the navigation links `sections`
    in order, `meta` (the job's record) is shown as a table, `values` go to the template; a `framed`
    page of outcome probabilities opens by saying what they are and how well the model hindcasts."""
    return TEMPLATES.get_template(template).render(
        title=title, sections=sections, meta=meta_rows(meta) if meta else [], footer=footer,
        plotly_js=get_plotlyjs(), framing=FRAMING if framed else "", where_it_misses=WHERE_IT_MISSES, **values)
