"""Hindcast (`python -m experiments.run +experiment=hindcast`): run every case from its facts alone,
with the shared behavioural parameters, and score the predictions against what happened.

Writes at the output folder's root: `hindcast.parquet` (one row per case and outcome class),
`hindcast_figures.parquet` (one row per case and recorded figure), `runs.parquet` (every replicate,
with its case), the resolved config, metadata, and `hindcast_report.html`."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from experiments.analysis.summary import outcome_table
from experiments.config.cases import Case, chosen_cases
from experiments.config.schema import ConfigError, RunConfig
from experiments.evaluation.proper import ranked_probability_score, reliability_table, skill
from experiments.evaluation.scoring import (
    CLIMATOLOGY_PSEUDOCOUNT,
    PATTERNS,
    REFERENCES,
    UNIFORM_BRIER,
    FigureCheck,
    brier_score,
    brier_skill_score,
    describe_misses,
    describe_unreachable,
    figure_checks,
    figure_counts,
    figures_text,
    log_loss,
    modal_class,
    overall_skill,
    pattern_share,
    reference_forecasts,
)
from experiments.io import CONFIG_FILE, METADATA_FILE, run_metadata, write_job_files, write_parquet
from experiments.measures import REFERENCE_FORECASTS
from experiments.replicates import run_runs
from experiments.reports.hindcast import write_hindcast_report
from experiments.scenario import finish_run, start_run
from sim.cases import case_overrides
from sim.draws import ParameterDraws
from sim.params import ModelParams, ParameterError, validate, with_values


def case_params(base: ModelParams, case: Case, horizon_days: int) -> ModelParams:
    """A case's parameters: the shared (behavioural) values of `base` with the case's facts mapped on
    top (with the mapping constants of `base`), and the hindcast horizon."""
    try:
        return validate(with_values(base, {**case_overrides(case.facts, base), "horizon_days": horizon_days}))
    except ParameterError as exc:
        raise ConfigError(f"{case.path}: maps to model.{exc.key}={exc.value!r}, which is not allowed: "
                          f"{exc.allowed}") from None


def hindcast_cases(run: RunConfig) -> list[Case]:
    """The cases to hindcast: those named in `hindcast.cases`, else every registered case."""
    return chosen_cases(run.hindcast.cases, "hindcast.cases")


def recorded_classes(cases: list[Case]) -> dict[str, str]:
    """Case id -> recorded outcome class ('' when none): what the reference forecasts are made from."""
    return {c.id: c.recorded.outcome_class or "" for c in cases}


def case_runs(run: RunConfig, base: ModelParams, case: Case, seed: int, on_progress=None,
              draws: ParameterDraws | None = None) -> pd.DataFrame:
    """One case's replicates (its run table, with a `case` column) at the shared values of `base`,
    each replicate drawing its behavioural values from `draws` when given (a posterior)."""
    params = case_params(base, case, run.hindcast.horizon_days)
    return run_runs(params, seed, run.replicates, run.workers, on_progress=on_progress,
                    draws=draws).assign(case=case.id)


@dataclass
class CaseResult:
    """One case's predictions and scores."""

    case: Case
    outcomes: pd.DataFrame                # outcome_table: outcome, count, probability, ci_low, ci_high
    checks: list[FigureCheck]
    runs: pd.DataFrame
    references: dict[str, dict[str, float] | None] = field(default_factory=dict)  # REFERENCES -> forecast
    misses: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)

    @property
    def probabilities(self) -> dict[str, float]:
        return dict(zip(self.outcomes["outcome"], self.outcomes["probability"]))

    @property
    def recorded(self) -> str:
        return self.case.recorded.outcome_class or ""

    @property
    def modal(self) -> str:
        return modal_class(self.probabilities)


def score_case(case: Case, runs: pd.DataFrame, horizon_days: int, recorded: dict[str, str]) -> CaseResult:
    """Outcome distribution with Wilson intervals, figure checks over the hindcast's `horizon_days`,
    the reference forecasts from the other cases' records (`recorded`: case id -> class, every
    registered case) and plain-language misses and unreachable figures."""
    outcomes = outcome_table(runs)
    checks = figure_checks(runs, case.facts, case.recorded, horizon_days)
    result = CaseResult(case, outcomes, checks, runs, reference_forecasts(case.id, recorded))
    result.misses = describe_misses(case.id, result.probabilities, result.recorded or None, checks)
    result.unreachable = describe_unreachable(case.id, checks)
    return result


REFERENCE_SCORES = ("p_recorded", "brier", "log_loss", "rps", "brier_skill")   # per reference: <score>_<reference>


def case_scores(r: CaseResult) -> dict[str, float]:
    """A case's scores (NaN without a recorded class): the probability the model and each reference
    give the recorded class, their Brier and log scores, and the model's Brier skill against each
    reference. Every log score is floored at half a replicate of the case (log_loss), the references'
    too, so a reference certain of the wrong class costs what a class never simulated costs. The
    ranked probability score (proper.ranked_probability_score) orders the classes from the siege
    lifted to a takeover, so a near miss costs less than a far one."""
    nan = float("nan")
    n = len(r.runs)
    if not r.recorded:
        return {"p_recorded": nan, "brier": nan, "log_loss": nan, "rps": nan,
                **{f"{k}_{ref}": nan for ref in REFERENCES for k in REFERENCE_SCORES}}
    p = r.probabilities.get(r.recorded, 0.0)
    scores = {"p_recorded": p, "brier": brier_score(r.probabilities, r.recorded), "log_loss": log_loss(p, n),
              "rps": ranked_probability_score(r.probabilities, r.recorded)}
    for ref in REFERENCES:
        forecast = r.references.get(ref)
        if forecast is None:
            scores.update({f"{k}_{ref}": nan for k in REFERENCE_SCORES})
            continue
        brier = brier_score(forecast, r.recorded)
        scores.update({f"p_recorded_{ref}": forecast[r.recorded], f"brier_{ref}": brier,
                       f"log_loss_{ref}": log_loss(forecast[r.recorded], n),
                       f"rps_{ref}": ranked_probability_score(forecast, r.recorded),
                       f"brier_skill_{ref}": brier_skill_score(scores["brier"], brier)})
    return scores


def outcome_rows(results: list[CaseResult]) -> pd.DataFrame:
    """hindcast.parquet: one row per case and outcome class, with the case's scores and figures."""
    rows = []
    for r in results:
        case_level = {"case_name": r.case.name, "replicates": len(r.runs), "recorded_outcome": r.recorded,
                      **case_scores(r)}
        for c in r.checks:
            m = c.measure
            case_level.update({f"{m}_recorded_low": c.recorded_low, f"{m}_recorded_high": c.recorded_high,
                               f"{m}_p10": c.p10, f"{m}_median": c.median, f"{m}_p90": c.p90, f"{m}_inside": c.inside,
                               f"{m}_unreachable": c.unreachable})
        for o in r.outcomes.itertuples():
            reference = {f"probability_{ref}": (f[o.outcome] if (f := r.references.get(ref)) else float("nan"))
                         for ref in REFERENCES}
            rows.append({"case": r.case.id, "outcome": o.outcome, "probability": o.probability,
                         "ci_low": o.ci_low, "ci_high": o.ci_high, "count": o.count, **reference,
                         "is_recorded": o.outcome == r.recorded, **case_level})
    return pd.DataFrame(rows)


def case_rows(results: list[CaseResult]) -> pd.DataFrame:
    """One row per case, as the report shows it: the recorded class ('' when none) with the probability
    given to it and its Wilson interval, the model's most likely class and its probability, the Brier
    score and its skill against each reference, and how many recorded figures the model can reach and
    how many of those fall inside the predicted 10-90% range."""
    rows = []
    for r in results:
        outcomes = r.outcomes.set_index("outcome")
        recorded = outcomes.loc[r.recorded] if r.recorded else None
        scores = case_scores(r)
        rows.append({"case": r.case.id, "recorded": r.recorded,
                     "p_recorded": recorded["probability"] if recorded is not None else float("nan"),
                     "p_recorded_low": recorded["ci_low"] if recorded is not None else float("nan"),
                     "p_recorded_high": recorded["ci_high"] if recorded is not None else float("nan"),
                     "modal": r.modal, "p_modal": r.probabilities[r.modal], "brier": scores["brier"],
                     "log_loss": scores["log_loss"], "rps": scores["rps"],
                     **{f"brier_skill_{ref}": scores[f"brier_skill_{ref}"] for ref in REFERENCES},
                     **figure_counts(r.checks)})
    return pd.DataFrame(rows)


def figure_rows(results: list[CaseResult]) -> pd.DataFrame:
    """hindcast_figures.parquet: one row per case and recorded figure."""
    return pd.DataFrame([{"case": r.case.id, **vars(c)} for r in results for c in r.checks])


def overall_scores(results: list[CaseResult]) -> dict[str, float]:
    """Scores over the cases with a recorded class, with the equal-odds Brier score for reference: the
    model's mean Brier and log score, each reference's, and the model's Brier skill against each
    reference over all cases (overall_skill: the ratio of the mean Briers, over the cases where the
    reference exists), and the recorded figures: reachable, unreachable, inside their ranges."""
    scored = [case_scores(r) for r in results if r.recorded]
    overall = {
        "cases": len(results), "cases_scored": len(scored),
        "mean_p_recorded": _mean(s["p_recorded"] for s in scored),
        "mean_brier": _mean(s["brier"] for s in scored),
        "mean_log_loss": _mean(s["log_loss"] for s in scored),
        "mean_rps": _mean(s["rps"] for s in scored),
        "uniform_brier": UNIFORM_BRIER, "climatology_pseudocount": CLIMATOLOGY_PSEUDOCOUNT,
        "modal_class_hits": sum(r.modal == r.recorded for r in results if r.recorded),
    }
    for ref in REFERENCES:
        overall.update({f"mean_brier_{ref}": _mean(s[f"brier_{ref}"] for s in scored),
                        f"mean_log_loss_{ref}": _mean(s[f"log_loss_{ref}"] for s in scored),
                        f"mean_rps_{ref}": _mean(s[f"rps_{ref}"] for s in scored),
                        f"brier_skill_{ref}": overall_skill([s["brier"] for s in scored],
                                                            [s[f"brier_{ref}"] for s in scored])})
    return {**overall, **figure_counts([c for r in results for c in r.checks])}


def reference_rows(scores: dict[str, float]) -> pd.DataFrame:
    """The model against the two references over all scored cases, one row each (forecast: 'model' or
    a name in REFERENCES): mean Brier, mean log score, mean RPS, the model's Brier skill against it
    and its RPS skill (proper.skill: 1 - mean RPS of the model / mean RPS of the reference), NaN on
    the model's own row."""
    rows = [{"forecast": "model", "brier": scores["mean_brier"], "log_loss": scores["mean_log_loss"],
             "rps": scores["mean_rps"], "brier_skill": float("nan"), "rps_skill": float("nan")}]
    rows += [{"forecast": ref, "brier": scores[f"mean_brier_{ref}"], "log_loss": scores[f"mean_log_loss_{ref}"],
              "rps": scores[f"mean_rps_{ref}"], "brier_skill": scores[f"brier_skill_{ref}"],
              "rps_skill": skill(scores["mean_rps"], scores[f"mean_rps_{ref}"])} for ref in REFERENCES]
    return pd.DataFrame(rows)


def _mean(values) -> float:
    """The mean of the values that are not NaN (NaN when none is)."""
    values = [v for v in values if not math.isnan(v)]
    return float(sum(values) / len(values)) if values else float("nan")


FITS = {"model": "the model as run", "in_sample": "posterior fitted on every case (in sample)",
        "left_out": "posterior fitted without the case (left out)"}


def fit_rows(results: list[CaseResult], left_out: dict[str, CaseResult]) -> pd.DataFrame:
    """hindcast_fits.parquet: the run's forecast of each case ('in_sample' when left-out refits exist,
    else 'model') and, where the posterior has one, the forecast from the refit without the case
    ('left_out'), side by side: the class scores, the figures inside their ranges, each figure's CRPS
    and the share of runs showing each pattern (scoring.PATTERNS); one row per case and fit."""
    own = "in_sample" if left_out else "model"
    rows = []
    for r in results:
        for fit, result in ((own, r), ("left_out", left_out.get(r.case.id))):
            if result is None:
                continue
            s, counts = case_scores(result), figure_counts(result.checks)
            rows.append({"case": r.case.id, "fit": fit, "recorded": result.recorded, "p_recorded": s["p_recorded"],
                         "brier": s["brier"], "log_loss": s["log_loss"], "rps": s["rps"],
                         "figures_inside": counts["figures_inside"], "figures_reachable": counts["figures_reachable"],
                         **{f"crps_{c.measure}": c.crps for c in result.checks},
                         **{f"pattern_{p}": pattern_share(result.runs, p) for p in PATTERNS}})
    return pd.DataFrame(rows)


def reliability_rows(fits: dict[str, list[CaseResult]], bins: int = 5) -> pd.DataFrame:
    """The reliability table (proper.reliability_table) of each fit's forecasts, pooled over the
    cases with a recorded class and over the six classes; a `fit` column names the forecast."""
    tables = []
    for fit, results in fits.items():
        scored = [r for r in results if r.recorded]
        if scored:
            table = reliability_table([r.probabilities for r in scored], [r.recorded for r in scored], bins)
            tables.append(table.assign(fit=fit))
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def behavioural_source(run: RunConfig) -> str:
    """Where the shared behavioural values come from: the defaults, or the calibrations applied."""
    names = sorted({text.split(" (", 1)[0].removeprefix("calibration ") for text in run.provenance.values()
                    if text.startswith("calibration ")})
    fixed = ("calibration " + ", ".join(names)) if names else "defaults (sim/params.py)"
    draws = run.posterior.draws()
    if draws is None:
        return fixed
    return (f"{fixed}, with {', '.join(draws.paths)} drawn per replicate from the posterior "
            f"{draws.source or '(unnamed)'} ({draws.weights.size} particles)")


def simulate_cases(run: RunConfig, cases: list[Case], recorded: dict[str, str],
                   draws_for: Callable[[Case], ParameterDraws | None] | None = None,
                   label: str = "hindcast") -> list[CaseResult]:
    """Run each case's replicates (one progress bar over all) and score them; `recorded` holds the
    recorded class of every registered case, for the reference forecasts; `draws_for` gives a case's
    particles (default: the run's posterior, or none)."""
    bar = tqdm(total=len(cases) * run.replicates, desc=label, unit="rep", disable=not run.progress, file=sys.stderr)
    results = []
    for case in cases:
        bar.set_postfix_str(case.id)
        draws = draws_for(case) if draws_for is not None else run.posterior.draws()
        runs = case_runs(run, run.model, case, run.seed, on_progress=bar.update, draws=draws)
        results.append(score_case(case, runs, run.hindcast.horizon_days, recorded))
    bar.close()
    return results


def simulate_left_out(run: RunConfig, cases: list[Case], recorded: dict[str, str]) -> dict[str, CaseResult]:
    """Each case that the run's posterior holds a refit without, forecast from that refit (on the same
    root seed as the in-sample forecast, so the two differ only by the particles): case id -> result."""
    chosen = [c for c in cases if run.posterior.left_out_draws(c.id) is not None]
    if not chosen:
        return {}
    results = simulate_cases(run, chosen, recorded, lambda case: run.posterior.left_out_draws(case.id),
                             "hindcast, left out")
    return {r.case.id: r for r in results}


def _skill_text(value: float) -> str:
    return "n/a (reference certain and right)" if math.isnan(value) else f"{value:+.2f}"


def format_hindcast(results: list[CaseResult], scores: dict[str, float]) -> str:
    """The lines printed at the end of a hindcast."""
    lines = [f"Hindcast: {scores['cases']} cases", ""]
    for r in results:
        modal = r.modal
        s = case_scores(r)
        recorded = (f"recorded {r.recorded}: p={s['p_recorded']:.0%}, Brier {s['brier']:.3f} (skill vs climatology "
                    f"{_skill_text(s['brier_skill_climatology'])}, vs most common class "
                    f"{_skill_text(s['brier_skill_most_common'])})") if r.recorded else "no recorded class"
        counts = figure_counts(r.checks)
        lines.append(f"  {r.case.id:<24} {recorded}; most likely {modal} ({r.probabilities[modal]:.0%}); "
                     f"figures inside 10-90%: {counts['figures_inside']}/{counts['figures_reachable']} reachable"
                     + (f", {counts['figures_unreachable']} unreachable" if counts["figures_unreachable"] else ""))
    lines += ["", f"Mean p(recorded class) {scores['mean_p_recorded']:.2f}; mean Brier {scores['mean_brier']:.3f} "
              f"(equal odds: {scores['uniform_brier']:.2f}); mean RPS {scores['mean_rps']:.3f}; {figures_text(scores)}",
              "Against the reference forecasts, made from the other cases' records (climatology with "
              f"{scores['climatology_pseudocount']:g} added to each class's count; skill = 1 - mean Brier of the "
              "model / mean Brier of the reference):",
              f"  {'model':<50} Brier {scores['mean_brier']:.3f}, log score {scores['mean_log_loss']:.2f}, "
              f"RPS {scores['mean_rps']:.3f}"]
    for ref in REFERENCES:
        lines.append(f"  {REFERENCE_FORECASTS[ref]:<50} Brier {scores[f'mean_brier_{ref}']:.3f}, log score "
                     f"{scores[f'mean_log_loss_{ref}']:.2f}, RPS {scores[f'mean_rps_{ref}']:.3f}; model's skill "
                     f"{_skill_text(scores[f'brier_skill_{ref}'])}")
    misses = [m for r in results for m in r.misses]
    lines += ["", "Misses:" if misses else "No misses."] + [f"  - {m}" for m in misses]
    unreachable = [m for r in results for m in r.unreachable]
    if unreachable:
        lines += ["", "Out of the model's reach (not counted as misses):"] + [f"  - {m}" for m in unreachable]
    return "\n".join(lines)


def format_fits(fits: pd.DataFrame) -> str:
    """Lines comparing the in-sample and left-out forecasts, mean over the cases both cover."""
    both = fits.groupby("case")["fit"].transform("nunique") > 1
    lines = ["", "In sample against left out (mean over the cases with a refit without them):"]
    for fit, g in fits[both].groupby("fit", sort=False):
        lines.append(f"  {FITS[fit]:<50} p(recorded) {g['p_recorded'].mean():.2f}, Brier {g['brier'].mean():.3f}, "
                     f"log {g['log_loss'].mean():.2f}, RPS {g['rps'].mean():.3f}, figures inside "
                     f"{int(g['figures_inside'].sum())}/{int(g['figures_reachable'].sum())}")
    return "\n".join(lines)


def run_hindcast(run: RunConfig, out_dir: Path) -> Path | None:
    """The hindcast job: simulate, write tables, config, metadata and the report; print a summary."""
    cases = hindcast_cases(run)
    recorded = recorded_classes(chosen_cases([], "hindcast.cases"))   # every registered case
    start_run(out_dir)
    results = simulate_cases(run, cases, recorded)
    left_out = simulate_left_out(run, cases, recorded)
    scores = overall_scores(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    table, figures, fits = outcome_rows(results), figure_rows(results), fit_rows(results, left_out)
    reliability = reliability_rows({"in_sample" if left_out else "model": results,
                                    **({"left_out": list(left_out.values())} if left_out else {})})
    runs = pd.concat([r.runs for r in results], ignore_index=True)
    meta = run_metadata(run, scenario="hindcast", cases=[c.id for c in cases],
                        behavioural_parameters=behavioural_source(run), scores=scores,
                        case_files={c.id: str(c.path) for c in cases})
    write_parquet(out_dir / "hindcast.parquet", table)
    write_parquet(out_dir / "hindcast_figures.parquet", figures)
    write_parquet(out_dir / "hindcast_fits.parquet", fits)
    write_parquet(out_dir / "hindcast_reliability.parquet", reliability)
    write_parquet(out_dir / "runs.parquet", runs)
    written = ["hindcast.parquet", "hindcast_figures.parquet", "hindcast_fits.parquet", "hindcast_reliability.parquet",
               "runs.parquet", CONFIG_FILE, METADATA_FILE]
    if left_out:
        write_parquet(out_dir / "runs_left_out.parquet",
                      pd.concat([r.runs for r in left_out.values()], ignore_index=True))
        written.insert(-2, "runs_left_out.parquet")
    write_job_files(out_dir, run, meta)
    print(format_hindcast(results, scores))
    if left_out:
        print(format_fits(fits))
    print(f"\nTables: {out_dir}")
    if not run.report:
        finish_run(out_dir, run, written)
        return None
    misses = [m for r in results for m in r.misses]
    unreachable = [m for r in results for m in r.unreachable]
    report = write_hindcast_report(out_dir / "hindcast_report.html", case_rows(results), table, figures, misses,
                                   unreachable, reference_rows(scores), scores, meta, fits, reliability, FITS)
    finish_run(out_dir, run, [*written, "hindcast_report.html"])
    print(f"Interactive report: {report}")
    return report
