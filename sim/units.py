"""Definitions, not assumptions: unit conversions, reference points and numerical guards.

Every number that says something about a siege is a parameter in sim/params.py, with a source.
What is left here converts units, names the reference point at which a parameter is expressed, or
keeps arithmetic finite: changing one of these would re-express a parameter, not change a claim.
"""

from __future__ import annotations

# unit conversions
DAYS_PER_WEEK = 7          # the convoy timetable (convoys per week) and the mediator's 7-day record of deaths
DAYS_PER_MONTH = 30.0      # siege length in months (negotiation.weariness_cost, mediator.siege_weariness)
PER_THOUSAND = 1000.0      # "per 1,000 residents" (negotiation.civilian_cost)
PER_TEN_DEATHS = 10.0      # mediator.civilian_harm_weight is per 10 civilian deaths a week
TENTHS_PER_SHARE = 10.0    # negotiation.casualty_cost is per 10% of a faction: a share times 10

# reference points: where a parameter is expressed
RESOLVE_MIDPOINT = 0.5     # the middle of the [0, 1] resolve scale, where resolve terms are neutral
REFERENCE_RESTRAINT = 0.5  # besieger.militia_violation_hazard is the hazard of a command at this restraint

# numerical guards
EPSILON = 1e-9             # keeps logits away from 0 and 1 and divisions by a share away from zero

# Seeding: a stream's spawn key is this many bytes of the SHA-256 of its name (sim/rng.py), a 64-bit
# key, so that collisions between a handful of stream names are out of reach.
STREAM_KEY_BYTES = 8
