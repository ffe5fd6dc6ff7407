"""Hindcast scores, pure functions on tables: the probability the model gave to the recorded outcome
class, the multi-class Brier score, the two reference forecasts a case's score is judged against
(the other cases' climatology and their most common class) with the Brier skill score, whether
recorded figures fall inside the predicted 10-90% range, and which recorded figures the model cannot
reach by construction. Used by the hindcast and by the calibration's objective."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.evaluation.proper import crps
from experiments.measures import CASE_FIGURES, MEASURES, OUTCOMES, REFERENCE_FORECASTS, outcome_label
from sim.cases import CaseFacts, RecordedOutcome
from sim.enums import Outcome

UNIFORM_BRIER = (1 - 1 / len(OUTCOMES)) ** 2 + (len(OUTCOMES) - 1) / len(OUTCOMES) ** 2  # equal odds on all six


def modal_class(probabilities: Mapping[str, float]) -> str:
    """The most likely outcome class (ties: the first in Outcome order)."""
    return max(OUTCOMES, key=lambda o: probabilities.get(o, 0.0))


def brier_score(probabilities: Mapping[str, float], recorded: str) -> float:
    """Multi-class Brier score (Brier 1950): sum over the six classes of (p - 1[recorded])^2.
    0 is a certain, correct forecast; 2 is a certain, wrong one; equal odds give UNIFORM_BRIER."""
    if recorded not in OUTCOMES:
        raise ValueError(f"recorded outcome {recorded!r} is not one of {', '.join(OUTCOMES)}")
    return float(sum((probabilities.get(o, 0.0) - (o == recorded)) ** 2 for o in OUTCOMES))


def log_loss(probability: float, replicates: int) -> float:
    """-log of the probability given to what happened, floored at half a replicate (1/(2n)) so that
    a class never simulated costs a finite, sample-size-aware penalty."""
    return 0.0 - math.log(max(probability, 0.5 / max(replicates, 1)))   # 0.0 - 0.0 is 0.0, not -0.0


# Reference forecasts: what a forecaster who knew only how the other cases ended would say. A case's
# own record is never in its reference (leave one out), so the reference is a forecast, not a fit.
CLIMATOLOGY_PSEUDOCOUNT = 1.0
"""Add-one smoothing (Laplace's rule of succession): each of the six classes starts with one imagined
case, so a class none of the N other cases ended in keeps 1/(N + 6) and a finite log score. With three
other cases this is cautious on purpose: three alike give their class 4/9, not 1."""


def climatology(classes: Sequence[str], pseudocount: float = CLIMATOLOGY_PSEUDOCOUNT) -> dict[str, float]:
    """The class frequencies of `classes` (the recorded classes of the other cases), each count plus
    `pseudocount`: (n_k + a) / (N + 6a). No classes and a > 0 give equal odds."""
    unknown = [c for c in classes if c not in OUTCOMES]
    if unknown:
        raise ValueError(f"recorded outcome {unknown[0]!r} is not one of {', '.join(OUTCOMES)}")
    if pseudocount < 0 or (pseudocount == 0 and not classes):
        raise ValueError(f"pseudocount={pseudocount!r}: at least 0, and above 0 when no class is given")
    counts = Counter(classes)
    total = len(classes) + pseudocount * len(OUTCOMES)
    return {o: (counts[o] + pseudocount) / total for o in OUTCOMES}


def most_common_class(classes: Sequence[str]) -> dict[str, float]:
    """Probability 1 on the most frequent of `classes` (ties: the first in Outcome order), 0 elsewhere."""
    if not classes:
        raise ValueError("the most common class needs at least one recorded class")
    climate = climatology(classes, pseudocount=0.0)
    return {o: float(o == modal_class(climate)) for o in OUTCOMES}


def other_classes(case: str, recorded: Mapping[str, str | None]) -> list[str]:
    """The recorded classes of every case but `case` (`recorded`: case id -> class, None or '' when
    the case records none), in the mapping's order."""
    return [c for other, c in recorded.items() if other != case and c]


REFERENCES = tuple(REFERENCE_FORECASTS)   # "climatology", "most_common": the names in the tables' columns


def reference_forecasts(case: str, recorded: Mapping[str, str | None],
                        pseudocount: float = CLIMATOLOGY_PSEUDOCOUNT) -> dict[str, dict[str, float] | None]:
    """Both reference forecasts of `case` from the other cases' records (leave one out): the smoothed
    climatology (equal odds when no other case records a class) and the most common class (None then)."""
    others = other_classes(case, recorded)
    return {"climatology": climatology(others, pseudocount),
            "most_common": most_common_class(others) if others else None}


def brier_skill_score(model_brier: float, reference_brier: float) -> float:
    """1 - Brier(model) / Brier(reference): 1 for a perfect forecast, 0 for one no better than the
    reference, negative for a worse one. NaN when the reference itself is perfect (Brier 0): nothing
    can improve on it, and the ratio is undefined."""
    if math.isnan(model_brier) or math.isnan(reference_brier) or reference_brier == 0:
        return float("nan")
    return 1.0 - model_brier / reference_brier


def overall_skill(model_briers: Sequence[float], reference_briers: Sequence[float]) -> float:
    """The Brier skill score over cases: 1 - mean Brier(model) / mean Brier(reference), over the cases
    where both are defined. The ratio of the means, not the mean of the per-case scores: a case where
    the reference is right and certain has no per-case score, and one where it is nearly right would
    swamp a mean of ratios."""
    pairs = [(m, r) for m, r in zip(model_briers, reference_briers, strict=True)
             if not (math.isnan(m) or math.isnan(r))]
    if not pairs:
        return float("nan")
    return brier_skill_score(sum(m for m, _ in pairs) / len(pairs), sum(r for _, r in pairs) / len(pairs))


def inside_range(p10: float, p90: float, low: float | None, high: float | None) -> bool | None:
    """Does a recorded figure meet the predicted 10-90% range? A recorded range counts as inside when
    it overlaps; a missing upper bound means 'at least low'. None when nothing is recorded."""
    if low is None and high is None:
        return None
    lo = low if low is not None else high
    hi = high if high is not None else math.inf
    return bool(lo <= p90 and hi >= p10)


def predicted_figures(runs: pd.DataFrame, facts: CaseFacts) -> dict[str, np.ndarray]:
    """Per replicate, the figures a case records: decisive phase, siege length (counting the days of
    siege before the model starts), share of fighters evacuated, civilians killed."""
    return {"decisive_phase_days": runs["decisive_phase_days"].to_numpy(float),
            "siege_length_days": facts.siege_days_so_far + runs["end_day"].to_numpy(float),
            "fighters_evacuated_share": runs["fighters_evacuated"].to_numpy(float) / max(facts.fighters_inside, 1),
            "civilian_deaths": runs["civilians_killed"].to_numpy(float)}


def reachable_range(measure: str, facts: CaseFacts, horizon_days: int) -> tuple[float, float, str]:
    """The values `predicted_figures` can give a figure of this case by construction, and why. A run
    ends by day horizon_days - 1 at the latest (the horizon ends it as a stalemate), and both day
    figures are counted from day 0: the siege length from the days of siege before the model starts
    plus the last day, the decisive phase within the run. The share of fighters evacuated is at most
    1, and civilians killed at most the civilians inside (the model adds none)."""
    last = horizon_days - 1
    if measure == "siege_length_days":
        low, high = facts.siege_days_so_far, facts.siege_days_so_far + last
        start = f"after {low:,} days of siege" if low else "on the siege's first day"
        return low, high, (f"the model starts {start} and stops by day {last:,} (the {horizon_days:,}-day "
                           f"horizon), so it predicts {low:,}-{high:,} days")
    if measure == "decisive_phase_days":
        return 0, last, f"the decisive phase lies within the {horizon_days:,}-day horizon, so at most {last:,} days"
    if measure == "fighters_evacuated_share":
        return 0.0, 1.0, f"at most all {facts.fighters_inside:,} fighters inside can be evacuated"
    if measure == "civilian_deaths":
        return 0, facts.civilians_inside, f"at most the {facts.civilians_inside:,} civilians inside can be killed"
    raise KeyError(f"{measure!r} is not a recorded figure: one of {', '.join(CASE_FIGURES)}")


def unreachable_reason(measure: str, low: float | None, high: float | None, facts: CaseFacts,
                       horizon_days: int) -> str:
    """Why a recorded figure (low, high) lies wholly outside what the model can predict for it ('' when
    part of it can be reached, or nothing is recorded). Such a figure is no test of the model's
    mechanisms, so it is flagged, not counted as a miss."""
    reach_low, reach_high, why = reachable_range(measure, facts, horizon_days)
    if inside_range(reach_low, reach_high, low, high) is not False:
        return ""
    return why


def recorded_figures(recorded: RecordedOutcome, facts: CaseFacts) -> dict[str, tuple[float | None, float | None]]:
    """The recorded figures as (low, high) ranges; (None, None) when the case file gives none."""
    evacuated = _pair(recorded.fighters_evacuated)
    share = tuple(None if v is None else v / max(facts.fighters_inside, 1) for v in evacuated)
    return {"decisive_phase_days": (recorded.decisive_phase_days, recorded.decisive_phase_days),
            "siege_length_days": (recorded.siege_length_days, recorded.siege_length_days),
            "fighters_evacuated_share": share, "civilian_deaths": _pair(recorded.civilian_deaths)}


def _pair(values: Sequence[float | None]) -> tuple[float | None, float | None]:
    values = [*values, None, None]
    low, high = values[0], values[1]
    if low is None and high is not None:
        low = high
    return (None if low is None else float(low)), (None if high is None else float(high))


@dataclass
class FigureCheck:
    """One recorded figure of a case against the predicted distribution."""

    measure: str
    recorded_low: float | None
    recorded_high: float | None
    p10: float
    median: float
    p90: float
    inside: bool | None
    censored_share: float    # replicates that reached the horizon unresolved (their durations are cut)
    unreachable: bool = False     # the recorded figure lies wholly outside what the model can predict
    unreachable_reason: str = ""  # why (reachable_range), '' when it is reachable
    crps: float = float("nan")    # continuous ranked probability score, in the figure's unit (NaN: none recorded)


def figure_checks(runs: pd.DataFrame, facts: CaseFacts, recorded: RecordedOutcome,
                  horizon_days: int) -> list[FigureCheck]:
    """Every recorded figure of a case against the predicted 10-90% range, and whether the model
    could reach it at all over `horizon_days` (the hindcast's horizon)."""
    predicted = predicted_figures(runs, facts)
    records = recorded_figures(recorded, facts)
    censored = float((runs["outcome"] == Outcome.STALEMATE.value).mean()) if len(runs) else float("nan")
    checks = []
    for measure in CASE_FIGURES:
        values = predicted[measure]
        p10, median, p90 = (np.quantile(values, [0.1, 0.5, 0.9]) if values.size else [float("nan")] * 3)
        low, high = records[measure]
        reason = unreachable_reason(measure, low, high, facts, horizon_days)
        checks.append(FigureCheck(measure, low, high, float(p10), float(median), float(p90),
                                  inside_range(float(p10), float(p90), low, high),
                                  censored if "days" in measure else 0.0, bool(reason), reason,
                                  crps(values, low, high)))
    return checks


def figure_counts(checks: Sequence[FigureCheck]) -> dict[str, int]:
    """How many figures are recorded, how many of those the model cannot reach, how many it can, and
    how many of the reachable ones fall inside their predicted 10-90% range."""
    recorded = [c for c in checks if c.inside is not None]
    reachable = [c for c in recorded if not c.unreachable]
    return {"figures_recorded": len(recorded), "figures_unreachable": len(recorded) - len(reachable),
            "figures_reachable": len(reachable), "figures_inside": sum(bool(c.inside) for c in reachable)}


def figures_text(counts: Mapping[str, int]) -> str:
    """'5 of 12 reachable figures inside their ranges; 1 unreachable' (from figure_counts)."""
    text = f"{counts['figures_inside']} of {counts['figures_reachable']} reachable figures inside their ranges"
    return text + (f"; {counts['figures_unreachable']} unreachable" if counts["figures_unreachable"] else "")


def describe_misses(case: str, probabilities: Mapping[str, float], recorded: str | None,
                    checks: Sequence[FigureCheck]) -> list[str]:
    """Plain sentences saying where the model misses a case (empty when it does not)."""
    lines = []
    if recorded:
        modal = modal_class(probabilities)
        p = probabilities.get(recorded, 0.0)
        if modal != recorded:
            lines.append(f"{case}: recorded {outcome_label(recorded)}, but the model makes {outcome_label(modal)} "
                         f"most likely ({probabilities[modal]:.0%}) and gives the recorded class {p:.0%}.")
    for c in checks:
        if c.inside is False and not c.unreachable:
            lowest = c.recorded_low if c.recorded_low is not None else c.recorded_high
            side = "too low" if c.p90 < lowest else "too high"
            recorded_text = _range_text(c.recorded_low, c.recorded_high, c.measure)
            lines.append(f"{case}: {MEASURES[c.measure].label_with_unit} recorded {recorded_text}; predicted 10-90% "
                         f"{_value(c.p10, c.measure)}-{_value(c.p90, c.measure)} ({side})"
                         + (f"; {c.censored_share:.0%} of replicates hit the horizon" if c.censored_share > 0 else "")
                         + ".")
    return lines


def describe_unreachable(case: str, checks: Sequence[FigureCheck]) -> list[str]:
    """Plain sentences naming the recorded figures of a case the model cannot reach, and why."""
    return [f"{case}: {MEASURES[c.measure].label_with_unit} recorded "
            f"{_range_text(c.recorded_low, c.recorded_high, c.measure)} is out of reach: {c.unreachable_reason}."
            for c in checks if c.unreachable]


def _value(v: float, measure: str) -> str:
    return f"{v:.0%}" if measure.endswith("share") else f"{v:,.0f}"


def _range_text(low: float | None, high: float | None, measure: str) -> str:
    if high is None:
        return f"at least {_value(low, measure)}"
    if low is None or low == high:
        return _value(high, measure)
    return f"{_value(low, measure)}-{_value(high, measure)}"


FITTED_MEASURES = ("decisive_phase_days", "fighters_evacuated_share", "civilian_deaths")
SHARE_SCALE = 0.1   # a share 10 points off costs as much as a duration or a death toll off by a factor of 2
FIGURE_TERM_CAP = 4.0  # a figure missed by more than two doublings costs no more (a robust, capped square)


def figure_distance(median: float, low: float | None, high: float | None, measure: str) -> float:
    """How far a predicted median lies outside a recorded range, in comparable units: doublings
    (log2) for days and deaths, tenths for shares; 0 inside the range or when nothing is recorded."""
    if low is None and high is None:
        return 0.0
    lo = low if low is not None else high
    hi = high if high is not None else math.inf
    if measure.endswith("share"):
        return max(lo - median, median - hi, 0.0) / SHARE_SCALE
    to_log = lambda v: math.log2(1.0 + v)  # noqa: E731 - deaths and phases can be 0
    return max(to_log(lo) - to_log(median), to_log(median) - to_log(hi), 0.0)


def case_loss(runs: pd.DataFrame, facts: CaseFacts, recorded: RecordedOutcome,
              horizon_days: int | None = None) -> dict[str, float]:
    """The calibration objective for one case (lower is better): -log of the probability given to the
    recorded class plus the squared distance of each recorded figure from the predicted median,
    capped at FIGURE_TERM_CAP so that one figure the model misses badly does not outweigh every
    other case. The siege length counts too, as the days from the model's start, when `horizon_days`
    is given and the recorded length lies within the model's reach (not Homs's 700 days, which begin
    on the model's day 0); a figure out of reach would pull the fit towards stalemates."""
    terms: dict[str, float] = {}
    if recorded.outcome_class:
        share = float((runs["outcome"] == recorded.outcome_class).mean()) if len(runs) else 0.0
        terms["class"] = log_loss(share, len(runs))
    predicted = predicted_figures(runs, facts)
    records = recorded_figures(recorded, facts)
    for measure in FITTED_MEASURES:
        low, high = records[measure]
        if low is None and high is None:
            continue
        distance = figure_distance(float(np.median(predicted[measure])), low, high, measure)
        terms[measure] = min(distance ** 2, FIGURE_TERM_CAP)
    low, high = records["siege_length_days"]
    if horizon_days is not None and low is not None and not unreachable_reason(
            "siege_length_days", low, high, facts, horizon_days):
        so_far = facts.siege_days_so_far
        distance = figure_distance(float(np.median(predicted["siege_length_days"])) - so_far, low - so_far,
                                   None if high is None else high - so_far, "siege_length_days")
        terms["siege_length_days"] = min(distance ** 2, FIGURE_TERM_CAP)
    terms["total"] = float(sum(terms.values()))
    return terms


# Cross-case patterns (../shared/PATTERNS.md) a case's runs should show whatever its own record says,
# each scored like the recorded class: -log of the share of runs showing it, floored at half a replicate.
PATTERNS: dict[str, str] = {
    "failed_deal_first": "PATTERNS.md 7: a deal collapses or its implementation breaks down before the one that holds",
}


def pattern_share(runs: pd.DataFrame, pattern: str) -> float:
    """The share of runs showing a pattern (NaN without runs). failed_deal_first: at least one
    implementation breakdown or deal collapse in the run."""
    if pattern not in PATTERNS:
        raise KeyError(f"{pattern!r} is not a pattern: one of {', '.join(PATTERNS)}")
    if not len(runs):
        return float("nan")
    return float(((runs["breakdowns"] + runs["collapses"]) >= 1).mean())


def pattern_loss(runs: pd.DataFrame, pattern: str) -> float:
    """A pattern's term in a distance: -log of the share of runs showing it (log_loss's floor)."""
    return log_loss(pattern_share(runs, pattern), len(runs))
