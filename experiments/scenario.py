"""The scenario job: simulate a scenario's replicates and write its outputs (Parquet tables, the
parameter table with provenance, the job's record and, unless disabled, the report), then the
manifest, last. Every file is written to a temporary name and renamed, so a killed job leaves no
half-written file; a folder without a manifest is an incomplete run; a run into a folder first
clears the files an earlier run left there."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from experiments.analysis.fans import fan_quantiles_from_parquet
from experiments.analysis.showcase import choose_showcase
from experiments.analysis.story import run_story, story_table
from experiments.analysis.summary import format_summary, outcome_table
from experiments.config.identity import run_identity
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
from experiments.manifest import clear_run_files, write_manifest
from experiments.parquet_blocks import ParquetBlockWriter
from experiments.replicates import Tables, concat_frames, stream_replicates
from experiments.reports.scenario import FAN_COLUMNS, STEP_SERIES, Showcase, write_report
from sim.district import evacuation_cell
from sim.params import provenance_table
from sim.runner import run_replicate

TABLES = ("runs", "daily", "events")
PARAMETERS_FILE = "parameters.csv"
REPORT_FILE = "report.html"


def start_run(out_dir: Path) -> None:
    """Make `out_dir` ready for a new run: the files an earlier run left there are removed (its
    manifest first, so the folder reads as incomplete until this run's manifest is written), saying which."""
    removed = clear_run_files(out_dir)
    if removed:
        print(f"note: {out_dir} held an earlier run's files; removed {', '.join(removed)}", file=sys.stderr)


def finish_run(out_dir: Path, run: RunConfig, names: list[str]) -> None:
    """The manifest of the files `names` a run wrote into `out_dir`, written last."""
    write_manifest(out_dir, names, **run_identity(run))


def parameter_table(run: RunConfig) -> pd.DataFrame:
    """Every parameter with its value, default, unit, range, and the provenance that applies."""
    table = pd.DataFrame(provenance_table(run.model))
    scenario = {k.removeprefix("model."): v for k, v in run.provenance.items()}
    table["scenario_provenance"] = table["parameter"].map(scenario).fillna("")
    return table


def simulate_to_files(run: RunConfig, out_dir: Path, progress: bool = False,
                      on_progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Simulate the replicates, streaming the daily and events tables into `out_dir` as blocks of
    replicates finish (memory stays flat however many replicates run); returns the runs table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    writers = {name: ParquetBlockWriter(out_dir / f"{name}.parquet") for name in ("daily", "events")}
    runs: list[pd.DataFrame] = []

    def sink(tables: Tables) -> None:
        runs.append(tables.runs)
        writers["daily"].add(tables.daily)
        writers["events"].add(tables.events)

    try:
        stream_replicates(run.model, run.seed, run.replicates, sink, run.workers, progress, on_progress,
                          run.posterior.draws())
        for writer in writers.values():
            writer.close()
    finally:
        for writer in writers.values():
            writer.abort()
    return concat_frames(runs)


def write_outputs(out_dir: Path, run: RunConfig, runs: pd.DataFrame) -> Path | None:
    """Beside the daily and events tables `simulate_to_files` wrote: the runs table, parameters, the
    job's record and (unless disabled) the report, whose fan charts are read from the daily file
    a column at a time; returns the report's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = run_metadata(run)
    write_parquet(out_dir / "runs.parquet", runs)
    params = parameter_table(run)
    write_text(out_dir / PARAMETERS_FILE, params.to_csv(index=False))
    write_job_files(out_dir, run, meta)
    written = [f"{name}.parquet" for name in TABLES] + [PARAMETERS_FILE, CONFIG_FILE, METADATA_FILE]
    for name in TABLES if run.format != "parquet" else ():
        table = runs if name == "runs" else pd.read_parquet(out_dir / f"{name}.parquet")
        written.append(write_export(out_dir / f"{name}.parquet", table, run.format).name)
    if not run.report:
        finish_run(out_dir, run, written)
        return None
    fans = fan_quantiles_from_parquet(out_dir / "daily.parquet", FAN_COLUMNS, steps=STEP_SERIES)
    report = write_report(out_dir / REPORT_FILE, outcome_table(runs), fans, showcase(run, runs), params, meta,
                          len(runs))
    finish_run(out_dir, run, [*written, REPORT_FILE])
    return report


def showcase(run: RunConfig, runs: pd.DataFrame) -> Showcase:
    """The typical replicate replayed with its district layers recorded, for the report's map and timeline."""
    chosen = choose_showcase(runs)
    replay = run_replicate(run.model, run.seed, chosen, record_grid=True, draws=run.posterior.draws())
    d = run.model.district
    outcome = str(runs.loc[runs["replicate"] == chosen, "outcome"].iloc[0])
    daily, events = pd.DataFrame(replay.daily), pd.DataFrame(replay.events)
    return Showcase(replicate=chosen, outcome=outcome, daily=daily, events=events, grid=replay.grid or [],
                    width=d.grid_width, height=d.grid_height, evacuation_cell=evacuation_cell(d),
                    story=story_table(run_story(events, daily, d.grid_width * d.grid_height)))


def run_scenario(run: RunConfig, out_dir: Path) -> Path | None:
    """Simulate, write every output into `out_dir`, print the summary; return the report path."""
    start_run(out_dir)
    runs = simulate_to_files(run, out_dir, progress=run.progress)
    report = write_outputs(out_dir, run, runs)
    print(format_summary(runs, run.scenario_name))
    print(f"\nTables: {out_dir}")
    if report is not None:
        print(f"Interactive report: {report}")
    return report
