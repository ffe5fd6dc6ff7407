"""A run folder's manifest: written last, it lists every file the run wrote with its size and SHA-256
(and, for a table, its row count), so that a folder is either complete and intact or visibly not.
Resume and aggregation verify it; a run into a folder first clears the files another run left."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from experiments.io import write_json

MANIFEST_FILE = "manifest.json"
# Every file a job of this project may write into its folder (Hydra's own .hydra/ and run.log aside):
# what a new run clears before it writes, so that no earlier run's file stays beside its own.
RUN_FILES = ("runs.parquet", "daily.parquet", "events.parquet", "parameters.csv", "config_resolved.yaml",
             "metadata.json", "report.html", "point.json", "status.json",
             "hindcast.parquet", "hindcast_figures.parquet", "hindcast_report.html",
             "calibration_trials.parquet", "calibration_fit.parquet", "calibration_cases.parquet",
             "calibrated.yaml", "calibration_report.html",
             "comparison.csv", "comparison.parquet", "arms.csv", "comparison_report.html", MANIFEST_FILE)
CHUNK = 1 << 20


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def file_record(path: Path) -> dict[str, Any]:
    """Size, SHA-256 and, for a Parquet table, its row count."""
    record: dict[str, Any] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
    if path.suffix == ".parquet":
        record["rows"] = pq.ParquetFile(path).metadata.num_rows
    return record


def clear_run_files(out_dir: Path) -> list[str]:
    """Remove the run files an earlier run left in `out_dir` (only this project's own file names,
    never anything else); returns the names removed, the manifest first so the folder reads as
    incomplete from the first moment."""
    removed = []
    for name in (MANIFEST_FILE, *RUN_FILES[:-1]):
        path = Path(out_dir) / name
        if path.is_file():
            path.unlink()
            removed.append(name)
    for parts in sorted(Path(out_dir).glob(".*.parquet.parts.*")):  # a killed job's streamed blocks
        if parts.is_dir():
            shutil.rmtree(parts, ignore_errors=True)
            removed.append(parts.name)
    return removed


def write_manifest(out_dir: Path, names: list[str], **identity: Any) -> dict[str, Any]:
    """Write the manifest of the files `names` in `out_dir` (after they are all written), with what
    identifies the run (its parameters' hash, root seed, replicates ...)."""
    out_dir = Path(out_dir)
    manifest = {**identity, "files": {name: file_record(out_dir / name) for name in names}}
    write_json(out_dir / MANIFEST_FILE, manifest)
    return manifest


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of a run folder, or None when it is missing or unreadable."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("files"), dict) else None


def problems(out_dir: Path, **identity: Any) -> list[str]:
    """What is wrong with a run folder against its manifest: missing, unreadable, a file missing,
    resized, changed or with another row count, or an identity (e.g. the parameters' hash) other
    than the one expected. Empty when the folder is complete and intact."""
    manifest = read_manifest(out_dir)
    if manifest is None:
        return [f"no readable {MANIFEST_FILE} (the run did not finish)"]
    found = [f"{key} is {manifest.get(key)!r}, not {value!r}" for key, value in identity.items()
             if manifest.get(key) != value]
    for name, expected in manifest["files"].items():
        path = Path(out_dir) / name
        if not path.is_file():
            found.append(f"{name} is missing")
            continue
        if path.stat().st_size != expected.get("bytes"):
            found.append(f"{name} has {path.stat().st_size} bytes, not {expected.get('bytes')}")
        elif sha256(path) != expected.get("sha256"):
            found.append(f"{name} has changed (checksum)")
    return found
