"""Hydra callbacks: the sweep folder's lock, progress over a whole sweep, and its aggregation when the
sweep ends (a sweep's summary and report, or a sensitivity design's indices and discovery), with
the sweep's outcome kept for the entry point's exit code."""

from __future__ import annotations

import atexit
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from experiments.locks import FolderLocked, acquire, release
from experiments.sensitivity.analyse import analyse_design
from experiments.sensitivity.sweeper import is_salib, plan
from experiments.sweeps.aggregate import analyse
from experiments.sweeps.check import sweep_axes, sweeper_params
from experiments.sweeps.folder import count_points, describe_failure, write_sweep_file
from experiments.sweeps.progress import SweepProgress


@dataclass
class SweepOutcome:
    """How the last sweep of this process ended: the points that failed or are damaged, and the
    aggregation's error. Hydra's callbacks return nothing to the caller, so experiments.run reads this."""

    points: int = 0
    failed_points: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed_points and not self.error


OUTCOME = SweepOutcome()


class SweepCallback(Callback):
    """The sweep folder's lock, a progress bar over the sweep, and aggregation when the sweep ends."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            acquire(sweep_dir)
        except FolderLocked as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        atexit.register(release, sweep_dir)
        if is_salib(config.hydra.sweeper):
            axes, points = {}, plan(config.hydra.sweeper).points
        else:
            axes = sweep_axes(list(config.hydra.overrides.task), sweeper_params(config.hydra.sweeper))
            points = count_points(axes)
        replicates = int(config.get("replicates", 1))
        write_sweep_file(sweep_dir, axes, replicates, points)
        if config.get("progress", True):
            SweepProgress.start(points * replicates, sweep_dir, replicates, points)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        SweepProgress.close()
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            result = (analyse_design(sweep_dir) if is_salib(config.hydra.sweeper)
                      else analyse(sweep_dir, export=str(config.get("format", "parquet"))))
        except Exception as exc:  # reported, and the exit code says so (Hydra would only warn)
            OUTCOME.error = f"the aggregation of {sweep_dir} failed: {describe_failure(exc)}"
            print(f"error: {OUTCOME.error}", file=sys.stderr)
        else:
            print(result.message)
            OUTCOME.points, OUTCOME.failed_points = result.points, list(result.failed_points)
        finally:
            release(sweep_dir)
