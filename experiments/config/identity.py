"""What a run's results depend on, as one hash: every model parameter, the replicate count, the root
seed and the model's source; not how the job runs (workers, progress, report) nor how a sweep is
analysed (its reference). A sweep point, a resumed point and a run folder's manifest are checked
against it, so results computed by other settings or other model code are never taken for these."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from experiments.config.schema import RunConfig

# Fields that change how a job runs, not what it computes: they stay out of a run's identity.
NOT_IDENTITY = ("workers", "progress", "report", "reference", "experiment", "provenance", "scenario_name")
SIM_DIR = Path(__file__).resolve().parents[2] / "sim"


@functools.lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """Hash of the model's source (sim/*.py): results computed by other model code are redone."""
    digest = hashlib.sha256()
    for path in sorted(SIM_DIR.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def run_hash(run: RunConfig) -> str:
    """Identity of a run's results (see the module docstring)."""
    tree = OmegaConf.to_container(OmegaConf.structured(run), enum_to_str=True)
    for key in NOT_IDENTITY:
        tree.pop(key, None)
    tree["model_source"] = model_fingerprint()
    return hashlib.sha256(json.dumps(tree, sort_keys=True, default=str).encode()).hexdigest()[:16]


def run_identity(run: RunConfig) -> dict[str, Any]:
    """What a run folder's manifest records of the run that wrote it."""
    return {"identity": run_hash(run), "scenario": run.scenario_name, "root_seed": run.seed,
            "replicates": run.replicates, "task": run.task.value}
