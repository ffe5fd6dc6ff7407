"""Pure belief rules about the besieger's chance of taking the district by force.

Each side holds a Beta belief about theta, the chance that a ground probe takes a cell
(Smith & Stam 2004). Cells taken add to alpha, attacks repulsed to beta (an assault's outcome
weighed by what it says about a probe's chance), and old evidence decays
towards the prior so beliefs keep moving (Slantchev 2003: battles reveal information). The chance
of a takeover within the planning horizon then follows from theta, the escalation the mediator
has approved (Schelling 1966: only an approved threat is credible) and the cells still to take.
"""

from __future__ import annotations

import math

import numpy as np

from sim.units import EPSILON


def update_beta(alpha: np.ndarray, beta: np.ndarray, successes: float, failures: float,
                prior_alpha: float, prior_beta: float, forgetting: float) -> tuple[np.ndarray, np.ndarray]:
    """Discount past evidence by `forgetting`, then add today's pseudo-observations."""
    new_alpha = prior_alpha + forgetting * (alpha - prior_alpha) + successes
    new_beta = prior_beta + forgetting * (beta - prior_beta) + failures
    return new_alpha, new_beta


def belief_mean(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """E[p] of a Beta belief."""
    return alpha / (alpha + beta)


def success_at_strength(theta: float, strength: float, steepness: float) -> float:
    """Per-attack success when attacks are `strength` times a probe: the 3:1 rule's logistic in
    log force ratio shifts the logit by steepness * log(strength)."""
    theta = min(max(theta, EPSILON), 1 - EPSILON)
    if strength <= 0:
        return 0.0
    x = math.log(theta / (1 - theta)) + steepness * math.log(strength)
    return 1.0 / (1.0 + math.exp(-x))


def signal_weights(theta: float, strength: float, steepness: float) -> tuple[float, float]:
    """Pseudo-observations about theta that one ground attack at `strength` times a probe carries, if
    it takes its cell and if it is held: (1 - theta_m)/(1 - theta) and theta_m/theta, the attack's
    score on the logit scale relative to a probe's (a probe gives 1 and 1). A strong attack that
    succeeds says little about a probe's chance; one that is held says much."""
    theta = min(max(theta, EPSILON), 1 - EPSILON)
    theta_m = success_at_strength(theta, strength, steepness)
    return (1.0 - theta_m) / (1.0 - theta), theta_m / theta


def signals(theta: float, engagements: list[tuple[float, bool]], steepness: float) -> tuple[float, float]:
    """(successes, failures) in probe-equivalent pseudo-observations from today's attacks, each given as
    (strength relative to a probe, whether it took its cell)."""
    successes = failures = 0.0
    for strength, taken in engagements:
        won, held = signal_weights(theta, strength, steepness)
        if taken:
            successes += won
        else:
            failures += held
    return successes, failures


def takeover_probability(theta: float, attacks_per_day: float, strength: float, steepness: float,
                         horizon_days: float, cells_to_take: float) -> float:
    """P(takeover within the horizon) = 1 - exp(-expected cells taken / cells still to take)."""
    if cells_to_take <= 0:
        return 1.0
    expected = attacks_per_day * success_at_strength(theta, strength, steepness) * horizon_days
    return 1.0 - math.exp(-expected / cells_to_take)
