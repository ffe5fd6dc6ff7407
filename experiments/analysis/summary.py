"""Summaries of a scenario's run table: outcome probabilities with Wilson intervals, duration and
harm quantiles, and the short text printed at the end of a run."""

from __future__ import annotations

import pandas as pd

from experiments.measures import MEASURES, RUN_SUMMARY
from experiments.stats import wilson_interval
from sim.enums import Outcome


def outcome_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome class (all six, in a fixed order): count, probability, 95% interval."""
    n = len(runs)
    rows = []
    for outcome in Outcome:
        sub = runs[runs["outcome"] == outcome.value]
        lo, hi = wilson_interval(len(sub), n)
        rows.append({"outcome": outcome.value, "count": len(sub), "probability": len(sub) / n if n else float("nan"),
                     "ci_low": lo, "ci_high": hi,
                     "median_end_day": float(sub["end_day"].median()) if len(sub) else float("nan")})
    return pd.DataFrame(rows)


def quantile_table(runs: pd.DataFrame, columns: tuple[str, ...] = RUN_SUMMARY) -> pd.DataFrame:
    """Median and 10-90% range of duration and harm across replicates."""
    q = runs[list(columns)].quantile([0.1, 0.5, 0.9]).T
    q.columns = ["p10", "median", "p90"]
    return q.rename_axis("measure").reset_index()


def format_summary(runs: pd.DataFrame, scenario: str) -> str:
    """The few lines a user reads at the end of a run."""
    n = len(runs)
    lines = [f"Scenario {scenario}: {n} replicates", "", "Outcome probabilities (95% Wilson intervals):"]
    for row in outcome_table(runs).itertuples():
        lines.append(f"  {row.outcome:<36} {row.probability:6.1%}  [{row.ci_low:5.1%}, {row.ci_high:5.1%}]"
                     f"  (n={row.count})")
    q = quantile_table(runs).set_index("measure")
    lines += ["", "Median [10%-90%] across replicates:"]
    for key in RUN_SUMMARY:
        r = q.loc[key]
        lines.append(f"  {MEASURES[key].label:<26} {r['median']:>9,.0f}  [{r['p10']:,.0f} - {r['p90']:,.0f}]")
    return "\n".join(lines)
