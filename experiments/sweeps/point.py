"""The point job: one Hydra job of a sweep runs one parameter point's replicates. A point already
finished, with intact files, is skipped (resume); one whose files are damaged is redone, and says so;
a point that fails (or whose values are invalid together) is recorded and the sweep goes on; its
status is written last."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from experiments.config.identity import run_hash
from experiments.config.schema import RunConfig
from experiments.scenario import simulate_to_files, start_run, write_outputs
from experiments.sweeps.folder import (
    NOT_FINISHED,
    damage,
    describe_failure,
    write_invalid_point,
    write_point,
    write_status,
)
from experiments.sweeps.progress import SweepProgress


def record_invalid_point(out_dir: Path, overrides: list[str], replicates: int, error: Exception, job_num: int) -> None:
    """A combination of sweep values that is invalid together: this point fails, the sweep goes on."""
    write_invalid_point(out_dir, overrides, replicates, error)
    print(f"[point {job_num}] FAILED (invalid parameters: {error})", file=sys.stderr)


def prepare_point(run: RunConfig, in_launcher_process: bool) -> RunConfig:
    """A point's run settings: no report per point unless asked; when the launcher spreads the points
    over cores or machines (any launcher but the basic one), one process per point by default, and
    the sweep's progress bar in the launching process replaces the per-point bars."""
    run.report = False if run.report is None else run.report
    if not in_launcher_process:
        run.workers = run.workers or 1
        run.progress = False
    return run


def run_point(run: RunConfig, out_dir: Path, overrides: list[str], job_num: int) -> str:
    """One point of a sweep: skipped if already finished (resume), its failure recorded rather than
    raised (the sweep goes on), its status written last. Returns 'skipped', 'done' or 'failed'."""
    identity = run_hash(run)
    found = damage(out_dir, identity)
    if not found:
        print(f"[point {job_num}] already finished, skipped: {' '.join(overrides)}")
        SweepProgress.update(run.replicates)
        return "skipped"
    if found != [NOT_FINISHED]:
        print(f"[point {job_num}] files damaged ({'; '.join(found)}), redone: {' '.join(overrides)}", file=sys.stderr)
    start = time.perf_counter()
    start_run(out_dir)
    write_point(out_dir, run, overrides, identity)
    try:
        runs = simulate_to_files(run, out_dir, progress=run.progress and SweepProgress.bar is None,
                                 on_progress=SweepProgress.update)
        simulated = time.perf_counter()
        write_outputs(out_dir, run, runs)
    except Exception as exc:  # a failing point is recorded; the sweep goes on
        write_status(out_dir, identity, exc)
        print(f"[point {job_num}] FAILED ({describe_failure(exc)}): {' '.join(overrides)}", file=sys.stderr)
        return "failed"
    write_status(out_dir, identity, timing={"replicates_seconds": simulated - start,
                                            "job_seconds": time.perf_counter() - start})
    return "done"
