"""Summaries of a scenario's run table: outcome probabilities with Wilson intervals, duration and
harm quantiles, and the short text printed at the end of a run."""

from __future__ import annotations

import math

import pandas as pd

from sim.enums import Outcome

Z95 = 1.959963984540054


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (Wilson 1927); (0, 1) when n = 0.
    The bounds are exactly 0 when k = 0 and exactly 1 when k = n."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo = 0.0 if k <= 0 else max(0.0, centre - half)
    hi = 1.0 if k >= n else min(1.0, centre + half)
    return lo, hi


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


HARM_COLUMNS = ["end_day", "fighters_killed", "fighters_evacuated", "fighters_settled", "civilians_killed",
                "civilians_injured", "civilians_displaced", "besieger_killed", "breakdowns", "rounds"]


def quantile_table(runs: pd.DataFrame, columns: list[str] = HARM_COLUMNS) -> pd.DataFrame:
    """Median and 10-90% range of duration and harm across replicates."""
    q = runs[columns].quantile([0.1, 0.5, 0.9]).T
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
    labels = {"end_day": "days to resolution", "fighters_killed": "fighters killed",
              "fighters_evacuated": "fighters evacuated", "fighters_settled": "fighters settled",
              "civilians_killed": "civilians killed", "civilians_injured": "civilians injured",
              "civilians_displaced": "civilians displaced", "besieger_killed": "besieger troops killed",
              "breakdowns": "implementation breakdowns"}
    for key, label in labels.items():
        r = q.loc[key]
        lines.append(f"  {label:<26} {r['median']:>9,.0f}  [{r['p10']:,.0f} - {r['p90']:,.0f}]")
    return "\n".join(lines)
