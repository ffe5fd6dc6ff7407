"""Text that goes inside a Plotly figure. Hover templates, trace names, titles and tick labels render
a subset of HTML, and Jinja's autoescaping never reaches into a figure's JSON, so text read from
files (case ids, parameter names, axis values, reasons) is escaped here before it enters a figure."""

from __future__ import annotations

import html


def plotly_text(value: object) -> str:
    """`value` as text Plotly shows as written: '&', '<' and '>' as the entities Plotly decodes (it
    decodes no '&quot;', so quotes stay), and '%{' broken so a hover template reads no placeholder."""
    return html.escape(str(value), quote=False).replace("%{", "%&#123;")
