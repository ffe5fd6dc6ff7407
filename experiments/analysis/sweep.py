"""A sweep's summary from its tables alone: per point, outcome probabilities with Wilson intervals,
medians of duration and harm with bootstrap intervals, and paired differences (by replicate) against
the reference point. Pure: tables in, a table out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.analysis.summary import outcome_table
from experiments.keys import same_value
from experiments.measures import SWEEP_MEDIANS, SWEEP_PAIRED
from experiments.stats import bootstrap_median_interval, paired_difference, paired_share_difference
from sim.enums import Outcome

BOOTSTRAP_SEED = 12345  # fixed, so the summary is the same whoever computes it


def summarise(points: pd.DataFrame, runs: pd.DataFrame, reference: dict[str, str],
              axes: list[str]) -> pd.DataFrame:
    """One row per point: outcome probabilities with Wilson intervals, medians with bootstrap
    intervals, and paired differences against the reference point (matched by replicate)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    ref_point = reference_point(points, reference, axes)
    ref_runs = runs[runs["point"] == ref_point].set_index("replicate") if ref_point is not None else None
    rows = []
    for _, point in points.iterrows():
        row = {"point": point["point"], **{a: point[a] for a in axes}, "status": point["status"],
               "error": point["error"], "is_reference": point["point"] == ref_point}
        sub = runs[runs["point"] == point["point"]] if not runs.empty else pd.DataFrame(columns=["outcome", "end_day"])
        n = len(sub)
        row["n"] = n
        for outcome in outcome_table(sub).itertuples():
            missing = n == 0  # a failed point has no interval, not (0, 1)
            row[f"p_{outcome.outcome}"] = outcome.probability
            row[f"p_{outcome.outcome}_lo"] = float("nan") if missing else outcome.ci_low
            row[f"p_{outcome.outcome}_hi"] = float("nan") if missing else outcome.ci_high
        for measure in SWEEP_MEDIANS:
            values = sub[measure].to_numpy(float) if n else np.array([])
            row[f"{measure}_median"] = float(np.median(values)) if n else float("nan")
            row[f"{measure}_median_lo"], row[f"{measure}_median_hi"] = bootstrap_median_interval(values, rng)
        if ref_runs is not None and n:
            mine = sub.set_index("replicate")
            common = mine.index.intersection(ref_runs.index)
            for measure in SWEEP_PAIRED:
                d, lo, hi = paired_difference(ref_runs.loc[common, measure].to_numpy(float),
                                    mine.loc[common, measure].to_numpy(float), rng)
                row[f"diff_{measure}"], row[f"diff_{measure}_lo"], row[f"diff_{measure}_hi"] = d, lo, hi
            for outcome in Outcome:
                d, lo, hi = paired_share_difference((ref_runs.loc[common, "outcome"] == outcome.value).to_numpy(),
                                                    (mine.loc[common, "outcome"] == outcome.value).to_numpy())
                row[f"diff_p_{outcome.value}"], row[f"diff_p_{outcome.value}_lo"], \
                    row[f"diff_p_{outcome.value}_hi"] = d, lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def reference_point(points: pd.DataFrame, reference: dict[str, str], axes: list[str]) -> str | None:
    """The finished point whose axis values match the reference (numbers compared as numbers);
    the first finished point when no reference is given or none matches (analyse says so)."""
    done = points[points["status"] == "done"]
    if done.empty:
        return None
    keys = [k for k in reference if k in axes]
    for _, point in done.iterrows():
        if keys and all(same_value(point.get(k), reference[k]) for k in keys):
            return str(point["point"])
    return str(done["point"].iloc[0])
