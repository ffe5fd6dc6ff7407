"""The explorer's runs: each press of Run becomes a job that runs the comparison job (the baseline
and the user's arm on the same seeds, on all cores) in a background thread, counting finished
replicates for the progress bar, then builds what the page shows. Jobs run one at a time, in the
order asked; each writes into its own folder, from which the page offers the tables and the report."""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from experiments.comparison import run_comparison
from experiments.config.compose import arm_configs, compose, to_run_config
from experiments.config.schema import ConfigError
from experiments.explore.levers import Request
from experiments.explore.results import Result, build_result


class RunCancelled(Exception):
    """Raised between blocks of replicates once the user has asked a run to stop."""


@dataclass
class Job:
    """One run asked for from the page: its progress, its end, its folder and what it found."""

    id: str
    request: Request
    folder: Path
    total: int
    done: int = 0
    state: str = "waiting"      # waiting | running | done | failed
    error: str = ""
    result: Result | None = None
    started: float = field(default_factory=time.monotonic)
    queued: bool = False        # another run held the turn when this one was asked for
    cancel_asked: bool = False  # set by the page's Stop button, honoured between blocks of replicates

    @property
    def status(self) -> str:
        """The line under the progress bar."""
        if self.state == "waiting":
            return "waiting for another run to finish" if self.queued else "starting"
        if self.state == "running":
            return f"{self.done:,} of {self.total:,} replicates ({time.monotonic() - self.started:.0f} s)"
        if self.state == "failed":
            return self.error
        return f"done: {self.total:,} replicates in {time.monotonic() - self.started:.0f} s"


KEPT_RESULTS = 8   # finished runs whose page content stays in memory; older ones keep only their files


class Jobs:
    """The jobs of one explorer process, kept in memory; their files are under `root`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._jobs: dict[str, Job] = {}
        self._running = 0
        self._turn = threading.Lock()     # one simulation at a time: they share the process pool
        self._book = threading.Lock()

    def start(self, request: Request) -> Job:
        """Queue a run of `request` and return its job at once."""
        job_id = uuid.uuid4().hex[:12]
        folder = self.root / f"{datetime.now():%Y-%m-%d_%H-%M-%S}_{job_id}"
        replicates = int(request.replicates)
        job = Job(job_id, request, folder, total=2 * replicates)
        with self._book:
            job.queued = self._running > 0
            self._running += 1
            self._jobs[job_id] = job
            finished = [j for j in self._jobs.values() if j.result is not None]
            for old in finished[:-KEPT_RESULTS]:
                old.result = None
                old.state, old.error = "failed", "this run's page was dropped from memory; its files remain"
        threading.Thread(target=self._run, args=(job,), name=f"explore-{job_id}", daemon=True).start()
        return job

    def get(self, job_id: str | None) -> Job | None:
        with self._book:
            return self._jobs.get(job_id or "")

    def cancel(self, job_id: str | None) -> None:
        """Ask a waiting or running job to stop: it ends at the next finished block of replicates
        (its folder then holds no manifest, so it reads as incomplete)."""
        job = self.get(job_id)
        if job is not None and job.state in ("waiting", "running"):
            job.cancel_asked = True

    def _run(self, job: Job) -> None:
        with self._turn:
            job.state, job.started = "running", time.monotonic()
            try:
                if job.cancel_asked:
                    raise RunCancelled
                cfg = compose(job.request.overrides())
                run = to_run_config(cfg)
                arms = arm_configs(cfg, run)

                def progressed(k: int) -> None:
                    job.done += k
                    if job.cancel_asked:
                        raise RunCancelled

                run_comparison(run, job.folder, arms, on_progress=progressed)
                job.result = build_result(job.folder, arms, job.request)
                job.state = "done"
            except RunCancelled:
                job.error, job.state = f"stopped after {job.done:,} of {job.total:,} replicates", "failed"
            except ConfigError as exc:
                job.error, job.state = f"error: {exc}", "failed"
            except Exception as exc:  # shown on the page; the server keeps serving
                traceback.print_exc()
                job.error, job.state = f"the run failed: {type(exc).__name__}: {exc}", "failed"
            finally:
                with self._book:
                    self._running -= 1
