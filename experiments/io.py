"""Files a job writes: atomic writes (a killed job leaves the old file or the new one, never half of
one), the record of a job (its resolved config and metadata: seeds, code and package versions)."""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mesa", "numpy", "pandas", "plotly", "hydra-core", "omegaconf", "pyarrow", "networkx")
SEED_RULE = "numpy SeedSequence(root_seed, spawn_key=(replicate, sha256(stream name)[:8] as a little-endian int))"
CONFIG_FILE = "config_resolved.yaml"
METADATA_FILE = "metadata.json"


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call write(tmp) on a temporary file beside `path`, make it world-readable, then rename it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(path: Path, payload: Any) -> Path:
    """Write indented JSON atomically (values JSON cannot hold are written as their text)."""
    return write_text(path, json.dumps(payload, indent=2, default=str))


def write_parquet(path: Path, table: pd.DataFrame) -> Path:
    """Write a table as Parquet atomically, without the index."""
    return atomic_write(path, lambda p: table.to_parquet(p, index=False))


EXPORT_FORMATS = ("parquet", "csv", "xlsx")   # `format=`: Parquet always; csv or xlsx beside it
XLSX_MAX_ROWS = 1_048_576                     # rows an Excel sheet holds, the header's included


def write_export(parquet_path: Path, table: pd.DataFrame, fmt: str) -> Path | None:
    """A table beside its Parquet file as CSV or an Excel workbook of one sheet (`fmt` from
    EXPORT_FORMATS), atomically; None for 'parquet' (nothing beside it). ValueError when the table
    is too long for a sheet."""
    if fmt == "parquet":
        return None
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format={fmt!r} is not allowed: one of {', '.join(EXPORT_FORMATS)}")
    path = Path(parquet_path).with_suffix(f".{fmt}")
    if fmt == "csv":
        return atomic_write(path, lambda p: table.to_csv(p, index=False))
    if len(table) + 1 > XLSX_MAX_ROWS:
        raise ValueError(f"format=xlsx cannot hold {path.stem}: {len(table):,} rows, and a sheet holds "
                         f"{XLSX_MAX_ROWS - 1:,} below its header; use format=csv")
    return atomic_write(path, lambda p: table.to_excel(p, index=False, sheet_name=path.stem[:31], engine="openpyxl"))


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """The git commit of the code (with '-dirty' for uncommitted changes), or the package version."""
    try:
        rev = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=PROJECT_ROOT,
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
    """Python's version and those of the packages a result depends on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def parameter_uncertainty(run: Any) -> str:
    """Whether the behavioural values are fixed or drawn per replicate from a posterior, and which."""
    posterior = getattr(run, "posterior", None)
    if posterior is None or not posterior.paths:
        return "none: every replicate uses the same parameter values"
    return (f"posterior {posterior.source or '(unnamed)'}: each replicate draws {', '.join(posterior.paths)} "
            f"from {len(posterior.values)} weighted particles (its 'posterior' stream)")


def run_metadata(run: Any, **extra: Any) -> dict[str, Any]:
    """What a job's results depend on besides its config: `run` is a RunConfig (its scenario,
    replicates and root seed are read), `extra` adds or replaces entries."""
    meta = {"scenario": run.scenario_name, "replicates": run.replicates, "root_seed": run.seed,
            "seed_rule": SEED_RULE, "parameter_uncertainty": parameter_uncertainty(run),
            "code_version": code_version(), "packages": package_versions(),
            "created": datetime.now(UTC).isoformat(timespec="seconds")}
    return {**meta, **extra}


def write_job_files(out_dir: Path, run: Any, meta: dict[str, Any]) -> None:
    """The record beside a job's tables: the resolved config of `run` (a RunConfig) and `meta`."""
    write_text(Path(out_dir) / CONFIG_FILE, OmegaConf.to_yaml(OmegaConf.structured(run)))
    write_json(Path(out_dir) / METADATA_FILE, meta)
