"""The offline HTML report: file written atomically, sections in order and linked from the navigation,
plotly.js and the stylesheet inline once, text from files escaped on the page and inside figures, all
outcome classes shown, Wilson intervals, fan quantiles and the showcase choice correct."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so `pytest` works without installing the package
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from markupsafe import escape  # noqa: E402
from plotly.offline import get_plotlyjs  # noqa: E402

from experiments.analysis.fans import fan_quantiles, with_held_control  # noqa: E402
from experiments.analysis.showcase import choose_showcase  # noqa: E402
from experiments.analysis.story import run_story, story_table  # noqa: E402
from experiments.analysis.summary import outcome_table  # noqa: E402
from experiments.measures import outcome_label  # noqa: E402
from experiments.reports.framing import FRAMING, WHERE_IT_MISSES  # noqa: E402
from experiments.reports.page import TEMPLATES, Section, render_page  # noqa: E402
from experiments.reports.plotly_text import plotly_text  # noqa: E402
from experiments.reports.scenario import (  # noqa: E402
    FAN_COLUMNS,
    STEP_SERIES,
    Showcase,
    district_figure,
    vote_table,
    write_report,
)
from experiments.stats import wilson_interval  # noqa: E402
from sim.enums import EventKind, Outcome  # noqa: E402
from sim.params import ModelParams, provenance_table, validate  # noqa: E402
from sim.runner import run_replicate  # noqa: E402

N_REPLICATES = 6
ROOT_SEED = 1


@pytest.fixture(scope="module")
def tables():
    p = validate(ModelParams())
    p.horizon_days = 40
    results = [run_replicate(p, root_seed=ROOT_SEED, replicate=r) for r in range(N_REPLICATES)]
    runs = pd.DataFrame([r.run for r in results])
    daily = pd.DataFrame([row for r in results for row in r.daily])
    events = pd.DataFrame([e for r in results for e in r.events])
    k = choose_showcase(runs)
    replay = run_replicate(p, ROOT_SEED, k, record_grid=True)
    d = p.district
    showcase = Showcase(replicate=k, outcome=str(runs.loc[runs["replicate"] == k, "outcome"].iloc[0]),
                        daily=pd.DataFrame(replay.daily), events=pd.DataFrame(replay.events),
                        grid=replay.grid, width=d.grid_width, height=d.grid_height,
                        evacuation_cell=d.evacuation_point_row * d.grid_width + d.grid_width // 2,
                        story=story_table(run_story(pd.DataFrame(replay.events), pd.DataFrame(replay.daily))))
    parameters = pd.DataFrame(provenance_table(p))
    parameters["scenario_provenance"] = "scenario source <i>x</i>"
    meta = {"scenario": "daraa <test> & co", "replicates": N_REPLICATES, "root_seed": ROOT_SEED,
            "code_version": "test", "packages": {"numpy": np.__version__}, "created": "2025-01-01T00:00:00+00:00"}
    return dict(runs=runs, daily=daily, events=events, showcase=showcase, parameters=parameters, meta=meta)


@pytest.fixture(scope="module")
def report(tables, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "sub" / "report.html"
    fans = fan_quantiles(with_held_control(tables["daily"]), FAN_COLUMNS, steps=STEP_SERIES)
    written = write_report(path, outcome_table(tables["runs"]), fans, tables["showcase"], tables["parameters"],
                           tables["meta"], len(tables["runs"]))
    return path, written, path.read_text(encoding="utf-8")


def nav_and_sections(html: str) -> tuple[list[str], list[str]]:
    """The anchors the navigation links to, and the ids of the page's sections, in page order."""
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)
    return re.findall(r'<a href="#([^"]+)">', nav), re.findall(r'<section id="([^"]+)">', html)


def test_file_is_written_atomically(report):
    path, written, html = report
    assert written == path and path.is_file()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]  # no temporary file left behind


def test_sections_in_order(report, tables):
    html = report[2]
    headings = ["Outcome probabilities", "Over time", "The district, day by day",
                f"Negotiation timeline of replicate {tables['showcase'].replicate}", "Parameters and provenance"]
    positions = [html.find(f"<h2>{h}</h2>") for h in headings]
    assert all(p >= 0 for p in positions), dict(zip(headings, positions))
    assert positions == sorted(positions)


def test_plotly_inline_once_and_offline(report):
    html = report[2]
    bundle = get_plotlyjs()
    assert html.count(bundle) == 1
    assert html.find(bundle) < html.find("</head>")
    assert "<script src" not in html.lower()
    rest = html.replace(bundle, "")  # the bundle itself names a CDN only as geo plots' topojson default
    assert "cdn.plot.ly" not in rest and "mathjax" not in rest.lower()
    assert "Plotly.animate(" not in rest  # the map waits for Play instead of auto-playing on load
    assert html.count("plotly-graph-div") >= 8  # 1 outcome + 6 fan panels + map + timeline


def test_navigation_links_exactly_the_sections_present(report):
    nav, sections = nav_and_sections(report[2])
    assert nav == sections == ["outcomes", "over-time", "story", "district", "negotiation", "parameters"]


def test_the_stylesheet_is_inlined_once_with_each_rule_once(report):
    html = report[2]
    css = TEMPLATES.loader.get_source(TEMPLATES, "style.css")[0]
    head = html.partition("</head>")[0]
    assert head.count("<style>") == 1 and css.strip() in head and "<link" not in html
    selectors = [s.strip() for rule in re.sub(r"/\*.*?\*/", "", css, flags=re.S).split("}")
                 if "{" in rule for s in rule.split("{")[0].split(",") if "@media" not in rule]
    assert len(selectors) == len(set(selectors)), "a selector is defined twice: merge the rules"


def test_every_outcome_class_appears(report, tables):
    html = report[2]
    for outcome in Outcome:
        assert outcome.value in html
    summary = outcome_table(tables["runs"])
    assert summary["outcome"].tolist() == [o.value for o in Outcome]
    assert summary["count"].sum() == N_REPLICATES
    assert np.all(summary["ci_low"] <= summary["probability"]) and np.all(summary["probability"] <= summary["ci_high"])


def test_strings_are_escaped(report):
    html = report[2]
    assert "<title>Siege simulation report — daraa &lt;test&gt; &amp; co</title>" in html
    assert "daraa <test>" not in html
    assert "scenario source &lt;i&gt;x&lt;/i&gt;" in html  # the scenario provenance column is shown, escaped


def test_the_report_opens_by_saying_what_its_probabilities_are(report):
    """The framing (what the probabilities are, the hindcast skill, where it misses) comes before the
    first section, with the figures tests/test_framing.py checks against the hindcasts."""
    _, _, html = report
    framing = html.index("What these probabilities are.")
    assert framing < html.index("<section ")
    assert str(escape(FRAMING)) in html and str(escape(WHERE_IT_MISSES)) in html   # as jinja escapes it


def test_the_explorer_stylesheet_is_package_data():
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    folder = ROOT / "experiments" / "explore"
    assert set((folder / "assets").iterdir()) == {p for pattern in globs["experiments.explore"]
                                                   for p in folder.glob(pattern)}


def test_every_template_is_package_data():
    """A non-editable install ships only what package-data names: every template must match it."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    folder = ROOT / "experiments" / "reports"
    shipped = {p for pattern in globs["experiments.reports"] for p in folder.glob(pattern)}
    templates = set((folder / "templates").iterdir())
    assert templates and templates == shipped
    assert set(TEMPLATES.list_templates()) == {p.name for p in templates}


HOSTILE = '<img src=x onerror="alert(1)"> & %{x}'


def test_hostile_text_is_escaped_in_table_cells_the_navigation_and_the_header():
    table_section = Section("cases", HOSTILE, "Cases", HOSTILE, {})
    html = render_page("base.html", HOSTILE, [table_section], meta={"scenario": HOSTILE, "reason": HOSTILE})
    escaped = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; %{x}"
    assert "<img" not in html
    assert f'<nav><a href="#cases">{escaped}</a></nav>' in html
    assert f"<title>{escaped}</title>" in html and f"<h1>{escaped}</h1>" in html
    assert f"<tr><th>reason</th><td>{escaped}</td></tr>" in html
    assert f'<p class="explain">{escaped}</p>' in html


def test_text_for_figures_is_escaped_for_plotly():
    assert plotly_text(HOSTILE) == '&lt;img src=x onerror="alert(1)"&gt; &amp; %&#123;x}'
    assert plotly_text("case_1 (GRANTED)") == "case_1 (GRANTED)"   # plain text passes unchanged
    assert plotly_text(0.25) == "0.25"


@pytest.mark.parametrize("k, n, lo, hi", [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0),
                                           (1, 20, 0.0089, 0.2361)])
def test_wilson_interval_known_values(k, n, lo, hi):
    got_lo, got_hi = wilson_interval(k, n)
    assert got_lo == pytest.approx(lo, abs=1e-4)
    assert got_hi == pytest.approx(hi, abs=1e-4)


def test_wilson_interval_edges():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(3, 10)
    lo2, hi2 = wilson_interval(7, 10)
    assert lo == pytest.approx(1 - hi2) and hi == pytest.approx(1 - lo2)


def test_choose_showcase_hand_made():
    partial, takeover = Outcome.PARTIAL_EVACUATION.value, Outcome.MILITARY_TAKEOVER.value
    runs = pd.DataFrame({
        "replicate": [7, 5, 2, 4, 0, 1],
        "outcome": [partial, partial, partial, partial, takeover, takeover],
        "end_day": [30, 16, 10, 14, 15, 15],
    })
    # modal class: partial (4 runs), median end day 15; replicates 4 and 5 are both 1 day off -> lowest, 4.
    # The takeover runs end exactly on day 15 but are not in the modal class.
    assert choose_showcase(runs) == 4
    assert choose_showcase(runs[runs["replicate"] != 4]) == 5
    assert choose_showcase(runs.iloc[[4]]) == 0


def test_fan_quantiles_carry_last_row_forward():
    daily = pd.DataFrame({"replicate": [0, 0, 0, 1, 1, 1, 1, 1],
                          "day": [0, 1, 2, 0, 1, 2, 3, 4],
                          "x": [0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 3.0, 4.0]})
    q = fan_quantiles(daily, ["x"])["x"]
    assert q.index.tolist() == [0, 1, 2, 3, 4]
    # on day 4 replicate 0 still counts with its last value 2, so the median is (2 + 4) / 2
    assert q.loc[4, 0.5] == pytest.approx(3.0)
    assert q.loc[4, 0.1] == pytest.approx(2.2)
    assert q.loc[1, 0.5] == pytest.approx(1.0)


def test_fan_quantiles_of_a_level_are_observed_levels():
    daily = pd.DataFrame({"replicate": [0, 1, 2, 3], "day": [0, 0, 0, 0], "level": [0, 0, 1, 1]})
    assert fan_quantiles(daily, ["level"])["level"].loc[0, 0.5] == pytest.approx(0.5)   # between two levels
    assert fan_quantiles(daily, ["level"], steps={"level"})["level"].loc[0, 0.5] in (0.0, 1.0)


def test_showcase_map_and_votes(tables):
    showcase = tables["showcase"]
    fig = district_figure(showcase)
    assert len(fig.frames) == len(showcase.grid) == len(showcase.daily)
    assert f"Replicate {showcase.replicate} — outcome: {outcome_label(showcase.outcome)}" in fig.layout.title.text
    assert fig.layout.sliders and len(fig.layout.sliders[0].steps) == len(showcase.grid)
    assert np.asarray(fig.data[0].z).shape == (showcase.height, showcase.width)
    votes = vote_table(showcase.events)
    assert len(votes) == int((showcase.events["event"] == EventKind.VOTE.value).sum())
    assert set(votes["vote"].dropna()) <= {"accept", "reject"}


def test_the_story_section_lists_the_showcase_story_line_by_line(tables, report):
    story = tables["showcase"].story
    assert len(story) > 0
    section = re.search(r'<section id="story">(.*?)</section>', report[2], re.S).group(1)
    items = re.findall(r"<li><b>(.*?)\.</b> (.*?)</li>", section)
    assert [days for days, _ in items] == list(story["days"])
    assert items[-1][1].startswith("The siege ended in")


def test_the_record_prints_a_seed_as_it_is_typed():
    """A root seed is copied into commands, so it has no thousands separators; counts keep theirs."""
    from experiments.reports.page import meta_rows

    rows = dict(meta_rows({"root_seed": 20210624, "replicates": 100000}))
    assert rows["root seed"] == "20210624" and rows["replicates"] == "100,000"
