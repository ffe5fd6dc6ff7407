"""Run one replicate into plain tables. Pure: no files, no plotting, no Hydra."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.draws import ParameterDraws
from sim.model import SiegeModel
from sim.params import ModelParams
from sim.rng import replicate_seed


@dataclass
class ReplicateResult:
    """The tidy rows of one replicate."""

    run: dict[str, Any]
    daily: list[dict[str, Any]]
    events: list[dict[str, Any]]
    grid: list[dict[str, np.ndarray]] | None = None


def run_replicate(params: ModelParams, root_seed: int, replicate: int, record_grid: bool = False,
                  draws: ParameterDraws | None = None) -> ReplicateResult:
    """Simulate one replicate with seeds derived from (root_seed, replicate) and return its rows;
    with `draws`, the replicate first takes its particle of them (the run row names it)."""
    drawn = {}
    if draws is not None:
        particle = draws.particle(root_seed, replicate)
        params = draws.params_for(params, particle)
        drawn = {"particle": particle}
    model = SiegeModel(params, root_seed=root_seed, replicate=replicate, record_grid=record_grid).run()
    rec = model.recorder
    ident = {"replicate": replicate}
    run = {**ident, "seed": replicate_seed(root_seed, replicate), "root_seed": root_seed, **drawn, **rec.run_row()}
    daily = [{**ident, **row} for row in rec.daily]
    events = [{**ident, **row} for row in rec.events]
    return ReplicateResult(run=run, daily=daily, events=events, grid=rec.grid)
