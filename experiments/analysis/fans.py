"""Fan charts' numbers: per day, quantiles of daily series across replicates. Runs end on different
days, so each replicate's last row is carried forward to the last day of any run."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

FAN_QUANTILES = (0.1, 0.5, 0.9)


def with_held_control(daily: pd.DataFrame) -> pd.DataFrame:
    """The daily table with `control_held`: the share of cells the rebels hold (rebel + contested)."""
    if {"control_rebel", "control_contested"} <= set(daily.columns):
        return daily.assign(control_held=daily["control_rebel"] + daily["control_contested"])
    return daily


def fan_quantiles(daily: pd.DataFrame, columns: Iterable[str], steps: Collection[str] = (),
                  quantiles: Sequence[float] = FAN_QUANTILES) -> dict[str, pd.DataFrame]:
    """Per column: a (day x quantile) frame across replicates, each replicate's last row carried
    forward to the largest end day. Columns in `steps` are levels: their quantiles are observed
    values ('nearest'), never a level between two. Vectorised: one pivot, one forward fill."""
    columns = [c for c in columns if c in daily.columns]
    if daily.empty or not columns:
        return {}
    wide = (daily[["replicate", "day", *columns]]
            .drop_duplicates(["replicate", "day"], keep="last")
            .pivot(index="day", columns="replicate", values=columns)
            .astype(float))
    days = np.arange(int(daily["day"].min()), int(daily["day"].max()) + 1)
    wide = wide.reindex(days).ffill()
    out = {}
    for col in columns:
        block = wide[col].to_numpy()
        method = "nearest" if col in steps else "linear"
        q = np.nanquantile(block, quantiles, axis=1, method=method) if block.size else np.empty((len(quantiles), 0))
        out[col] = pd.DataFrame(q.T, index=days, columns=list(quantiles))
    return out


def fan_quantiles_from_parquet(path: Path, columns: Iterable[str], steps: Collection[str] = (),
                               quantiles: Sequence[float] = FAN_QUANTILES) -> dict[str, pd.DataFrame]:
    """`fan_quantiles` of a daily table on disk, reading one column (with replicate and day) at a
    time, so that a run of any size needs the memory of one column, not of the table. The same
    numbers as on the table in memory: each column's quantiles depend only on that column."""
    present = set(pq.read_schema(path).names)
    out: dict[str, pd.DataFrame] = {}
    for column in columns:
        needed = ["control_rebel", "control_contested"] if column == "control_held" else [column]
        if not {"replicate", "day", *needed} <= present:
            continue
        frame = with_held_control(pd.read_parquet(path, columns=["replicate", "day", *needed]))
        out.update(fan_quantiles(frame, [column], steps, quantiles))
    return out
