"""Shared helpers: scenario parameters composed exactly as the run job composes them, and
batches of replicates as tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.config.compose import compose, to_run_config
from experiments.replicates import run_replicates
from sim.params import ModelParams


def scenario_params(*overrides: str) -> ModelParams:
    """The validated model parameters of the default run plus Hydra overrides."""
    return to_run_config(compose(list(overrides))).model


def simulate(params: ModelParams, replicates: int, seed: int = 7, workers: int = 0
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run replicates 0..n-1 (on all cores by default) and return (runs, daily, events)."""
    tables = run_replicates(params, seed, replicates, workers)
    return tables.runs, tables.daily, tables.events


def bootstrap_ci(values: np.ndarray, stat=np.mean, n_boot: int = 2000, seed: int = 0,
                 level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of a statistic of one sample."""
    rng = np.random.default_rng(seed)
    values = np.asarray(values, dtype=float)
    idx = rng.integers(0, values.size, size=(n_boot, values.size))
    stats = np.apply_along_axis(stat, 1, values[idx])
    alpha = (1 - level) / 2
    return float(np.quantile(stats, alpha)), float(np.quantile(stats, 1 - alpha))


@pytest.fixture(scope="session")
def daraa() -> ModelParams:
    return scenario_params()
