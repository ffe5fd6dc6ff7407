"""Pure rules of the mediator: the escalation ceiling it approves from its own costs (Schelling 1966;
Kydd 2003), how it revises the terms (Powell 2004 screening; terms track power, Hinnebusch & Imady
2017) and how violations erode its guarantee (Walter 1997)."""

from __future__ import annotations

from sim.enums import AirCover, Escalation

# Relative political cost of each rung of the ladder (assumption: a full assault costs the mediator
# ten times a shelling campaign; air cover adds the most visible commitment of its own forces).
LEVEL_COST = {Escalation.NONE: 0.0, Escalation.SHELLING: 0.1, Escalation.GROUND_PROBES: 0.3,
              Escalation.FULL_ASSAULT: 1.0, Escalation.ASSAULT_WITH_AIR: 1.6}


def escalation_pressure(rejections: int, days: int, impatience: float, weariness: float) -> float:
    """The mediator's wish to compel: grows with each rejected offer and with the siege's length."""
    return 0.2 + impatience * rejections + weariness * days / 30.0


def escalation_cost(level: Escalation, external_constraint: float, image_weight: float,
                    civilian_harm_weight: float, civilian_deaths_week: float,
                    air_cover: AirCover) -> float:
    """Cost to the mediator of approving `level`: the rung's cost plus, above shelling, a cost of
    recent civilian deaths, both scaled by how much outside powers and its image make it care."""
    base = LEVEL_COST[level]
    if level == Escalation.ASSAULT_WITH_AIR and air_cover == AirCover.GRANTED:
        base = LEVEL_COST[Escalation.FULL_ASSAULT]
    harm = civilian_harm_weight * civilian_deaths_week / 10.0 * (int(level) >= Escalation.GROUND_PROBES)
    return (base + harm) * (external_constraint + image_weight)


def escalation_ceiling(pressure: float, external_constraint: float, image_weight: float,
                       civilian_harm_weight: float, civilian_deaths_week: float,
                       air_cover: AirCover, max_level: Escalation = Escalation.ASSAULT_WITH_AIR) -> Escalation:
    """The highest rung whose cost the pressure covers, never above `max_level`; air is never
    approved when withheld, and is granted together with any full assault when the policy grants it."""
    ceiling = Escalation.NONE
    for level in Escalation:
        if level > max_level or (level == Escalation.ASSAULT_WITH_AIR and air_cover == AirCover.WITHHELD):
            break
        cost = escalation_cost(level, external_constraint, image_weight, civilian_harm_weight,
                               civilian_deaths_week, air_cover)
        if pressure < cost:
            break
        ceiling = level
    return ceiling


HARDENING_THRESHOLD = 0.7  # assumption: demands harden once a takeover is more likely than not by a margin


def power_expulsion(p_takeover: float, base: float, hardening: float) -> float:
    """The demand the balance of power supports: the base demand, rising towards full evacuation
    as the besieger's chance of taking the district by force climbs above HARDENING_THRESHOLD."""
    return float(min(1.0, base + hardening * max(0.0, p_takeover - HARDENING_THRESHOLD) / (1.0 - HARDENING_THRESHOLD) * (1.0 - base)))


def revise_expulsion(current: float, counter: float, p_takeover: float, base: float, floor: float,
                     concession_step: float, hardening: float) -> float:
    """New expulsion demand after a rejection.

    The mediator concedes a share of the gap to the committee's counter, never below the floor;
    when the besieger could take the district by force, the demand hardens instead (power_expulsion).
    """
    conceded = current - concession_step * max(0.0, current - counter)
    hardened = power_expulsion(p_takeover, base, hardening) if p_takeover > HARDENING_THRESHOLD else 0.0
    return float(min(1.0, max(floor, conceded, hardened)))


def credibility_after(credibility: float, violations: int, compliant: bool, loss: float, gain: float) -> float:
    """Each violation removes a share of the guarantee's credibility; a compliant day adds a little."""
    g = credibility * (1.0 - loss) ** violations
    if compliant and violations == 0:
        g = g + gain * (1.0 - g)
    return float(min(1.0, max(0.0, g)))
