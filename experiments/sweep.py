"""Sweeps: one Hydra job per parameter point, each running its replicates. This module holds what a
job needs to be resumable and robust (its identity, status markers, failure records), the early
check of every sweep value, sweep-wide progress, and the Hydra callback that aggregates the sweep.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from experiments.config import SCHEMA_PATHS, ConfigError, RunConfig, compose, to_run_config
from experiments.files import atomic_write
from experiments.salib_sweeper import check_design, is_salib, plan

STATUS_FILE = "status.json"
POINT_FILE = "point.json"
# Fields that change how a job runs, not what it computes: they stay out of a point's identity.
NOT_IDENTITY = ("workers", "progress", "report", "reference", "experiment", "provenance", "scenario_name")
SIM_DIR = Path(__file__).resolve().parent.parent / "sim"
SWEEP_FILE = "sweep.json"


@functools.lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """Hash of the model's source (sim/*.py): results computed by other model code are redone."""
    digest = hashlib.sha256()
    for path in sorted(SIM_DIR.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def point_hash(run: RunConfig) -> str:
    """Identity of a point's results: every model parameter, the replicate count, the root seed and
    the model's source; not how the job runs nor how the sweep is analysed."""
    tree = OmegaConf.to_container(OmegaConf.structured(run), enum_to_str=True)
    for key in NOT_IDENTITY:
        tree.pop(key, None)
    tree["model_source"] = model_fingerprint()
    return hashlib.sha256(json.dumps(tree, sort_keys=True, default=str).encode()).hexdigest()[:16]


def finished(out_dir: Path, identity: str) -> bool:
    """True when this job folder already holds the complete results of exactly this point."""
    path = out_dir / STATUS_FILE
    if not path.exists():
        return False
    try:
        status = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return status.get("status") == "done" and status.get("hash") == identity


def write_point(out_dir: Path, run: RunConfig, overrides: list[str], identity: str) -> None:
    """Record which point this job is: its task overrides (the sweep axes) and its identity."""
    point = {"overrides": overrides, "hash": identity, "replicates": run.replicates, "seed": run.seed,
             "scenario": run.scenario_name, "reference": dict(run.reference)}
    atomic_write(out_dir / POINT_FILE, lambda p: p.write_text(json.dumps(point, indent=2)))


def write_status(out_dir: Path, identity: str, error: BaseException | None = None,
                 timing: dict[str, float] | None = None) -> None:
    """Written last: 'done' marks a complete point, 'failed' records the error and lets the sweep go on."""
    status: dict[str, Any] = {"status": "done" if error is None else "failed", "hash": identity,
                              **(timing or {})}
    if error is not None:
        status["error"] = f"{type(error).__name__}: {error}"
        status["traceback"] = "".join(traceback.format_exception(error))
    atomic_write(out_dir / STATUS_FILE, lambda p: p.write_text(json.dumps(status, indent=2)))


def write_invalid_point(out_dir: Path, overrides: list[str], replicates: int, error: BaseException) -> None:
    """A point whose values fail validation together is recorded as failed, like any failing point."""
    point = {"overrides": overrides, "hash": "invalid", "replicates": replicates, "seed": None, "scenario": "",
             "reference": {}}
    atomic_write(out_dir / POINT_FILE, lambda p: p.write_text(json.dumps(point, indent=2)))
    write_status(out_dir, "invalid", error)


def sweep_axes(overrides: list[str], sweeper_params: dict[str, Any] | None) -> dict[str, list[str]]:
    """The sweep's axes and their values, from the config's `hydra.sweeper.params` and from
    command-line sweep overrides (`key=a,b,c`, `key=range(...)`), as Hydra's basic sweeper sees them."""
    parser = OverridesParser.create()
    axes: dict[str, list[str]] = {}
    texts = [f"{k}={v}" for k, v in (sweeper_params or {}).items()] + list(overrides)
    for override in parser.parse_overrides(texts):
        if override.is_sweep_override():
            axes[override.get_key_element()] = [str(v) for v in override.sweep_string_iterator()]
        elif override.get_key_element() in axes:
            axes.pop(override.get_key_element())  # a plain command-line value replaces a config axis
    return axes


def plain_overrides(overrides: list[str]) -> list[str]:
    """The overrides that set one value (not `a,b,c` or `range(...)` sweeps)."""
    return [o.input_line for o in OverridesParser.create().parse_overrides(overrides) if not o.is_sweep_override()]


def check_sweep(argv: list[str]) -> dict[str, list[str]]:
    """Validate a sweep before any job starts: the base point, then every value of every axis on its
    own (not the whole cross product). Returns the axes."""
    overrides = [a for a in argv if not a.startswith("-")]
    plain = plain_overrides(overrides)
    cfg = compose(plain, with_hydra=True)
    if is_salib(cfg.hydra.sweeper):  # a sensitivity design: its ranges file, not cartesian axes
        check_design(cfg, plain, [o for o in overrides if o not in plain])
        return {}
    axes = sweep_axes(overrides, _params(cfg.hydra.sweeper))
    first = [f"{k}={values[0]}" for k, values in axes.items()]
    run = to_run_config(compose(plain + first))
    for key, value in run.reference.items():
        if key not in SCHEMA_PATHS:
            raise ConfigError(f"reference.{key}={value!r} is not allowed: the reference names model parameters "
                              f"(such as {', '.join(axes) or 'model.terms.expulsion_fraction'})")
        if key not in axes:
            fixed = OmegaConf.select(cfg, key)
            fixed = getattr(fixed, "name", fixed)
            if not same_value(value, fixed):
                print(f"note: reference.{key}={value} but this sweep holds it at {fixed}; differences will be "
                      "measured against the point matching the reference on the sweep's axes", file=sys.stderr)
            continue
        if not any(same_value(value, v) for v in axes[key]):
            print(f"note: reference.{key}={value} is not among this sweep's values ({', '.join(axes[key])}); "
                  "differences will be measured against the first point", file=sys.stderr)
    for key, values in axes.items():
        for value in values[1:]:
            to_run_config(compose(plain + first + [f"{key}={value}"]))
    return axes


def same_value(a: object, b: object) -> bool:
    """Override values compared as numbers when both are numbers (0.7 == 0.7000000000000001)."""
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return str(a) == str(b)


def write_sweep_file(sweep_dir: Path, axes: dict[str, list[str]], replicates: int, points: int | None = None) -> None:
    """The sweep's axes and size, so that analysis and progress ignore folders of earlier, other sweeps.
    A sensitivity design has no axes, only its number of points."""
    payload = {"axes": axes, "points": count_points(axes) if points is None else points, "replicates": replicates}
    atomic_write(sweep_dir / SWEEP_FILE, lambda p: p.write_text(json.dumps(payload, indent=2)))


def _params(sweeper: DictConfig) -> dict[str, Any]:
    """The sweeper's `params` block as a plain dict (empty when the config sets none)."""
    params = sweeper.get("params")
    return {} if params is None else dict(OmegaConf.to_container(params))


def count_points(axes: dict[str, list[str]]) -> int:
    return math.prod(len(values) for values in axes.values())


class SweepProgress:
    """One progress bar with ETA over all points and replicates of a sweep.

    Jobs run in this process (the basic launcher) report replicates as they finish; jobs run
    elsewhere (joblib, the default, Ray, submitit) are seen through the status files their points
    write, which a background thread counts. The bar shows whichever count is further along.
    """

    bar: tqdm | None = None
    _lock = threading.Lock()
    _in_process = 0
    _stop: threading.Event | None = None
    _source: tuple[Path, int, int] = (Path("."), 0, 0)

    @classmethod
    def start(cls, total: int, sweep_dir: Path, replicates: int, points: int) -> None:
        cls.bar = tqdm(total=total, desc="sweep", unit="rep", smoothing=0.05)
        cls._in_process = 0
        cls._source = (sweep_dir, replicates, points)
        cls._stop = threading.Event()
        threading.Thread(target=cls._watch, args=(cls._source, cls._stop), daemon=True).start()

    @classmethod
    def _watch(cls, source: tuple[Path, int, int], stop: threading.Event) -> None:
        while not stop.wait(0.5):
            cls._show(cls._count_files(*source))

    @staticmethod
    def _count_files(sweep_dir: Path, replicates: int, points: int) -> int:
        """Replicates of this sweep's points (folders 0..points-1) that have a status."""
        return sum((sweep_dir / str(i) / STATUS_FILE).exists() for i in range(points)) * replicates

    @classmethod
    def _show(cls, from_files: int) -> None:
        with cls._lock:
            if cls.bar is not None:
                n = min(cls.bar.total, max(cls._in_process, from_files))
                if n > cls.bar.n:
                    cls.bar.update(n - cls.bar.n)

    @classmethod
    def update(cls, n: int) -> None:
        cls._in_process += n
        cls._show(0)

    @classmethod
    def close(cls) -> None:
        if cls._stop is not None:
            cls._stop.set()
            cls._show(cls._count_files(*cls._source))
        with cls._lock:
            if cls.bar is not None:
                cls.bar.close()
            cls.bar = None


class SweepCallback(Callback):
    """Hydra callback: a progress bar over the sweep, and aggregation when the sweep ends."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if is_salib(config.hydra.sweeper):
            axes, points = {}, plan(config.hydra.sweeper).points
        else:
            axes = sweep_axes(list(config.hydra.overrides.task), _params(config.hydra.sweeper))
            points = count_points(axes)
        replicates = int(config.get("replicates", 1))
        sweep_dir = Path(config.hydra.sweep.dir)
        write_sweep_file(sweep_dir, axes, replicates, points)
        if config.get("progress", True):
            SweepProgress.start(points * replicates, sweep_dir, replicates, points)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from experiments.analyse import analyse
        from experiments.sensitivity_analyse import analyse_design

        SweepProgress.close()
        sweep_dir = Path(config.hydra.sweep.dir)
        result = analyse_design(sweep_dir) if is_salib(config.hydra.sweeper) else analyse(sweep_dir)
        print(result.message)


def describe_failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]
