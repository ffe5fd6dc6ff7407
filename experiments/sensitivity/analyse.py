"""Analyse a finished sensitivity design from its tables alone: `python -m experiments.sensitivity.analyse
SWEEP_DIR`. Reads the design's files and each design point's runs; writes sensitivity_indices.parquet
(tidy Morris or Sobol indices with confidence intervals), the per-point outputs
(sensitivity_outputs.parquet), discovery.parquet (CART boxes) and sensitivity_report.html."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.config.ranges import UncertainParameter
from experiments.io import write_parquet
from experiments.measures import MEASURES, SENSITIVITY_OUTPUTS, SETTLEMENT
from experiments.reports.sensitivity import Design, write_sensitivity_report
from experiments.sensitivity.design import DesignSettings, Method, indices, level_text, top_table
from experiments.sensitivity.discovery import TreeSettings, discover, format_boxes, outcome_rows, write_boxes
from experiments.sensitivity.files import INDICES_FILE, OUTPUTS_FILE, DesignError, read_design, runs_of
from sim.enums import Outcome

REPORT_FILE = "sensitivity_report.html"
# Per design point, over its replicates (common random numbers: the same seeds at every point):
# outcome shares, and means of the replicate measures.
OUTPUTS: dict[str, str] = {key: MEASURES[key].label if key.startswith("p_") else f"mean {MEASURES[key].label}"
                           for key in SENSITIVITY_OUTPUTS}


@dataclass
class SensitivityResult:
    indices: pd.DataFrame
    outputs: pd.DataFrame
    boxes: pd.DataFrame
    report: Path | None
    message: str
    points: int = 0
    failed_points: list[str] = field(default_factory=list)  # design points failed, damaged or unfinished


def point_outputs(runs: pd.DataFrame) -> pd.DataFrame:
    """The outputs of each point (index: point), as shares and means over its replicates."""
    settled = runs["outcome"].isin(SETTLEMENT)
    frame = runs.assign(p_settlement=settled.astype(float),
                        p_takeover=(runs["outcome"] == Outcome.MILITARY_TAKEOVER.value).astype(float),
                        p_full_evacuation=(runs["outcome"] == Outcome.FULL_EVACUATION.value).astype(float))
    return frame.groupby("point")[list(OUTPUTS)].mean()


def report_design(settings: DesignSettings, points: int) -> Design:
    """The design as the report describes it: method, size, seed and the intervals' level."""
    size = (f"{settings.trajectories} trajectories, {settings.levels} levels" if settings.method == Method.MORRIS
            else f"base sample N = {settings.base_samples}")
    return Design(method=settings.method.value, points=points, size=size, seed=settings.seed,
                  level=level_text(settings.conf_level))


def ranges_table(params: list[UncertainParameter]) -> pd.DataFrame:
    """One row per varied parameter: its key, bounds, whether it is a whole number, and why."""
    return pd.DataFrame([{"parameter": p.key, "lo": p.lo, "hi": p.hi, "integer": p.integer, "reason": p.reason}
                         for p in params], columns=["parameter", "lo", "hi", "integer", "reason"])


def analyse_design(sweep_dir: Path, report: bool = True) -> SensitivityResult:
    """Indices, scenario discovery and the report of a finished design (nothing is simulated)."""
    sweep_dir = Path(sweep_dir)
    settings, params, design = read_design(sweep_dir)
    runs = runs_of(sweep_dir, params, design)
    outputs = point_outputs(runs) if not runs.empty else pd.DataFrame(columns=list(OUTPUTS))
    missing = sorted(set(design["point"]) - set(outputs.index))
    lines = [f"Sensitivity ({settings.method.value}) {sweep_dir}: {len(design)} design points x "
             f"{len(params)} parameters, {len(outputs)} finished"]
    table = pd.DataFrame()
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        lines.append(f"  {len(missing)} design points failed or unfinished ({shown}): no indices; run the same "
                     "command again to retry them (finished points are skipped)")
    else:
        x = np.column_stack([design[f"raw.{p.key}"] if p.integer else design[p.key] for p in params])
        table = indices(settings, params, x, outputs.loc[design["point"]].reset_index(drop=True))
        write_parquet(sweep_dir / INDICES_FILE, table)
        lines += ["Most influential parameters per output:", top_table(table, settings.conf_level)]
    write_parquet(sweep_dir / OUTPUTS_FILE, outputs.reset_index())
    boxes = pd.DataFrame()
    if not runs.empty:
        x_rows, interest, dropped = outcome_rows(runs, [p.key for p in params])
        if len(x_rows):
            boxes = discover(x_rows, interest, TreeSettings())
            write_boxes(sweep_dir, boxes)
            lines.append(format_boxes(boxes, dropped))
    path = None
    if report:
        path = write_sensitivity_report(sweep_dir / REPORT_FILE, table, boxes, outputs, ranges_table(params), OUTPUTS,
                                        report_design(settings, len(design)), sweep_dir.name)
        lines.append(f"Sensitivity report: {path}")
    return SensitivityResult(indices=table, outputs=outputs, boxes=boxes, report=path, message="\n".join(lines),
                             points=len(design), failed_points=[str(p) for p in missing])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sensitivity indices and discovery of a finished design.")
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        print(analyse_design(args.sweep_dir).message)
    except DesignError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
