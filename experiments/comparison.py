"""The comparison job (`task: COMPARISON`, conf/experiment/compare*.yaml): the baseline and each arm
run the same replicates on the same root seed, so replicate r of an arm differs from replicate r of
the baseline only by the arm's overrides (common random numbers). Writes each arm's tables under
arms/<name>/, the runs of every arm in one table with an `arm` column, the tidy comparison table
(comparison.csv), the record and the report, then the manifest, last."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.analysis.comparison import comparison_table
from experiments.analysis.fans import fan_quantiles_from_parquet
from experiments.config.schema import RunConfig
from experiments.io import (
    CONFIG_FILE,
    METADATA_FILE,
    run_metadata,
    write_export,
    write_job_files,
    write_parquet,
    write_text,
)
from experiments.measures import outcome_label
from experiments.reports.comparison import FAN_COLUMNS, STEP_SERIES, write_comparison_report
from experiments.scenario import finish_run, simulate_to_files, start_run

ARMS_DIR = "arms"
COMPARISON_FILE = "comparison.csv"
COMPARISON_TABLE = "comparison.parquet"
ARMS_FILE = "arms.csv"
REPORT_FILE = "comparison_report.html"
ArmConfigs = list[tuple[str, dict[str, Any], RunConfig]]


def arms_table(arms: ArmConfigs) -> pd.DataFrame:
    """One row per arm and override (the baseline's row names no override)."""
    rows = [{"arm": name, "parameter": key, "value": str(value)} for name, overrides, _ in arms
            for key, value in overrides.items()]
    baseline = arms[0][0]
    return pd.DataFrame([{"arm": baseline, "parameter": "", "value": "the scenario as configured"}, *rows])


def run_comparison(run: RunConfig, out_dir: Path, arms: ArmConfigs,
                   on_progress: Callable[[int], None] | None = None) -> Path | None:
    """Simulate every arm, write the tables and the report; print the paired differences.
    `on_progress(k)` is called as each block of k replicates of any arm finishes."""
    start_run(out_dir)
    shutil.rmtree(out_dir / ARMS_DIR, ignore_errors=True)
    names = [name for name, _, _ in arms]
    written: list[str] = []
    all_runs = []
    for i, (name, _, arm_run) in enumerate(arms):
        print(f"arm {i + 1} of {len(arms)}: {name}", file=sys.stderr, flush=True)
        arm_dir = out_dir / ARMS_DIR / name
        runs = simulate_to_files(arm_run, arm_dir, progress=run.progress, on_progress=on_progress)
        write_parquet(arm_dir / "runs.parquet", runs)
        written += [f"{ARMS_DIR}/{name}/{table}.parquet" for table in ("runs", "daily", "events")]
        all_runs.append(runs.assign(arm=name))
    runs = pd.concat(all_runs, ignore_index=True)
    runs = runs[["arm", *[c for c in runs.columns if c != "arm"]]]
    table = comparison_table(runs, names, run.comparison.baseline)
    write_parquet(out_dir / "runs.parquet", runs)
    write_parquet(out_dir / COMPARISON_TABLE, table)
    write_text(out_dir / COMPARISON_FILE, table.to_csv(index=False))
    arm_rows = arms_table(arms)
    write_text(out_dir / ARMS_FILE, arm_rows.to_csv(index=False))
    meta = run_metadata(run, arms=", ".join(names), baseline=run.comparison.baseline)
    write_job_files(out_dir, run, meta)
    written += ["runs.parquet", COMPARISON_TABLE, COMPARISON_FILE, ARMS_FILE, CONFIG_FILE, METADATA_FILE]
    for name, frame in (("runs", runs), ("comparison", table)) if run.format != "parquet" else ():
        exported = write_export(out_dir / f"{name}.parquet", frame, run.format)
        if exported is not None and exported.name not in written:
            written.append(exported.name)
    report = None
    if run.report is not False:
        fans = {name: fan_quantiles_from_parquet(out_dir / ARMS_DIR / name / "daily.parquet", FAN_COLUMNS,
                                                 steps=STEP_SERIES) for name in names}
        report = write_comparison_report(out_dir / REPORT_FILE, table, fans, arm_rows, meta, run.replicates,
                                         run.comparison.baseline)
        written.append(REPORT_FILE)
    finish_run(out_dir, run, written)
    print(format_comparison(table, run.comparison.baseline, run.scenario_name, run.replicates))
    print(f"\nTables: {out_dir}")
    if report is not None:
        print(f"Comparison report: {report}")
    return report


def format_comparison(table: pd.DataFrame, baseline: str, scenario: str, replicates: int) -> str:
    """The lines a user reads at the end: each arm's outcome shares and their paired differences."""
    lines = [f"Comparison on {scenario}: {replicates} paired replicates per arm, baseline {baseline}", ""]
    shares = table[table["statistic"] == "share"]
    for arm, rows in shares.groupby("arm", sort=False):
        lines.append(f"{arm}:")
        for row in rows.itertuples():
            if row.value == 0 and (row.is_baseline or row.difference == 0):
                continue
            text = f"  {outcome_label(row.quantity.removeprefix('p_')):<36} {row.value:6.1%}"
            if not row.is_baseline:
                text += (f"   {100 * row.difference:+6.1f} points [{100 * row.difference_lo:+.1f}, "
                         f"{100 * row.difference_hi:+.1f}]")
            lines.append(text)
    return "\n".join(lines)
