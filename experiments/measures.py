"""The one registry of what the tables measure: each measure's column, label, unit and which way is
better, the selections that summaries, sweeps, reports, sensitivity and the hindcast use, and the
outcome classes with their groups. Every label a user reads comes from here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sim.enums import Outcome


class Better(Enum):
    """Which way a measure is better, for a reader comparing arms (NEITHER: a description, not a score)."""

    LOWER = "lower"
    HIGHER = "higher"
    NEITHER = "neither"


@dataclass(frozen=True)
class Measure:
    """A column of a run, point or case table and how to name it."""

    column: str
    label: str          # lower-case noun phrase, e.g. "days to resolution"
    unit: str           # "days", "people", "fighters", "troops", "count", "share", "probability"
    better: Better = Better.NEITHER

    @property
    def title(self) -> str:
        """The label with a capital, for a panel title."""
        return self.label[:1].upper() + self.label[1:]

    @property
    def label_with_unit(self) -> str:
        """'decisive phase (days)'; a unit already in the label is not repeated."""
        return self.label if self.unit in self.label or self.unit in ("people", "count") else \
            f"{self.label} ({self.unit})"


MEASURES: dict[str, Measure] = {m.column: m for m in (
    # per replicate (runs.parquet)
    Measure("end_day", "days to resolution", "days"),
    Measure("decisive_phase_days", "decisive phase", "days"),
    Measure("fighters_killed", "fighters killed", "fighters", Better.LOWER),
    Measure("fighters_evacuated", "fighters evacuated", "fighters"),
    Measure("fighters_settled", "fighters settled", "fighters"),
    Measure("civilians_killed", "civilians killed", "people", Better.LOWER),
    Measure("civilians_injured", "civilians injured", "people", Better.LOWER),
    Measure("civilian_injury_events", "civilian injury events (a person hit again counts again)",
            "count", Better.LOWER),
    Measure("civilians_displaced", "civilians displaced", "people", Better.LOWER),
    Measure("besieger_killed", "besieger troops killed", "troops", Better.LOWER),
    Measure("breakdowns", "implementation breakdowns", "count", Better.LOWER),
    Measure("collapses", "deals collapsed", "count", Better.LOWER),
    Measure("rounds", "negotiation rounds", "count"),
    # per sensitivity design point, over its replicates
    Measure("p_settlement", "probability of a negotiated settlement (local stay or partial evacuation)",
            "probability"),
    Measure("p_takeover", "probability of a military takeover", "probability"),
    Measure("p_full_evacuation", "probability of a full evacuation", "probability"),
    # per case, recorded and predicted (the hindcast)
    Measure("siege_length_days", "siege length", "days"),
    Measure("fighters_evacuated_share", "share of fighters evacuated", "share"),
    Measure("civilian_deaths", "civilians killed", "people", Better.LOWER),
    # per case, a forecast of its outcome class scored against the recorded class (the hindcast)
    Measure("p_recorded", "probability of the recorded class", "probability", Better.HIGHER),
    Measure("brier", "Brier score", "score", Better.LOWER),
    Measure("log_loss", "log score", "nats", Better.LOWER),
    Measure("brier_skill", "Brier skill score", "score", Better.HIGHER),
    Measure("rps", "ranked probability score", "score", Better.LOWER),
    Measure("rps_skill", "ranked probability skill score", "score", Better.HIGHER),
    Measure("crps", "continuous ranked probability score (the figure's unit)", "unit", Better.LOWER),
)}

# The lines printed at the end of a run, and the quantile table of the report.
RUN_SUMMARY = ("end_day", "fighters_killed", "fighters_evacuated", "fighters_settled", "civilians_killed",
               "civilians_injured", "civilians_displaced", "besieger_killed", "breakdowns", "collapses")
# A sweep's summary: medians with intervals per point, and paired differences against the reference.
SWEEP_MEDIANS = ("end_day", "civilians_killed", "civilians_injured", "civilians_displaced", "fighters_killed",
                 "fighters_evacuated", "besieger_killed", "breakdowns")
SWEEP_PAIRED = ("end_day", "civilians_killed", "civilians_displaced", "fighters_evacuated")
# The sweep report: panels of medians, panels of differences, and the medians in its table of points.
SWEEP_PANELS = ("end_day", "civilians_killed", "civilians_displaced", "fighters_evacuated")
SWEEP_DIFFERENCE_PANELS = ("end_day", "civilians_killed")
SWEEP_TABLE_MEDIANS = ("end_day", "civilians_killed")
# A sensitivity design's outputs per point: outcome shares and replicate means.
SENSITIVITY_OUTPUTS = ("p_settlement", "p_takeover", "p_full_evacuation", "end_day", "civilians_killed")
# The figures a case file records, checked against the predicted 10-90% range.
CASE_FIGURES = ("decisive_phase_days", "siege_length_days", "fighters_evacuated_share", "civilian_deaths")
# The reference forecasts of a case's class (made from the other cases' records), in the tables' order.
REFERENCE_FORECASTS: dict[str, str] = {"climatology": "climatology", "most_common": "most common class"}

OUTCOMES: list[str] = [o.value for o in Outcome]
# A negotiated settlement against an ending by force (full evacuation or takeover): the question
# scenario discovery and the sensitivity outputs ask.
SETTLEMENT = (Outcome.SETTLEMENT_LOCAL_STAY.value, Outcome.PARTIAL_EVACUATION.value)
FORCED = (Outcome.MILITARY_TAKEOVER.value, Outcome.FULL_EVACUATION.value)


def outcome_label(outcome: str) -> str:
    """'negotiated partial evacuation' for 'negotiated_partial_evacuation'."""
    return outcome.replace("_", " ")
