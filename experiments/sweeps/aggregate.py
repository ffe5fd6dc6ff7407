"""Aggregate a sweep from its tables alone: `python -m experiments.sweeps.aggregate SWEEP_DIR`.

Reads every job folder of the sweep, and writes at the sweep folder's root `sweep_runs.parquet`
(every replicate of every point), `sweep_summary.parquet` and `.csv` (experiments/analysis/sweep.py)
and `sweep_report.html`. Nothing is re-simulated, so it can be re-run at will (for instance with
another reference point).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.analysis.sweep import summarise
from experiments.io import EXPORT_FORMATS, write_export, write_parquet, write_text
from experiments.keys import parse_overrides, same_value
from experiments.reports.sweep import write_sweep_report
from experiments.sweeps.folder import collect, parameter_uncertainties, read_axes, varying_keys


@dataclass
class Analysis:
    summary: pd.DataFrame
    runs: pd.DataFrame
    axes: list[str]
    failed: pd.DataFrame
    report: Path | None
    message: str

    @property
    def points(self) -> int:
        return len(self.summary)

    @property
    def failed_points(self) -> list[str]:
        """Points that failed, are damaged or did not finish."""
        return [str(p) for p in self.failed["point"]]


def analyse(sweep_dir: Path, reference: dict[str, str] | None = None, report: bool = True,
            export: str = "parquet") -> Analysis:
    """Aggregate a sweep folder into tables (and the sweep report) at its root; `export` = 'xlsx'
    adds the summary as a workbook (the CSV is always written)."""
    sweep_dir = Path(sweep_dir)
    points, runs, stored_reference = collect(sweep_dir)
    launched = read_axes(sweep_dir)
    axes = list(launched) if launched is not None else varying_keys(points)
    summary = summarise(points, runs, reference if reference is not None else stored_reference, axes)
    write_parquet(sweep_dir / "sweep_runs.parquet", runs)
    write_parquet(sweep_dir / "sweep_summary.parquet", summary)
    write_text(sweep_dir / "sweep_summary.csv", summary.to_csv(index=False))
    if export == "xlsx":
        write_export(sweep_dir / "sweep_summary.parquet", summary, export)
    failed = summary[summary["status"] != "done"]
    path = None
    if report:
        path = write_sweep_report(sweep_dir / "sweep_report.html", summary, axes, sweep_dir.name,
                                  parameter_uncertainties(sweep_dir, points))
    lines = [f"Sweep {sweep_dir}: {len(summary)} points ({int((summary['status'] == 'done').sum())} done"
             f", {len(failed)} failed or unfinished) over {', '.join(axes) or 'no varying axis'}"]
    for _, row in failed.iterrows():
        lines.append(f"  point {row['point']} {row['status']}: {row['error']}")
    wanted = reference if reference is not None else stored_reference
    chosen = summary[summary["is_reference"]]
    if (not chosen.empty and not all(same_value(chosen.iloc[0].get(k), v) for k, v in wanted.items() if k in axes)) \
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
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="parquet",
                        help="xlsx also writes the summary as an Excel workbook (the CSV is always written)")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"error: {args.sweep_dir} is not a folder", file=sys.stderr)
        return 2
    reference = parse_overrides(args.reference) if args.reference is not None else None
    try:
        result = analyse(args.sweep_dir, reference, report=not args.no_report, export=args.format)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result.message)
    if result.failed_points:
        print(f"error: {len(result.failed_points)} of {result.points} points failed, are damaged or did not finish "
              f"({', '.join(result.failed_points)}); the summary marks them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
