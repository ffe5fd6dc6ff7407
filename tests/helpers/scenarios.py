"""Scenario parameters composed exactly as the run job composes them, and batches of replicates."""

from __future__ import annotations

import pandas as pd

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
