"""A Hydra sweeper for global sensitivity analysis: it turns a SALib design (Morris or Sobol) over the
uncertain parameters of conf/sensitivity/ranges.yaml into one Hydra job per design point and hands
them to whichever launcher is configured, so a design point runs, resumes and fails exactly like a
point of an ordinary sweep (experiments/sweeps/point.py). The analysis runs at the end, from the
tables (experiments/callbacks.py -> experiments/sensitivity/analyse.py).

Hydra instantiates sweepers only from the `hydra_plugins` namespace, so the class Hydra sees is a
one-line subclass in hydra_plugins/siege_sim/salib_sweeper.py, which also stores the config below as
`hydra/sweeper=salib` when Hydra scans its plugins (as Hydra's own plugins do).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from experiments.config.compose import compose, to_run_config
from experiments.config.ranges import (
    DEFAULT_RANGES,
    check_morris_grid,
    load_ranges,
    resolve_path,
)
from experiments.config.schema import ConfigError
from experiments.sensitivity.design import Design, DesignSettings, Method, ranking, sample
from experiments.sensitivity.files import INDICES_FILE, write_design

TARGET = "hydra_plugins.siege_sim.salib_sweeper.SalibSweeper"
log = logging.getLogger(__name__)


@dataclass
class SalibSweeperConf:
    """`hydra.sweeper` for a sensitivity analysis (`defaults: - override /hydra/sweeper: salib`)."""

    _target_: str = TARGET
    method: Method = Method.MORRIS
    ranges: str = str(DEFAULT_RANGES.relative_to(DEFAULT_RANGES.parents[2]))
    parameters: list[str] = field(default_factory=list)  # a subset of the ranges file; empty = all
    top: int = 0                 # Sobol on the `top` most influential parameters of a Morris result...
    morris_dir: str = ""         # ... in this sweep folder (its sensitivity_indices.parquet)
    trajectories: int = 10
    levels: int = 4
    base_samples: int = 64
    seed: int = 20240601
    conf_level: float = 0.95
    resamples: int = 1000
    max_batch_size: int | None = None  # jobs handed to the launcher at once; None = all


def is_salib(sweeper: DictConfig | None) -> bool:
    """True when the configured sweeper is this one."""
    return sweeper is not None and str(sweeper.get("_target_", "")).endswith("salib_sweeper.SalibSweeper")


def settings_of(node: DictConfig) -> DesignSettings:
    """The design settings of a `hydra.sweeper` node, checked."""
    method = node.method if isinstance(node.method, Method) else Method[str(node.method)]
    settings = DesignSettings(method=method, trajectories=int(node.trajectories), levels=int(node.levels),
                              base_samples=int(node.base_samples), seed=int(node.seed),
                              conf_level=float(node.conf_level), resamples=int(node.resamples))
    try:
        settings.check()
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return settings


def plan(node: DictConfig) -> Design:
    """Build the design from a `hydra.sweeper` node (deterministic: the same node, the same design)."""
    settings = settings_of(node)
    only = list(node.get("parameters") or [])
    top = int(node.get("top") or 0)
    if top:
        if only:
            raise ConfigError("hydra.sweeper.top and hydra.sweeper.parameters: set one or the other")
        only = top_from_morris(str(node.get("morris_dir") or ""), top)
    batch = node.get("max_batch_size")
    if batch is not None and int(batch) < 1:
        raise ConfigError(f"hydra.sweeper.max_batch_size={batch} is not allowed: at least 1, or null for all points")
    params = load_ranges(node.ranges, only or None)
    if settings.method == Method.SOBOL and len(params) < 2:
        raise ConfigError("a Sobol design needs at least 2 parameters")
    if settings.method == Method.MORRIS:
        check_morris_grid(params, settings.levels)
    return Design(settings=settings, params=params, x=sample(settings, params))


def top_from_morris(morris_dir: str, k: int) -> list[str]:
    """The k most influential parameters of a finished Morris analysis (see sensitivity.ranking)."""
    path = resolve_path(morris_dir) / INDICES_FILE if morris_dir else None
    if path is None or not path.is_file():
        raise ConfigError(f"hydra.sweeper.morris_dir={morris_dir!r}: no Morris result ({INDICES_FILE}) there; "
                          "run +experiment=morris first, or list hydra.sweeper.parameters")
    table = pd.read_parquet(path)
    table = table[table["method"] == Method.MORRIS.value]
    if table.empty:
        raise ConfigError(f"{path}: holds no Morris indices")
    return list(ranking(table).index[:k])


def check_design(cfg: DictConfig, plain: list[str], sweeps: list[str]) -> Design:
    """The early check of a sensitivity run: settings, batch size and ranges (for Morris, whole-number
    ranges whose grid falls on whole numbers), no cartesian sweep axes, no parameter both fixed on the
    command line and varied, and the base point and the design's corners (every parameter at its
    lower bound, then at its upper bound) valid together."""
    if sweeps:
        raise ConfigError(f"{sweeps[0]}: the salib sweeper varies the parameters of its ranges file; "
                          "give single values on the command line")
    design = plan(cfg.hydra.sweeper)
    fixed = {o.split("=", 1)[0].lstrip("+~") for o in plain}
    for p in design.params:
        if p.key in fixed:
            raise ConfigError(f"{p.key} is both set on the command line and varied by the ranges file; "
                              "remove it from one (hydra.sweeper.parameters selects a subset)")
    to_run_config(compose(plain))
    for corner in ("lo", "hi"):
        to_run_config(compose(plain + [p.override(getattr(p, corner)) for p in design.params]))
    return design


class SalibSweeper(Sweeper):
    """Launches a SALib design, one job per point, through the configured launcher."""

    def __init__(self, **_settings: Any) -> None:
        """Hydra passes the `hydra.sweeper` node as keywords; `sweep` reads the same node, checked,
        from the full config (as the early check does), so they are not kept here."""
        super().__init__()
        self.hydra_context: HydraContext | None = None
        self.config: DictConfig | None = None
        self.launcher = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(hydra_context=hydra_context,
                                                                task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> Any:
        """Write the design, then launch its points in batches; every job gets the command line's
        own overrides followed by its point's parameter values."""
        assert self.config is not None and self.launcher is not None
        design = plan(self.config.hydra.sweeper)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        write_design(sweep_dir, design, self.config.hydra.sweeper)
        jobs = [list(arguments) + design.overrides(i) for i in range(design.points)]
        size = self.config.hydra.sweeper.get("max_batch_size") or len(jobs)
        returns = []
        for start in range(0, len(jobs), size):
            batch: Sequence[Sequence[str]] = jobs[start:start + size]
            log.info(f"SALib {design.settings.method.value}: launching points {start}-{start + len(batch) - 1}")
            results = self.launcher.launch(batch, initial_job_idx=start)
            for r in results:
                _ = r.return_value  # raises if a job died outside run_point's own failure handling
            returns.append(results)
        return returns
