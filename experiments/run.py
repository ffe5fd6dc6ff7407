"""The main job: `python -m experiments.run [overrides]` (console script `siege-run`).

Composes and validates the config before anything is simulated or written, runs the scenario's
replicates in parallel, writes tidy Parquet tables, the resolved config and provenance beside them,
prints a summary, and ends with the path of the interactive report."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.config import CONF_DIR, ConfigError, RunConfig, compose, register, to_run_config
from experiments.outputs import write_outputs
from experiments.replicates import run_replicates
from experiments.summary import format_summary

register()


def execute(run: RunConfig, out_dir: Path) -> Path | None:
    """Simulate, write every output into `out_dir`, print the summary; return the report path."""
    tables = run_replicates(run.model, run.seed, run.replicates, run.workers, progress=run.progress)
    report = write_outputs(out_dir, run, tables.runs, tables.daily, tables.events)
    print(format_summary(tables.runs, run.scenario_name))
    print(f"\nTables: {out_dir}")
    if report is not None:
        print(f"Interactive report: {report}")
    return report


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base=None)
def hydra_job(cfg: DictConfig) -> None:
    """One Hydra job = one parameter point running all its replicates."""
    try:
        run = to_run_config(cfg)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO under Hydra's logging
    execute(run, Path(HydraConfig.get().runtime.output_dir))


def precheck(argv: list[str]) -> None:
    """Compose and validate before Hydra creates any output folder (single runs only; a sweep's
    points are checked one by one inside their jobs)."""
    if any(a in ("-m", "--multirun") for a in argv) or any(a.startswith("-") for a in argv):
        return
    to_run_config(compose(argv))


def main() -> None:
    """Entry point of `python -m experiments.run` and the `siege-run` console script."""
    try:
        precheck(sys.argv[1:])
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    hydra_job()


if __name__ == "__main__":
    main()
