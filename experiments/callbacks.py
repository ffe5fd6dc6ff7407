"""Hydra callbacks: progress over a whole sweep, and its aggregation when the sweep ends (a sweep's
summary and report, or a sensitivity design's indices and discovery)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from experiments.sensitivity.analyse import analyse_design
from experiments.sensitivity.sweeper import is_salib, plan
from experiments.sweeps.aggregate import analyse
from experiments.sweeps.check import sweep_axes, sweeper_params
from experiments.sweeps.folder import count_points, write_sweep_file
from experiments.sweeps.progress import SweepProgress


class SweepCallback(Callback):
    """A progress bar over the sweep, and aggregation when the sweep ends."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if is_salib(config.hydra.sweeper):
            axes, points = {}, plan(config.hydra.sweeper).points
        else:
            axes = sweep_axes(list(config.hydra.overrides.task), sweeper_params(config.hydra.sweeper))
            points = count_points(axes)
        replicates = int(config.get("replicates", 1))
        sweep_dir = Path(config.hydra.sweep.dir)
        write_sweep_file(sweep_dir, axes, replicates, points)
        if config.get("progress", True):
            SweepProgress.start(points * replicates, sweep_dir, replicates, points)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        SweepProgress.close()
        sweep_dir = Path(config.hydra.sweep.dir)
        result = analyse_design(sweep_dir) if is_salib(config.hydra.sweeper) else analyse(sweep_dir)
        print(result.message)
