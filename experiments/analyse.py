"""Aggregate a sweep from its tables alone: `python -m experiments.analyse SWEEP_DIR`.

Reads every job folder's `point.json`, `status.json` and `runs.parquet`, and writes at the sweep
folder's root `sweep_runs.parquet` (every replicate of every point), `sweep_summary.parquet` and
`.csv` (per point: outcome probabilities with Wilson 95% intervals, medians of duration and harm with
bootstrap intervals, paired differences against the reference point) and `sweep_report.html`.
Nothing is re-simulated, so it can be re-run at will (for instance with another reference point).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.files import atomic_write
from experiments.summary import outcome_table
from experiments.sweep import POINT_FILE, STATUS_FILE, SWEEP_FILE, same_value
from sim.enums import Outcome

MEDIAN_MEASURES = ["end_day", "civilians_killed", "civilians_injured", "civilians_displaced", "fighters_killed",
                   "fighters_evacuated", "besieger_killed", "breakdowns"]
PAIRED_MEASURES = ["end_day", "civilians_killed", "civilians_displaced", "fighters_evacuated"]
BOOTSTRAP = 1000
BOOTSTRAP_SEED = 12345  # fixed, so the summary is the same whoever computes it


@dataclass
class Analysis:
    summary: pd.DataFrame
    runs: pd.DataFrame
    axes: list[str]
    failed: pd.DataFrame
    report: Path | None
    message: str


def _parse_overrides(overrides: list[str]) -> dict[str, str]:
    pairs = {}
    for text in overrides:
        key, _, value = text.partition("=")
        pairs[key.lstrip("+~")] = value
    return pairs


def read_axes(sweep_dir: Path) -> dict[str, list[str]] | None:
    """The axes the sweep was launched with (sweep.json), or None for folders made without it."""
    path = sweep_dir / SWEEP_FILE
    return json.loads(path.read_text())["axes"] if path.exists() else None


def collect(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """(points, runs, reference): one row per job folder of this sweep with its overrides and status,
    every replicate of every finished point, and the sweep's reference point. Folders left by an
    earlier sweep in the same place (values no longer on an axis) are ignored."""
    points, frames, reference = [], [], {}
    axes = read_axes(sweep_dir)
    for point_file in sorted(sweep_dir.glob(f"*/{POINT_FILE}"), key=lambda p: _job_key(p.parent.name)):
        job = point_file.parent
        point = json.loads(point_file.read_text())
        if axes is not None and not _on_axes(_parse_overrides(point["overrides"]), axes):
            continue
        status_path = job / STATUS_FILE
        status = json.loads(status_path.read_text()) if status_path.exists() else {"status": "unfinished"}
        if status.get("hash") not in (None, point["hash"]):
            status = {"status": "unfinished"}
        overrides = _parse_overrides(point["overrides"])
        reference = reference or point.get("reference", {})
        error = status.get("error", "") or ("no status recorded: interrupted, or still running"
                                             if status["status"] == "unfinished" else "")
        row = {"point": job.name, "status": status["status"], "error": error,
               "replicates": point["replicates"], **overrides}
        points.append(row)
        if status["status"] == "done":
            runs = pd.read_parquet(job / "runs.parquet")
            for key, value in overrides.items():
                runs[key] = value
            runs.insert(0, "point", job.name)
            frames.append(runs)
    if not points:
        raise FileNotFoundError(f"no sweep points (folders with {POINT_FILE}) under {sweep_dir}")
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return pd.DataFrame(points), runs, reference


def _on_axes(overrides: dict[str, str], axes: dict[str, list[str]]) -> bool:
    return all(any(same_value(overrides.get(key), v) for v in values) for key, values in axes.items())


def _job_key(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (1 << 30, name)


def varying_keys(points: pd.DataFrame) -> list[str]:
    """For folders without sweep.json: override keys whose value differs between points."""
    fixed = {"point", "status", "error", "replicates", "experiment", "workers", "progress", "report"}
    return [c for c in points.columns if c not in fixed and points[c].nunique(dropna=False) > 1]


def _bootstrap_median(values: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    if values.size == 0:
        return float("nan"), float("nan")
    idx = rng.integers(0, values.size, size=(BOOTSTRAP, values.size))
    medians = np.median(values[idx], axis=1)
    return float(np.quantile(medians, 0.025)), float(np.quantile(medians, 0.975))


def _paired(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float]:
    """Mean of b - a over replicates paired by index, and its bootstrap 95% interval."""
    diff = b - a
    idx = rng.integers(0, diff.size, size=(BOOTSTRAP, diff.size))
    means = diff[idx].mean(axis=1)
    return float(diff.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def summarise(points: pd.DataFrame, runs: pd.DataFrame, reference: dict[str, str],
              axes: list[str]) -> pd.DataFrame:
    """One row per point: outcome probabilities with Wilson intervals, medians with bootstrap
    intervals, and paired differences against the reference point (matched by replicate)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    ref_point = _reference_point(points, reference, axes)
    ref_runs = runs[runs["point"] == ref_point].set_index("replicate") if ref_point is not None else None
    rows = []
    for _, point in points.iterrows():
        row = {"point": point["point"], **{a: point[a] for a in axes}, "status": point["status"],
               "error": point["error"], "is_reference": point["point"] == ref_point}
        sub = runs[runs["point"] == point["point"]] if not runs.empty else pd.DataFrame(columns=["outcome", "end_day"])
        n = len(sub)
        row["n"] = n
        for outcome in outcome_table(sub).itertuples():
            missing = n == 0  # a failed point has no interval, not (0, 1)
            row[f"p_{outcome.outcome}"] = outcome.probability
            row[f"p_{outcome.outcome}_lo"] = float("nan") if missing else outcome.ci_low
            row[f"p_{outcome.outcome}_hi"] = float("nan") if missing else outcome.ci_high
        for measure in MEDIAN_MEASURES:
            values = sub[measure].to_numpy(float) if n else np.array([])
            row[f"{measure}_median"] = float(np.median(values)) if n else float("nan")
            row[f"{measure}_median_lo"], row[f"{measure}_median_hi"] = _bootstrap_median(values, rng)
        if ref_runs is not None and n:
            mine = sub.set_index("replicate")
            common = mine.index.intersection(ref_runs.index)
            for measure in PAIRED_MEASURES:
                d, lo, hi = _paired(ref_runs.loc[common, measure].to_numpy(float),
                                    mine.loc[common, measure].to_numpy(float), rng)
                row[f"diff_{measure}"], row[f"diff_{measure}_lo"], row[f"diff_{measure}_hi"] = d, lo, hi
            for outcome in Outcome:
                d, lo, hi = _paired((ref_runs.loc[common, "outcome"] == outcome.value).to_numpy(float),
                                    (mine.loc[common, "outcome"] == outcome.value).to_numpy(float), rng)
                row[f"diff_p_{outcome.value}"], row[f"diff_p_{outcome.value}_lo"], \
                    row[f"diff_p_{outcome.value}_hi"] = d, lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def _reference_point(points: pd.DataFrame, reference: dict[str, str], axes: list[str]) -> str | None:
    """The finished point whose axis values match the reference (numbers compared as numbers);
    the first finished point when no reference is given or none matches (analyse says so)."""
    done = points[points["status"] == "done"]
    if done.empty:
        return None
    keys = [k for k in reference if k in axes]
    for _, point in done.iterrows():
        if keys and all(same_value(point.get(k), reference[k]) for k in keys):
            return str(point["point"])
    return str(done["point"].iloc[0])


def analyse(sweep_dir: Path, reference: dict[str, str] | None = None, report: bool = True) -> Analysis:
    """Aggregate a sweep folder into tables (and the sweep report) at its root."""
    sweep_dir = Path(sweep_dir)
    points, runs, stored_reference = collect(sweep_dir)
    launched = read_axes(sweep_dir)
    axes = list(launched) if launched is not None else varying_keys(points)
    summary = summarise(points, runs, reference if reference is not None else stored_reference, axes)
    atomic_write(sweep_dir / "sweep_runs.parquet", lambda p: runs.to_parquet(p, index=False))
    atomic_write(sweep_dir / "sweep_summary.parquet", lambda p: summary.to_parquet(p, index=False))
    atomic_write(sweep_dir / "sweep_summary.csv", lambda p: summary.to_csv(p, index=False))
    failed = summary[summary["status"] != "done"]
    path = None
    if report:
        from experiments.sweep_report import write_sweep_report

        path = write_sweep_report(sweep_dir / "sweep_report.html", summary, axes, sweep_dir.name)
    lines = [f"Sweep {sweep_dir}: {len(summary)} points ({int((summary['status'] == 'done').sum())} done"
             f", {len(failed)} failed or unfinished) over {', '.join(axes) or 'no varying axis'}"]
    for _, row in failed.iterrows():
        lines.append(f"  point {row['point']} {row['status']}: {row['error']}")
    wanted = reference if reference is not None else stored_reference
    chosen = summary[summary["is_reference"]]
    if not chosen.empty and not all(same_value(chosen.iloc[0].get(k), v) for k, v in wanted.items() if k in axes) \
            or (wanted and not any(k in axes for k in wanted)):
        lines.append(f"  note: the reference {wanted} is not a finished point of this sweep; differences are "
                     f"measured against point {chosen.iloc[0]['point'] if not chosen.empty else 'none'}")
    lines.append(f"Summary: {sweep_dir / 'sweep_summary.csv'}")
    if path is not None:
        lines.append(f"Sweep report: {path}")
    return Analysis(summary=summary, runs=runs, axes=axes, failed=failed, report=path, message="\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Aggregate a sweep folder from its tables (no re-simulation).")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--reference", nargs="*", default=None, metavar="KEY=VALUE",
                        help="the point to compare against (default: the experiment's reference)")
    parser.add_argument("--no-report", action="store_true", help="write the tables only")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"error: {args.sweep_dir} is not a folder", file=sys.stderr)
        return 2
    reference = _parse_overrides(args.reference) if args.reference is not None else None
    try:
        result = analyse(args.sweep_dir, reference, report=not args.no_report)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result.message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
