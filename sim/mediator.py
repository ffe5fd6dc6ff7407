"""Pure rules of the mediator: the escalation ceiling it approves from its own costs (Schelling 1966;
Kydd 2003), how it revises the terms (Powell 2004 screening; terms track power, Hinnebusch & Imady
2017) and how violations erode its guarantee (Walter 1997)."""

from __future__ import annotations

from sim.enums import AirCover, Escalation
from sim.params import MediatorParams
from sim.units import DAYS_PER_MONTH, PER_TEN_DEATHS


def level_costs(mp: MediatorParams) -> tuple[float, ...]:
    """Relative political cost of each rung of the ladder, indexed by Escalation (NONE costs nothing)."""
    return (0.0, mp.level_cost_shelling, mp.level_cost_ground_probes, mp.level_cost_full_assault,
            mp.level_cost_assault_with_air)


DEFAULT_LEVEL_COSTS = level_costs(MediatorParams())  # the schema's defaults, for callers that pass none


def escalation_pressure(rejections: int, days: int, impatience: float, weariness: float,
                        base: float = MediatorParams.base_pressure, collapses: int = 0,
                        collapse_pressure: float = 0.0) -> float:
    """The mediator's wish to compel: a base (`mediator.base_pressure`) that grows with each rejected
    offer, with the siege's length and with each deal that collapsed (failed talks trigger
    escalation: shared/PATTERNS.md, pattern 7)."""
    return base + impatience * rejections + weariness * days / DAYS_PER_MONTH + collapse_pressure * collapses


def tightened_demand(demand: float, tightening: float) -> float:
    """The demand after a collapsed deal: the broken deal's share raised by `tightening` of itself,
    at most all fighters (renegotiated on tighter terms: pattern 7); a deal that expelled no one
    gains no list."""
    return float(min(1.0, demand * (1.0 + tightening)))


def escalation_cost(level: Escalation, external_constraint: float, image_weight: float,
                    civilian_harm_weight: float, civilian_deaths_week: float,
                    air_cover: AirCover, costs: tuple[float, ...] = DEFAULT_LEVEL_COSTS) -> float:
    """Cost to the mediator of approving `level`: the rung's cost plus, above shelling, a cost of the
    civilian deaths that ground fighting caused last week (the harm ground operations add to a
    bombardment already approved), both scaled by how much outside powers and its image make it care."""
    base = costs[level]
    if level == Escalation.ASSAULT_WITH_AIR and air_cover == AirCover.GRANTED:
        base = costs[Escalation.FULL_ASSAULT]
    harm = civilian_harm_weight * civilian_deaths_week / PER_TEN_DEATHS * (int(level) >= Escalation.GROUND_PROBES)
    return (base + harm) * (external_constraint + image_weight)


def escalation_ceiling(pressure: float, external_constraint: float, image_weight: float,
                       civilian_harm_weight: float, civilian_deaths_week: float,
                       air_cover: AirCover, max_level: Escalation = Escalation.ASSAULT_WITH_AIR,
                       costs: tuple[float, ...] = DEFAULT_LEVEL_COSTS,
                       floor: Escalation = Escalation.NONE) -> Escalation:
    """The highest rung whose cost the pressure covers, never above `max_level` and never below
    `floor` (the ground operations of a decisive phase already launched); air is never approved when
    withheld, and is granted together with any full assault when the policy grants it."""
    ceiling = min(floor, max_level)
    for level in Escalation:
        if level > max_level or (level == Escalation.ASSAULT_WITH_AIR and air_cover == AirCover.WITHHELD):
            break
        cost = escalation_cost(level, external_constraint, image_weight, civilian_harm_weight,
                               civilian_deaths_week, air_cover, costs)
        if pressure < cost and level > ceiling:
            break
        ceiling = max(ceiling, level)
    return ceiling


def launches_decisive_phase(ceiling: Escalation) -> bool:
    """The decisive phase begins on the first day the mediator approves ground operations (its approval
    is the launch decision: the pressure of failed talks and the siege's length against the political
    cost, shared/PATTERNS.md, pattern 5); once begun it is not called off, only paused by deals."""
    return ceiling >= Escalation.GROUND_PROBES


def offers_terms(mediator_present: bool, p_takeover: float, storm_confidence: float) -> bool:
    """Whether terms are on the table: always with a mediator; without one, only while the besieger
    doubts a quick takeover (its takeover belief below `besieger.storm_confidence`)."""
    return mediator_present or p_takeover < storm_confidence


def constrained_hardening(hardening: float, external_constraint: float) -> float:
    """How strongly the demand tracks the balance of power once the mediator's outside arrangements are
    weighed: an external constraint that makes escalation costly also tempers the terms (Daraa 2021,
    article: Moscow 'preferring a settlement' near Jordan and Israel, 'the local population has not been
    expelled'; shared/PATTERNS.md, pattern 9: external constraints go with the smallest evacuations)."""
    return hardening * (1.0 - external_constraint)


def power_expulsion(p_takeover: float, base: float, hardening: float,
                    threshold: float = MediatorParams.hardening_threshold) -> float:
    """The demand the balance of power supports: the base demand, rising towards full evacuation
    as the besieger's chance of taking the district by force climbs above `threshold`
    (`mediator.hardening_threshold`)."""
    return float(min(1.0, base + hardening * max(0.0, p_takeover - threshold) / (1.0 - threshold) * (1.0 - base)))


def revise_expulsion(current: float, counter: float, p_takeover: float, base: float, floor: float,
                     concession_step: float, hardening: float,
                     threshold: float = MediatorParams.hardening_threshold) -> float:
    """New expulsion demand after a rejection.

    The mediator concedes a share of the gap to the committee's counter, never below the floor;
    when the besieger could take the district by force, the demand hardens instead (power_expulsion).
    """
    conceded = current - concession_step * max(0.0, current - counter)
    hardened = power_expulsion(p_takeover, base, hardening, threshold) if p_takeover > threshold else 0.0
    return float(min(1.0, max(floor, conceded, hardened)))


def guaranteed_credibility(credibility: float, on_ground: bool, weight: float) -> float:
    """The guarantee's credibility under the terms: with the guarantor's military police on the ground
    it closes the share `weight` of the gap to a fully credible one (Walter 1997; pattern 10)."""
    return credibility + weight * (1.0 - credibility) if on_ground else credibility


def credibility_after(credibility: float, violations: int, compliant: bool, loss: float, gain: float) -> float:
    """Each violation removes a share of the guarantee's credibility; a compliant day adds a little."""
    g = credibility * (1.0 - loss) ** violations
    if compliant and violations == 0:
        g = g + gain * (1.0 - g)
    return float(min(1.0, max(0.0, g)))
