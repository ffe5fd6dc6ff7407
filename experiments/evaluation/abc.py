"""Bayesian calibration (`siege-run +experiment=abc`): a posterior over behavioural assumptions by
approximate Bayesian computation with sequential Monte Carlo (ABC-SMC; Toni et al. 2009), with
pyabc (Schälte et al. 2022).

Priors are uniform over each assumption's range in conf/sensitivity/ranges.yaml. A particle is
simulated on every case (`replicates` replicates a case) and its distance is the mean case loss
(scoring.case_loss: -log p(recorded class) plus the capped squared misses of the recorded
figures), the calibration's own objective; each population keeps the particles under a tolerance
that falls to the median distance of the last (pyabc's adaptive quantile epsilon). With
`abc.planted`, the "records" are instead simulated at planted values on a seed the fit never sees:
the check that the calibration can recover what it is meant to find.

Where it runs: `workers=1` in this process (bit for bit reproducible from `abc.sampler_seed`);
more workers use pyabc's multicore sampler (particles in the order they finish, so populations
differ from run to run); `abc.dask_scheduler=<address>` sends the particles to a Dask cluster
(pyabc's DaskDistributedSampler). The posterior written is a file, so the forecasts drawn from it
(`+calibration=<name>`) are reproducible whichever sampler produced it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from experiments.analysis.summary import outcome_table
from experiments.config.cases import Case, chosen_cases
from experiments.config.ranges import UncertainParameter, load_ranges
from experiments.config.schema import CONF_DIR, ConfigError, RunConfig
from experiments.evaluation.hindcast import case_params, case_runs
from experiments.evaluation.proper import crps, ranked_probability_score
from experiments.evaluation.scoring import (
    PATTERNS,
    brier_score,
    case_loss,
    climatology,
    inside_range,
    log_loss,
    other_classes,
    pattern_loss,
    pattern_share,
    predicted_figures,
    recorded_figures,
)
from experiments.io import CONFIG_FILE, METADATA_FILE, run_metadata, write_job_files, write_parquet, write_text
from experiments.measures import CASE_FIGURES
from experiments.replicates import run_runs
from experiments.reports.abc import write_abc_report
from experiments.scenario import finish_run, start_run
from sim.cases import RecordedOutcome, case_overrides
from sim.draws import ParameterDraws
from sim.params import value_at, with_values

CALIBRATION_DIR = CONF_DIR / "calibration"
POSTERIOR_FILE = "abc_posterior.parquet"
PLANTED_REPLICATES_FACTOR = 4  # planted records from 4x a particle's replicates: the records' own noise stays small


def abc_parameters(run: RunConfig, cases: list[Case]) -> list[UncertainParameter]:
    """The assumptions to calibrate with their prior ranges (ranges.yaml), checked: each one in the
    ranges file and none that a case's facts set (the mapping would be overridden)."""
    paths = run.abc.parameters
    if not paths:
        raise ConfigError("abc.parameters=[] is not allowed: at least one assumption to calibrate, by its "
                          "dotted path under model (e.g. [fighters.resolve_mean])")
    if len(set(paths)) != len(paths):
        raise ConfigError(f"abc.parameters={list(paths)!r} is not allowed: each parameter once")
    keys = [f"model.{p}" for p in paths]
    try:
        params = load_ranges(only=keys)
    except ConfigError as exc:
        raise ConfigError(f"abc.parameters: {str(exc).split(': ', 1)[-1]} (priors come from "
                          "conf/sensitivity/ranges.yaml)") from None
    mapped = set().union(*(case_overrides(c.facts, run.model) for c in cases))
    for p in paths:
        if p in mapped:
            raise ConfigError(f"abc.parameters: {p} is not allowed: the cases' facts set it (the case mapping), so "
                              "a posterior would override the facts")
    by_key = {p.key: p for p in params}
    return [by_key[k] for k in keys]


def check_abc(run: RunConfig) -> tuple[list[Case], list[UncertainParameter]]:
    """Every check before anything runs: the cases, the parameters and the settings."""
    a = run.abc
    cases = _chosen(run)
    params = abc_parameters(run, cases)
    if a.population_size < 2:
        raise ConfigError(f"abc.population_size={a.population_size!r} is not allowed: at least 2 particles")
    if a.populations < 1:
        raise ConfigError(f"abc.populations={a.populations!r} is not allowed: at least 1")
    if a.min_epsilon < 0:
        raise ConfigError(f"abc.min_epsilon={a.min_epsilon!r} is not allowed: 0 or more (a distance)")
    for pattern in a.patterns:
        if pattern not in PATTERNS:
            raise ConfigError(f"abc.patterns: {pattern!r} is not allowed: one of {', '.join(PATTERNS)}")
    if len(set(a.patterns)) != len(a.patterns):
        raise ConfigError(f"abc.patterns={list(a.patterns)!r} is not allowed: each pattern once")
    if a.install_as and not re.fullmatch(r"[A-Za-z][\w-]*", a.install_as):
        raise ConfigError(f"abc.install_as={a.install_as!r} is not allowed: a plain name (letters, digits, _ and "
                          "-), written as conf/calibration/<name>.yaml")
    by_path = {p.key.removeprefix("model."): p for p in params}
    for path, value in planted_values(run).items():
        if path not in by_path:
            raise ConfigError(f"abc.planted.{path} is not allowed: a planted value needs its parameter in "
                              f"abc.parameters ({', '.join(by_path)})")
        p = by_path[path]
        if not p.lo <= value <= p.hi:
            raise ConfigError(f"abc.planted.{path}={value!r} is not allowed: inside its prior [{p.lo}, {p.hi}]")
    return cases, params


def planted_values(run: RunConfig) -> dict[str, float | int]:
    """The planted values by path, whole-number parameters rounded (each path once)."""
    paths = [v.path for v in run.abc.planted]
    if len(set(paths)) != len(paths):
        raise ConfigError(f"abc.planted: {paths!r} is not allowed: each parameter once")
    out = {}
    for v in run.abc.planted:
        current = value_at(run.model, v.path) if v.path in run.abc.parameters else v.value
        out[v.path] = round(v.value) if isinstance(current, int) and not isinstance(current, bool) else float(v.value)
    return out


def _chosen(run: RunConfig) -> list[Case]:
    """The cases named in abc.cases (every registered case if none); with real records, only those
    that record an outcome class."""
    cases = chosen_cases(run.abc.cases, "abc.cases")
    if not run.abc.planted:
        cases = [c for c in cases if c.recorded.outcome_class]
        if not cases:
            raise ConfigError("abc.cases: no chosen case records an outcome class to fit to")
    return cases


def simulation_seed(root_seed: int, values: dict[str, float]) -> int:
    """The seed a particle's simulations use: a hash of the root seed and the particle's values, so a
    particle's distance does not depend on the order the sampler evaluates particles in."""
    text = repr((int(root_seed), sorted((k, float(v)) for k, v in values.items())))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


@dataclass
class CaseSimulator:
    """pyabc's model: a particle's values (by short name p0, p1, ...) -> its loss on every case: the
    case loss, plus each pattern's term (abc.patterns) unless the records are planted."""

    run: RunConfig
    cases: list[Case]
    records: dict[str, RecordedOutcome]
    params: list[UncertainParameter]

    def values(self, particle: dict[str, float]) -> dict[str, float | int]:
        return {p.key.removeprefix("model."): p.value(particle[f"p{i}"]) for i, p in enumerate(self.params)}

    def __call__(self, particle: dict[str, float]) -> dict[str, float]:
        values = self.values(particle)
        base = with_values(self.run.model, values)
        seed = simulation_seed(self.run.seed, values)
        losses, shares = {}, {}
        horizon = self.run.hindcast.horizon_days
        for case in self.cases:
            runs = run_runs(case_params(base, case, horizon), seed, self.run.replicates, 1)
            losses[case.id] = case_loss(runs, case.facts, self.records[case.id], horizon)["total"]
            for pattern in self.patterns:
                shares[f"pattern_{pattern}_{case.id}"] = pattern_share(runs, pattern)
                losses[case.id] += pattern_loss(runs, pattern)
        return {"loss": float(np.mean(list(losses.values()))), **{f"loss_{c}": v for c, v in losses.items()},
                **shares}

    @property
    def patterns(self) -> list[str]:
        """The patterns in the distance: none against planted records, which are simulations, not sieges."""
        return [] if self.run.abc.planted else list(self.run.abc.patterns)


def mean_loss_distance(x: dict[str, float], x_0: dict[str, float]) -> float:
    """The distance of a simulation from the records: its mean case loss (the records score 0)."""
    return float(x["loss"])


def planted_records(run: RunConfig, cases: list[Case], planted: dict[str, float]) -> dict[str, RecordedOutcome]:
    """Synthetic records: each case simulated at the planted values on a seed the fit never uses;
    its most common class and its median figures become the 'recorded' outcome."""
    base = with_values(run.model, planted)
    records = {}
    for case in cases:
        params = case_params(base, case, run.hindcast.horizon_days)
        runs = run_runs(params, run.seed + 1, PLANTED_REPLICATES_FACTOR * run.replicates, run.workers)
        figures = predicted_figures(runs, case.facts)
        records[case.id] = RecordedOutcome(
            outcome_class=str(runs["outcome"].mode().iloc[0]),
            siege_length_days=float(np.median(figures["siege_length_days"])),
            decisive_phase_days=float(np.median(figures["decisive_phase_days"])),
            fighters_evacuated=[float(np.median(runs["fighters_evacuated"])), None],
            civilian_deaths=[float(np.median(figures["civilian_deaths"])), None])
    return records


def make_sampler(run: RunConfig):
    """Where the particles run: this process, this machine's cores, or a Dask cluster."""
    import pyabc

    from experiments.replicates import resolve_workers

    if run.abc.dask_scheduler:
        from distributed import Client

        return pyabc.sampler.DaskDistributedSampler(dask_client=Client(run.abc.dask_scheduler))
    workers = resolve_workers(run.workers)
    if workers <= 1:
        return pyabc.sampler.SingleCoreSampler()
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)


@dataclass
class AbcResult:
    """A calibration's output: the last population, every population, and the diagnostics."""

    posterior: pd.DataFrame     # one row per particle: parameter columns and weight
    populations: pd.DataFrame   # every population's particles: t, parameters, weight
    diagnostics: pd.DataFrame   # one row per population: tolerance, simulations, acceptance, ESS


def calibrate(run: RunConfig, cases: list[Case], params: list[UncertainParameter],
              records: dict[str, RecordedOutcome], db_path: Path) -> AbcResult:
    """Run ABC-SMC and read its history into tables."""
    import pyabc
    from pyabc.weighted_statistics import effective_sample_size

    abc_log = logging.getLogger("ABC")
    for handler in list(abc_log.handlers):  # pyabc's own console handler would print every line twice
        abc_log.removeHandler(handler)
    np.random.seed(run.abc.sampler_seed)  # pyabc draws proposals from NumPy's global generator
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", p.lo, p.hi - p.lo) for i, p in enumerate(params)})
    simulator = CaseSimulator(run, cases, records, params)
    abc = pyabc.ABCSMC(simulator, prior, mean_loss_distance, population_size=run.abc.population_size,
                       sampler=make_sampler(run))
    abc.new(f"sqlite:///{db_path}", {"loss": 0.0})
    history = abc.run(minimum_epsilon=run.abc.min_epsilon, max_nr_populations=run.abc.populations)
    names = {f"p{i}": p.key.removeprefix("model.") for i, p in enumerate(params)}
    frames, diagnostics = [], []
    summary = history.get_all_populations()
    for t in range(history.max_t + 1):
        df, w = history.get_distribution(m=0, t=t)
        frame = df.rename(columns=names).reset_index(drop=True)
        for p in params:
            name = p.key.removeprefix("model.")
            frame[name] = [p.value(v) for v in frame[name]]
        frame.insert(0, "t", t)
        frame["weight"] = np.asarray(w, dtype=float)
        frames.append(frame)
        row = summary[summary["t"] == t].iloc[0]
        diagnostics.append({"t": t, "epsilon": float(row["epsilon"]), "simulations": int(row["samples"]),
                            "particles": int(row["particles"]), "acceptance_rate": int(row["particles"]) / max(
                                int(row["samples"]), 1), "ess": float(effective_sample_size(np.asarray(w)))})
    populations = pd.concat(frames, ignore_index=True)
    posterior = populations[populations["t"] == history.max_t].drop(columns=["t"]).reset_index(drop=True)
    return AbcResult(posterior, populations, pd.DataFrame(diagnostics))


def posterior_summary(result: AbcResult, params: list[UncertainParameter], defaults: dict[str, float],
                      planted: dict[str, float]) -> pd.DataFrame:
    """One row per parameter: prior range, default, posterior 5/50/95% (weighted), planted value."""
    quantiles = draws_of(result, params, "").weighted_quantiles((0.05, 0.5, 0.95))
    rows = []
    for p in params:
        path = p.key.removeprefix("model.")
        q05, q50, q95 = quantiles[path]
        rows.append({"parameter": path, "prior_low": p.lo, "prior_high": p.hi, "default": defaults[path],
                     "q05": q05, "median": q50, "q95": q95,
                     "interval_share_of_prior": (q95 - q05) / (p.hi - p.lo),
                     "planted": planted.get(path, math.nan)})
    return pd.DataFrame(rows)


def posterior_config(result: AbcResult, params: list[UncertainParameter], cases: list[Case], run: RunConfig,
                     name: str, left_out: dict[str, AbcResult] | None = None) -> str:
    """A config group file (`+calibration=<name>`): the posterior's particles and weights, and those
    of each refit without one case (`left_out`: case id -> result), which the hindcast scores."""
    paths = [p.key.removeprefix("model.") for p in params]

    def source(fitted: list[Case], result: AbcResult) -> str:
        return (f"abc {name} ({date.today().isoformat()}): ABC-SMC on {', '.join(c.id for c in fitted)}"
                f"{' (planted values)' if run.abc.planted else ''}, {len(result.diagnostics)} populations of "
                f"{run.abc.population_size} particles x {run.replicates} replicates a case")

    def particles(result: AbcResult) -> dict[str, list]:
        return {"values": [[float(v) for v in row] for row in result.posterior[paths].to_numpy()],
                "weights": [float(w) for w in result.posterior["weight"]]}

    body = {"posterior": {"source": source(cases, result), "paths": paths, **particles(result),
                          "left_out": [{"case": case, "source": source([c for c in cases if c.id != case], fit),
                                        **particles(fit)} for case, fit in (left_out or {}).items()]}}
    return ("# @package _global_\n# Posterior particles written by `siege-run +experiment=abc`; with "
            f"+calibration={name} every replicate\n# draws its values of these assumptions from them (its "
            "'posterior' stream), on any scenario, sweep or the hindcast.\n"
            + OmegaConf.to_yaml(OmegaConf.create(body)))


def draws_of(result: AbcResult, params: list[UncertainParameter], source: str) -> ParameterDraws:
    """The last population as ParameterDraws, for posterior-predictive forecasts."""
    paths = [p.key.removeprefix("model.") for p in params]
    return ParameterDraws.create(paths, result.posterior[paths].to_numpy().tolist(),
                                 result.posterior["weight"].tolist(), source)


FORECASTS = {"defaults": "fixed values (the defaults)", "posterior_in_sample": "posterior fitted on every case",
             "posterior_left_out": "posterior fitted without the case", "climatology": "the other cases' climatology"}


def forecast_row(run: RunConfig, case: Case, record: RecordedOutcome, forecast: str, runs: pd.DataFrame | None,
                 probabilities: dict[str, float]) -> dict[str, float | str]:
    """A forecast of one case scored against its record: probability of the recorded class, Brier,
    log score (floored at half a replicate), RPS, and per recorded figure the CRPS and whether the
    10-90% range holds it (no figures for climatology, which forecasts only the class)."""
    recorded, n = record.outcome_class, len(runs) if runs is not None else run.abc.forecast_replicates
    p = probabilities.get(recorded, 0.0)
    row: dict[str, float | str] = {"case": case.id, "forecast": forecast, "p_recorded": p,
                                   "brier": brier_score(probabilities, recorded), "log_score": log_loss(p, n),
                                   "rps": ranked_probability_score(probabilities, recorded)}
    if runs is None:
        return row
    for pattern in PATTERNS:
        row[f"pattern_{pattern}"] = pattern_share(runs, pattern)
    predicted, records = predicted_figures(runs, case.facts), recorded_figures(record, case.facts)
    covered = recorded_count = 0
    for measure in CASE_FIGURES:
        low, high = records[measure]
        row[f"crps_{measure}"] = crps(predicted[measure], low, high)
        inside = inside_range(*np.quantile(predicted[measure], [0.1, 0.9]), low, high)
        if inside is not None:
            recorded_count += 1
            covered += bool(inside)
    row["figures_inside"], row["figures_recorded"] = covered, recorded_count
    return row


def leave_one_out(run: RunConfig, cases: list[Case], params: list[UncertainParameter],
                  records: dict[str, RecordedOutcome], full: AbcResult,
                  out_dir: Path) -> tuple[pd.DataFrame, dict[str, AbcResult]]:
    """Each case forecast by the fixed defaults, the posterior fitted on every case, a posterior
    fitted without it, and the other cases' climatology, each forecast from `abc.forecast_replicates`
    replicates on a seed no fit used: one row per case and forecast, and the refits by case left out."""
    seed, n = run.seed + 2, run.abc.forecast_replicates
    forecast_run = dataclasses.replace(run, replicates=n)
    in_sample = draws_of(full, params, "in sample")
    classes = {c.id: records[c.id].outcome_class or "" for c in cases}
    rows, refits = [], {}
    for case in cases:
        rest = [c for c in cases if c.id != case.id]
        print(f"ABC-SMC without {case.id}", file=sys.stderr)
        left = refits[case.id] = calibrate(run, rest, params, records, out_dir / f"abc_without_{case.id}.db")
        for forecast, draws in (("defaults", None), ("posterior_in_sample", in_sample),
                                ("posterior_left_out", draws_of(left, params, f"without {case.id}"))):
            runs = case_runs(forecast_run, run.model, case, seed, draws=draws)
            table = outcome_table(runs)
            rows.append(forecast_row(run, case, records[case.id], forecast, runs,
                                     dict(zip(table["outcome"], table["probability"]))))
        rows.append(forecast_row(run, case, records[case.id], "climatology", None,
                                 climatology(other_classes(case.id, classes))))
    return pd.DataFrame(rows), refits


def format_abc(summary: pd.DataFrame, diagnostics: pd.DataFrame) -> str:
    """The lines printed at the end of a calibration."""
    lines = ["ABC-SMC: posterior 5-50-95% against the prior range", ""]
    for r in summary.itertuples():
        planted = "" if math.isnan(r.planted) else f"  planted {r.planted:.4g}"
        lines.append(f"  {r.parameter:<36} {r.q05:.4g} - {r.median:.4g} - {r.q95:.4g}  prior [{r.prior_low:.4g}, "
                     f"{r.prior_high:.4g}], interval {r.interval_share_of_prior:.0%} of it{planted}")
    lines += ["", "Populations: tolerance, simulations, acceptance rate, effective sample size"]
    for d in diagnostics.itertuples():
        lines.append(f"  t={d.t}: epsilon {d.epsilon:.3f}, {d.simulations} simulations, {d.acceptance_rate:.0%} "
                     f"accepted, ESS {d.ess:.1f}")
    return "\n".join(lines)


def run_abc(run: RunConfig, out_dir: Path) -> Path | None:
    """The ABC job: check, (plant), calibrate, write the posterior, its config and the report."""
    cases, params = check_abc(run)
    start_run(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    planted = planted_values(run)
    records = planted_records(run, cases, planted) if planted else {c.id: c.recorded for c in cases}
    print(f"ABC-SMC: {len(params)} parameters, {len(cases)} cases, up to {run.abc.populations} populations of "
          f"{run.abc.population_size} particles, {run.replicates} replicates a case per particle", file=sys.stderr)
    result = calibrate(run, cases, params, records, out_dir / "abc.db")
    scores, refits = (leave_one_out(run, cases, params, records, result, out_dir) if run.abc.leave_one_out
                      and len(cases) > 1 else (pd.DataFrame(), {}))
    defaults = {p.key.removeprefix("model."): float(value_at(run.model, p.key.removeprefix("model."))) for p in params}
    summary = posterior_summary(result, params, defaults, planted)
    name = run.abc.install_as or "posterior"
    config_text = posterior_config(result, params, cases, run, name, refits)
    meta = run_metadata(run, scenario="abc", cases=[c.id for c in cases], planted=planted or "none",
                        populations=len(result.diagnostics), sampler=sampler_name(run))
    write_parquet(out_dir / POSTERIOR_FILE, result.posterior)
    write_parquet(out_dir / "abc_populations.parquet", result.populations)
    write_parquet(out_dir / "abc_diagnostics.parquet", result.diagnostics)
    write_parquet(out_dir / "abc_summary.parquet", summary)
    if len(scores):
        write_parquet(out_dir / "abc_scores.parquet", scores)
    write_text(out_dir / "posterior.yaml", config_text)
    write_job_files(out_dir, run, meta)
    if run.abc.install_as:
        write_text(CALIBRATION_DIR / f"{name}.yaml", config_text)
    print(format_abc(summary, result.diagnostics))
    if len(scores):
        print(format_scores(scores))
    print(f"\nTables: {out_dir}\nPosterior config: {out_dir / 'posterior.yaml'}"
          + (f" (installed: +calibration={name})" if run.abc.install_as else ""))
    written = [POSTERIOR_FILE, "abc_populations.parquet", "abc_diagnostics.parquet", "abc_summary.parquet",
               "posterior.yaml", "abc.db", CONFIG_FILE, METADATA_FILE]
    if len(scores):
        written += ["abc_scores.parquet", *(f"abc_without_{c.id}.db" for c in cases)]
    if not run.report:
        finish_run(out_dir, run, written)
        return None
    report = write_abc_report(out_dir / "abc_report.html", summary, result.populations, result.diagnostics, meta,
                              scores, mean_scores(scores) if len(scores) else scores, FORECASTS)
    finish_run(out_dir, run, [*written, "abc_report.html"])
    print(f"Interactive report: {report}")
    return report


SCORE_COLUMNS = ("p_recorded", "brier", "log_score", "rps")


def mean_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Per forecast, the mean over cases of each score (and the figures inside their ranges)."""
    columns = [c for c in scores.columns if c in SCORE_COLUMNS or c.startswith(("crps_", "pattern_"))]
    table = scores.groupby("forecast", sort=False)[columns].mean()
    if "figures_inside" in scores:
        table["figures_inside"] = scores.groupby("forecast", sort=False)["figures_inside"].sum(min_count=1)
        table["figures_recorded"] = scores.groupby("forecast", sort=False)["figures_recorded"].sum(min_count=1)
    return table.reset_index()


def format_scores(scores: pd.DataFrame) -> str:
    """Lines comparing the forecasts, averaged over the cases."""
    lines = ["", "Forecasts of each case, mean over cases (lower is better except p(recorded))"]
    for r in mean_scores(scores).itertuples():
        inside = "" if pd.isna(getattr(r, "figures_inside", float("nan"))) else (
            f", figures inside {int(r.figures_inside)}/{int(r.figures_recorded)}")
        failed = getattr(r, "pattern_failed_deal_first", float("nan"))
        pattern = "" if pd.isna(failed) else f", runs with a failed deal first {failed:.0%}"
        lines.append(f"  {FORECASTS.get(r.forecast, r.forecast):<36} p(recorded) {r.p_recorded:.2f}, Brier "
                     f"{r.brier:.3f}, log {r.log_score:.2f}, RPS {r.rps:.3f}{inside}{pattern}")
    return "\n".join(lines)


def sampler_name(run: RunConfig) -> str:
    """Where the particles ran, for the record."""
    from experiments.replicates import resolve_workers

    if run.abc.dask_scheduler:
        return f"Dask cluster at {run.abc.dask_scheduler}"
    workers = resolve_workers(run.workers)
    return "one process (reproducible)" if workers <= 1 else f"{workers} processes (pyabc multicore)"
