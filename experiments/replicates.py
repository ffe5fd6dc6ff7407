"""Run a scenario's replicates in a process pool. Results come back ordered by replicate, and
each replicate's seeds depend only on (root seed, replicate), so the tables are identical bit for
bit whatever the number of workers."""

from __future__ import annotations

import atexit
import itertools
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import pandas as pd
from tqdm import tqdm

from sim.draws import ParameterDraws
from sim.params import ModelParams
from sim.runner import ReplicateResult, run_replicate

tqdm.monitor_interval = 0  # no monitor thread in the parent
IN_FLIGHT_PER_WORKER = 4  # blocks submitted ahead per worker: keeps workers busy, bounds the parent's memory


@dataclass
class Tables:
    """A batch of replicates as tidy tables: one row per run, per replicate-day, per event."""

    runs: pd.DataFrame
    daily: pd.DataFrame
    events: pd.DataFrame


def to_tables(results: list[ReplicateResult]) -> Tables:
    """Tidy tables from replicate results (in the order given)."""
    return Tables(runs=pd.DataFrame([r.run for r in results]),
                  daily=pd.DataFrame([row for r in results for row in r.daily]),
                  events=pd.DataFrame([row for r in results for row in r.events]))


def _run_chunk(params: ModelParams, root_seed: int, replicates: list[int],
               draws: ParameterDraws | None = None) -> Tables:
    """Worker: simulate a contiguous block of replicates; DataFrames pickle far faster than rows."""
    return to_tables([run_replicate(params, root_seed, r, draws=draws) for r in replicates])


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The non-empty frames one below the other (an empty frame if none)."""
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def resolve_workers(workers: int) -> int:
    """0 means every core this process may use."""
    if workers > 0:
        return workers
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_POOLS: dict[int, ProcessPoolExecutor] = {}


def shared_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool kept for the life of the process, so the points of a sweep run in one process
    (the basic launcher) reuse warm workers instead of paying for new ones at every point.

    forkserver: forking a process that already runs BLAS or Arrow threads can deadlock; scripts that
    call this need the usual `if __name__ == "__main__":` guard.
    """
    pool = _POOLS.get(workers)
    if pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.runner"])
        pool = _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return pool


@atexit.register
def _shutdown_pools() -> None:
    for pool in _POOLS.values():
        pool.shutdown(cancel_futures=True)
    _POOLS.clear()


def stream_replicates(params: ModelParams, root_seed: int, replicates: int, sink: Callable[[Tables], None],
                      workers: int = 0, progress: bool = False,
                      on_progress: Callable[[int], None] | None = None, draws: ParameterDraws | None = None) -> None:
    """Simulate replicates 0..n-1 on `workers` processes (1 = in this process) and hand their tables
    to `sink` block by block, in replicate order, as soon as each block's turn comes, so the caller
    can write them away: a few blocks per worker are in flight, never the whole batch.
    `on_progress(k)` is called as each block of k replicates finishes (for sweep-wide progress);
    with `draws`, each replicate takes its own particle of them (sim/draws.py)."""
    workers = min(resolve_workers(workers), replicates)
    bar = tqdm(total=replicates, desc="replicates", unit="rep", disable=not progress, file=sys.stderr)
    chunk = max(1, min(25, replicates // (workers * 4)))
    chunks = [list(range(i, min(i + chunk, replicates))) for i in range(0, replicates, chunk)]
    done: dict[int, Tables] = {}
    handed = 0  # chunks given to the sink so far

    def finished(i: int, tables: Tables) -> None:
        nonlocal handed
        done[i] = tables
        bar.update(len(chunks[i]))
        if on_progress is not None:
            on_progress(len(chunks[i]))
        while handed in done:
            sink(done.pop(handed))
            handed += 1

    if workers <= 1:
        for i, c in enumerate(chunks):
            finished(i, _run_chunk(params, root_seed, c, draws))
    else:
        pool = shared_pool(workers)
        in_flight: dict[Future, int] = {}
        queued = iter(enumerate(chunks))
        try:
            for i, c in itertools.islice(queued, workers * IN_FLIGHT_PER_WORKER):
                in_flight[pool.submit(_run_chunk, params, root_seed, c, draws)] = i
            while in_flight:
                ready, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in sorted(ready, key=in_flight.get):
                    finished(in_flight.pop(future), future.result())
                    for i, c in itertools.islice(queued, 1):
                        in_flight[pool.submit(_run_chunk, params, root_seed, c, draws)] = i
        except BaseException as exc:
            for future in in_flight:
                future.cancel()
            if isinstance(exc, BrokenProcessPool):  # never hand a broken pool to the next point
                _POOLS.pop(workers, None)
                pool.shutdown(wait=False, cancel_futures=True)
            raise
    bar.close()


def run_replicates(params: ModelParams, root_seed: int, replicates: int, workers: int = 0,
                   progress: bool = False, on_progress: Callable[[int], None] | None = None,
                   draws: ParameterDraws | None = None) -> Tables:
    """Simulate replicates 0..n-1 and return their tables in memory, in replicate order (see
    `stream_replicates`, which the scenario job uses to write them away as they come)."""
    ordered: list[Tables] = []
    stream_replicates(params, root_seed, replicates, ordered.append, workers, progress, on_progress, draws)
    return Tables(runs=concat_frames([t.runs for t in ordered]), daily=concat_frames([t.daily for t in ordered]),
                  events=concat_frames([t.events for t in ordered]))


def run_runs(params: ModelParams, root_seed: int, replicates: int, workers: int = 0,
             on_progress: Callable[[int], None] | None = None, draws: ParameterDraws | None = None) -> pd.DataFrame:
    """Only the runs table of replicates 0..n-1 (one row each), with the daily and events rows
    dropped as they come: what the hindcast and calibration score, in memory of a row a replicate."""
    runs: list[pd.DataFrame] = []
    stream_replicates(params, root_seed, replicates, lambda tables: runs.append(tables.runs), workers,
                      on_progress=on_progress, draws=draws)
    return concat_frames(runs)
