"""Proper scores of probabilistic forecasts, pure functions: the log score and the ranked probability
score of the outcome class, the CRPS of a recorded figure against the replicates' values (with the
`scoringrules` package), skill against a reference, and the reliability table of predicted against
observed frequencies. The multi-class Brier score is `scoring.brier_score`.

A proper score is one a forecaster cannot improve by stating anything but what they believe
(Gneiting & Raftery 2007), so it rewards honest uncertainty rather than confident guesses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scoringrules

from experiments.measures import OUTCOMES
from sim.enums import Outcome

# The classes from the rebels' best ending to the besieger's best, for the ranked probability score:
# the siege lifted, the siege going on, the rebels staying under a settlement, part of them expelled,
# all of them expelled, the district taken. An ordering by what the besieger gains (assumption: the
# cases' classes have no official order; a forecast of full evacuation for a takeover is nearer
# the mark than one of a lifted siege).
ORDERED_OUTCOMES: tuple[str, ...] = tuple(o.value for o in (
    Outcome.SIEGE_BROKEN, Outcome.STALEMATE, Outcome.SETTLEMENT_LOCAL_STAY, Outcome.PARTIAL_EVACUATION,
    Outcome.FULL_EVACUATION, Outcome.MILITARY_TAKEOVER))


def _check_class(recorded: str) -> None:
    if recorded not in OUTCOMES:
        raise ValueError(f"recorded outcome {recorded!r} is not one of {', '.join(OUTCOMES)}")


def _check_probabilities(probabilities: Mapping[str, float]) -> None:
    unknown = [k for k in probabilities if k not in OUTCOMES]
    if unknown:
        raise ValueError(f"outcome {unknown[0]!r} is not one of {', '.join(OUTCOMES)}")
    values = np.array(list(probabilities.values()), dtype=float)
    if (values < 0).any() or not math.isclose(values.sum(), 1.0, abs_tol=1e-6):
        raise ValueError(f"class probabilities must be non-negative and sum to 1 (they sum to {values.sum():.6g})")


def log_score(probabilities: Mapping[str, float], recorded: str, floor: float = 0.0) -> float:
    """-log of the probability given to the recorded class (0 for certainty of what happened,
    infinite for certainty of something else unless `floor` > 0 bounds the probability below)."""
    _check_class(recorded)
    _check_probabilities(probabilities)
    p = max(probabilities.get(recorded, 0.0), floor)
    return math.inf if p <= 0 else 0.0 - math.log(p)


def ranked_probability_score(probabilities: Mapping[str, float], recorded: str,
                             order: Sequence[str] = ORDERED_OUTCOMES) -> float:
    """RPS (Epstein 1969): the sum over the ordered classes of (cumulative forecast - cumulative
    observation)^2, divided by (classes - 1) so that 0 is perfect and 1 is certain and at the far end."""
    _check_class(recorded)
    _check_probabilities(probabilities)
    forecast = np.cumsum([probabilities.get(o, 0.0) for o in order])
    observed = np.cumsum([float(o == recorded) for o in order])
    return float(((forecast - observed) ** 2)[:-1].sum() / (len(order) - 1))


def crps(values: np.ndarray, low: float | None, high: float | None) -> float:
    """CRPS of the replicates' `values` (an ensemble) for a recorded figure, in the figure's unit:
    0 when every replicate gives it exactly. A recorded range is scored at its midpoint, 'at least
    low' at low. NaN when nothing is recorded or there are no values."""
    values = np.asarray(values, dtype=float)
    if (low is None and high is None) or values.size == 0:
        return float("nan")
    observed = low if high is None else high if low is None else (low + high) / 2
    return float(scoringrules.crps_ensemble(observed, values))


def skill(score: float, reference: float) -> float:
    """1 - score / reference (negatively oriented scores): 1 perfect, 0 no better than the reference,
    NaN when the reference is perfect or either is undefined."""
    if math.isnan(score) or math.isnan(reference) or reference == 0 or math.isinf(reference):
        return float("nan")
    return 1.0 - score / reference


def reliability_table(forecasts: Sequence[Mapping[str, float]], recorded: Sequence[str],
                      bins: int = 5) -> pd.DataFrame:
    """Predicted against observed frequency, pooled over cases and classes: every (case, class) pair
    is a forecast probability and a 0/1 outcome; pairs are binned by probability. One row per
    non-empty bin: its range, the pairs in it, their mean forecast and the observed frequency. A
    reliable forecaster's rows lie on the diagonal."""
    if len(forecasts) != len(recorded):
        raise ValueError(f"{len(forecasts)} forecasts but {len(recorded)} recorded classes")
    if bins < 1:
        raise ValueError(f"bins={bins!r}: at least 1")
    p, hit = [], []
    for probabilities, outcome in zip(forecasts, recorded, strict=True):
        _check_class(outcome)
        _check_probabilities(probabilities)
        for o in OUTCOMES:
            p.append(probabilities.get(o, 0.0))
            hit.append(float(o == outcome))
    p_arr, hit_arr = np.array(p), np.array(hit)
    index = np.minimum((p_arr * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        inside = index == b
        if inside.any():
            rows.append({"bin_low": b / bins, "bin_high": (b + 1) / bins, "pairs": int(inside.sum()),
                         "mean_forecast": float(p_arr[inside].mean()),
                         "observed_frequency": float(hit_arr[inside].mean())})
    return pd.DataFrame(rows)
