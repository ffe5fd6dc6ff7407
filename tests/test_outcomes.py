"""Unit tests of the outcome classification (sim/outcomes.py).

Each test states a level, a boundary case or a comparative static of one formula; property tests
use hypothesis with a small example budget (helpers.mechanics.FAST)."""

from __future__ import annotations

import dataclasses

import numpy as np

from sim import outcomes
from sim.enums import DealTemplate, FighterStatus, Outcome
from sim.params import OutcomeParams

LIST = DealTemplate.NAMED_LIST

# --------------------------------------------------------------------------------------------
# outcomes
# --------------------------------------------------------------------------------------------

def status_counts(active=0, wounded=0, killed=0, evacuated=0, settled=0) -> np.ndarray:
    counts = np.zeros(len(FighterStatus), dtype=np.int64)
    for status, n in ((FighterStatus.ACTIVE, active), (FighterStatus.WOUNDED, wounded), (FighterStatus.KILLED, killed),
                      (FighterStatus.EVACUATED, evacuated), (FighterStatus.SETTLED, settled)):
        counts[status] = n
    return counts


class TestOutcome:
    OP = OutcomeParams()

    def test_settlement_classes_at_their_thresholds(self):
        # 100 fighters, 20 killed: full evacuation from 0.6 * 80 = 48 evacuated, partial from 0.05 * 100 = 5
        assert outcomes.settlement_class(status_counts(killed=20, evacuated=48, settled=32), 100, LIST, self.OP) \
            == Outcome.FULL_EVACUATION
        assert outcomes.settlement_class(status_counts(killed=20, evacuated=47, settled=33), 100, LIST, self.OP) \
            == Outcome.PARTIAL_EVACUATION
        assert outcomes.settlement_class(status_counts(killed=20, evacuated=5, settled=75), 100, LIST, self.OP) \
            == Outcome.PARTIAL_EVACUATION
        assert outcomes.settlement_class(status_counts(killed=20, evacuated=4, settled=76), 100, LIST, self.OP) \
            == Outcome.SETTLEMENT_LOCAL_STAY
        assert outcomes.settlement_class(status_counts(killed=100), 100, LIST, self.OP) == Outcome.SETTLEMENT_LOCAL_STAY

    def test_siege_outcomes(self):
        fighting = status_counts(active=90, killed=10)
        assert outcomes.siege_outcome(0.5, 90, fighting, 100, False, LIST, self.OP) is None
        assert outcomes.siege_outcome(0.1, 90, fighting, 100, False, LIST, self.OP) == Outcome.MILITARY_TAKEOVER
        assert outcomes.siege_outcome(0.5, 90, fighting, 100, True, LIST, self.OP) == Outcome.SIEGE_BROKEN
        beaten = status_counts(active=5, killed=60, settled=35)
        assert outcomes.siege_outcome(0.5, 5, beaten, 100, True, LIST, self.OP) == Outcome.MILITARY_TAKEOVER
        defected = status_counts(active=5, killed=10, settled=85)
        assert outcomes.siege_outcome(0.5, 5, defected, 100, True, LIST, self.OP) == Outcome.SETTLEMENT_LOCAL_STAY
        strict = dataclasses.replace(self.OP, takeover_control_share=0.05, min_fighting_share=0.01)
        assert outcomes.siege_outcome(0.1, 5, defected, 100, False, LIST, strict) is None

    def test_the_template_tells_a_local_stay_from_a_partial_evacuation(self):
        """A minority who chose to leave under settle-or-leave is a local stay; the same share bused out
        under a named list or a full exit is a partial evacuation; most leaving is a full evacuation."""
        minority = status_counts(evacuated=30, settled=70)
        assert outcomes.settlement_class(minority, 100, DealTemplate.SETTLE_OR_LEAVE, self.OP) \
            == Outcome.SETTLEMENT_LOCAL_STAY
        assert outcomes.settlement_class(minority, 100, LIST, self.OP) == Outcome.PARTIAL_EVACUATION
        assert outcomes.settlement_class(minority, 100, DealTemplate.FULL_EXIT, self.OP) == Outcome.PARTIAL_EVACUATION
        most = status_counts(evacuated=70, settled=30)
        for template in DealTemplate:
            assert outcomes.settlement_class(most, 100, template, self.OP) == Outcome.FULL_EVACUATION

