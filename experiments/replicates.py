"""Run a scenario's replicates in a process pool. Results come back ordered by replicate, and
each replicate's seeds depend only on (root seed, replicate), so the tables are identical bit for
bit whatever the number of workers."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import pandas as pd
from tqdm import tqdm

tqdm.monitor_interval = 0  # no monitor thread in the parent

from sim.params import ModelParams
from sim.runner import ReplicateResult, run_replicate


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


def _run_chunk(params: ModelParams, root_seed: int, replicates: list[int]) -> Tables:
    """Worker: simulate a contiguous block of replicates; DataFrames pickle far faster than rows."""
    return to_tables([run_replicate(params, root_seed, r) for r in replicates])


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
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


def run_replicates(params: ModelParams, root_seed: int, replicates: int, workers: int = 0,
                   progress: bool = False) -> Tables:
    """Simulate replicates 0..n-1 on `workers` processes (1 = in this process), in replicate order."""
    workers = min(resolve_workers(workers), replicates)
    bar = tqdm(total=replicates, desc="replicates", unit="rep", disable=not progress, file=sys.stderr)
    chunk = max(1, min(25, replicates // (workers * 4)))
    chunks = [list(range(i, min(i + chunk, replicates))) for i in range(0, replicates, chunk)]
    done: dict[int, Tables] = {}
    if workers <= 1:
        for i, c in enumerate(chunks):
            done[i] = _run_chunk(params, root_seed, c)
            bar.update(len(c))
    else:
        # forkserver: forking a process that already runs BLAS or Arrow threads can deadlock; scripts
        # that call this need the usual `if __name__ == "__main__":` guard.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.runner"])
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {pool.submit(_run_chunk, params, root_seed, c): i for i, c in enumerate(chunks)}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                bar.update(len(chunks[futures[future]]))
    bar.close()
    ordered = [done[i] for i in range(len(chunks))]
    return Tables(runs=_concat([t.runs for t in ordered]), daily=_concat([t.daily for t in ordered]),
                  events=_concat([t.events for t in ordered]))
