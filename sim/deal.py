"""An accepted deal being implemented: the expulsion list, spoilers, the convoy timetable, convoys
with their refusals and family seats, daily settling and completion (MECHANISMS E.22; docs/ODD.md,
section 7.8). What a breakdown does to the phase of the siege is the model's; the rest is the deal's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.decisions import Terms, boarding_refusal_probability, leave_advantage, leave_probability
from sim.enums import DealTemplate
from sim.params import ImplementationParams, NegotiationParams
from sim.units import DAYS_PER_WEEK

if TYPE_CHECKING:
    from sim.agents import Vote
    from sim.district import District
    from sim.fighters import Fighters


def family_share(template: DealTemplate, ip: ImplementationParams) -> float:
    """The share of a convoy's seats relatives take: a few under a named list of wanted men, whole
    families where fighters leave with them (settle-or-leave, full exit)."""
    return ip.family_seat_share if template == DealTemplate.NAMED_LIST else ip.families_seat_share


@dataclass
class Convoy:
    """What one convoy carried and who refused to board."""

    fighters: int
    civilians: int
    refused: int
    seats: int


@dataclass
class Deal:
    """An accepted deal being implemented."""

    day: int
    terms: Terms
    inside_at_deal: int
    spoilers: list[int]
    next_convoy_day: float
    suspended_until: int = -1

    @classmethod
    def strike(cls, day: int, terms: Terms, votes: list[Vote], fighters: Fighters, credibility: float,
               neg: NegotiationParams, convoys_per_week: float, rng: np.random.Generator) -> tuple[Deal, int]:
        """Accept the terms and set who leaves: under a named list the besieger names its list among the
        fighting fighters (hardliners and the resolute more often); under a full exit every fighting
        fighter is to leave; under settle-or-leave each chooses (Deal.choose). Factions outvoted far
        below indifference become spoilers (Stedman 1997); the first convoy is due tomorrow. Returns
        the deal and the number who are to leave."""
        fighting = np.flatnonzero(fighters.fighting())
        if terms.template == DealTemplate.NAMED_LIST:
            size = min(fighting.size, fighters.list_target(terms.expulsion_fraction))
            if size:
                w = fighters.list_weight[fighting]
                fighters.listed[rng.choice(fighting, size=size, replace=False, p=w / w.sum())] = True
        else:
            leaving = fighting if terms.template == DealTemplate.FULL_EXIT else cls.choose(
                fighting, fighters, credibility, terms, neg, rng)
            fighters.listed[leaving] = True
            size = int(leaving.size)
        spoilers = [v.faction for v in votes if not v.yes and v.u_accept - v.u_fight < -neg.spoil_threshold]
        deal = cls(day=day, terms=terms, inside_at_deal=int(fighters.inside().sum()), spoilers=spoilers,
                   next_convoy_day=day + 1 if convoys_per_week > 0 else float("inf"))
        return deal, size

    @staticmethod
    def choose(fighting: np.ndarray, fighters: Fighters, credibility: float, terms: Terms, neg: NegotiationParams,
               rng: np.random.Generator) -> np.ndarray:
        """Under settle-or-leave, each fighting fighter leaves with its own probability (its resolve,
        whether it is a hardliner, the guarantee's credibility, what it fears from staying)."""
        advantage = leave_advantage(fighters.resolve[fighting], fighters.hardliner[fighting], credibility, terms, neg)
        return fighting[rng.random(fighting.size) < leave_probability(advantage, neg.choice_temperature)]

    def spoiler_attacks(self, fighters: Fighters, hazard: float, rng: np.random.Generator) -> list[int]:
        """The spoiler factions, among those with a fighting member, that attack the deal today."""
        return [faction for faction in self.spoilers
                if fighters.fighting()[fighters.faction == faction].any() and rng.random() < hazard]

    def convoy_due(self, day: int, convoys_per_week: float) -> bool:
        """Whether a convoy leaves today; the timetable advances from its own value, so convoys missed
        during a suspension are caught up one a day."""
        if day < self.next_convoy_day:
            return False
        self.next_convoy_day += DAYS_PER_WEEK / convoys_per_week
        return True

    def run_convoy(self, fighters: Fighters, district: District, credibility: float, ip: ImplementationParams,
                   rng: np.random.Generator) -> Convoy | None:
        """Listed fighters still inside queue for the fighter seats; some refuse to board (more when
        resolute, fewer under a credible guarantee) and leave the list; relatives take the family
        seats. None when nobody waits or there are no buses."""
        waiting = np.flatnonzero(fighters.listed & fighters.inside())
        if waiting.size == 0 or ip.buses_per_convoy == 0:
            return None
        seats = ip.buses_per_convoy * ip.seats_per_bus
        relatives = family_share(self.terms.template, ip)
        fighter_seats = max(1, int(seats * (1.0 - relatives)))
        queue = rng.permutation(waiting)[:fighter_seats]
        if self.terms.template == DealTemplate.SETTLE_OR_LEAVE:
            refuse = np.zeros(queue.size, dtype=bool)  # they chose to leave: nobody is made to board
        else:
            refuse = rng.random(queue.size) < boarding_refusal_probability(
                fighters.resolve[queue], credibility, ip.refusal_base, ip.refusal_resolve_slope,
                ip.refusal_credibility_offset)
        boarded, refused = queue[~refuse], queue[refuse]
        fighters.board(boarded)
        family = district.evacuate_families(
            round(boarded.size * relatives / (1 - relatives)), rng)
        fighters.listed[refused] = False
        return Convoy(fighters=int(boarded.size), civilians=family, refused=int(refused.size), seats=seats)

    def settle_day(self, fighters: Fighters, settle_rate: float, rng: np.random.Generator) -> None:
        """Unlisted fighters still inside settle their status, a share each day."""
        stayers = np.flatnonzero(fighters.inside() & ~fighters.listed)
        fighters.settle(stayers[rng.random(stayers.size) < settle_rate])

    def complete(self, fighters: Fighters, completion_settled_share: float) -> bool:
        """The deal is done when no listed fighter is left inside and most of those inside at the deal
        have settled; then everyone still inside settles."""
        listed_left = int((fighters.listed & fighters.inside()).sum())
        unsettled = int((fighters.inside() & ~fighters.listed).sum())
        allowed = (1.0 - completion_settled_share) * self.inside_at_deal
        if listed_left == 0 and unsettled <= allowed:
            fighters.settle(np.flatnonzero(fighters.inside()))
            return True
        return False
