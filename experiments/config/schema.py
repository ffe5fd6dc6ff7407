"""The run schema: what one job is (a scenario, a hindcast or a calibration), typed, with the
error every bad input becomes. Imports nothing else from `experiments`, so every layer can use it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from sim.cases import CaseFacts
from sim.draws import ParameterDraws
from sim.params import ModelParams

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"


class Task(Enum):
    """What a job does: run one scenario, hindcast every case, or calibrate on the cases."""

    SCENARIO = "scenario"
    HINDCAST = "hindcast"
    CALIBRATION = "calibration"
    ABC = "abc"
    COMPARISON = "comparison"


@dataclass
class HindcastConfig:
    """Hindcast settings (`+experiment=hindcast`)."""

    cases: list[str] = field(default_factory=list)  # case ids; empty = every case found
    horizon_days: int = 365     # long enough for the recorded decisive phases (37-55 days) many times over


@dataclass
class FitParameter:
    """A behavioural parameter to calibrate and the bounds of its search."""

    path: str = ""               # dotted path under `model`, e.g. negotiation.resolve_weight
    low: float = 0.0
    high: float = 1.0


@dataclass
class CalibrationConfig:
    """Calibration settings (`+experiment=calibration`; see experiments/calibration.py)."""

    parameters: list[FitParameter] = field(default_factory=list)
    trials: int = 60                 # Optuna trials for the fit on all cases
    leave_one_out_trials: int = 30   # trials for each leave-one-case-out fit; 0 skips them
    cases: list[str] = field(default_factory=list)  # case ids; empty = every case with a recorded class
    top_share: float = 0.2           # fitted value and its range: median and 10-90% of the best trials
    sampler_seed: int = 1
    install_as: str = ""             # also write conf/calibration/<name>.yaml (use with +calibration=<name>)


@dataclass
class PlantedValue:
    """A value the synthetic records of an ABC check are simulated at."""

    path: str = ""               # dotted path under `model`, one of abc.parameters
    value: float = 0.0


@dataclass
class AbcConfig:
    """Bayesian calibration settings (`+experiment=abc`; see experiments/evaluation/abc.py)."""

    parameters: list[str] = field(default_factory=list)  # dotted paths under model; priors from ranges.yaml
    cases: list[str] = field(default_factory=list)       # case ids; empty = every case with a recorded class
    population_size: int = 100       # particles per population
    populations: int = 4             # at most this many populations (tolerances)
    min_epsilon: float = 0.0         # stop once the tolerance is this low
    sampler_seed: int = 1            # pyabc's proposals (reproducible with workers=1)
    dask_scheduler: str = ""         # address of a Dask scheduler ("tcp://host:8786"): particles run there
    planted: list[PlantedValue] = field(default_factory=list)  # synthetic records simulated at these values
    patterns: list[str] = field(default_factory=list)  # PATTERNS.md patterns in the distance (scoring.PATTERNS)
    install_as: str = ""             # also write conf/calibration/<name>.yaml (use with +calibration=<name>)
    leave_one_out: bool = True       # also fit without each case and score every case's forecasts
    forecast_replicates: int = 100   # replicates of each scored forecast


@dataclass
class ComparisonConfig:
    """Paired comparison (`+experiment=compare*`; experiments/comparison.py): the job's own parameters
    are the baseline arm; each arm adds its overrides (dotted path -> value, under model or case) and
    runs the same replicates on the same seeds, so differences are paired replicate by replicate."""

    baseline: str = "baseline"       # the baseline arm's name in tables and the report
    arms: dict[str, dict[str, Any]] = field(default_factory=dict)  # arm name -> {dotted path: value}


@dataclass
class LeftOutFit:
    """A posterior fitted without one case (the calibration's leave-one-out refit), over the same
    paths as the posterior it belongs to: the hindcast forecasts that case from it."""

    case: str = ""                   # the case id left out of the fit
    source: str = ""
    values: list[list[float]] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)


@dataclass
class PosteriorConfig:
    """Parameter uncertainty (`+calibration=<name>` from a Bayesian calibration): every replicate
    draws its values of `paths` from the weighted particles. Empty paths: the fixed values."""

    source: str = ""                 # where the particles come from (the calibration's name, date, data)
    paths: list[str] = field(default_factory=list)          # dotted paths under `model`
    values: list[list[float]] = field(default_factory=list)  # one row per particle, a value per path
    weights: list[float] = field(default_factory=list)      # one per particle; empty = equal weights
    left_out: list[LeftOutFit] = field(default_factory=list)  # refits without each case, for the hindcast

    def draws(self) -> ParameterDraws | None:
        """The particles as ParameterDraws, or None when there are none (fixed values)."""
        if not self.paths and not self.values:
            return None
        return ParameterDraws.create(list(self.paths), [list(v) for v in self.values],
                                     list(self.weights) or None, self.source)

    def left_out_draws(self, case: str) -> ParameterDraws | None:
        """The particles of the refit without `case`, or None when the posterior has none."""
        fit = next((f for f in self.left_out if f.case == case), None)
        if fit is None:
            return None
        return ParameterDraws.create(list(self.paths), [list(v) for v in fit.values], list(fit.weights) or None,
                                     fit.source)


@dataclass
class RunConfig:
    """One job: a scenario's parameters, how many replicates, on how many workers, from which seed."""

    task: Task = Task.SCENARIO
    cases_dir: str = ""         # a folder of the user's own case files, added to conf/cases
    hindcast: HindcastConfig = field(default_factory=HindcastConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    abc: AbcConfig = field(default_factory=AbcConfig)
    comparison: ComparisonConfig = field(default_factory=ComparisonConfig)
    scenario_name: str = "generic"
    replicates: int = 200
    workers: int = 0            # 0 = all cores
    seed: int = 20210624        # root seed: replicate r uses SeedSequence(seed, spawn_key=(r, hash(stream)))
    report: bool | None = None  # default: a report for a single run, none for each point of a sweep
    progress: bool = True
    case: CaseFacts | None = None  # a case scenario's facts; its mapped model keys are computed from them
    model: ModelParams = field(default_factory=ModelParams)
    provenance: dict[str, str] = field(default_factory=dict)
    experiment: str = ""        # set by conf/experiment/*.yaml
    reference: dict[str, str] = field(default_factory=dict)  # a sweep's point of comparison (paired differences)
    posterior: PosteriorConfig = field(default_factory=PosteriorConfig)  # parameter uncertainty, if any
    format: str = "parquet"     # tables also as csv or xlsx beside the Parquet files (runs, daily, events, summaries)


# Caps on the run's own settings, each with its reason (the messages quote them).
MAX_SEED = 2**63 - 1
SEED_CAP_REASON = ("the run tables store the root seed as a 64-bit integer; NumPy's SeedSequence itself takes "
                   "any size, so larger seeds would buy nothing")
MAX_REPLICATES = 1_000_000
REPLICATES_CAP_REASON = ("daily and events rows are streamed to disk in blocks of 1,000 replicates, but a run keeps "
                         "one row per replicate in memory (about 1 kB) and writes about 12 kB of tables per "
                         "replicate; 100,000 replicates already give outcome probabilities within about 0.3 "
                         "percentage points")
MAX_WORKERS = 256
WORKERS_CAP_REASON = ("one process per core, each about 120 MB; more workers than cores only add memory and "
                      "no speed")


class ConfigError(ValueError):
    """A bad input, reported in one line before any simulation starts."""


# A case id, scenario name or experiment name becomes a folder (outputs/<scenario_name>/...,
# multirun/<experiment>) and a command-line value (scenario=<id>): no separators, dots, '=' or spaces.
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
NAME_RULE = "lowercase letters, digits and underscores, starting with a letter, at most 64 characters"


def check_name(key: str, value: Any, names: str) -> str:
    """`value` if it is a NAME; else a ConfigError naming `key` (`names`: what the name names)."""
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise ConfigError(f"{key}={value!r} is not allowed: {NAME_RULE} ({names})")
    return value
