"""Pure decision rules: a faction's value of accepting the terms vs fighting on, its vote, the
committee's aggregation, and individual fighters' choices (Fearon 1995; Powell 2006; Walter 1997;
Zartman 2000; Cunningham 2006). Each formula is written out in docs/ODD.md, section 7."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.enums import DealTemplate, WeaponsHandover
from sim.params import FighterParams, ImplementationParams, NegotiationParams
from sim.units import RESOLVE_MIDPOINT, TENTHS_PER_SHARE


@dataclass
class Terms:
    """The deal on the table: who must leave (the template; under a named list, which share of the
    fighters), what the rest hand over, whether the besieger enters and whether the guarantor's
    military police deploy on the ground."""

    expulsion_fraction: float
    weapons_handover: WeaponsHandover
    besieger_entry: bool
    template: DealTemplate = DealTemplate.NAMED_LIST
    guarantor_on_ground: bool = False  # the guarantor's military police deploy inside (pattern 10)


@dataclass
class FactionSituation:
    """What a faction weighs on a given day (each entry an array over factions)."""

    exile_share: np.ndarray      # expected share of its members on the expulsion list
    p_takeover: np.ndarray       # its belief that the besieger takes the district by force
    resolve: np.ndarray          # mean resolve of its active members
    losses_share: np.ndarray     # share of its members killed or wounded so far
    hardship: float              # supply hardship in [0, 1] beyond what the community had adapted to
    civilian_harm: float         # civilians killed and injured so far, per 1,000 residents at the start
    months_besieged: float       # siege length so far, in 30-day months


def opening_demand(template: DealTemplate, expulsion_fraction: float, expulsion_list: int | None,
                   fighters: int) -> float:
    """The share of the fighters the deal first demands be bused out: all of them under a full exit,
    none under settle-or-leave (each fighter chooses), the list (or the fraction) under a named list."""
    if template == DealTemplate.FULL_EXIT:
        return 1.0
    if template == DealTemplate.SETTLE_OR_LEAVE:
        return 0.0
    return expulsion_list / fighters if expulsion_list is not None else expulsion_fraction


def stay_value(credibility: float, terms: Terms, neg: NegotiationParams) -> float:
    """U_stay = g*v_settle + (1-g)*v_reneged - handover - entry - fear.

    Those who stay disarm and rely on the guarantee, which holds with credibility g (Walter 1997;
    Powell 2006: disarming hands the besieger the chance to renege), and fear what a settlement
    brings beyond it (detention, conscription: shared/PATTERNS.md, pattern 13).
    """
    return ((credibility * neg.value_settle + (1.0 - credibility) * neg.value_reneged
             - neg.handover_cost * int(terms.weapons_handover) - neg.entry_cost * float(terms.besieger_entry))
            - neg.reprisal_fear)


def exile_value(terms: Terms, neg: NegotiationParams) -> float:
    """U_exile = v_exile, plus the family bonus where the deal lets fighters leave with their families
    and a rifle (settle-or-leave, full exit) rather than expels listed men alone."""
    return neg.value_exile + (neg.family_exile_bonus if terms.template != DealTemplate.NAMED_LIST else 0.0)


def accept_value(exile_share: np.ndarray, credibility: float, terms: Terms,
                 neg: NegotiationParams) -> np.ndarray:
    """U_accept = e*U_exile + (1-e)*U_stay: a share e of the members leaves, the rest stay."""
    return exile_share * exile_value(terms, neg) + (1.0 - exile_share) * stay_value(credibility, terms, neg)


def leave_advantage(resolve: np.ndarray, hardliner: np.ndarray, credibility: float, terms: Terms,
                    neg: NegotiationParams) -> np.ndarray:
    """Under a settle-or-leave deal, each fighter's value of leaving minus that of staying:
    U_exile + w_r (resolve - 1/2) + w_h hardliner - U_stay. The resolute and the hardliners (who
    have most to fear) lean to exile; a credible guarantee keeps fighters home (PATTERNS 3, 13)."""
    return (exile_value(terms, neg) + neg.exile_resolve_weight * (np.asarray(resolve) - RESOLVE_MIDPOINT)
            + neg.exile_hardliner_bonus * np.asarray(hardliner, dtype=float)
            - stay_value(credibility, terms, neg))


def leave_probability(advantage: np.ndarray, temperature: float) -> np.ndarray:
    """Logit choice to leave: sigmoid(advantage / temperature), via tanh so it cannot overflow."""
    return 0.5 * (1.0 + np.tanh(np.asarray(advantage) / (2.0 * temperature)))


def choice_value(advantage: np.ndarray, credibility: float, terms: Terms, neg: NegotiationParams) -> np.ndarray:
    """A fighter's expected value of a settle-or-leave deal before choosing: U_stay + p * advantage,
    with p its probability of leaving (it leaves when leaving is worth more, so the value is at least
    U_stay less the logit's noise)."""
    return stay_value(credibility, terms, neg) + leave_probability(advantage, neg.choice_temperature) * advantage


def felt_hardship(hardship: float, endured: float, adaptation: float) -> float:
    """The hardship that weighs in fighting on: today's less the share `adaptation` of what the long
    phase before the model's day 0 left (`endured`), to which the community had adapted (pattern 6)."""
    return max(0.0, hardship - adaptation * endured)


def fight_value(s: FactionSituation, neg: NegotiationParams) -> np.ndarray:
    """V_fight = (1-p)*v_hold + p*v_fall + w_r*(resolve-0.5) - costs of the hurting stalemate.

    Costs grow with hardship, own losses, civilian suffering and the siege's length (war of
    attrition: the holding cost rises; Zartman's ripeness).
    """
    p = s.p_takeover
    return ((1.0 - p) * neg.value_hold + p * neg.value_fall
            + neg.resolve_weight * (s.resolve - RESOLVE_MIDPOINT)
            - neg.hardship_cost * s.hardship
            - neg.casualty_cost * s.losses_share * TENTHS_PER_SHARE
            - neg.civilian_cost * s.civilian_harm
            - neg.weariness_cost * s.months_besieged)


def acceptance_probability(u_accept: np.ndarray, u_fight: np.ndarray, temperature: float) -> np.ndarray:
    """Logit choice: P(accept) = sigmoid((U_accept - V_fight) / temperature), computed via tanh so
    that it cannot overflow at low temperature."""
    return 0.5 * (1.0 + np.tanh((np.asarray(u_accept) - np.asarray(u_fight)) / (2.0 * temperature)))


def indifferent_expulsion(situation: FactionSituation, credibility: float, terms: Terms,
                          neg: NegotiationParams, exile_scale: np.ndarray) -> np.ndarray:
    """The largest expulsion fraction each faction would accept (its counter-offer), in [0, 1].

    U_accept is linear in e = f * exile_scale, so the indifference point is explicit. When exile
    beats staying (a guarantee so weak that staying is worse than leaving), more expulsion only
    helps, so the faction's counter is 1.
    """
    stay = accept_value(np.zeros_like(exile_scale), credibility, terms, neg)
    slope = (neg.value_exile - stay) * exile_scale
    gap = fight_value(situation, neg) - stay
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(slope < 0, gap / slope, 1.0)
    return np.clip(f, 0.0, 1.0)


def vote_reason(yes: bool, u_accept: float, u_fight: float, credibility: float, exile_share: float,
                p_takeover: float, neg: NegotiationParams) -> str:
    """A short human reason for a faction's vote: the term that weighs most, or, when the vote goes
    against the modelled values, that unmodelled considerations decided it (the logit's noise)."""
    if yes and u_accept < u_fight:
        return "accepted though fighting on was valued slightly higher (unmodelled considerations)"
    if not yes and u_accept >= u_fight:
        return "rejected though the terms were valued slightly higher (unmodelled considerations)"
    if yes:
        if p_takeover >= neg.reason_takeover_belief:
            return "expects the district to fall by force"
        return "the cost of holding out outweighs the terms"
    if (neg.value_settle - neg.value_reneged) * (1 - credibility) > neg.reason_guarantee_gap:
        return "guarantee not credible"
    if exile_share >= neg.reason_exile_share:
        return "expulsion demand too large"
    return "expects to hold out"


def committee_accepts(yes: np.ndarray, weights: np.ndarray, veto_power: np.ndarray,
                      majority: float) -> tuple[bool, int | None]:
    """The committee accepts when the weighted yes share reaches the majority and no veto faction
    votes no (Cunningham 2006). Returns (accepted, vetoing faction or None)."""
    total = weights.sum()
    if total <= 0:
        return False, None
    vetoes = np.flatnonzero(veto_power & ~yes)
    if vetoes.size:
        return False, int(vetoes[0])
    return bool(weights[yes].sum() / total >= majority), None


def boarding_refusal_probability(resolve: np.ndarray, credibility: float, base: float,
                                 resolve_slope: float = ImplementationParams.refusal_resolve_slope,
                                 credibility_offset: float = ImplementationParams.refusal_credibility_offset,
                                 ) -> np.ndarray:
    """A listed fighter refuses to board more often when resolute and when the guarantee is weak:
    base * (1 + slope (resolve - 1/2)) * (offset - credibility), clipped to [0, 1]."""
    return np.clip(base * (1.0 + resolve_slope * (resolve - RESOLVE_MIDPOINT)) * (credibility_offset - credibility),
                   0.0, 1.0)


def defection_probability(resolve: np.ndarray, pressure: np.ndarray, base_rate: float,
                          sensitivity: float = FighterParams.defection_sensitivity) -> np.ndarray:
    """Daily chance an active fighter gives up and settles alone; rises with pressure, falls with resolve:
    base_rate * exp(sensitivity (pressure - resolve)), at most 1."""
    return np.clip(base_rate * np.exp(sensitivity * (pressure - resolve)), 0.0, 1.0)
