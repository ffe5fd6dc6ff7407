"""Analyse a finished sensitivity design from its tables alone: `python -m experiments.sensitivity_analyse
SWEEP_DIR`. Reads design.parquet, sensitivity.json and each design point's runs.parquet; writes
sensitivity_indices.parquet (tidy Morris or Sobol indices with confidence intervals), the per-point
outputs (sensitivity_outputs.parquet), discovery.parquet (CART boxes) and sensitivity_report.html."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.discovery import TreeSettings, discover, format_boxes, outcome_rows, write_boxes
from experiments.files import atomic_write
from experiments.ranges import UncertainParameter
from experiments.salib_sweeper import DESIGN_FILE, INDICES_FILE, SETTINGS_FILE
from experiments.sensitivity import DesignSettings, Method, indices, top_table
from experiments.sweep import POINT_FILE, STATUS_FILE, same_value
from sim.enums import Outcome

OUTPUTS_FILE = "sensitivity_outputs.parquet"
REPORT_FILE = "sensitivity_report.html"
# Per design point, over its replicates (common random numbers: the same seeds at every point).
OUTPUTS: dict[str, str] = {
    "p_settlement": "probability of a negotiated settlement (local stay or partial evacuation)",
    "p_takeover": "probability of a military takeover",
    "p_full_evacuation": "probability of a full evacuation",
    "end_day": "mean days to resolution",
    "civilians_killed": "mean civilians killed",
}


@dataclass
class SensitivityResult:
    indices: pd.DataFrame
    outputs: pd.DataFrame
    boxes: pd.DataFrame
    report: Path | None
    message: str


class DesignError(Exception):
    """A sweep folder whose design files are missing or unreadable (one line, naming the file)."""


def read_design(sweep_dir: Path) -> tuple[DesignSettings, list[UncertainParameter], pd.DataFrame]:
    """The design's settings, varied parameters and table, as the sweeper wrote them. Raises
    DesignError when sensitivity.json or design.parquet is missing or corrupt."""
    settings_path, design_path = sweep_dir / SETTINGS_FILE, sweep_dir / DESIGN_FILE
    for path in (settings_path, design_path):
        if not path.is_file():
            raise DesignError(f"{sweep_dir} holds no {path.name} (not a sensitivity design, or one the sweeper "
                              "did not finish writing; run the sensitivity experiment again)")
    try:
        payload = json.loads(settings_path.read_text())
        settings = DesignSettings(**{**payload["settings"], "method": Method(payload["settings"]["method"])})
        params = [UncertainParameter(**p) for p in payload["parameters"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DesignError(f"{settings_path}: unreadable ({type(exc).__name__}: {exc}); run the sensitivity "
                          "experiment again to rewrite it") from None
    try:
        design = pd.read_parquet(design_path)
    except Exception as exc:  # pyarrow raises its own error types for a damaged file
        raise DesignError(f"{design_path}: unreadable ({type(exc).__name__}); run the sensitivity experiment "
                          "again to rewrite it") from None
    missing = [key for key in ["point"] + [p.key for p in params] if key not in design.columns]
    if missing:
        raise DesignError(f"{design_path}: no column {missing[0]}, so it does not belong to {settings_path.name}; "
                          "run the sensitivity experiment again")
    return settings, params, design


def _point_runs(job: Path, values: dict[str, object]) -> pd.DataFrame | None:
    """A design point's replicate table when the point finished (status done, same identity) and it
    ran this design's row: every varied parameter's recorded override equals `values`. A folder left
    by an earlier design in the same place (another seed, other ranges) does not count."""
    try:
        point = json.loads((job / POINT_FILE).read_text())
        status = json.loads((job / STATUS_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if status.get("status") != "done" or status.get("hash") != point.get("hash"):
        return None
    recorded = {key.lstrip("+~"): value for key, _, value in (o.partition("=") for o in point.get("overrides", []))}
    if not all(same_value(recorded.get(key), value) for key, value in values.items()):
        return None
    return pd.read_parquet(job / "runs.parquet")


def design_runs(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(design, runs): the design table and every replicate of every finished design point that ran
    its row of the design, with the point's parameter values as columns."""
    _, params, design = read_design(sweep_dir)
    return design, _runs_of(sweep_dir, params, design)


def _runs_of(sweep_dir: Path, params: list[UncertainParameter], design: pd.DataFrame) -> pd.DataFrame:
    """The replicates of the design's finished points that ran their row, with the row's values."""
    keys = [p.key for p in params]
    frames = []
    for row in design[["point"] + keys].to_dict("records"):
        point = int(row.pop("point"))
        runs = _point_runs(sweep_dir / str(point), row)
        if runs is not None:
            frames.append(runs.assign(point=point))
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["point", "outcome"])
    return runs.merge(design[["point"] + keys], on="point", how="left")


def point_outputs(runs: pd.DataFrame) -> pd.DataFrame:
    """The outputs of each point (index: point), as shares and means over its replicates."""
    settled = runs["outcome"].isin([Outcome.SETTLEMENT_LOCAL_STAY.value, Outcome.PARTIAL_EVACUATION.value])
    frame = runs.assign(p_settlement=settled.astype(float),
                        p_takeover=(runs["outcome"] == Outcome.MILITARY_TAKEOVER.value).astype(float),
                        p_full_evacuation=(runs["outcome"] == Outcome.FULL_EVACUATION.value).astype(float))
    return frame.groupby("point")[list(OUTPUTS)].mean()


def analyse_design(sweep_dir: Path, report: bool = True) -> SensitivityResult:
    """Indices, scenario discovery and the report of a finished design (nothing is simulated)."""
    sweep_dir = Path(sweep_dir)
    settings, params, design = read_design(sweep_dir)
    runs = _runs_of(sweep_dir, params, design)
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
        atomic_write(sweep_dir / INDICES_FILE, lambda p: table.to_parquet(p, index=False))
        lines += ["Most influential parameters per output:", top_table(table, settings.conf_level)]
    atomic_write(sweep_dir / OUTPUTS_FILE, lambda p: outputs.reset_index().to_parquet(p, index=False))
    boxes = pd.DataFrame()
    if not runs.empty:
        x_rows, interest, dropped = outcome_rows(runs, [p.key for p in params])
        if len(x_rows):
            boxes = discover(x_rows, interest, TreeSettings())
            write_boxes(sweep_dir, boxes)
            lines.append(format_boxes(boxes, dropped))
    path = None
    if report:
        from experiments.sensitivity_report import write_sensitivity_report

        path = write_sensitivity_report(sweep_dir / REPORT_FILE, table, boxes, settings, params, outputs,
                                        len(design), sweep_dir.name)
        lines.append(f"Sensitivity report: {path}")
    return SensitivityResult(indices=table, outputs=outputs, boxes=boxes, report=path, message="\n".join(lines))


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
