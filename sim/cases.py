"""Historical cases as scenarios: the facts a user can know about a siege before it ends, and the
one mapping from those facts to model parameters. Behavioural parameters are never set here; they
stay shared across cases. Recorded outcomes are kept apart and never mapped (they are for scoring).
Pure: the YAML files are read in experiments/cases.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional

from sim.enums import AirCover, WeaponsHandover
from sim.params import DistrictParams, ImplementationParams


class AirPower(Enum):
    """The case file's air-power codes (meta.air_power_codes)."""

    NONE = "no"
    LIMITED = "limited"
    INTENSIVE = "yes_intensive"


class Level(Enum):
    """A qualitative level read off the sources."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# The mapping's constants, each an assumption calibrated on Daraa 2021 (its scenario values):
EXTERNAL_CONSTRAINT = {Level.NONE: 0.0, Level.LOW: 0.3, Level.MEDIUM: 0.6, Level.HIGH: 0.9}
IMAGE_WEIGHT = {Level.NONE: 0.0, Level.LOW: 0.1, Level.MEDIUM: 0.2, Level.HIGH: 0.4}
CREDIBILITY = {Level.NONE: 0.1, Level.LOW: 0.35, Level.MEDIUM: 0.5, Level.HIGH: 0.7}
SECOND_FRONT_LOSSES = 0.15     # besieger killed/day when outside towns join the fight (Daraa 2021)
TROOPS_PER_FIGHTER = 5.0       # besieger troops per fighter when no count is known (Daraa default 2000:400)
BUS_WEEKS_FOR_DEMAND = 2.0     # when no bus count is known: convoys sized to move the demand in two weeks
MIN_BUSES_PER_CONVOY = 2       # Daraa 2021's two buses a convoy (its scenario value)
# stocks at a siege's start, drawn down by each earlier day of siege at 1 - the resupply share (defaults)
SUPPLY_DAYS_AT_SIEGE_START = DistrictParams().initial_supply_days
PRIOR_DRAWDOWN_PER_DAY = 1.0 - DistrictParams().resupply_share


@dataclass
class CaseFacts:
    """What is known about a siege before it ends. Units: people, days, shares in [0, 1]."""

    fighters_inside: int
    civilians_inside: int
    start_date: str
    air_power: AirPower
    air_cover: AirCover                 # does the mediator (or whoever controls the air) let it be used
    external_constraint: Level          # outside powers, borders, talks that make escalation costly
    mediator_image_concern: Level       # the mediator's wish to look like a peacemaker
    trust_in_guarantee: Level           # the history of the guarantor's promises
    expulsion_fraction: float           # the deal's demand: share of fighters to be bused out
    weapons_handover: WeaponsHandover
    besieger_entry: bool
    outside_support: bool = False       # opposition elsewhere attacks the besieger (a second front)
    besieger_troops: Optional[int] = None
    militia_share: float = 0.25         # share of the besieging force that is militia
    buses_per_convoy: Optional[int] = None
    convoys_per_week: Optional[float] = None
    siege_days_so_far: int = 0          # days already besieged when the model starts: depletes stocks
    mediator: str = ""
    guarantor: str = ""


@dataclass
class RecordedOutcome:
    """What happened, for hindcast scoring only; never an input to the mapping."""

    outcome_class: Optional[str] = None
    siege_length_days: Optional[float] = None
    decisive_phase_days: Optional[float] = None
    fighters_evacuated: list[Optional[float]] = field(default_factory=lambda: [None, None])
    civilian_deaths: list[Optional[float]] = field(default_factory=lambda: [None, None])


def case_overrides(facts: CaseFacts) -> dict[str, Any]:
    """Model parameters (dotted paths under `model`) that a case's facts determine."""
    troops = facts.besieger_troops if facts.besieger_troops is not None else round(
        TROOPS_PER_FIGHTER * facts.fighters_inside)
    militia = round(facts.militia_share * troops)
    air = AirCover.WITHHELD if facts.air_power == AirPower.NONE else facts.air_cover
    overrides: dict[str, Any] = {
        "start_date": facts.start_date,
        "fighters.count": facts.fighters_inside,
        "civilians.count": facts.civilians_inside,
        "district.initial_supply_days": max(0.0, SUPPLY_DAYS_AT_SIEGE_START
                                            - PRIOR_DRAWDOWN_PER_DAY * facts.siege_days_so_far),
        "besieger.army_strength": troops - militia,
        "besieger.militia_strength": militia,
        "besieger.second_front_losses": SECOND_FRONT_LOSSES if facts.outside_support else 0.0,
        "mediator.air_cover": air,
        "mediator.external_constraint": EXTERNAL_CONSTRAINT[facts.external_constraint],
        "mediator.image_weight": IMAGE_WEIGHT[facts.mediator_image_concern],
        "mediator.initial_credibility": CREDIBILITY[facts.trust_in_guarantee],
        "terms.expulsion_fraction": facts.expulsion_fraction,
        "terms.weapons_handover": facts.weapons_handover,
        "terms.besieger_entry": facts.besieger_entry,
    }
    buses = ImplementationParams()
    convoys = facts.convoys_per_week if facts.convoys_per_week is not None else buses.convoys_per_week
    if facts.buses_per_convoy is not None:
        overrides["implementation.buses_per_convoy"] = facts.buses_per_convoy
    else:
        seats_needed = facts.expulsion_fraction * facts.fighters_inside / (1.0 - buses.family_seat_share)
        overrides["implementation.buses_per_convoy"] = max(MIN_BUSES_PER_CONVOY, math.ceil(
            seats_needed / (buses.seats_per_bus * max(convoys, 1e-9) * BUS_WEEKS_FOR_DEMAND)))
    if facts.convoys_per_week is not None:
        overrides["implementation.convoys_per_week"] = facts.convoys_per_week
    return overrides
