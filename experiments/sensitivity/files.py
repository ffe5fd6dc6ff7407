"""A sensitivity design's folder, the one reader and writer of its own files: the design table
(design.parquet) and its settings and ranges (sensitivity.json), beside the sweep's job folders,
whose replicates count only when a point finished and ran its row of this design."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from experiments.config.ranges import UncertainParameter
from experiments.io import write_json, write_parquet
from experiments.sensitivity.design import Design, DesignSettings, Method
from experiments.sweeps.folder import read_points

DESIGN_FILE = "design.parquet"
SETTINGS_FILE = "sensitivity.json"
INDICES_FILE = "sensitivity_indices.parquet"
OUTPUTS_FILE = "sensitivity_outputs.parquet"


class DesignError(Exception):
    """A sweep folder whose design files are missing or unreadable (one line, naming the file)."""


def write_design(sweep_dir: Path, design: Design, node: DictConfig) -> None:
    """design.parquet and sensitivity.json (settings and ranges): all the analysis needs besides runs."""
    write_parquet(sweep_dir / DESIGN_FILE, design.table())
    settings = {**asdict(design.settings), "method": design.settings.method.value}
    write_json(sweep_dir / SETTINGS_FILE, {"settings": settings, "parameters": [asdict(p) for p in design.params],
                                           "sweeper": OmegaConf.to_container(node, enum_to_str=True)})


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


def design_runs(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(design, runs): the design table and every replicate of every finished design point that ran
    its row of the design, with the point's parameter values as columns."""
    _, params, design = read_design(sweep_dir)
    return design, runs_of(sweep_dir, params, design)


def runs_of(sweep_dir: Path, params: list[UncertainParameter], design: pd.DataFrame) -> pd.DataFrame:
    """The replicates of the design's finished points that ran their row, with the row's values. A folder
    left by an earlier design in the same place (another seed, other ranges) does not count."""
    keys = [p.key for p in params]
    records = {r.name: r for r in read_points(sweep_dir)}
    frames = []
    for row in design[["point", *keys]].to_dict("records"):
        point = int(row.pop("point"))
        record = records.get(str(point))
        if record is not None and record.done and record.ran(row):
            frames.append(record.runs().assign(point=point))
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["point", "outcome"])
    return runs.merge(design[["point", *keys]], on="point", how="left")
