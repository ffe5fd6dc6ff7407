"""Calibration (`python -m experiments.run +experiment=calibration`): fit shared behavioural
parameters (those whose provenance is an assumption) to the recorded outcomes of the cases.

Optuna's TPE sampler, called directly (hydra-optuna-sweeper 1.3 pins optuna<3 and its sqlite storage
fails with SQLAlchemy 2), searches the bounds in the config. Every trial runs each case's replicates
from the same root seed (common random numbers, a smoother objective). The fitted value of a
parameter is the median over the best `top_share` of trials and its uncertainty their 10-90% range:
an approximate-Bayesian-computation reading of the search, not a posterior. Fit before and after is
judged on a fresh seed; leave-one-case-out fits show how well the fit carries to a case it never saw.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
from omegaconf import OmegaConf
from tqdm import tqdm

from experiments.analysis.summary import outcome_table
from experiments.config.cases import Case, chosen_cases
from experiments.config.schema import CONF_DIR, ConfigError, FitParameter, RunConfig
from experiments.evaluation.hindcast import case_runs
from experiments.evaluation.scoring import brier_score, case_loss
from experiments.io import CONFIG_FILE, METADATA_FILE, run_metadata, write_job_files, write_parquet, write_text
from experiments.keys import nest
from experiments.reports.calibration import write_calibration_report
from experiments.scenario import finish_run, start_run
from sim.params import ModelParams, SourceKind, iter_leaves, source_of, value_at, with_values

CALIBRATION_DIR = CONF_DIR / "calibration"
MIN_TOP_TRIALS = 3


def check_parameters(run: RunConfig) -> list[FitParameter]:
    """The parameters to fit, checked: numeric model parameters marked 'assumption', with bounds
    inside the parameter's allowed range. Facts and sourced values are never fitted."""
    fit = run.calibration.parameters
    if not fit:
        raise ConfigError("calibration.parameters=[] is not allowed: at least one parameter to fit, "
                          "[{path: ..., low: ..., high: ...}]")
    leaves = {path: (value, f) for path, value, f in iter_leaves(ModelParams())}
    for i, p in enumerate(fit):
        where = f"calibration.parameters[{i}]"
        if p.path not in leaves:
            raise ConfigError(f"{where}.path={p.path!r} is not allowed: a dotted path under model, such as "
                              "negotiation.resolve_weight (this is not a model parameter)")
        value, f = leaves[p.path]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}.path={p.path!r} is not allowed: a numeric parameter ({p.path} is not numeric)")
        kind = source_of(f).kind
        if kind != SourceKind.ASSUMPTION:
            raise ConfigError(f"{where}.path={p.path!r} is not allowed: {p.path} is sourced ({kind.value}), not an "
                              "assumption; only assumptions are fitted")
        lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
        if not p.low < p.high or (lo is not None and p.low < lo) or (hi is not None and p.high > hi):
            raise ConfigError(f"{where}: {p.path} bounds [{p.low}, {p.high}] are not allowed: low < high within "
                              f"[{lo}, {hi}], the parameter's range")
        if isinstance(value, int) and not (float(p.low).is_integer() and float(p.high).is_integer()):
            raise ConfigError(f"{where}: {p.path} bounds [{p.low}, {p.high}] are not allowed: {p.path} is a whole "
                              "number, so its bounds must be whole numbers too")
        if [q.path for q in fit].count(p.path) > 1:
            raise ConfigError(f"{where}.path={p.path!r} is not allowed: each parameter once (it is listed twice)")
    c = run.calibration
    if c.trials < 2:
        raise ConfigError(f"calibration.trials={c.trials!r} is not allowed: at least 2")
    if c.leave_one_out_trials < 0:
        raise ConfigError(f"calibration.leave_one_out_trials={c.leave_one_out_trials!r} is not allowed: 0 (none) "
                          "or more")
    if not 0 < c.top_share <= 1:
        raise ConfigError(f"calibration.top_share={c.top_share!r} is not allowed: a share in (0, 1]")
    if c.install_as and not re.fullmatch(r"[A-Za-z][\w-]*", c.install_as):
        raise ConfigError(f"calibration.install_as={c.install_as!r} is not allowed: a plain name "
                          "(letters, digits, _ and -), written as conf/calibration/<name>.yaml")
    return fit


def calibration_cases(run: RunConfig) -> list[Case]:
    """The cases to fit: those named, else every registered case with a recorded outcome class."""
    scored = [c for c in chosen_cases(run.calibration.cases, "calibration.cases") if c.recorded.outcome_class]
    if not scored:
        raise ConfigError("calibration.cases: no chosen case records an outcome class to fit to")
    return scored


def is_integer(path: str) -> bool:
    value = value_at(ModelParams(), path)
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class Evaluation:
    """The objective at one point: the mean case loss, and per case its terms and outcome shares."""

    loss: float
    terms: dict[str, dict[str, float]]
    probabilities: dict[str, dict[str, float]]


def evaluate(run: RunConfig, cases: list[Case], values: dict[str, Any], seed: int,
             on_progress=None) -> Evaluation:
    """Simulate every case at these behavioural values and score it against its record."""
    base = with_values(run.model, values)
    terms, probabilities = {}, {}
    for case in cases:
        runs = case_runs(run, base, case, seed, on_progress)
        terms[case.id] = case_loss(runs, case.facts, case.recorded, run.hindcast.horizon_days)
        table = outcome_table(runs)
        probabilities[case.id] = dict(zip(table["outcome"], table["probability"]))
    return Evaluation(float(np.mean([t["total"] for t in terms.values()])), terms, probabilities)


@dataclass
class Fit:
    """One calibration: every trial, and the fitted values with their 10-90% ranges."""

    trials: pd.DataFrame
    fitted: dict[str, float]
    q10: dict[str, float]
    q90: dict[str, float]


def fitted_values(trials: pd.DataFrame, fit: list[FitParameter], top_share: float) -> tuple[dict, dict, dict]:
    """Median and 10-90% range of each parameter over the best trials (at least three)."""
    k = max(MIN_TOP_TRIALS, math.ceil(top_share * len(trials)))
    top = trials.nsmallest(min(k, len(trials)), "loss")
    fitted, q10, q90 = {}, {}, {}
    for p in fit:
        values = top[p.path].to_numpy(float)
        median = float(np.median(values))
        fitted[p.path] = round(median) if is_integer(p.path) else float(f"{median:.4g}")
        q10[p.path], q90[p.path] = (float(v) for v in np.quantile(values, [0.1, 0.9]))
    return fitted, q10, q90


def fit(run: RunConfig, cases: list[Case], trials: int, label: str) -> Fit:
    """Search the bounds with TPE, starting from the current values (if inside the bounds)."""
    params = run.calibration.parameters
    sampler = optuna.samplers.TPESampler(seed=run.calibration.sampler_seed,
                                         n_startup_trials=min(10, max(2, trials // 3)))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    current = {p.path: value_at(run.model, p.path) for p in params}
    if all(p.low <= current[p.path] <= p.high for p in params):
        study.enqueue_trial(current)
    rows = []
    bar = tqdm(total=trials, desc=label, unit="trial", disable=not run.progress, file=sys.stderr)

    def objective(trial: optuna.Trial) -> float:
        values = {p.path: (trial.suggest_int(p.path, int(p.low), int(p.high)) if is_integer(p.path)
                           else trial.suggest_float(p.path, p.low, p.high)) for p in params}
        result = evaluate(run, cases, values, run.seed)
        rows.append({"fit": label, "trial": trial.number, "loss": result.loss, **values,
                     **{f"loss_{c}": t["total"] for c, t in result.terms.items()}})
        bar.update(1)
        bar.set_postfix_str(f"best {min(r['loss'] for r in rows):.3f}")
        return result.loss

    study.optimize(objective, n_trials=trials)
    bar.close()
    table = pd.DataFrame(rows)
    fitted, q10, q90 = fitted_values(table, params, run.calibration.top_share)
    return Fit(table, fitted, q10, q90)


def case_rows(stage: str, evaluation: Evaluation, cases: list[Case]) -> list[dict[str, Any]]:
    """Per case at one stage (defaults, fitted, left out): loss, its terms, p(recorded), Brier."""
    rows = []
    for case in cases:
        probs, recorded = evaluation.probabilities[case.id], case.recorded.outcome_class
        rows.append({"case": case.id, "stage": stage, "loss": evaluation.terms[case.id]["total"],
                     "p_recorded": probs.get(recorded, 0.0), "brier": brier_score(probs, recorded),
                     **{f"term_{k}": v for k, v in evaluation.terms[case.id].items() if k != "total"}})
    return rows


def calibrated_config(run: RunConfig, result: Fit, cases: list[Case], name: str) -> str:
    """A config group file (`+calibration=<name>`) that sets the fitted values, with provenance."""
    model: dict[str, Any] = {}
    provenance = {}
    defaults = {path: f for path, _, f in iter_leaves(ModelParams())}
    for p in run.calibration.parameters:
        nest(model, p.path, result.fitted[p.path])
        provenance[f"model.{p.path}"] = (
            f"calibration {name} ({date.today().isoformat()}): fitted to the case file outcomes of "
            f"{', '.join(c.id for c in cases)} with Optuna TPE ({len(result.trials)} trials x {run.replicates} "
            f"replicates a case); median of the best {run.calibration.top_share:.0%} of trials, 10-90% range "
            f"[{result.q10[p.path]:.4g}, {result.q90[p.path]:.4g}], search bounds [{p.low}, {p.high}]; before: "
            + defaults[p.path].metadata.get("provenance", ""))
    body = OmegaConf.to_yaml(OmegaConf.create({"model": model, "provenance": provenance}))
    return ("# @package _global_\n# Behavioural parameters fitted by `siege-run +experiment=calibration`; "
            "use with +calibration=" + name + "\n# on any scenario or the hindcast. Provenance below gives each "
            "value's fit and its uncertainty.\n" + body)


def run_calibration(run: RunConfig, out_dir: Path) -> Path | None:
    """The calibration job: fit on all cases, judge before and after on a fresh seed, leave each
    case out in turn, write tables, the calibrated config and the report."""
    params = check_parameters(run)
    cases = calibration_cases(run)
    settings = run.calibration
    start_run(out_dir)
    full = fit(run, cases, settings.trials, "fit on all cases")
    check_seed = run.seed + 1  # the fit never saw this seed
    before = evaluate(run, cases, {}, check_seed)
    after = evaluate(run, cases, full.fitted, check_seed)
    rows = case_rows("before", before, cases) + case_rows("fitted", after, cases)
    loo_fits: dict[str, Fit] = {}
    if settings.leave_one_out_trials > 0 and len(cases) > 1:
        for held in cases:
            rest = [c for c in cases if c.id != held.id]
            loo_fits[held.id] = fit(run, rest, settings.leave_one_out_trials, f"without {held.id}")
            held_out = evaluate(run, [held], loo_fits[held.id].fitted, check_seed)
            rows += case_rows("left_out", held_out, [held])
    case_table = pd.DataFrame(rows)
    defaults = {p.path: value_at(run.model, p.path) for p in params}
    fit_table = pd.DataFrame([{"parameter": p.path, "before": defaults[p.path], "fitted": full.fitted[p.path],
                               "q10": full.q10[p.path], "q90": full.q90[p.path], "low": p.low, "high": p.high,
                               **{f"without_{c}": f.fitted[p.path] for c, f in loo_fits.items()}} for p in params])
    trials = pd.concat([full.trials] + [f.trials for f in loo_fits.values()], ignore_index=True)
    name = settings.install_as or "calibrated"
    config_text = calibrated_config(run, full, cases, name)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = run_metadata(run, scenario="calibration", cases=[c.id for c in cases], loss_before=before.loss,
                        loss_after=after.loss, check_seed=check_seed, top_share=settings.top_share)
    write_parquet(out_dir / "calibration_trials.parquet", trials)
    write_parquet(out_dir / "calibration_fit.parquet", fit_table)
    write_parquet(out_dir / "calibration_cases.parquet", case_table)
    write_text(out_dir / "calibrated.yaml", config_text)
    write_job_files(out_dir, run, meta)
    if settings.install_as:
        write_text(CALIBRATION_DIR / f"{name}.yaml", config_text)
    print(format_calibration(fit_table, case_table, before.loss, after.loss))
    print(f"\nTables: {out_dir}\nCalibrated config: {out_dir / 'calibrated.yaml'}"
          + (f" (installed: +calibration={name})" if settings.install_as else ""))
    written = ["calibration_trials.parquet", "calibration_fit.parquet", "calibration_cases.parquet", "calibrated.yaml",
               CONFIG_FILE, METADATA_FILE]
    if not run.report:
        finish_run(out_dir, run, written)
        return None
    report = write_calibration_report(out_dir / "calibration_report.html", fit_table, case_table, trials, meta)
    finish_run(out_dir, run, [*written, "calibration_report.html"])
    print(f"Interactive report: {report}")
    return report


def format_calibration(fit_table: pd.DataFrame, case_table: pd.DataFrame, before: float, after: float) -> str:
    """The lines printed at the end of a calibration."""
    lines = ["Calibration: fitted values (median of the best trials, 10-90% range)", ""]
    for r in fit_table.itertuples():
        lines.append(f"  {r.parameter:<36} {r.before:>9.4g} -> {r.fitted:<9.4g} [{r.q10:.4g}, {r.q90:.4g}]")
    lines += ["", f"Mean case loss on a fresh seed: {before:.3f} before, {after:.3f} fitted", "",
              "Per case: loss and p(recorded class) before / fitted / left out of the fit"]
    wide = case_table.pivot(index="case", columns="stage", values=["loss", "p_recorded"])
    for case in wide.index:
        parts = [f"{stage} {wide.loc[case, ('loss', stage)]:.2f} ({wide.loc[case, ('p_recorded', stage)]:.0%})"
                 for stage in ("before", "fitted", "left_out") if ("loss", stage) in wide.columns
                 and not pd.isna(wide.loc[case, ("loss", stage)])]
        lines.append(f"  {case:<24} " + "; ".join(parts))
    return "\n".join(lines)
