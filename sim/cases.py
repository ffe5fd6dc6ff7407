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
    """What is known about a siege before it ends. Units: people, days, shares in [0, 1]. Each field's
    `meaning` (its metadata) says what it is and which model parameter it sets (`siege-params case`)."""

    fighters_inside: int = field(metadata={"meaning": (
        "The armed fighters inside the enclave when the model starts, in people: model.fighters.count, and the basis "
        "of the besieging force and the buses when the case gives no figures for them.")})
    civilians_inside: int = field(metadata={"meaning": (
        "The civilians inside the enclave when the model starts, in people: model.civilians.count.")})
    start_date: str = field(metadata={"meaning": (
        "The date the model's day 0 stands for, YYYY-MM-DD: model.start_date, which only dates the output.")})
    air_power: AirPower = field(metadata={"meaning": (
        "The case file's air-power code, NONE (no air power), LIMITED or INTENSIVE: NONE rules air cover out "
        "whatever air_cover says; otherwise air_cover decides.")})
    air_cover: AirCover = field(metadata={"meaning": (
        "Whether the mediator, or whoever controls the air, lets air power be used, WITHHELD, CONDITIONAL or "
        "GRANTED: model.mediator.air_cover (WITHHELD when air_power is NONE).")})
    external_constraint: Level = field(metadata={"meaning": (
        "How strongly outside powers, borders or talks make escalation costly, NONE to HIGH: sets "
        "model.mediator.external_constraint to model.mapping.external_constraint_<level>.")})
    mediator_image_concern: Level = field(metadata={"meaning": (
        "How much the mediator wants to look like a peacemaker, NONE to HIGH: sets model.mediator.image_weight to "
        "model.mapping.image_weight_<level> (the NONE level when no mediator is present).")})
    trust_in_guarantee: Level = field(metadata={"meaning": (
        "How far the guarantor's promises are trusted, judged by its record, NONE to HIGH: sets "
        "model.mediator.initial_credibility to model.mapping.credibility_<level>.")})
    expulsion_fraction: float = field(metadata={"meaning": (
        "The deal's demand, the share of the fighters to be bused out, 0 to 1: model.terms.expulsion_fraction; it "
        "also sizes the buses and, with no deal_template, picks the template.")})
    weapons_handover: WeaponsHandover = field(metadata={"meaning": (
        "How much of their arsenal settling fighters must hand over, NONE, HEAVY, HEAVY_AND_MEDIUM or ALL: "
        "model.terms.weapons_handover.")})
    besieger_entry: bool = field(metadata={"meaning": (
        "Whether the deal lets the besieger's forces and checkpoints back into the district: "
        "model.terms.besieger_entry.")})
    deal_template: DealTemplate | None = field(default=None, metadata={"meaning": (
        "Who must leave under the deal, NAMED_LIST, SETTLE_OR_LEAVE or FULL_EXIT: model.terms.template; null (older "
        "case files): a full exit when expulsion_fraction is at least model.mapping.full_exit_demand, else a named "
        "list.")})
    outside_support: bool = field(default=False, metadata={"meaning": (
        "Whether opposition fighters elsewhere attack the besieger, a second front: true sets "
        "model.besieger.second_front_losses to model.mapping.second_front_losses, false to 0.")})
    mediator_present: bool = field(default=True, metadata={"meaning": (
        "Whether a third party offers terms: model.mediator.present; false leaves the besieger alone to choose "
        "between talking and storming.")})
    corridor: Corridor = field(default=Corridor.OPEN, metadata={"meaning": (
        "Whether civilians can leave, OPEN freely, RESTRICTED only through pauses on the besieger's terms, CLOSED "
        "not at all: model.civilians.corridor.")})
    guarantor_on_ground: bool = field(default=False, metadata={"meaning": (
        "Whether the deal on the table deploys the guarantor's military police inside the district: "
        "model.terms.guarantor_on_ground.")})
    besieger_troops: int | None = field(default=None, metadata={"meaning": (
        "The besieging troops, army and militia together, in people (null: model.mapping.troops_per_fighter per "
        "fighter): model.besieger.army_strength plus militia_strength.")})
    militia_share: float | None = field(default=None, metadata={"meaning": (
        "The share of the besieging troops that is militia, 0 to 1 (null: model.mapping.militia_share): splits "
        "the troops into model.besieger.army_strength and militia_strength.")})
    buses_per_convoy: int | None = field(default=None, metadata={"meaning": (
        "The buses in each evacuation convoy (null: enough to move the demanded fighters and their relatives in "
        "model.mapping.bus_weeks_for_demand weeks): model.implementation.buses_per_convoy.")})
    convoys_per_week: float | None = field(default=None, metadata={"meaning": (
        "The evacuation convoys a week (null: the model's own rate): model.implementation.convoys_per_week.")})
    siege_days_so_far: int = field(default=0, metadata={"meaning": (
        "The days the district had already been besieged when the model starts, which deplete the stocks it "
        "starts with: model.district.initial_supply_days.")})
    mediator: str = field(default="", metadata={"meaning": (
        "The mediator's name, for the record; the model reads only mediator_present.")})
    guarantor: str = field(default="", metadata={"meaning": (
        "The guarantor's name, for the record; the model reads only trust_in_guarantee and guarantor_on_ground.")})


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
