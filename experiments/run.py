"""The main job: `python -m experiments.run [overrides]` (console script `siege-run`).

Composes and validates the config before anything is simulated or written, runs the scenario's
replicates in parallel, writes tidy Parquet tables, the resolved config and provenance beside them,
prints a summary, and ends with the path of the interactive report."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from experiments.config import (CONF_DIR, ConfigError, RunConfig, Task, cases_dir_argument, compose, register,
                                to_run_config)
from experiments import sweep
from experiments.outputs import write_outputs
from experiments.replicates import run_replicates
from experiments.summary import format_summary
from experiments.sweep import SweepProgress

register()


def execute(run: RunConfig, out_dir: Path) -> Path | None:
    """Simulate, write every output into `out_dir`, print the summary; return the report path."""
    tables = run_replicates(run.model, run.seed, run.replicates, run.workers, progress=run.progress)
    report = write_outputs(out_dir, run, tables.runs, tables.daily, tables.events)
    print(format_summary(tables.runs, run.scenario_name))
    print(f"\nTables: {out_dir}")
    if report is not None:
        print(f"Interactive report: {report}")
    return report


def hindcast(run: RunConfig, out_dir: Path) -> None:
    from experiments.hindcast import run_hindcast

    run_hindcast(run, out_dir)


def calibration(run: RunConfig, out_dir: Path) -> None:
    from experiments.calibration import run_calibration

    run_calibration(run, out_dir)


TASKS = {Task.SCENARIO: execute, Task.HINDCAST: hindcast, Task.CALIBRATION: calibration}


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base=None)
def hydra_job(cfg: DictConfig) -> None:
    """One Hydra job = one parameter point running all its replicates. In a sweep, a point already
    finished is skipped (resume), and a point that fails is recorded and the sweep goes on."""
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    try:
        run = to_run_config(cfg)
    except ConfigError as exc:
        if hydra_cfg.mode != RunMode.MULTIRUN:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        # a combination of sweep values that is invalid together: this point fails, the sweep goes on
        sweep.write_invalid_point(out_dir, list(hydra_cfg.overrides.task), int(cfg.get("replicates", 0)), exc)
        print(f"[point {hydra_cfg.job.num}] FAILED (invalid parameters: {exc})", file=sys.stderr)
        return
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO under Hydra's logging
    if hydra_cfg.mode != RunMode.MULTIRUN:
        run.report = True if run.report is None else run.report
        TASKS[run.task](run, out_dir)
        return
    run.report = False if run.report is None else run.report  # a sweep's points need no report each
    if "BasicLauncher" not in str(hydra_cfg.launcher.get("_target_", "BasicLauncher")):
        # the launcher spreads the points over cores or machines: one process per point by default,
        # and the sweep's progress bar (in the launching process) replaces the per-point bars
        run.workers = run.workers or 1
        run.progress = False
    run_point(run, out_dir, list(hydra_cfg.overrides.task), hydra_cfg.job.num)


def run_point(run: RunConfig, out_dir: Path, overrides: list[str], job_num: int) -> str:
    """One point of a sweep: skipped if already finished (resume), its failure recorded rather than
    raised (the sweep goes on), its status written last. Returns 'skipped', 'done' or 'failed'."""
    identity = sweep.point_hash(run)
    if sweep.finished(out_dir, identity):
        print(f"[point {job_num}] already finished, skipped: {' '.join(overrides)}")
        SweepProgress.update(run.replicates)
        return "skipped"
    start = time.perf_counter()
    sweep.write_point(out_dir, run, overrides, identity)
    try:
        tables = run_replicates(run.model, run.seed, run.replicates, run.workers,
                                progress=run.progress and SweepProgress.bar is None,
                                on_progress=SweepProgress.update)
        simulated = time.perf_counter()
        write_outputs(out_dir, run, tables.runs, tables.daily, tables.events)
    except Exception as exc:  # a failing point is recorded; the sweep goes on
        sweep.write_status(out_dir, identity, exc)
        print(f"[point {job_num}] FAILED ({sweep.describe_failure(exc)}): {' '.join(overrides)}", file=sys.stderr)
        return "failed"
    sweep.write_status(out_dir, identity, timing={"replicates_seconds": simulated - start,
                                             "job_seconds": time.perf_counter() - start})
    return "done"


def precheck(argv: list[str]) -> None:
    """Compose and validate before Hydra creates any output folder: a single run's point, or every
    value of every axis of a sweep. Runs with other Hydra flags (--cfg, --help, ...) are left to Hydra."""
    flags = [a for a in argv if a.startswith("-")]
    if any(f not in ("-m", "--multirun") for f in flags):
        return
    overrides = [a for a in argv if not a.startswith("-")]
    plain = sweep.plain_overrides(overrides)
    mode = compose(plain, with_hydra=True).hydra.get("mode")
    if flags or mode == RunMode.MULTIRUN or len(plain) != len(overrides):
        if to_run_config(compose(plain)).task != Task.SCENARIO:
            raise ConfigError("task: a hindcast or calibration is one job; run it without -m or sweep values")
        sweep.check_sweep(argv)
    else:
        check_task(to_run_config(compose(overrides)))


def check_task(run: RunConfig) -> None:
    """Task-specific checks before anything runs: the hindcast's cases exist and map to valid values."""
    if run.task in (Task.HINDCAST, Task.CALIBRATION):
        from experiments import calibration as calibration_job, hindcast as hindcast_job

        if run.task == Task.CALIBRATION:
            calibration_job.check_parameters(run)
        cases = (hindcast_job.hindcast_cases(run) if run.task == Task.HINDCAST else calibration_job.calibration_cases(run))
        for case in cases:
            hindcast_job.case_params(run.model, case, run.hindcast.horizon_days)


def main() -> None:
    """Entry point of `python -m experiments.run` and the `siege-run` console script."""
    try:
        register(cases_dir_argument(sys.argv[1:]))  # a user's case folder, before Hydra composes
        precheck(sys.argv[1:])
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    hydra_job()


if __name__ == "__main__":
    main()
