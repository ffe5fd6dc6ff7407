"""What the explorer shows for a finished run, built from the comparison job's folder: for the
baseline and the user's arm, the outcome shares with intervals, the district map and the story of a
representative replicate; for both, the paired differences and the overlaid fan charts; and the
files a user may download."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from experiments.analysis.fans import fan_quantiles_from_parquet
from experiments.comparison import ARMS_DIR, ARMS_FILE, COMPARISON_FILE, REPORT_FILE
from experiments.config.schema import RunConfig
from experiments.explore.levers import BASELINE, MODEL_LEVERS, Request, lever_value
from experiments.keys import same_value
from experiments.measures import outcome_label
from experiments.reports.comparison import FAN_COLUMNS, STEP_SERIES, comparison_figures
from experiments.reports.scenario import district_figure
from experiments.scenario import showcase

DOWNLOADS = (COMPARISON_FILE, "runs.csv", ARMS_FILE, REPORT_FILE)   # what the page offers, all in the job's folder


@dataclass
class Column:
    """One arm's column: its outcome shares, and the map and story of its representative replicate."""

    arm: str
    title: str
    outcomes: go.Figure
    district: go.Figure
    replicate: int
    outcome: str
    story: list[tuple[str, str]]     # (days, text)


@dataclass
class Result:
    """Everything the page shows for one run."""

    columns: list[Column]
    differences: go.Figure
    measures: list[go.Figure]
    fans: list[go.Figure]
    comparison: pd.DataFrame
    command: str
    downloads: list[str]


def _changes_text(baseline: RunConfig, arm: RunConfig, overrides: dict) -> str:
    """Every lever whose value differs between the two runs, in words; one the user did not set
    moved because the case mapping derives it from a fact the user changed (e.g. buses from the
    expulsion demand where a case gives no convoy figures)."""
    parts = []
    for lever in MODEL_LEVERS:
        before, after = lever_value(baseline, lever), lever_value(arm, lever)
        if not same_value(after, before):
            follows = "" if lever.key in overrides else f" (follows from your changes; was {before})"
            parts.append(f"{lever.label.lower()} {after}{follows}")
    return "; ".join(parts) or "the same as the baseline (every difference below is zero)"


def build_result(folder: Path, arms: list[tuple[str, dict, RunConfig]], request: Request) -> Result:
    """The page's content for a finished comparison in `folder` (arms as `arm_configs` returns them)."""
    comparison = pd.read_parquet(folder / "comparison.parquet")
    fans = {name: fan_quantiles_from_parquet(folder / ARMS_DIR / name / "daily.parquet", FAN_COLUMNS, steps=STEP_SERIES)
            for name, _, _ in arms}
    figures = comparison_figures(comparison, fans, BASELINE)
    columns = []
    for name, overrides, run in arms:
        runs = pd.read_parquet(folder / ARMS_DIR / name / "runs.parquet")
        shown = showcase(run, runs)
        own = comparison_figures(comparison[comparison["arm"] == name], {name: fans[name]}, BASELINE).outcomes
        own.update_layout(height=340, showlegend=False)
        title = (f"Baseline: {request.scenario} as configured" if name == BASELINE else
                 "Your settings: " + _changes_text(arms[0][2], run, overrides))
        columns.append(Column(name, title, own, district_figure(shown), shown.replicate, outcome_label(shown.outcome),
                              list(zip(shown.story["days"], shown.story["text"])) if shown.story is not None else []))
    downloads = [name for name in DOWNLOADS if (folder / name).is_file()]
    return Result(columns, figures.differences, figures.measures, figures.fans, comparison, request.command(),
                  downloads)

