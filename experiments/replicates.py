"""Run a scenario's replicates in a process pool. Results come back ordered by replicate, and
each replicate's seeds depend only on (root seed, replicate), so the tables are identical bit for
bit whatever the number of workers."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed

import pandas as pd
from tqdm import tqdm

tqdm.monitor_interval = 0  # no monitor thread: the pool forks, and forking a threaded process is unsafe

from sim.params import ModelParams
from sim.runner import ReplicateResult, run_replicate


def _run_chunk(params: ModelParams, root_seed: int, replicates: list[int]) -> list[ReplicateResult]:
    return [run_replicate(params, root_seed, r) for r in replicates]


def resolve_workers(workers: int) -> int:
    """0 means every core this process may use."""
    if workers > 0:
        return workers
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_replicates(params: ModelParams, root_seed: int, replicates: int, workers: int = 0,
                   progress: bool = False) -> list[ReplicateResult]:
    """Simulate replicates 0..n-1, on `workers` processes (1 = in this process)."""
    workers = min(resolve_workers(workers), replicates)
    bar = tqdm(total=replicates, desc="replicates", unit="rep", disable=not progress, file=sys.stderr)
    if workers <= 1:
        results = []
        for r in range(replicates):
            results.append(run_replicate(params, root_seed, r))
            bar.update(1)
        bar.close()
        return results
    chunk = max(1, min(25, replicates // (workers * 4)))
    chunks = [list(range(i, min(i + chunk, replicates))) for i in range(0, replicates, chunk)]
    results: list[ReplicateResult] = []
    # fork: workers start in milliseconds and never re-import the caller's __main__ script.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_run_chunk, params, root_seed, c) for c in chunks]
        for future in as_completed(futures):
            done = future.result()
            results.extend(done)
            bar.update(len(done))
    bar.close()
    return sorted(results, key=lambda r: r.run["replicate"])


def to_tables(results: list[ReplicateResult]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Tidy tables: one row per run, per replicate-day, per event."""
    runs = pd.DataFrame([r.run for r in results])
    daily = pd.DataFrame([row for r in results for row in r.daily])
    events = pd.DataFrame([row for r in results for row in r.events])
    return runs, daily, events
