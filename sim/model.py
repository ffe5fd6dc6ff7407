"""SiegeModel: wires fighters, civilians, district, besieger and decision-makers together and owns
the daily schedule (written out once, in `step`). The rules live with what they act on: the fighter
arrays, the district, the besieging force, the agents, the deal and the outcome functions; the model
calls them in order, tallies the day and logs its events."""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np

from sim import harm, outcomes
from sim.agents import Committee, FactionLeader, Mediator, Vote
from sim.besieger import Besieger, Engagement
from sim.deal import Deal
from sim.decisions import Terms, opening_demand
from sim.district import District
from sim.enums import Corridor, Escalation, EventKind, Outcome, Phase
from sim.fighters import Fighters
from sim.params import ModelParams
from sim.records import Recorder
from sim.rng import Streams


@dataclass
class DayTally:
    """What happened today, reset each morning."""

    level: Escalation = Escalation.NONE
    shells: float = 0.0
    cells_taken: int = 0
    cells_held: int = 0
    engagements: list[tuple[float, bool]] = field(default_factory=list)  # (strength vs a probe, cell taken)
    violations: int = 0
    attacks: int = 0
    air_strikes: bool = False
    acceptance: list[float] | None = None  # each faction's P(accept) in today's round, if one was held


class SiegeModel(mesa.Model):
    """One replicate of a siege and the negotiations that end it."""

    def __init__(self, params: ModelParams, root_seed: int = 0, replicate: int = 0,
                 record_grid: bool = False):
        self.streams = Streams.for_replicate(root_seed, replicate)
        super().__init__(rng=self.streams.mesa)
        self.params = params
        self.replicate = replicate
        self.day = 0
        self.phase = Phase.SIEGE
        self.outcome: Outcome | None = None
        self.rejections = 0
        self.rounds = 0
        self.breakdowns = 0
        self.collapses = 0                 # deals that collapsed back into the siege
        self.hardship = 0.0
        self.deal: Deal | None = None
        self.talks_offered = True          # terms on the table (without a mediator, the besieger decides)
        self.tally = DayTally()

        setup = self.streams.setup
        self.district = District.create(params.district, params.civilians, setup, self.streams.injury)
        frontier = self.district.frontier()
        self.fighters = Fighters.create(params.fighters, params.implementation, np.flatnonzero(frontier),
                                        np.flatnonzero(~frontier), setup)
        self.initial_fighters = self.fighters.size
        self.initial_civilians = self.district.initial_civilians
        # the hardship the long phase before day 0 left, which the community has lived with
        self.endured_hardship = harm.hardship(self.district.supply_days, params.district.hardship_buffer_days)
        tp = params.terms
        self.base_expulsion = opening_demand(tp.template, tp.expulsion_fraction, tp.expulsion_list,
                                             self.initial_fighters)
        self.terms = Terms(self.base_expulsion, tp.weapons_handover, tp.besieger_entry, tp.template,
                           tp.guarantor_on_ground)
        self.offered = self.terms          # the terms last put on the table (before any revision of them)

        self.mediator = Mediator(self)
        self.besieger = Besieger(self, params)
        self.army, self.militia = self.besieger.army, self.besieger.militia
        self.leaders = [FactionLeader(self, f, params.beliefs.rebel_prior_alpha, params.beliefs.rebel_prior_beta)
                        for f in range(params.fighters.factions)]
        self.committee = Committee(self)
        self.recorder = Recorder(self, record_grid)
        self.refresh_expectations()

    # ------------------------------------------------------------------ the daily schedule
    def step(self) -> None:
        """One day, in this order (docs/ODD.md, section 3)."""
        self.tally = DayTally()                          # 0. morning: a new tally, contested cells revert
        self.district.end_day()
        ceiling = self.mediator.assess()                 # 1. mediator sets the escalation ceiling
        self.besiege(ceiling)                            # 2. shelling, ground attacks, harm
        self.civilians_and_supplies()                    # 3. supplies, hardship, starvation, flight
        self.update_beliefs()                            # 4. beliefs learn from today's probes
        self.individual_choices()                        # 5. fighters recover, defect, strike first
        self.negotiate()                                 # 6. negotiation round
        self.implement()                                 # 7. convoys, settlement, breakdowns
        self.check_outcome()                             # 8. outcome check
        self.recorder.record_day()                       # 9. data collection
        self.day += 1
        if self.outcome is not None:
            self.running = False

    def run(self) -> SiegeModel:
        """Step until an outcome is reached (the horizon always ends a run)."""
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------------------ 2-3. combat and harm
    def besiege(self, ceiling: Escalation) -> None:
        """The commands choose their rung; the force shells the enclave and attacks its frontier."""
        b, rng = self.besieger, self.streams.combat
        guarded = self.deal is not None and self.phase != Phase.SIEGE and self.deal.terms.guarantor_on_ground
        level, violations = b.levels_today(ceiling, self.phase, rng,
                                           self.params.terms.ground_guarantee_buffer if guarded else 0.0)
        for command, used in violations:
            # only a breach of a deal's ceasefire counts against the deal (not a breach of the
            # ceiling earlier on the day a deal is struck)
            self.tally.violations += self.phase != Phase.SIEGE
            self.log(EventKind.VIOLATION, actor=command.kind.value, level=used.name,
                     detail="shelled during a ceasefire" if self.phase != Phase.SIEGE
                     else "escalated above the ceiling")
        self.tally.level = level
        if self.phase == Phase.SIEGE:
            b.second_front(rng)
        if level == Escalation.NONE:
            return
        self.tally.air_strikes = self.mediator.air_strikes(level)
        self.tally.shells = b.shells_today(level, self.phase, self.tally.air_strikes, rng)
        self.shell(self.tally.shells)
        for _ in range(b.attacks_today(level)):
            self.record_attack(level, b.ground_attack(level, self.district, self.fighters, rng, self.streams.harm))

    def shell(self, shells: float) -> None:
        """Area fire over the enclave: civilian harm and damage to buildings, then hits on fighters."""
        p, rng = self.params, self.streams.harm
        per_cell, shelter = self.district.take_shelling(shells, p.combat, p.district, p.civilians.injured_per_killed,
                                                        rng)
        self.fighters.take_shelling(per_cell, shelter, p.combat, rng)

    def record_attack(self, level: Escalation, attack: Engagement | None) -> None:
        """Tally a ground attack: each one taken or held is a signal beliefs learn from."""
        if attack is None:
            return
        self.tally.attacks += 1
        self.tally.engagements.append((self.besieger.attack_profile(level)[1], attack.taken))
        if attack.taken:
            self.tally.cells_taken += 1
            self.log(EventKind.CELL_TAKEN, actor="besieger", cell=attack.cell, level=level.name,
                     p_success=attack.p_success, attackers=attack.attackers, defenders=attack.defenders)
        else:
            self.tally.cells_held += 1

    # ------------------------------------------------------------------ 4. civilians and supplies
    def civilians_and_supplies(self) -> None:
        d, dp, cp, rng = self.district, self.params.district, self.params.civilians, self.streams.harm
        self.hardship = d.consume_supplies(dp.resupply_share, dp.scarcity_leakage, dp.hardship_buffer_days)
        d.starve(cp.starvation_mortality, self.hardship, rng)
        d.record_deaths()
        if cp.corridor != Corridor.CLOSED:
            d.flee(self.hardship, self.tally.shells, cp, self.params.combat.frontier_weight, rng)

    # ------------------------------------------------------------------ 5. beliefs
    def update_beliefs(self) -> None:
        """Every attack won or lost is a signal of the besieger's strength (Slantchev 2003), read by each
        side through its own belief; each side then re-estimates the chance of a takeover under the
        escalation the mediator now approves."""
        engagements = self.tally.engagements
        self.mediator.learn(engagements)
        resolve = self.fighters.faction_resolve(len(self.leaders)).tolist()
        for leader in self.leaders:
            leader.learn(engagements, resolve[leader.faction])
        self.refresh_expectations()

    def refresh_expectations(self) -> None:
        """Rebels weigh the approved threat (and the next rung); the mediator weighs what it would
        approve if rejections went on, which sets how hard its demands can be."""
        for leader in self.leaders:
            leader.update_expectation()
        self.mediator.update_expectation()

    # ------------------------------------------------------------------ individual choices
    def individual_choices(self) -> None:
        f, fp, rng = self.fighters, self.params.fighters, self.streams.negotiation
        f.recover(fp.wounded_recovery_rate, rng)
        if self.phase != Phase.SIEGE:
            return
        belief = np.array([leader.p_takeover for leader in self.leaders])
        f.defect(self.hardship, belief, fp.defection_base_rate, fp.defection_sensitivity, rng)
        self._maybe_strike_first(rng)

    def _maybe_strike_first(self, rng: np.random.Generator) -> None:
        """Leaders who expect an imminent takeover may strike first; the mediator reads a strike as defiance."""
        for leader in self.leaders:
            inflicted = leader.strike_first(rng)
            if inflicted is None:
                continue
            self.rejections += 1
            self.log(EventKind.PRE_EMPTIVE_STRIKE, actor=f"faction {leader.faction}", faction=leader.faction,
                     p_takeover=leader.p_takeover, besieger_killed=inflicted)

    # ------------------------------------------------------------------ 6. negotiation
    def negotiate(self) -> None:
        """A round on the schedule or when the ceiling rose today; factions vote, the committee decides."""
        if self.phase != Phase.SIEGE or self.outcome is not None:
            return
        scheduled = self.day % self.params.negotiation.round_interval_days == 0
        if not scheduled and not self.mediator.ceiling_rose():
            return
        if self.fighters.fighting().sum() == 0 or not self._talks_open():
            return
        self.rounds += 1
        self.terms = self.mediator.offer(self.terms)
        self.offered = terms = self.terms
        rng = self.streams.negotiation
        self.log(EventKind.OFFER, actor="mediator", template=terms.template.value,
                 expulsion_fraction=terms.expulsion_fraction,
                 weapons_handover=terms.weapons_handover.name, besieger_entry=terms.besieger_entry,
                 guarantor_on_ground=terms.guarantor_on_ground,
                 credibility=self.mediator.credibility, round=self.rounds)
        votes = self.committee.positions(terms, self.mediator.guarantee(terms))
        self.tally.acceptance = [v.p_accept for v in votes]
        accepted, veto, counter = self.committee.decide(votes, rng)
        for v in votes:
            self.log(EventKind.VOTE, actor=f"faction {v.faction}", faction=v.faction,
                     vote="accept" if v.yes else "reject", u_accept=v.u_accept, u_fight=v.u_fight,
                     p_accept=v.p_accept, p_takeover=v.p_takeover, exile_share=v.exile_share, counter=v.counter,
                     weight=v.weight, reason=v.reason, round=self.rounds)
        self.log(EventKind.DECISION, actor="committee", vote="accept" if accepted else "reject",
                 faction=veto, counter=counter, round=self.rounds,
                 reason=f"veto by hardline faction {veto}" if veto is not None else
                 ("weighted majority for" if accepted else "weighted majority against"))
        if accepted:
            self._start_implementation(votes)
        else:
            self.rejections += 1
            self.terms = self.mediator.revise(terms, counter)

    def _talks_open(self) -> bool:
        """Whether terms are offered today; a change is logged (the besieger turning to storming, or back)."""
        offered = self.mediator.offers_terms()
        if offered != self.talks_offered:
            self.talks_offered = offered
            self.log(EventKind.TALKS, actor="mediator" if self.params.mediator.present else "besieger",
                     detail="terms offered" if offered else "no terms: storming expected to succeed",
                     p_takeover=self.mediator.p_takeover)
        return offered

    def _start_implementation(self, votes: list[Vote]) -> None:
        self.deal, listed = Deal.strike(self.day, self.terms, votes, self.fighters, self.mediator.guarantee(self.terms),
                                        self.params.negotiation, self.params.implementation.convoys_per_week,
                                        self.streams.implementation)
        self.phase = Phase.IMPLEMENTATION
        self.log(EventKind.DEAL, actor="committee", listed=listed, spoilers=len(self.deal.spoilers),
                 expulsion_fraction=self.terms.expulsion_fraction, template=self.terms.template.value)

    # ------------------------------------------------------------------ 7. implementation
    def implement(self) -> None:
        """A day of a deal: spoilers, credibility, breakdowns, suspension, the convoy, settling, completion."""
        if self.deal is None or self.phase == Phase.SIEGE or self.outcome is not None:
            return
        deal, ip, rng = self.deal, self.params.implementation, self.streams.implementation
        for faction in deal.spoiler_attacks(self.fighters, ip.spoiler_hazard, rng):
            self.tally.violations += 1
            self.log(EventKind.VIOLATION, actor=f"faction {faction}", faction=faction,
                     detail="spoiler attack on the deal")
        self.mediator.on_day_of_deal(self.tally.violations)
        if self.tally.violations:
            self._breakdown(rng, "violation")
            if self.phase == Phase.SIEGE:
                return
        if self.phase == Phase.SUSPENDED:
            if self.day < deal.suspended_until:
                return
            self.phase = Phase.IMPLEMENTATION
            self.log(EventKind.RESUMPTION, actor="mediator")
        if deal.convoy_due(self.day, ip.convoys_per_week):
            self._run_convoy(rng)
            if self.phase != Phase.IMPLEMENTATION:
                return
        deal.settle_day(self.fighters, ip.settle_rate, rng)
        if deal.complete(self.fighters, ip.completion_settled_share):
            self.phase = Phase.ENDED
            if deal.terms.besieger_entry:
                self.district.hand_over()  # the besieger enters: state institutions and checkpoints return
            self.outcome = outcomes.settlement_class(self.fighters.counts(), self.initial_fighters,
                                                     self.deal.terms.template, self.params.outcome)

    def _run_convoy(self, rng: np.random.Generator) -> None:
        ip = self.params.implementation
        convoy = self.deal.run_convoy(self.fighters, self.district, self.mediator.guarantee(self.deal.terms), ip, rng)
        if convoy is None:
            return
        self.log(EventKind.CONVOY, actor="mediator", fighters=convoy.fighters, civilians=convoy.civilians,
                 refused=convoy.refused, seats=convoy.seats)
        if convoy.refused:
            self.log(EventKind.REFUSAL, actor="listed fighters", refused=convoy.refused)
            if rng.random() < ip.refusal_breakdown_probability:
                self._breakdown(rng, f"{convoy.refused} listed fighter{'s' if convoy.refused != 1 else ''} "
                                        "refused to board")

    def _breakdown(self, rng: np.random.Generator, cause: str) -> None:
        """Implementation stalls; with some chance the deal collapses and the siege resumes."""
        ip = self.params.implementation
        self.breakdowns += 1
        collapse = rng.random() < ip.collapse_probability
        self.log(EventKind.BREAKDOWN, actor="mediator", detail=cause, collapsed=collapse)
        if collapse:
            self.phase = Phase.SIEGE
            self.fighters.listed[:] = False
            self.terms = self.mediator.after_collapse(self.deal.terms)
            self.deal = None
            self.rejections += 1
            self.collapses += 1
        else:
            self.phase = Phase.SUSPENDED
            self.deal.suspended_until = self.day + ip.suspension_days

    # ------------------------------------------------------------------ 8. outcome
    def check_outcome(self) -> None:
        """A siege may end by force, exhaustion or the besieger's losses; any phase ends at the horizon."""
        if self.outcome is None and self.phase == Phase.SIEGE:
            f = self.fighters
            self.outcome = outcomes.siege_outcome(self.district.rebel_held().mean(), int(f.fighting().sum()),
                                                  f.counts(), self.initial_fighters, self.besieger.broken(),
                                                  self.terms.template, self.params.outcome)
        if self.outcome is None and self.day + 1 >= self.params.horizon_days:
            self.outcome = Outcome.STALEMATE
        if self.outcome is not None:
            self.phase = Phase.ENDED
            self.log(EventKind.OUTCOME, actor="model", detail=self.outcome.value)

    # ------------------------------------------------------------------ events
    def log(self, kind: EventKind, **fields) -> None:
        self.recorder.event(kind, **fields)
