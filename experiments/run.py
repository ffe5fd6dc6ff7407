"""The main job: `python -m experiments.run [overrides]` (console script `siege-run`).

Composes and validates the config before anything is simulated or written, then runs one job: a
scenario's replicates (experiments/scenario.py), a hindcast or a calibration (experiments/evaluation/),
or, under `-m`, one point of a sweep (experiments/sweeps/point.py)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments import callbacks
from experiments.comparison import run_comparison
from experiments.config.compose import (
    arm_configs,
    cases_dir_argument,
    compose,
    parse_overrides,
    register,
    to_run_config,
)
from experiments.config.schema import CONF_DIR, ConfigError, RunConfig, Task
from experiments.evaluation.abc import check_abc, run_abc
from experiments.evaluation.calibration import calibration_cases, check_parameters, run_calibration
from experiments.evaluation.hindcast import case_params, hindcast_cases, run_hindcast
from experiments.locks import FolderLocked, acquire, held_by, release
from experiments.scenario import run_scenario
from experiments.sensitivity.sweeper import check_design, is_salib
from experiments.sweeps.check import check_sweep, plain_overrides
from experiments.sweeps.point import prepare_point, record_invalid_point, run_point
from sim.cases import case_overrides

register()

TASKS = {Task.SCENARIO: run_scenario, Task.HINDCAST: run_hindcast, Task.CALIBRATION: run_calibration,
         Task.ABC: run_abc}


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base=None)
def hydra_job(cfg: DictConfig) -> None:
    """One Hydra job: a single run of its task, or one parameter point of a sweep running all its
    replicates (resumed if finished, recorded if it fails, and the sweep goes on)."""
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    overrides = list(hydra_cfg.overrides.task)
    try:
        run = to_run_config(cfg)
    except ConfigError as exc:
        if not multirun:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        record_invalid_point(out_dir, overrides, int(cfg.get("replicates", 0)), exc, hydra_cfg.job.num)
        return
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO under Hydra's logging
    if not multirun:
        run.report = True if run.report is None else run.report
        try:
            acquire(out_dir)
        except FolderLocked as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        try:
            if run.task == Task.COMPARISON:
                run_comparison(run, out_dir, arm_configs(cfg, run))
            else:
                TASKS[run.task](run, out_dir)
        finally:
            release(out_dir)
        return
    in_process = "BasicLauncher" in str(hydra_cfg.launcher.get("_target_", "BasicLauncher"))
    run_point(prepare_point(run, in_process), out_dir, overrides, hydra_cfg.job.num)


def precheck(argv: list[str]) -> None:
    """Compose and validate before Hydra creates any output folder: a single run's point, or every
    value of every axis of a sweep (or a sensitivity design's settings and corners). Runs with other
    Hydra flags (--cfg, --help, ...) are left to Hydra."""
    flags = [a for a in argv if a.startswith("-")]
    if any(f not in ("-m", "--multirun") for f in flags):
        return
    overrides = [a for a in argv if not a.startswith("-")]
    parse_overrides(overrides)  # a malformed override (`a=0.1,,0.3`) in one line, before anything parses it
    plain = plain_overrides(overrides)
    cfg = compose(plain, with_hydra=True)
    multirun = bool(flags) or cfg.hydra.get("mode") == RunMode.MULTIRUN or len(plain) != len(overrides)
    if multirun:
        if to_run_config(compose(plain)).task != Task.SCENARIO:
            raise ConfigError("task: a hindcast, calibration or comparison is one job; run it without -m or sweep "
                              "values")
        if is_salib(cfg.hydra.sweeper):
            check_design(cfg, plain, [o for o in overrides if o not in plain])
        else:
            check_sweep(overrides)
    else:
        run = to_run_config(compose(overrides))
        check_task(run)
        if run.task == Task.COMPARISON:
            arm_configs(compose(overrides), run)
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    try:
        folder = OmegaConf.select(cfg, key, throw_on_resolution_failure=True)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"{key}: cannot be resolved ({str(exc).splitlines()[0]})") from None
    check_output_folder(key, str(folder))
    holder = held_by(Path(folder))
    if holder is not None:
        raise ConfigError(f"{folder} is in use by {holder}; wait for it to finish or stop it")


MIN_FREE_BYTES = 16 * 1024**2   # a run's report is about 5 MB, its tables less


def check_output_folder(key: str, folder: str) -> None:
    """Refuse an output folder this run could not write, before Hydra creates it: make the folder
    (and its missing parents), write and remove a probe file, check the free space, then remove
    whatever was made, so Hydra creates the folder itself and a refused run leaves nothing behind."""
    path = Path(folder).expanduser().absolute()
    missing = [p for p in (path, *path.parents) if not p.exists()]
    free = 0
    try:
        for made in reversed(missing):
            made.mkdir()
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-probe.")
        try:
            os.write(fd, bytes(4096))
            os.fsync(fd)
        finally:
            os.close(fd)
            os.remove(probe)
        free = shutil.disk_usage(path).free
    except OSError as exc:
        where = f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc.strerror or exc)
        raise ConfigError(f"{key}={folder!r} is not allowed: a folder this run can create and write "
                          f"({where})") from None
    finally:
        for made in missing:  # deepest first; rmdir leaves a folder alone once anything is in it
            with contextlib.suppress(OSError):
                made.rmdir()
    if free < MIN_FREE_BYTES:
        raise ConfigError(f"{key}={folder!r} is not allowed: a folder on a disk with at least "
                          f"{MIN_FREE_BYTES // 1024**2} MB free (a run writes a report of about 5 MB and its tables; "
                          f"{free / 1024**2:.1f} MB free)")


def check_posterior_against_cases(run: RunConfig) -> None:
    """A posterior draws assumptions only: none that the scenario's case or a hindcast's cases set from
    their facts (the draws would override the facts)."""
    draws = run.posterior.draws()
    if draws is None:
        return
    facts = [run.case] if run.case is not None else []
    if run.task == Task.HINDCAST:
        facts += [c.facts for c in hindcast_cases(run)]
    mapped = set().union(*(case_overrides(f, run.model) for f in facts))
    for path in draws.paths:
        if path in mapped:
            raise ConfigError(f"posterior.paths: {path!r} is not allowed: the case's facts set it (the case mapping), "
                              "so the posterior would override the facts")


def check_task(run: RunConfig) -> None:
    """Task-specific checks before anything runs: the cases exist and map to valid values, and a
    calibration's parameters are assumptions with bounds inside their ranges."""
    check_posterior_against_cases(run)
    if run.task == Task.SCENARIO:
        return
    if run.task == Task.ABC:
        for case in check_abc(run)[0]:
            case_params(run.model, case, run.hindcast.horizon_days)
        return
    if run.task == Task.CALIBRATION:
        check_parameters(run)
    cases = calibration_cases(run) if run.task == Task.CALIBRATION else hindcast_cases(run)
    for case in cases:
        case_params(run.model, case, run.hindcast.horizon_days)


def main() -> None:
    """Entry point of `python -m experiments.run` and the `siege-run` console script."""
    try:
        register(cases_dir_argument(sys.argv[1:]))  # a user's case folder, before Hydra composes
        precheck(sys.argv[1:])
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    try:
        hydra_job()
    except KeyboardInterrupt:
        print("interrupted: the run folder has no manifest.json, so it reads as incomplete; run the same command "
              "again to redo it (a sweep resumes from its finished points)", file=sys.stderr)
        sys.exit(130)
    outcome = callbacks.OUTCOME
    if not outcome.ok:
        failed = ", ".join(outcome.failed_points[:20]) + (", ..." if len(outcome.failed_points) > 20 else "")
        print(f"error: {outcome.error or f'{len(outcome.failed_points)} of {outcome.points} points failed, are '
                                         f'damaged or did not finish ({failed}); the summary marks them; run the same '
                                         'command again to retry them'}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
