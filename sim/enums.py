"""Domain enums: statuses, escalation levels, phases, outcome classes, event kinds."""

from __future__ import annotations

from enum import Enum, IntEnum


class FighterStatus(IntEnum):
    """A fighter's status; stored as int8 in the fighter arrays."""

    ACTIVE = 0
    WOUNDED = 1
    KILLED = 2
    EVACUATED = 3
    SETTLED = 4


class Escalation(IntEnum):
    """The escalation ladder the mediator caps and the besieger climbs (brief section 4.1)."""

    NONE = 0
    SHELLING = 1
    GROUND_PROBES = 2
    FULL_ASSAULT = 3
    ASSAULT_WITH_AIR = 4


class AirCover(Enum):
    """The mediator's air-cover policy, the scenario's main counterfactual switch."""

    WITHHELD = "withheld"
    CONDITIONAL = "conditional"
    GRANTED = "granted"


class Corridor(Enum):
    """Whether civilians can leave for besieger-held areas: freely, only through pauses and
    checkpoints on the besieger's terms, or not at all (a case fact)."""

    OPEN = "open"
    RESTRICTED = "restricted"
    CLOSED = "closed"


class WeaponsHandover(IntEnum):
    """How much of their arsenal the settling fighters must hand over."""

    NONE = 0
    HEAVY = 1
    HEAVY_AND_MEDIUM = 2
    ALL = 3


class DealTemplate(Enum):
    """Who must leave under a deal (shared/PATTERNS.md, patterns 2 and 3): a list the besieger names
    (the rest settle), each fighter's own choice to settle or to leave, or the exit of every
    organised fighter."""

    NAMED_LIST = "named_list"
    SETTLE_OR_LEAVE = "settle_or_leave"
    FULL_EXIT = "full_exit"


class Phase(Enum):
    """Where the siege stands: fighting and talking, implementing a deal, or over."""

    SIEGE = "siege"
    IMPLEMENTATION = "implementation"
    SUSPENDED = "suspended"
    ENDED = "ended"


class Control(IntEnum):
    """Who holds a district cell."""

    REBEL = 0
    CONTESTED = 1
    BESIEGER = 2


class HarmCause(Enum):
    """What killed or hurt someone (Athena CIVCAS accounting, MECHANISMS D.18)."""

    SHELLING = "shelling"
    GROUND = "ground"
    STARVATION = "starvation"


class Outcome(Enum):
    """Terminal classes; the names are those in the `meta` of shared/cases/syrian_sieges.yaml."""

    SETTLEMENT_LOCAL_STAY = "negotiated_settlement_local_stay"
    PARTIAL_EVACUATION = "negotiated_partial_evacuation"
    FULL_EVACUATION = "full_evacuation"
    MILITARY_TAKEOVER = "military_takeover"
    STALEMATE = "stalemate_siege_continues"
    SIEGE_BROKEN = "siege_broken"


class EventKind(Enum):
    """Kinds of rows in the event table."""

    ESCALATION = "escalation"
    OFFER = "offer"
    TALKS = "talks"
    VOTE = "vote"
    DECISION = "decision"
    DEAL = "deal"
    ASSAULT = "assault"
    CELL_TAKEN = "cell_taken"
    PRE_EMPTIVE_STRIKE = "pre_emptive_strike"
    CONVOY = "convoy"
    REFUSAL = "refusal"
    VIOLATION = "violation"
    BREAKDOWN = "breakdown"
    RESUMPTION = "resumption"
    OUTCOME = "outcome"
