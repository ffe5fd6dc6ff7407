"""The parameter defaults the tests of the mechanics rely on, so that a change of default shows up
here first.

Each test states a level, a boundary case or a comparative static of one formula; property tests
use hypothesis with a small example budget (helpers.mechanics.FAST)."""

from __future__ import annotations

import dataclasses

from helpers.mechanics import CP, MP, NEG, default_terms, stay_value

# --------------------------------------------------------------------------------------------
# parameter defaults the tests above rely on (so a change of default shows up here first)
# --------------------------------------------------------------------------------------------

def test_default_premises():
    assert NEG.value_hold > NEG.value_fall
    assert NEG.value_settle > NEG.value_reneged
    assert stay_value(MP.initial_credibility, default_terms()) > NEG.value_exile
    assert CP.required_force_ratio == 3.0 and CP.urban_defence_multiplier == 1.6
    assert dataclasses.is_dataclass(NEG)
