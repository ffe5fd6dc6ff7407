"""Hindcast (`python -m experiments.run +experiment=hindcast`): run every case from its facts alone,
with the shared behavioural parameters, and score the predictions against what happened.

Writes at the output folder's root: `hindcast.parquet` (one row per case and outcome class),
`hindcast_figures.parquet` (one row per case and recorded figure), `runs.parquet` (every replicate,
with its case), the resolved config, metadata, and `hindcast_report.html`."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from experiments.analysis.summary import outcome_table
from experiments.config.cases import Case, chosen_cases
from experiments.config.schema import ConfigError, RunConfig
from experiments.evaluation.scoring import (
    UNIFORM_BRIER,
    FigureCheck,
    brier_score,
    describe_misses,
    figure_checks,
    log_loss,
    modal_class,
)
from experiments.io import CONFIG_FILE, METADATA_FILE, run_metadata, write_job_files, write_parquet
from experiments.replicates import run_replicates
from experiments.reports.hindcast import write_hindcast_report
from experiments.scenario import finish_run, start_run
from sim.cases import case_overrides
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


def case_runs(run: RunConfig, base: ModelParams, case: Case, seed: int, on_progress=None) -> pd.DataFrame:
    """One case's replicates (its run table, with a `case` column) at the shared values of `base`."""
    params = case_params(base, case, run.hindcast.horizon_days)
    return run_replicates(params, seed, run.replicates, run.workers, on_progress=on_progress).runs.assign(case=case.id)


@dataclass
class CaseResult:
    """One case's predictions and scores."""

    case: Case
    outcomes: pd.DataFrame                # outcome_table: outcome, count, probability, ci_low, ci_high
    checks: list[FigureCheck]
    runs: pd.DataFrame
    misses: list[str] = field(default_factory=list)

    @property
    def probabilities(self) -> dict[str, float]:
        return dict(zip(self.outcomes["outcome"], self.outcomes["probability"]))

    @property
    def recorded(self) -> str:
        return self.case.recorded.outcome_class or ""

    @property
    def modal(self) -> str:
        return modal_class(self.probabilities)


def score_case(case: Case, runs: pd.DataFrame) -> CaseResult:
    """Outcome distribution with Wilson intervals, figure checks and plain-language misses."""
    outcomes = outcome_table(runs)
    checks = figure_checks(runs, case.facts, case.recorded)
    result = CaseResult(case, outcomes, checks, runs)
    result.misses = describe_misses(case.id, result.probabilities, result.recorded or None, checks)
    return result


def outcome_rows(results: list[CaseResult]) -> pd.DataFrame:
    """hindcast.parquet: one row per case and outcome class, with the case's scores and figures."""
    rows = []
    for r in results:
        n = len(r.runs)
        p_recorded = r.probabilities.get(r.recorded, float("nan")) if r.recorded else float("nan")
        case_level = {
            "case_name": r.case.name, "replicates": n, "recorded_outcome": r.recorded,
            "p_recorded": p_recorded,
            "brier": brier_score(r.probabilities, r.recorded) if r.recorded else float("nan"),
            "log_loss": log_loss(p_recorded, n) if r.recorded else float("nan"),
        }
        for c in r.checks:
            m = c.measure
            case_level.update({f"{m}_recorded_low": c.recorded_low, f"{m}_recorded_high": c.recorded_high,
                               f"{m}_p10": c.p10, f"{m}_median": c.median, f"{m}_p90": c.p90, f"{m}_inside": c.inside})
        for o in r.outcomes.itertuples():
            rows.append({"case": r.case.id, "outcome": o.outcome, "probability": o.probability,
                         "ci_low": o.ci_low, "ci_high": o.ci_high, "count": o.count,
                         "is_recorded": o.outcome == r.recorded, **case_level})
    return pd.DataFrame(rows)


def case_rows(results: list[CaseResult]) -> pd.DataFrame:
    """One row per case, as the report shows it: the recorded class ('' when none) with the probability
    given to it and its Wilson interval, the model's most likely class and its probability, the Brier
    score, and how many recorded figures fall inside the predicted 10-90% range."""
    rows = []
    for r in results:
        outcomes = r.outcomes.set_index("outcome")
        recorded = outcomes.loc[r.recorded] if r.recorded else None
        checked = [c for c in r.checks if c.inside is not None]
        rows.append({"case": r.case.id, "recorded": r.recorded,
                     "p_recorded": recorded["probability"] if recorded is not None else float("nan"),
                     "p_recorded_low": recorded["ci_low"] if recorded is not None else float("nan"),
                     "p_recorded_high": recorded["ci_high"] if recorded is not None else float("nan"),
                     "modal": r.modal, "p_modal": r.probabilities[r.modal],
                     "brier": brier_score(r.probabilities, r.recorded) if r.recorded else float("nan"),
                     "figures_inside": sum(bool(c.inside) for c in checked), "figures_recorded": len(checked)})
    return pd.DataFrame(rows)


def figure_rows(results: list[CaseResult]) -> pd.DataFrame:
    """hindcast_figures.parquet: one row per case and recorded figure."""
    return pd.DataFrame([{"case": r.case.id, **vars(c)} for r in results for c in r.checks])


def overall_scores(results: list[CaseResult]) -> dict[str, float]:
    """Scores over the cases with a recorded class, with the equal-odds Brier score for reference."""
    scored = [r for r in results if r.recorded]
    checks = [c for r in results for c in r.checks if c.inside is not None]
    return {
        "cases": len(results), "cases_scored": len(scored),
        "mean_p_recorded": _mean(r.probabilities.get(r.recorded, 0.0) for r in scored),
        "mean_brier": _mean(brier_score(r.probabilities, r.recorded) for r in scored),
        "uniform_brier": UNIFORM_BRIER,
        "modal_class_hits": sum(r.modal == r.recorded for r in scored),
        "figures_inside": sum(bool(c.inside) for c in checks), "figures_recorded": len(checks),
    }


def _mean(values) -> float:
    values = list(values)
    return float(sum(values) / len(values)) if values else float("nan")


def behavioural_source(run: RunConfig) -> str:
    """Where the shared behavioural values come from: the defaults, or the calibrations applied."""
    names = sorted({text.split(" (", 1)[0].removeprefix("calibration ") for text in run.provenance.values()
                    if text.startswith("calibration ")})
    return ("calibration " + ", ".join(names)) if names else "defaults (sim/params.py)"


def simulate_cases(run: RunConfig, cases: list[Case]) -> list[CaseResult]:
    """Run each case's replicates (one progress bar over all) and score them."""
    bar = tqdm(total=len(cases) * run.replicates, desc="hindcast", unit="rep", disable=not run.progress,
               file=sys.stderr)
    results = []
    for case in cases:
        bar.set_postfix_str(case.id)
        results.append(score_case(case, case_runs(run, run.model, case, run.seed, on_progress=bar.update)))
    bar.close()
    return results


def format_hindcast(results: list[CaseResult], scores: dict[str, float]) -> str:
    """The lines printed at the end of a hindcast."""
    lines = [f"Hindcast: {scores['cases']} cases", ""]
    for r in results:
        modal = r.modal
        recorded = (f"recorded {r.recorded}: p={r.probabilities.get(r.recorded, 0):.0%}, "
                    f"Brier {brier_score(r.probabilities, r.recorded):.2f}") if r.recorded else "no recorded class"
        inside = [c for c in r.checks if c.inside is not None]
        lines.append(f"  {r.case.id:<24} {recorded}; most likely {modal} ({r.probabilities[modal]:.0%}); "
                     f"figures inside 10-90%: {sum(bool(c.inside) for c in inside)}/{len(inside)}")
    lines += ["", f"Mean p(recorded class) {scores['mean_p_recorded']:.2f}; mean Brier {scores['mean_brier']:.2f} "
              f"(equal odds: {scores['uniform_brier']:.2f}); recorded figures inside the 10-90% range: "
              f"{scores['figures_inside']}/{scores['figures_recorded']}"]
    misses = [m for r in results for m in r.misses]
    lines += ["", "Misses:" if misses else "No misses."] + [f"  - {m}" for m in misses]
    return "\n".join(lines)


def run_hindcast(run: RunConfig, out_dir: Path) -> Path | None:
    """The hindcast job: simulate, write tables, config, metadata and the report; print a summary."""
    cases = hindcast_cases(run)
    start_run(out_dir)
    results = simulate_cases(run, cases)
    scores = overall_scores(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    table, figures = outcome_rows(results), figure_rows(results)
    runs = pd.concat([r.runs for r in results], ignore_index=True)
    meta = run_metadata(run, scenario="hindcast", cases=[c.id for c in cases],
                        behavioural_parameters=behavioural_source(run), scores=scores,
                        case_files={c.id: str(c.path) for c in cases})
    write_parquet(out_dir / "hindcast.parquet", table)
    write_parquet(out_dir / "hindcast_figures.parquet", figures)
    write_parquet(out_dir / "runs.parquet", runs)
    write_job_files(out_dir, run, meta)
    written = ["hindcast.parquet", "hindcast_figures.parquet", "runs.parquet", CONFIG_FILE, METADATA_FILE]
    print(format_hindcast(results, scores))
    print(f"\nTables: {out_dir}")
    if not run.report:
        finish_run(out_dir, run, written)
        return None
    misses = [m for r in results for m in r.misses]
    report = write_hindcast_report(out_dir / "hindcast_report.html", case_rows(results), table, figures, misses,
                                   scores, meta)
    finish_run(out_dir, run, [*written, "hindcast_report.html"])
    print(f"Interactive report: {report}")
    return report
