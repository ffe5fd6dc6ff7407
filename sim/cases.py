"""Historical cases as scenarios: the facts a user can know about a siege before it ends, and the
one mapping from those facts to model parameters. Behavioural parameters are never set here; they
stay shared across cases. The mapping's own constants are parameters (section `mapping` of
ModelParams), so they can be overridden, fitted and varied. Recorded outcomes are kept apart and
never mapped (they are for scoring). Pure: the YAML files are read in experiments/config/cases.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sim import harm
from sim.deal import family_share
from sim.enums import AirCover, Corridor, DealTemplate, WeaponsHandover
from sim.params import CaseMappingParams, ModelParams
from sim.units import EPSILON

# The leaves outside `mapping` that case_overrides reads (paths under `model`); it writes none of them.
MAPPING_INPUTS = ("implementation.seats_per_bus", "implementation.family_seat_share",
                  "implementation.families_seat_share", "district.resupply_share",
                  "district.scarcity_leakage", "district.hardship_buffer_days")


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
    deal_template: DealTemplate | None = None  # who must leave; None (older case files): see default_template
    outside_support: bool = False       # opposition elsewhere attacks the besieger (a second front)
    mediator_present: bool = True       # a third party offers terms; false: the besieger alone decides
    corridor: Corridor = Corridor.OPEN  # can civilians leave: freely, through pauses only, or not at all
    guarantor_on_ground: bool = False   # the deal on the table deploys the guarantor's military police
    besieger_troops: int | None = None
    militia_share: float | None = None  # share of the besieging force that is militia (else mapping.militia_share)
    buses_per_convoy: int | None = None
    convoys_per_week: float | None = None
    siege_days_so_far: int = 0          # days already besieged when the model starts: depletes stocks
    mediator: str = ""
    guarantor: str = ""


@dataclass
class RecordedOutcome:
    """What happened, for hindcast scoring only; never an input to the mapping."""

    outcome_class: str | None = None
    siege_length_days: float | None = None
    decisive_phase_days: float | None = None
    fighters_evacuated: list[float | None] = field(default_factory=lambda: [None, None])
    civilian_deaths: list[float | None] = field(default_factory=lambda: [None, None])


def level_value(mapping: CaseMappingParams, table: str, level: Level) -> float:
    """The value a qualitative level takes in one of the mapping's tables: field `<table>_<level>`
    of `mapping` (tables: external_constraint, image_weight, credibility)."""
    return getattr(mapping, f"{table}_{level.value}")


def default_template(facts: CaseFacts, mapping: CaseMappingParams) -> DealTemplate:
    """The deal template of a case file that names none: the exit of all organised fighters when the
    demand is (nearly) all of them (`mapping.full_exit_demand`), else a named list."""
    if facts.deal_template is not None:
        return facts.deal_template
    return DealTemplate.FULL_EXIT if facts.expulsion_fraction >= mapping.full_exit_demand else DealTemplate.NAMED_LIST


def case_overrides(facts: CaseFacts, base: ModelParams) -> dict[str, Any]:
    """Model parameters (dotted paths under `model`) that a case's facts determine.

    The mapping's constants are `base.mapping`; besides them it reads only the leaves named in
    MAPPING_INPUTS, none of which it writes, so a composed config can map its own facts with its
    own mapping section (experiments/config/cases.py resolves the mapped keys this way).
    """
    mp, ip, dp = base.mapping, base.implementation, base.district
    troops = facts.besieger_troops if facts.besieger_troops is not None else round(
        mp.troops_per_fighter * facts.fighters_inside)
    militia = round((facts.militia_share if facts.militia_share is not None else mp.militia_share) * troops)
    air = AirCover.WITHHELD if facts.air_power == AirPower.NONE else facts.air_cover
    overrides: dict[str, Any] = {
        "start_date": facts.start_date,
        "fighters.count": facts.fighters_inside,
        "civilians.count": facts.civilians_inside,
        "district.initial_supply_days": harm.stock_after_siege(
            mp.supply_days_at_siege_start, facts.siege_days_so_far, dp.resupply_share, dp.scarcity_leakage,
            dp.hardship_buffer_days),
        "besieger.army_strength": troops - militia,
        "besieger.militia_strength": militia,
        "besieger.second_front_losses": mp.second_front_losses if facts.outside_support else 0.0,
        "mediator.air_cover": air,
        "mediator.external_constraint": level_value(mp, "external_constraint", facts.external_constraint),
        "mediator.present": facts.mediator_present,
        "civilians.corridor": facts.corridor,
        "mediator.image_weight": level_value(mp, "image_weight", facts.mediator_image_concern
                                             if facts.mediator_present else Level.NONE),
        "mediator.initial_credibility": level_value(mp, "credibility", facts.trust_in_guarantee),
        "terms.template": default_template(facts, mp),
        "terms.expulsion_fraction": facts.expulsion_fraction,
        "terms.weapons_handover": facts.weapons_handover,
        "terms.besieger_entry": facts.besieger_entry,
        "terms.guarantor_on_ground": facts.guarantor_on_ground,
    }
    convoys = facts.convoys_per_week if facts.convoys_per_week is not None else mp.default_convoys_per_week
    if facts.buses_per_convoy is not None:
        overrides["implementation.buses_per_convoy"] = facts.buses_per_convoy
    else:
        relatives = family_share(default_template(facts, mp), ip)
        seats_needed = facts.expulsion_fraction * facts.fighters_inside / (1.0 - relatives)
        overrides["implementation.buses_per_convoy"] = max(mp.min_buses_per_convoy, math.ceil(
            seats_needed / (ip.seats_per_bus * max(convoys, EPSILON) * mp.bus_weeks_for_demand)))
    if facts.convoys_per_week is not None:
        overrides["implementation.convoys_per_week"] = facts.convoys_per_week
    return overrides
