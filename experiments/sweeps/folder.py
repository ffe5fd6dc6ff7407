"""A sweep folder on disk, the one reader and writer of its files: the sweep's axes (sweep.json), and
per job folder which point it is (point.json), its outputs with their manifest, and whether it
finished (status.json, written last). A point counts as done only when its status says so for its
own identity (experiments/config/identity.py: every model parameter, the replicates, the root seed,
the model's source) and its manifest verifies: every table there, intact, written by this point. So
a resumed sweep redoes exactly the points whose results would differ or whose files were damaged,
and the aggregation reads only verified points."""

from __future__ import annotations

import json
import math
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.config.schema import RunConfig
from experiments.io import METADATA_FILE, write_json
from experiments.keys import parse_overrides, same_value
from experiments.manifest import problems

STATUS_FILE = "status.json"
POINT_FILE = "point.json"
SWEEP_FILE = "sweep.json"
RUNS_FILE = "runs.parquet"
UNFINISHED = "unfinished"
DAMAGED = "damaged"
NOT_FINISHED = "not finished for these parameters"


def _read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file, or None when it is missing or unreadable."""
    try:
        payload = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def damage(out_dir: Path, identity: str) -> list[str]:
    """What keeps a job folder from holding the complete, intact results of the point `identity`
    (empty when nothing does): no 'done' status for it, or a manifest that does not verify."""
    status = _read_json(Path(out_dir) / STATUS_FILE) or {}
    if status.get("status") != "done" or status.get("hash") != identity:
        return [NOT_FINISHED]
    return problems(out_dir, identity=identity)


def finished(out_dir: Path, identity: str) -> bool:
    """True when this job folder already holds the complete, intact results of exactly this point."""
    return not damage(out_dir, identity)


def write_point(out_dir: Path, run: RunConfig, overrides: list[str], identity: str) -> None:
    """Record which point this job is: its task overrides (the sweep axes) and its identity."""
    write_json(Path(out_dir) / POINT_FILE, {"overrides": overrides, "hash": identity, "replicates": run.replicates,
                                            "seed": run.seed, "scenario": run.scenario_name,
                                            "reference": dict(run.reference)})


def write_status(out_dir: Path, identity: str, error: BaseException | None = None,
                 timing: dict[str, float] | None = None) -> None:
    """Written last: 'done' marks a complete point, 'failed' records the error and lets the sweep go on."""
    status: dict[str, Any] = {"status": "done" if error is None else "failed", "hash": identity, **(timing or {})}
    if error is not None:
        status["error"] = f"{type(error).__name__}: {error}"
        status["traceback"] = "".join(traceback.format_exception(error))
    write_json(Path(out_dir) / STATUS_FILE, status)


def write_invalid_point(out_dir: Path, overrides: list[str], replicates: int, error: BaseException) -> None:
    """A point whose values fail validation together is recorded as failed, like any failing point."""
    write_json(Path(out_dir) / POINT_FILE, {"overrides": overrides, "hash": "invalid", "replicates": replicates,
                                            "seed": None, "scenario": "", "reference": {}})
    write_status(out_dir, "invalid", error)


def describe_failure(exc: BaseException) -> str:
    """The first line of an error, with its type."""
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def count_points(axes: dict[str, list[str]]) -> int:
    return math.prod(len(values) for values in axes.values())


def write_sweep_file(sweep_dir: Path, axes: dict[str, list[str]], replicates: int, points: int | None = None) -> None:
    """The sweep's axes and size, so that analysis and progress ignore folders of earlier, other sweeps.
    A sensitivity design has no axes, only its number of points."""
    write_json(Path(sweep_dir) / SWEEP_FILE, {"axes": axes, "points": count_points(axes) if points is None else points,
                                              "replicates": replicates})


def read_axes(sweep_dir: Path) -> dict[str, list[str]] | None:
    """The axes the sweep was launched with (sweep.json), or None for folders made without it."""
    payload = _read_json(Path(sweep_dir) / SWEEP_FILE)
    return payload["axes"] if payload is not None and "axes" in payload else None


def count_finished(sweep_dir: Path, points: int) -> int:
    """Job folders 0..points-1 of a sweep that have a status (done or failed): progress across processes."""
    return sum((Path(sweep_dir) / str(i) / STATUS_FILE).exists() for i in range(points))


@dataclass
class PointRecord:
    """One job folder of a sweep as its files describe it."""

    job: Path
    overrides: dict[str, str]        # the point's own overrides (the sweep axes or design values)
    replicates: int
    reference: dict[str, str]
    status: str                      # done, failed or unfinished
    error: str

    @property
    def name(self) -> str:
        return self.job.name

    @property
    def done(self) -> bool:
        return self.status == "done"

    def runs(self) -> pd.DataFrame:
        """The point's replicate table (only for a finished point)."""
        return pd.read_parquet(self.job / RUNS_FILE)

    def ran(self, values: dict[str, Any]) -> bool:
        """Whether every key of `values` was set to that value at this point (numbers as numbers)."""
        return all(same_value(self.overrides.get(key), value) for key, value in values.items())


def _job_key(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (1 << 30, name)


def read_points(sweep_dir: Path) -> list[PointRecord]:
    """Every job folder with a readable point.json, in job order. A status whose identity is not the
    point's (left by another run in the same folder), missing or unreadable makes the point unfinished."""
    records = []
    for point_file in sorted(Path(sweep_dir).glob(f"*/{POINT_FILE}"), key=lambda p: _job_key(p.parent.name)):
        point = _read_json(point_file)
        if point is None:
            continue
        status = _read_json(point_file.parent / STATUS_FILE) or {"status": UNFINISHED}
        if status.get("hash") != point.get("hash"):
            status = {"status": UNFINISHED}
        error = status.get("error", "") or ("no status recorded: interrupted, or still running"
                                             if status["status"] == UNFINISHED else "")
        if status["status"] == "done":
            found = problems(point_file.parent, identity=point.get("hash"))
            if found:
                status, error = {"status": DAMAGED}, "files damaged: " + "; ".join(found) + " (a re-run redoes it)"
        records.append(PointRecord(job=point_file.parent, overrides=parse_overrides(point.get("overrides", [])),
                                   replicates=int(point.get("replicates") or 0), reference=point.get("reference") or {},
                                   status=status["status"], error=error))
    return records


def on_axes(record: PointRecord, axes: dict[str, list[str]]) -> bool:
    """Whether a point's values are all among the sweep's current axis values."""
    return all(any(same_value(record.overrides.get(key), v) for v in values) for key, values in axes.items())


def collect(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """(points, runs, reference): one row per job folder of this sweep with its overrides and status,
    every replicate of every finished point (with the point's values as columns), and the sweep's
    reference point. Folders left by an earlier sweep in the same place (values no longer on an
    axis) are ignored. Raises FileNotFoundError when the folder holds no point."""
    axes = read_axes(sweep_dir)
    records = [r for r in read_points(sweep_dir) if axes is None or on_axes(r, axes)]
    if not records:
        raise FileNotFoundError(f"no sweep points (folders with {POINT_FILE}) under {sweep_dir}")
    points, frames = [], []
    reference = next((r.reference for r in records if r.reference), {})
    for record in records:
        points.append({"point": record.name, "status": record.status, "error": record.error,
                       "replicates": record.replicates, **record.overrides})
        if record.done:
            runs = record.runs()
            for key, value in record.overrides.items():
                runs[key] = value
            runs.insert(0, "point", record.name)
            frames.append(runs)
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return pd.DataFrame(points), runs, reference


def parameter_uncertainties(sweep_dir: Path, points: pd.DataFrame) -> list[str]:
    """The distinct parameter-uncertainty records (metadata.json) of the finished points among
    `points` (collect's table), in its order: one entry when every point ran with the same
    posterior, or with none."""
    seen: list[str] = []
    for name in points.loc[points["status"] == "done", "point"]:
        text = (_read_json(Path(sweep_dir) / str(name) / METADATA_FILE) or {}).get("parameter_uncertainty")
        if isinstance(text, str) and text not in seen:
            seen.append(text)
    return seen


def varying_keys(points: pd.DataFrame) -> list[str]:
    """For folders without sweep.json: override keys whose value differs between points."""
    fixed = {"point", "status", "error", "replicates", "experiment", "workers", "progress", "report"}
    return [c for c in points.columns if c not in fixed and points[c].nunique(dropna=False) > 1]
