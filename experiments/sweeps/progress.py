"""Sweep-wide progress: one bar with its ETA over every point and replicate of a sweep, wherever the
points run."""

from __future__ import annotations

import threading
from pathlib import Path

from tqdm import tqdm

from experiments.sweeps.folder import count_finished


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
        return count_finished(sweep_dir, points) * replicates

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
