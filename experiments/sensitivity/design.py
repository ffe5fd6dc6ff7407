"""Global sensitivity analysis with SALib, as plain functions on arrays: the design (Morris elementary
effects, Saltelli's sample for Sobol indices) and the indices with bootstrap confidence intervals as
one tidy table. No files, no Hydra: the sweeper and the sweep analysis call these."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd

from experiments.config.ranges import UncertainParameter

INDEX_COLUMNS = ["method", "output", "parameter", "index", "value", "conf", "conf_low", "conf_high"]


class Method(Enum):
    """Morris screening (cheap, ranks many parameters) or Sobol variance shares (for the top few)."""

    MORRIS = "morris"
    SOBOL = "sobol"


@dataclass
class DesignSettings:
    """How many points the design has and how they are drawn (validated by `check`)."""

    method: Method = Method.MORRIS
    trajectories: int = 10      # Morris r: each trajectory costs (parameters + 1) points
    levels: int = 4             # Morris grid levels (even; Saltelli et al. 2008 recommend 4)
    base_samples: int = 64      # Sobol base sample N, a power of two: N * (parameters + 2) points
    seed: int = 20240601        # the design's own seed (the replicates use the run's root seed)
    conf_level: float = 0.95
    resamples: int = 1000       # bootstrap resamples for the confidence intervals

    def check(self) -> None:
        """Raise ValueError naming the setting when the design cannot be built."""
        if self.method == Method.MORRIS and self.trajectories < 2:
            raise ValueError(f"hydra.sweeper.trajectories={self.trajectories} is not allowed: at least 2")
        if self.levels < 2 or self.levels % 2:
            raise ValueError(f"hydra.sweeper.levels={self.levels} is not allowed: an even number >= 2")
        n = self.base_samples
        if self.method == Method.SOBOL and (n < 2 or n & (n - 1)):
            raise ValueError(f"hydra.sweeper.base_samples={n} is not allowed: a power of two >= 2 (Sobol sequence)")
        if not 0 < self.conf_level < 1:
            raise ValueError(f"hydra.sweeper.conf_level={self.conf_level} is not allowed: between 0 and 1")
        if self.resamples < 10:
            raise ValueError(f"hydra.sweeper.resamples={self.resamples} is not allowed: at least 10")


def problem(params: list[UncertainParameter]) -> dict:
    """SALib's problem dictionary for the varied parameters."""
    return {"num_vars": len(params), "names": [p.key for p in params], "bounds": [[p.lo, p.hi] for p in params]}


def sample(settings: DesignSettings, params: list[UncertainParameter]) -> np.ndarray:
    """The design matrix (one row per point, one column per parameter, raw SALib values)."""
    from SALib.sample import morris, sobol

    if settings.method == Method.MORRIS:
        return morris.sample(problem(params), settings.trajectories, num_levels=settings.levels, seed=settings.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns when N is small; check() already demands a power of two
        return sobol.sample(problem(params), settings.base_samples, calc_second_order=False, seed=settings.seed)


def indices(settings: DesignSettings, params: list[UncertainParameter], x: np.ndarray,
            outputs: pd.DataFrame) -> pd.DataFrame:
    """Tidy indices: one row per (output, parameter, index) with the value and its confidence
    interval (half-width `conf`, and `conf_low`/`conf_high`). An output that does not vary over the
    design gets zero Morris effects and no Sobol indices (the variance they divide by is zero)."""
    frames = [_one_output(settings, params, x, name, outputs[name].to_numpy(float)) for name in outputs.columns]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=INDEX_COLUMNS)
    return frame[INDEX_COLUMNS]


def _one_output(settings: DesignSettings, params: list[UncertainParameter], x: np.ndarray, name: str,
                y: np.ndarray) -> pd.DataFrame:
    from SALib.analyze import morris, sobol

    prob = problem(params)
    if settings.method == Method.MORRIS:
        res = morris.analyze(prob, x, y, num_resamples=settings.resamples, conf_level=settings.conf_level,
                             num_levels=settings.levels, seed=settings.seed)
        table = {"mu_star": (res["mu_star"], res["mu_star_conf"]), "mu": (res["mu"], None),
                 "sigma": (res["sigma"], None)}
    elif np.var(y) == 0:
        return pd.DataFrame(columns=INDEX_COLUMNS)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sobol.analyze(prob, y, calc_second_order=False, num_resamples=settings.resamples,
                                conf_level=settings.conf_level, seed=settings.seed)
        table = {"S1": (res["S1"], res["S1_conf"]), "ST": (res["ST"], res["ST_conf"])}
    rows = []
    for index, (values, conf) in table.items():
        for i, key in enumerate(prob["names"]):
            half = float(conf[i]) if conf is not None else float("nan")
            value = float(values[i])
            rows.append({"method": settings.method.value, "output": name, "parameter": key, "index": index,
                         "value": value, "conf": half, "conf_low": value - half, "conf_high": value + half})
    return pd.DataFrame(rows)


def ranking(table: pd.DataFrame) -> pd.Series:
    """Parameters ordered by influence over all outputs. Each output's headline index (Morris mu*,
    Sobol ST) counts by the lower end of its interval, scaled by that output's largest, and a
    parameter scores its best over outputs (so units do not matter). Ranking on the lower end keeps
    effects the design cannot tell from noise (takeover at Daraa: every mu* within its error) out of
    the top. When no interval clears zero anywhere, the values themselves rank."""
    headline = table[table["index"].isin(["mu_star", "ST"])]
    if headline.empty:
        return pd.Series(dtype=float)
    column = "conf_low" if (headline["conf_low"] > 0).any() else "value"
    strength = headline[column].clip(lower=0).abs()
    scale = strength.groupby(headline["output"]).transform(lambda v: v.max() or 1.0)
    scored = headline.assign(score=strength / scale)
    return scored.groupby("parameter")["score"].max().sort_values(ascending=False, kind="stable")


def level_text(conf_level: float) -> str:
    """'95%' for 0.95, '90%' for 0.9, '99.5%' for 0.995."""
    return f"{conf_level * 100:.4g}%"


def top_table(table: pd.DataFrame, conf_level: float, k: int = 5) -> str:
    """A short text table: the k most influential parameters for each output, with their intervals
    at `conf_level` (the design's)."""
    lines = []
    for output, sub in table.groupby("output", sort=False):
        headline = sub[sub["index"].isin(["mu_star", "ST"])].sort_values("value", ascending=False).head(k)
        if headline.empty:
            continue
        index = headline["index"].iloc[0]
        lines.append(f"  {output} ({'mu*' if index == 'mu_star' else 'total-order ST'}, "
                     f"{level_text(conf_level)} interval):")
        for row in headline.itertuples():
            lines.append(f"    {row.parameter.removeprefix('model.'):<44} {row.value:10.4g}  "
                         f"[{row.conf_low:.3g}, {row.conf_high:.3g}]")
    return "\n".join(lines)


@dataclass
class Design:
    """The design of a sensitivity analysis: settings, varied parameters, raw SALib sample."""

    settings: DesignSettings
    params: list[UncertainParameter]
    x: np.ndarray

    @property
    def points(self) -> int:
        return len(self.x)

    def overrides(self, i: int) -> list[str]:
        """The Hydra overrides of design point i."""
        return [p.override(v) for p, v in zip(self.params, self.x[i])]

    def table(self) -> pd.DataFrame:
        """design.parquet: one row per point with the values the model received; whole-number
        parameters also keep SALib's raw sample (`raw.<key>`), the matrix the analysis hands back to
        SALib. For Morris the two agree (check_morris_grid puts the grid on whole numbers; rounding
        only removes floating-point dust); for Sobol the model received the rounded value (a
        quantised input), and SALib's Sobol estimator reads the outputs alone."""
        frame = pd.DataFrame({"point": np.arange(self.points)})
        for j, p in enumerate(self.params):
            frame[p.key] = [p.value(v) for v in self.x[:, j]]
        for j, p in enumerate(self.params):
            if p.integer:
                frame[f"raw.{p.key}"] = self.x[:, j]
        return frame
