"""Write a job's outputs: Parquet tables, the resolved config, provenance and versions, the report.
Every file is written to a temporary name and renamed, so a killed job leaves no half-written file."""

from __future__ import annotations

import functools
import json
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from experiments.config import RunConfig
from experiments.files import atomic_write
from sim.params import provenance_table

PACKAGES = ("mesa", "numpy", "pandas", "plotly", "hydra-core", "omegaconf", "pyarrow", "networkx")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """The git commit of the code (with '-dirty' for uncommitted changes), or the package version."""
    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=root,
                             capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        if rev:
            return rev
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return metadata.version("siege-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def run_metadata(run: RunConfig) -> dict:
    return {"scenario": run.scenario_name, "replicates": run.replicates, "root_seed": run.seed,
            "seed_rule": "numpy SeedSequence(root_seed, spawn_key=(replicate, stream))",
            "code_version": code_version(), "packages": package_versions(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def parameter_table(run: RunConfig) -> pd.DataFrame:
    """Every parameter with its value, default, unit, range, and the provenance that applies."""
    table = pd.DataFrame(provenance_table(run.model))
    scenario = {k.removeprefix("model."): v for k, v in run.provenance.items()}
    table["scenario_provenance"] = table["parameter"].map(scenario).fillna("")
    return table


def write_outputs(out_dir: Path, run: RunConfig, runs: pd.DataFrame, daily: pd.DataFrame,
                  events: pd.DataFrame) -> Path | None:
    """Write tables, config, metadata and (unless disabled) report.html; return the report path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = run_metadata(run)
    for name, table in (("runs", runs), ("daily", daily), ("events", events)):
        atomic_write(out_dir / f"{name}.parquet", lambda p, t=table: t.to_parquet(p, index=False))
    params = parameter_table(run)
    atomic_write(out_dir / "parameters.csv", lambda p: params.to_csv(p, index=False))
    resolved = OmegaConf.to_yaml(OmegaConf.structured(run))
    atomic_write(out_dir / "config_resolved.yaml", lambda p: p.write_text(resolved))
    atomic_write(out_dir / "metadata.json", lambda p: p.write_text(json.dumps(meta, indent=2)))
    if not run.report:
        return None
    from experiments.report import Showcase, choose_showcase, write_report
    from sim.district import evacuation_cell
    from sim.runner import run_replicate

    chosen = choose_showcase(runs)
    replay = run_replicate(run.model, run.seed, chosen, record_grid=True)
    d = run.model.district
    showcase = Showcase(replicate=chosen, daily=pd.DataFrame(replay.daily), events=pd.DataFrame(replay.events),
                        grid=replay.grid or [], width=d.grid_width, height=d.grid_height,
                        evacuation_cell=evacuation_cell(d))
    return write_report(out_dir / "report.html", runs, daily, events, showcase, params, meta)
