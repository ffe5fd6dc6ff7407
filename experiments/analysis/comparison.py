"""A paired comparison's summary from its runs table alone (one row per arm and replicate): per arm,
outcome shares with Wilson intervals and medians with bootstrap intervals, and, against the
baseline, paired differences (replicate r of an arm against replicate r of the baseline, run on the
same seeds): of a share with the Bonett-Price interval for paired proportions, of a measure's mean
with a bootstrap interval over the pairs. Pure: a table in, a tidy table out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.analysis.summary import outcome_table
from experiments.measures import SWEEP_MEDIANS
from experiments.stats import bootstrap_median_interval, paired_difference, paired_share_difference

BOOTSTRAP_SEED = 12345  # fixed, so the summary is the same whoever computes it
COLUMNS = ["arm", "is_baseline", "quantity", "statistic", "n", "value", "lo", "hi", "difference", "difference_lo",
           "difference_hi", "pairs"]
NO_DIFFERENCE = (np.nan, np.nan, np.nan)   # the baseline's own rows, and an arm with no replicate in common


def comparison_table(runs: pd.DataFrame, arms: list[str], baseline: str) -> pd.DataFrame:
    """One row per arm and quantity: `p_<outcome>` (a share, Wilson interval) or a run measure (its
    median, bootstrap interval), and for every arm but the baseline the paired difference from the
    baseline over the replicates both ran (`pairs`), with its 95% interval (Bonett-Price for a share,
    a bootstrap over the pairs for a measure's mean)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    base = runs[runs["arm"] == baseline].set_index("replicate")
    rows = []
    for arm in arms:
        mine = runs[runs["arm"] == arm].set_index("replicate")
        common = mine.index.intersection(base.index)
        paired = arm != baseline and len(common) > 0
        for outcome in outcome_table(mine.reset_index()).itertuples():
            d = (paired_share_difference((base.loc[common, "outcome"] == outcome.outcome).to_numpy(),
                                         (mine.loc[common, "outcome"] == outcome.outcome).to_numpy())
                 if paired else NO_DIFFERENCE)
            rows.append([arm, arm == baseline, f"p_{outcome.outcome}", "share", len(mine), outcome.probability,
                         outcome.ci_low, outcome.ci_high, *d, len(common) if paired else 0])
        for measure in SWEEP_MEDIANS:
            values = mine[measure].to_numpy(float)
            lo, hi = bootstrap_median_interval(values, rng)
            d = (paired_difference(base.loc[common, measure].to_numpy(float), mine.loc[common, measure].to_numpy(float),
                                   rng) if paired else NO_DIFFERENCE)
            rows.append([arm, arm == baseline, measure, "median", len(mine),
                         float(np.median(values)) if len(values) else np.nan, lo, hi, *d,
                         len(common) if paired else 0])
    return pd.DataFrame(rows, columns=COLUMNS)
