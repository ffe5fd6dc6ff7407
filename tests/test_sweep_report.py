"""The sweep report: one offline HTML file (plotly.js inline once), its sections, failed points,
degenerate sweeps (one axis, one point), a 10 x 10 grid, and numeric ordering of axis values.
Summaries are fabricated with the columns `experiments.analysis.sweep.summarise` writes."""

from __future__ import annotations

import itertools
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so `pytest` works without installing the package
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from plotly.offline import get_plotlyjs  # noqa: E402

from experiments.measures import OUTCOMES, outcome_label  # noqa: E402
from experiments.measures import SWEEP_MEDIANS as MEDIAN_MEASURES  # noqa: E402
from experiments.measures import SWEEP_PAIRED as PAIRED_MEASURES  # noqa: E402
from experiments.reports.sweep import write_sweep_report  # noqa: E402
from experiments.reports.sweep_plan import make_plan, ordered_values  # noqa: E402
from experiments.stats import wilson_interval  # noqa: E402

HEADINGS = ["Outcome probabilities along", "Heatmaps over", "Duration and harm", "Differences from the reference point",
            "All points"]
ERROR = "ValueError: model.terms.expulsion_fraction must be <= 1 <&>"


def fabricate(axes: dict[str, list[str]], n: int = 20, failed: tuple[int, ...] = (),
              unfinished: tuple[int, ...] = (), reference: int | None = 0, seed: int = 3) -> pd.DataFrame:
    """A summary as analyse.summarise writes it: one row per point of the product of `axes` (the
    last axis varying fastest, as Hydra runs them); failed/unfinished points have n = 0, NaN
    probabilities and medians, and the 0..1 Wilson interval of n = 0; diff_ columns when a reference
    is given."""
    rng = np.random.default_rng(seed)
    names = list(axes)
    rows = []
    for i, combo in enumerate(itertools.product(*axes.values())):
        bad = i in failed or i in unfinished
        status = "failed" if i in failed else "unfinished" if i in unfinished else "done"
        row = {"point": str(i), **dict(zip(names, combo)), "status": status,
               "error": ERROR if i in failed else "", "is_reference": i == reference, "n": 0 if bad else n}
        weights = rng.dirichlet(np.full(len(OUTCOMES), 0.6))
        weights[OUTCOMES.index("siege_broken")] = 0.0  # one class never happens: drawn hidden
        counts = rng.multinomial(n, weights / weights.sum()) if not bad else np.zeros(len(OUTCOMES), int)
        for o, k in zip(OUTCOMES, counts):
            lo, hi = wilson_interval(int(k), row["n"])
            row[f"p_{o}"] = k / n if not bad else float("nan")
            row[f"p_{o}_lo"], row[f"p_{o}_hi"] = lo, hi
        for m in MEDIAN_MEASURES:
            med = float("nan") if bad else float(rng.uniform(10, 500))
            row[f"{m}_median"], row[f"{m}_median_lo"], row[f"{m}_median_hi"] = med, med * 0.8, med * 1.25
        rows.append(row)
    if reference is not None:
        ref = rows[reference]
        for i, row in enumerate(rows):
            nan = row["status"] != "done"
            for m in PAIRED_MEASURES:
                d = float("nan") if nan else 0.0 if i == reference else float(rng.normal(0, 20))
                row[f"diff_{m}"], row[f"diff_{m}_lo"], row[f"diff_{m}_hi"] = d, d - 5, d + 5
            for o in OUTCOMES:  # a class never seen anywhere differs by exactly 0 [0, 0], as analyse finds
                d = row[f"p_{o}"] - ref[f"p_{o}"]
                half = 0.0 if d == 0 and row[f"p_{o}"] == 0 else 0.1
                row[f"diff_p_{o}"], row[f"diff_p_{o}_lo"], row[f"diff_p_{o}_hi"] = d, d - half, d + half
    return pd.DataFrame(rows)


def render(tmp_path: Path, summary: pd.DataFrame, axes: list[str], name: str = "report") -> str:
    path = tmp_path / "sweep" / f"{name}.html"
    written = write_sweep_report(path, summary, axes, f"test sweep <{name}>")
    assert written == path and path.exists()
    return path.read_text(encoding="utf-8")


def figures(html: str) -> list[dict]:
    """The data and layout of every plotly figure in the page."""
    out = []
    for match in re.finditer(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{\"displaylogo\"", html,
                             re.S):
        out.append({"data": json.loads(match.group(1)), "layout": json.loads(match.group(2))})
    return out


TWO_AXES = {"model.terms.expulsion_fraction": ["0", "0.25", "0.5", "0.75"],
            "model.mediator.air_cover": ["WITHHELD", "CONDITIONAL", "GRANTED"]}


@pytest.fixture(scope="module")
def two_axes(tmp_path_factory):
    summary = fabricate(TWO_AXES, failed=(5,), unfinished=(7,), reference=3)
    return render(tmp_path_factory.mktemp("two"), summary, list(TWO_AXES)), summary


def test_file_written_atomically_without_leftovers(tmp_path):
    summary = fabricate(TWO_AXES)
    render(tmp_path, summary, list(TWO_AXES))
    assert [p.name for p in (tmp_path / "sweep").iterdir()] == ["report.html"]


def test_plotly_inline_once_in_head_and_no_external_script(two_axes):
    html, _ = two_axes
    head, _, body = html.partition("</head>")
    assert head.count(get_plotlyjs()) == 1
    assert body.count(get_plotlyjs()[:2000]) == 0
    assert "<script src" not in html.lower()
    assert "cdn.plot.ly" not in body  # plotly.js itself names its CDN (map topojson), the page must not


def test_section_headings_present_in_order(two_axes):
    html, _ = two_axes
    h2 = re.findall(r"<h2>(.*?)</h2>", html)
    assert len(h2) == len(HEADINGS)
    for heading, expected in zip(h2, HEADINGS):
        assert heading.startswith(expected)
    assert "Outcome probabilities along expulsion_fraction" in h2[0]
    assert "Heatmaps over expulsion_fraction x air_cover" in h2[1]
    assert html.count('<p class="explain">') == len(HEADINGS)


def test_every_outcome_class_is_named(two_axes):
    html, _ = two_axes
    for outcome in OUTCOMES:
        assert outcome_label(outcome) in html
        assert f"<th>{outcome_label(outcome)}</th>" in html  # a column of the points table


def test_failed_and_unfinished_points_are_listed_with_their_error(two_axes):
    html, _ = two_axes
    warning = re.search(r'<div class="warning">(.*?)</div>', html, re.S).group(1)
    assert "2 of 12 points did not finish" in warning
    assert "point 5" in warning and "failed" in warning
    assert "ValueError: model.terms.expulsion_fraction must be &lt;= 1 &lt;&amp;&gt;" in warning  # escaped
    assert "point 7" in warning and "unfinished" in warning
    assert ERROR not in html  # never unescaped
    rows = re.findall(r'<tr class="(\w+)"><td>(\d+)</td>', html)
    assert ("failed", "5") in rows and ("failed", "7") in rows and ("reference", "3") in rows


def test_failed_point_interval_is_not_drawn(two_axes):
    """A failed point's Wilson interval is 0..1 in the summary (n = 0); the figures leave a gap."""
    html, summary = two_axes
    assert summary.loc[5, "p_stalemate_siege_continues_hi"] == 1.0
    traces = figures(html)[0]["data"]
    # point 5 = expulsion 0.25 with GRANTED (panel 3): no line value, and no band over it
    granted = [t for t in traces if t.get("mode") == "lines+markers" and t["xaxis"] == "x3"]
    assert granted and all(t["y"][1] is None for t in granted)
    bands = [t for t in traces if t.get("fill") == "toself" and t["xaxis"] == "x3"]
    assert len(bands) == len(OUTCOMES)
    assert all(0.25 not in t["x"] and None in t["x"] for t in bands)  # two segments around the gap
    withheld = [t for t in traces if t.get("fill") == "toself" and t["xaxis"] == "x"]
    assert all(0.25 in t["x"] and None not in t["x"][:-1] for t in withheld)


def test_reference_point_named_in_header_and_marked(two_axes):
    html, _ = two_axes
    assert "point 3 (expulsion_fraction = 0.25, air_cover = WITHHELD)" in html
    diff = figures(html)[3]
    stars = [t for t in diff["data"] if t.get("name") == "reference point"]
    assert stars and all(t["y"] == [0.0] for t in stars)


def test_hidden_classes_are_legendonly(two_axes):
    html, _ = two_axes
    lines = figures(html)[0]["data"]
    broken = [t for t in lines if t.get("name") == outcome_label("siege_broken")]
    settled = [t for t in lines if t.get("name") == outcome_label("negotiated_settlement_local_stay")]
    assert broken and all(t["visible"] == "legendonly" for t in broken)
    assert settled and all(t["visible"] is True for t in settled)


def test_one_axis_renders_without_heatmap(tmp_path):
    axes = {"model.mediator.external_constraint": ["0", "0.5", "0.9", "1.0"]}
    html = render(tmp_path, fabricate(axes, failed=(1,), reference=2), list(axes))
    assert "Heatmaps over" not in html and 'id="heatmaps"' not in html
    assert "No heatmaps" in html
    assert "Outcome probabilities along external_constraint" in html
    assert "Differences from the reference point" in html
    assert len(figures(html)) == 3


def test_one_point_renders(tmp_path):
    summary = fabricate({"model.mediator.air_cover": ["GRANTED"]}, reference=0).drop(columns="model.mediator.air_cover")
    html = render(tmp_path, summary, [])
    assert "Heatmaps over" not in html and "No heatmaps" in html
    assert "1 sweep point (1 done)" in html
    assert "Differences from the reference point" not in html  # nothing to compare the reference with
    figs = figures(html)
    assert len(figs) == 2
    bars = [t for t in figs[0]["data"] if t["type"] == "bar"]  # one x value: a bar per outcome class
    assert [t["x"] for t in bars] == [[outcome_label(o)] for o in OUTCOMES]
    for outcome in OUTCOMES:
        assert outcome_label(outcome) in html


def test_all_points_failed_still_renders(tmp_path):
    axes = {"model.terms.expulsion_fraction": ["0", "0.5"]}
    html = render(tmp_path, fabricate(axes, failed=(0, 1), reference=None), list(axes))
    assert "2 of 2 points did not finish" in html
    assert "reference point</th><td>none" in html
    assert "Differences from the reference point" not in html


def test_ten_by_ten_grid_renders_readably_and_fast(tmp_path):
    axes = {"a.first": [str(v) for v in range(10)], "b.second": [f"c{v}" for v in range(10)]}
    summary = fabricate(axes, failed=(17, 55), reference=44)
    start = time.perf_counter()
    html = render(tmp_path, summary, list(axes))
    assert time.perf_counter() - start < 5.0
    figs = figures(html)
    heat = figs[1]
    heatmaps = [t for t in heat["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 1 and np.shape(heatmaps[0]["z"]) == (10, 10)
    buttons = heat["layout"]["updatemenus"][0]["buttons"]
    assert len(buttons) == len(OUTCOMES) == 6
    assert [b["label"] for b in buttons] == [f"P({outcome_label(o)})" for o in OUTCOMES]
    assert all(np.shape(b["args"][0]["z"][0]) == (10, 10) for b in buttons)
    assert heatmaps[0]["text"][7][1] == "failed" and heatmaps[0]["z"][7][1] is None  # point 17: a=1, b=c7
    # small multiples: one panel per value of the second axis, wrapped (4 columns)
    panels = {t["xaxis"] for t in figs[0]["data"]}
    assert len(panels) == 10
    assert figs[0]["layout"]["height"] < 1400


def test_third_axis_gets_a_dropdown(tmp_path):
    axes = {"x": ["1", "2", "3"], "y": ["a", "b"], "z": ["p", "q", "r"]}
    html = render(tmp_path, fabricate(axes, reference=4), list(axes))
    figs = figures(html)
    menus = figs[0]["layout"]["updatemenus"]
    assert [b["label"] for b in menus[0]["buttons"]] == ["z = p", "z = q", "z = r"]
    assert menus[0]["active"] == 1  # the reference point (x=1, y=b, z=q) is in the second
    heat_menus = figs[1]["layout"]["updatemenus"]
    assert len(heat_menus) == 2 and len(heat_menus[0]["buttons"]) == 6 and len(heat_menus[1]["buttons"]) == 3


def test_numeric_axis_values_sorted_numerically(tmp_path):
    assert ordered_values(["10", "9", "2.5", "1e2"]) == (["2.5", "9", "10", "1e2"], True)
    assert ordered_values(["GRANTED", "WITHHELD", "CONDITIONAL"]) == (["GRANTED", "WITHHELD", "CONDITIONAL"], False)
    axes = {"model.civilians.count": ["10", "9", "100", "20"]}
    html = render(tmp_path, fabricate(axes, reference=0), list(axes))
    first = figures(html)[0]
    assert first["layout"]["xaxis"]["ticktext"] == ["9", "10", "20", "100"]
    line = next(t for t in first["data"] if t.get("mode") == "lines+markers")
    assert line["x"] == [9.0, 10.0, 20.0, 100.0]
    table_order = re.findall(r"<tr(?: class=\"\w+\")?><td>\d+</td><td>(\d+)</td>", html)
    assert table_order == ["9", "10", "20", "100"]


def test_plan_moves_a_long_second_axis_into_the_dropdown():
    axes = {"x": ["1", "2"], "y": [str(v) for v in range(12)]}
    frame = fabricate(axes)
    plan = make_plan(frame, list(axes))
    assert plan.group is None and plan.selectors == ["y"] and len(plan.combos) == 12


def nav_and_sections(html: str) -> tuple[list[str], list[str]]:
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)
    return re.findall(r'<a href="#([^"]+)">', nav), re.findall(r'<section id="([^"]+)">', html)


def test_navigation_links_exactly_the_sections_present(two_axes, tmp_path):
    one_axis = {"model.mediator.external_constraint": ["0", "0.5"]}
    one_point = fabricate({"model.mediator.air_cover": ["GRANTED"]}, reference=0)
    one_point = one_point.drop(columns="model.mediator.air_cover")
    pages = {
        "two axes": (two_axes[0], ["outcomes", "heatmaps", "harm", "differences", "points"]),
        "one axis": (render(tmp_path, fabricate(one_axis), list(one_axis), "one"),
                     ["outcomes", "harm", "differences", "points"]),
        "one point": (render(tmp_path, one_point, [], "point"), ["outcomes", "harm", "points"]),
    }
    for name, (html, expected) in pages.items():
        nav, sections = nav_and_sections(html)
        assert nav == sections == expected, name


def test_axis_values_are_escaped_on_the_page_and_inside_figures(tmp_path):
    axes = {"model.terms.demand": ["<b>all</b>", "some & more"]}
    html = render(tmp_path, fabricate(axes, reference=0), list(axes))
    assert "<b>all</b>" not in html
    assert '<span class="ref">&lt;b&gt;all&lt;/b&gt;</span>, some &amp; more' in html   # the header's axis values
    data = json.dumps(figures(html))
    assert "<b>all</b>" not in data   # plotly.js would draw it bold
    assert figures(html)[0]["layout"]["xaxis"]["ticktext"] == ["&lt;b&gt;all&lt;/b&gt;", "some &amp; more"]


def test_a_categorical_axis_is_drawn_as_categories_never_joined_by_lines(tmp_path):
    """`-m scenario=a,b` or air cover: bars side by side per category and markers in the harm panels;
    no trace draws a line or a band between two categories."""
    axes = {"scenario": ["daraa_2021", "homs_old_city_2014", "madaya_zabadani_2017"]}
    html = render(tmp_path, fabricate(axes, reference=0), list(axes))
    figs = figures(html)
    outcome_bars = [t for t in figs[0]["data"] if t["type"] == "bar"]
    assert len(outcome_bars) == len(OUTCOMES)
    assert all(t["x"] == [0.0, 1.0, 2.0] for t in outcome_bars)
    assert figs[0]["layout"]["xaxis"]["ticktext"] == axes["scenario"]
    for fig in figs:
        for trace in fig["data"]:
            if trace["type"] == "scatter":
                assert "lines" not in trace.get("mode", "markers") and trace.get("fill") is None, trace.get("name")
