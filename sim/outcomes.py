"""How a run ends and how it is classed: pure functions of the fighters' tallies, the enclave and
the besieger's losses (docs/ODD.md, section 7.9)."""

from __future__ import annotations

import numpy as np

from sim.enums import DealTemplate, FighterStatus, Outcome
from sim.params import OutcomeParams


def settlement_class(counts: np.ndarray, initial_fighters: int, template: DealTemplate,
                     op: OutcomeParams) -> Outcome:
    """The class of a negotiated end, by the case file's definitions (meta.outcome_classes): a full
    evacuation when most surviving fighters were bused out, whatever the deal; under a settle-or-leave
    deal, where a minority chose to leave, a settlement with local stay (shared/PATTERNS.md,
    pattern 2: the template, not only the share, tells the two apart); under a named list or a full
    exit that bused some out, a partial evacuation; else a local stay."""
    evacuated = counts[FighterStatus.EVACUATED]
    survivors = max(1, initial_fighters - counts[FighterStatus.KILLED])
    if evacuated >= op.full_evacuation_share * survivors:
        return Outcome.FULL_EVACUATION
    if template == DealTemplate.SETTLE_OR_LEAVE:
        return Outcome.SETTLEMENT_LOCAL_STAY
    if evacuated >= op.partial_evacuation_share * initial_fighters:
        return Outcome.PARTIAL_EVACUATION
    return Outcome.SETTLEMENT_LOCAL_STAY


def siege_outcome(enclave_share: float, fighting: int, counts: np.ndarray, initial_fighters: int,
                  besieger_broken: bool, template: DealTemplate, op: OutcomeParams) -> Outcome | None:
    """How a siege ends today, if it does: a takeover when the enclave has shrunk to almost nothing or
    its fighters are exhausted by losses; a settlement when they are exhausted mostly by defection;
    the siege broken when the besieger's losses reach what it tolerates; else None."""
    exhausted = fighting <= op.min_fighting_share * initial_fighters
    hurt = counts[FighterStatus.KILLED] + counts[FighterStatus.WOUNDED]
    if enclave_share <= op.takeover_control_share or (exhausted and hurt >= counts[FighterStatus.SETTLED]):
        return Outcome.MILITARY_TAKEOVER
    if exhausted:
        return settlement_class(counts, initial_fighters, template, op)
    if besieger_broken:
        return Outcome.SIEGE_BROKEN
    return None
