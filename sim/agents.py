"""The decision-makers as Mesa agents: faction leaders, the mediator and the negotiating committee
(the besieger commands are in besieger.py). Fighters and civilians are arrays, not agents.

Each agent owns its rules, as in Mesa's examples: the leaders and the mediator learn, expect a
takeover and act on it; the mediator sets the ceiling and the terms; the committee takes positions
and decides. They decide through the pure rules in decisions.py, mediator.py and beliefs.py; the
model calls them in the order written out in SiegeModel.step."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import beliefs, decisions
from sim import mediator as mediator_rules
from sim.enums import AirCover, DealTemplate, Escalation, EventKind, Phase
from sim.units import DAYS_PER_MONTH, PER_THOUSAND

if TYPE_CHECKING:
    from sim.model import SiegeModel


@dataclass
class Vote:
    """A faction's evaluation of the terms on the table."""

    faction: int
    weight: int
    u_accept: float
    u_fight: float
    p_accept: float
    p_takeover: float
    exile_share: float
    counter: float
    hardline: bool = False
    yes: bool = False
    reason: str = ""


class TakeoverBelief(mesa.Agent):
    """A side's Beta belief about theta, the chance that a ground probe takes a cell, and the chance
    of a takeover within the horizon the side weighs that the belief implies (Smith & Stam 2004)."""

    def __init__(self, model: SiegeModel, prior_alpha: float, prior_beta: float):
        super().__init__(model)
        self.alpha = prior_alpha
        self.beta = prior_beta
        self.p_takeover = 0.0  # refreshed daily from theta and the threat the side weighs

    @property
    def theta(self) -> float:
        """Believed chance that a ground probe takes a cell."""
        return float(beliefs.belief_mean(self.alpha, self.beta))

    def signals(self, engagements: list[tuple[float, bool]]) -> tuple[float, float]:
        """Today's attacks as (successes, failures) about a probe's chance, read through this side's
        own belief and scaled by `beliefs.learning_rate`."""
        p = self.model.params
        if not engagements:
            return 0.0, 0.0
        won, held = beliefs.signals(self.theta, engagements, p.combat.assault_steepness)
        return p.beliefs.learning_rate * won, p.beliefs.learning_rate * held

    def takeover_chance(self, threat: Escalation, anticipation: float, horizon_days: float) -> float:
        """P(takeover within `horizon_days`) under `threat`, with weight `anticipation` on the
        next rung being approved too (Schelling 1966: only an approved threat is credible)."""
        m = self.model
        p = m.params
        nxt = Escalation(min(int(threat) + 1, int(m.mediator.highest_rung())))
        cells_to_take = m.district.cells_to_take(p.outcome.takeover_control_share)
        chance = 0.0
        for level, w in ((threat, 1.0 - anticipation), (nxt, anticipation)):
            attacks, strength = m.besieger.attack_profile(level)
            # a rung without ground attacks adds nothing while cells remain to be taken
            if w > 0 and (attacks > 0 or cells_to_take <= 0):
                chance += w * beliefs.takeover_probability(self.theta, attacks, strength, p.combat.assault_steepness,
                                                           horizon_days, cells_to_take)
        return chance


class FactionLeader(TakeoverBelief):
    """Speaks for one faction: holds its belief about a takeover, expects one under the approved
    threat, and may strike first when it expects one soon."""

    def __init__(self, model: SiegeModel, faction: int, prior_alpha: float, prior_beta: float):
        super().__init__(model, prior_alpha, prior_beta)
        self.faction = faction

    def learn(self, engagements: list[tuple[float, bool]], mean_resolve: float) -> None:
        """Update the belief from today's attacks; resolute factions discount bad news: a cell taken
        counts (offset - mean resolve) times (`beliefs.signal_bias_offset`)."""
        b = self.model.params.beliefs
        successes, failures = self.signals(engagements)
        bias = b.signal_bias_offset - mean_resolve
        self.alpha, self.beta = beliefs.update_beta(self.alpha, self.beta, successes * bias, failures,
                                                    b.rebel_prior_alpha, b.rebel_prior_beta, b.forgetting)

    def update_expectation(self) -> None:
        """Weigh the approved threat, and the next rung with weight `beliefs.anticipation`."""
        b = self.model.params.beliefs
        self.p_takeover = self.takeover_chance(self.model.mediator.threat, b.anticipation, b.planning_horizon_days)

    def strike_first(self, rng: np.random.Generator) -> int | None:
        """A faction that expects an imminent takeover strikes first on some days (the late-July 2021
        attack 'to prevent an impending takeover'); returns the besieger troops killed, or None."""
        m = self.model
        neg, cp = m.params.negotiation, m.params.combat
        if self.p_takeover < neg.preemptive_threshold or rng.random() > neg.strike_probability:
            return None
        members = m.fighters.fighting() & (m.fighters.faction == self.faction)
        raiders = neg.raid_share * members.sum()
        inflicted = int(rng.poisson(cp.defender_lethality * raiders * cp.urban_defence_multiplier))
        m.besieger.take_losses(inflicted, rng)
        return inflicted


class Mediator(TakeoverBelief):
    """Proposes and revises terms, guarantees them, and sets the escalation ceiling from its costs."""

    def __init__(self, model: SiegeModel):
        p = model.params
        super().__init__(model, p.beliefs.besieger_prior_alpha, p.beliefs.besieger_prior_beta)
        self.credibility = p.mediator.initial_credibility
        self.ceiling = Escalation.NONE
        self.previous_ceiling = Escalation.NONE  # yesterday's ceiling: a rise calls a negotiation round
        self.threat = Escalation.NONE  # the ceiling that returns if a deal collapses
        self.broken_demand = 0.0  # never conceded below a broken deal's tightened share again
        self.launch_day: int | None = None  # the day the decisive phase (ground operations) began

    def assess(self) -> Escalation:
        """Set today's escalation ceiling (ceasefire while a deal is being implemented)."""
        m = self.model
        mp = m.params.mediator
        self.previous_ceiling = self.ceiling
        if m.phase != Phase.SIEGE:
            self.ceiling = Escalation.NONE
            return self.ceiling
        pressure = mediator_rules.escalation_pressure(m.rejections, m.day, mp.impatience, mp.siege_weariness,
                                                      mp.base_pressure, m.collapses, mp.collapse_pressure)
        self.ceiling = self.ceiling_at(pressure)
        self.threat = self.ceiling
        if self.launch_day is None and mediator_rules.launches_decisive_phase(self.ceiling):
            self.launch_day = m.day
            m.log(EventKind.ESCALATION, actor="mediator", level=self.ceiling.name,
                  detail="decisive phase launched: ground operations approved", pressure=pressure)
        return self.ceiling

    def decisive_floor(self) -> Escalation:
        """Once the decisive phase has begun, the siege never returns below ground operations."""
        return Escalation.GROUND_PROBES if self.launch_day is not None else Escalation.NONE

    def ceiling_at(self, pressure: float) -> Escalation:
        """The rung the mediator approves at this pressure, given its costs, last week's ground-combat
        deaths and the floor of a decisive phase already launched."""
        mp = self.model.params.mediator
        return mediator_rules.escalation_ceiling(
            pressure, mp.external_constraint, mp.image_weight, mp.civilian_harm_weight,
            self.model.district.ground_deaths_last_week(), mp.air_cover, mp.max_escalation,
            mediator_rules.level_costs(mp), self.decisive_floor())

    def ceiling_rose(self) -> bool:
        """Today's ceiling is above yesterday's: the threat has grown."""
        return self.ceiling > self.previous_ceiling

    def highest_rung(self) -> Escalation:
        """The highest rung the mediator could approve: never above its cap, never air when withheld."""
        mp = self.model.params.mediator
        top = Escalation.FULL_ASSAULT if mp.air_cover == AirCover.WITHHELD else Escalation.ASSAULT_WITH_AIR
        return min(top, mp.max_escalation)

    def air_strikes(self, level: Escalation) -> bool:
        """Air cover joins the bombardment whenever it is approved: with every rung once the mediator
        grants it (East Aleppo, Eastern Ghouta), otherwise only with an approved assault with air."""
        granted = self.model.params.mediator.air_cover == AirCover.GRANTED and self.model.phase == Phase.SIEGE
        return level == Escalation.ASSAULT_WITH_AIR or granted

    def credible_threat(self) -> Escalation:
        """The rung the mediator would approve if the rebels kept rejecting over the planning horizon:
        the threat behind its demands (Schelling 1966)."""
        m = self.model
        mp, horizon = m.params.mediator, m.params.beliefs.planning_horizon_days
        future_rejections = m.rejections + horizon / m.params.negotiation.round_interval_days
        pressure = mediator_rules.escalation_pressure(int(future_rejections), m.day + int(horizon),
                                                      mp.impatience, mp.siege_weariness, mp.base_pressure,
                                                      m.collapses, mp.collapse_pressure)
        return self.ceiling_at(pressure)

    def update_expectation(self) -> None:
        """Weigh what it would approve if the rebels kept rejecting (its credible threat), which
        already looks over the horizon, so no further rung is anticipated; a takeover is judged over
        a decisive campaign's length (`beliefs.campaign_horizon_days`)."""
        self.p_takeover = self.takeover_chance(self.credible_threat(), anticipation=0.0,
                                               horizon_days=self.model.params.beliefs.campaign_horizon_days)

    def learn(self, engagements: list[tuple[float, bool]]) -> None:
        """Update the besieger side's belief from today's attacks."""
        b = self.model.params.beliefs
        successes, failures = self.signals(engagements)
        self.alpha, self.beta = beliefs.update_beta(self.alpha, self.beta, successes, failures,
                                                    b.besieger_prior_alpha, b.besieger_prior_beta,
                                                    b.forgetting)

    def after_collapse(self, terms: decisions.Terms) -> decisions.Terms:
        """A deal collapsed: under a named list the demand returns tighter than the broken deal's, and
        is never conceded below that again; other templates have no share to tighten."""
        m = self.model
        if terms.template != DealTemplate.NAMED_LIST:
            return terms
        fraction = mediator_rules.tightened_demand(terms.expulsion_fraction, m.params.mediator.collapse_tightening)
        self.broken_demand = max(self.broken_demand, fraction)
        return dataclasses.replace(terms, expulsion_fraction=fraction)

    def offers_terms(self) -> bool:
        """Terms are on the table: always with a mediator; without one (the besieger's own command
        decides), only while a quick takeover looks unlikely."""
        m = self.model
        return mediator_rules.offers_terms(m.params.mediator.present, self.p_takeover,
                                           m.params.besieger.storm_confidence)

    def hardening(self) -> float:
        """How strongly its demands track the balance of power, tempered by its outside constraint."""
        mp = self.model.params.mediator
        return mediator_rules.constrained_hardening(mp.hardening, mp.external_constraint)

    def revise(self, terms: decisions.Terms, counter: float) -> decisions.Terms:
        """After a rejection: concede towards the committee's counter, harden with power."""
        m = self.model
        mp, tp = m.params.mediator, m.params.terms
        if terms.template != DealTemplate.NAMED_LIST:
            return terms  # who leaves is not a share to concede: everyone, or each fighter's own choice
        floor = max(m.base_expulsion * tp.expulsion_floor_share, self.broken_demand)
        fraction = mediator_rules.revise_expulsion(terms.expulsion_fraction, counter, self.p_takeover,
                                                   m.base_expulsion, floor,
                                                   mp.concession_step, self.hardening(), mp.hardening_threshold)
        return dataclasses.replace(terms, expulsion_fraction=fraction)

    def offer(self, terms: decisions.Terms) -> decisions.Terms:
        """Before each round, when a takeover has become likely, the demand is raised to what the
        balance of power supports; otherwise earlier concessions stand."""
        m = self.model
        mp = m.params.mediator
        if self.p_takeover <= mp.hardening_threshold or terms.template != DealTemplate.NAMED_LIST:
            return terms
        demand = mediator_rules.power_expulsion(self.p_takeover, m.base_expulsion, self.hardening(),
                                                mp.hardening_threshold)
        if demand <= terms.expulsion_fraction:
            return terms
        return dataclasses.replace(terms, expulsion_fraction=demand)

    def guarantee(self, terms: decisions.Terms) -> float:
        """The credibility of its guarantee under `terms`: raised when its military police deploy."""
        return mediator_rules.guaranteed_credibility(self.credibility, terms.guarantor_on_ground,
                                                     self.model.params.terms.ground_guarantee_weight)

    def on_day_of_deal(self, violations: int) -> None:
        """Violations erode the guarantee; quiet implementation days rebuild it slowly."""
        mp = self.model.params.mediator
        self.credibility = mediator_rules.credibility_after(self.credibility, violations, True,
                                                            mp.credibility_loss, mp.credibility_gain)


class Committee(mesa.Agent):
    """Gathers every faction's position on the terms and aggregates the votes into accept or
    reject, with hardline vetoes."""

    def positions(self, terms: decisions.Terms, credibility: float) -> list[Vote]:
        """Each faction's value of accepting vs fighting on, computed for all factions at once
        from per-faction tallies of its members and its leader's belief."""
        m = self.model
        neg = m.params.negotiation
        fighters = m.fighters
        stats = fighters.faction_stats(len(m.leaders), neg.hardline_majority)
        p_takeover = np.array([leader.p_takeover for leader in m.leaders])
        factions = len(m.leaders)
        if terms.template == DealTemplate.SETTLE_OR_LEAVE:
            # every member chooses for itself: the faction weighs its members' expected values
            fighting = fighters.fighting()
            advantage = decisions.leave_advantage(fighters.resolve[fighting], fighters.hardliner[fighting],
                                                  credibility, terms, neg)
            stay = decisions.stay_value(credibility, terms, neg)
            exile = fighters.faction_mean(decisions.leave_probability(advantage, neg.choice_temperature),
                                          factions, 0.0)
            u_acc = fighters.faction_mean(decisions.choice_value(advantage, credibility, terms, neg), factions,
                                          stay)
        else:
            share = (np.ones(factions) if terms.template == DealTemplate.FULL_EXIT
                     else fighters.effective_expulsion(terms.expulsion_fraction) * stats.exile_scale)
            exile = np.minimum(1.0, share)
            u_acc = decisions.accept_value(exile, credibility, terms, neg)
        situation = decisions.FactionSituation(
            exile_share=exile, p_takeover=p_takeover, resolve=stats.resolve, losses_share=stats.losses_share,
            hardship=decisions.felt_hardship(m.hardship, m.endured_hardship, neg.hardship_adaptation),
            civilian_harm=m.district.harm_total() * PER_THOUSAND / max(m.initial_civilians, 1),
            months_besieged=m.day / DAYS_PER_MONTH)
        u_fight = decisions.fight_value(situation, neg)
        p_acc = decisions.acceptance_probability(u_acc, u_fight, neg.temperature)
        # a counter-offer is a share to expel: only a named list has one to bargain over
        counter = (decisions.indifferent_expulsion(situation, credibility, terms, neg,
                                                   stats.exile_scale * fighters.list_scale())
                   if terms.template == DealTemplate.NAMED_LIST else np.full(factions, terms.expulsion_fraction))
        return [Vote(f, int(stats.weight[f]), float(u_acc[f]), float(u_fight[f]), float(p_acc[f]),
                     float(p_takeover[f]), float(exile[f]), float(counter[f]), bool(stats.hardline[f]))
                for f in range(len(m.leaders))]

    def decide(self, votes: list[Vote], rng: np.random.Generator) -> tuple[bool, int | None, float]:
        """Draw each faction's vote, then apply majority and veto; returns (accepted, veto, counter)."""
        m = self.model
        neg = m.params.negotiation
        for v in votes:
            v.yes = bool(rng.random() < v.p_accept)
            v.reason = decisions.vote_reason(v.yes, v.u_accept, v.u_fight, m.mediator.guarantee(m.terms),
                                             v.exile_share, v.p_takeover, neg)
        weights = np.array([v.weight for v in votes], dtype=float)
        yes = np.array([v.yes for v in votes])
        hardline = np.array([v.hardline for v in votes])
        veto_power = hardline & (weights / max(weights.sum(), 1.0) >= neg.veto_min_share)
        accepted, veto = decisions.committee_accepts(yes, weights, veto_power, neg.majority)
        counter = _weighted_median([v.counter for v in votes], weights)
        return accepted, veto, counter


def _weighted_median(values: list[float], weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    if cum[-1] <= 0:
        return float(np.median(values))
    return float(np.asarray(values)[order][np.searchsorted(cum, cum[-1] / 2.0)])
