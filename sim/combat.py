"""Pure attrition and assault rules: Lanchester square law for aimed fire, Deitchman area fire
for shelling, and Mearsheimer's 3:1 rule with an urban-defence multiplier for assault success."""

from __future__ import annotations

import math

import numpy as np

from sim.params import CombatParams


def assault_success_probability(attackers: float, defenders: float, urban_multiplier: float,
                                required_ratio: float, steepness: float) -> float:
    """P(attack takes the cell) = sigmoid(k * [log(A/D) - log(required_ratio * m_urban)])."""
    if defenders <= 0:
        return 1.0
    if attackers <= 0:
        return 0.0
    x = steepness * (math.log(attackers / defenders) - math.log(required_ratio * urban_multiplier))
    return 0.5 * (1.0 + math.tanh(x / 2.0))


def ground_losses(attackers: float, defenders: float, urban_multiplier: float,
                  attacker_lethality: float, defender_lethality: float) -> tuple[float, float]:
    """Expected (attacker, defender) killed in one engagement, Lanchester square law.

    Defenders' aimed fire is multiplied by the urban advantage; attackers' is divided by it.
    """
    attacker_losses = defender_lethality * defenders * urban_multiplier
    defender_losses = attacker_lethality * attackers / urban_multiplier
    return min(attacker_losses, attackers), min(defender_losses, defenders)


def area_fire_hit_probability(shells: np.ndarray, lethality: float, shelter: np.ndarray) -> np.ndarray:
    """Per-person chance of being hit in a cell under area fire (Deitchman 1962: rate ~ shells).

    1 - exp(-lethality * shells * (1 - shelter)); zero shells or full shelter give zero harm.
    """
    return -np.expm1(-lethality * shells * (1.0 - shelter))


def shells_by_cell(total_shells: float, targetable: np.ndarray, frontier: np.ndarray,
                   frontier_weight: float = CombatParams.frontier_weight) -> np.ndarray:
    """Spread a day's shells over targetable cells, frontier cells drawing `frontier_weight` times more
    (`combat.frontier_weight`)."""
    weights = targetable * (1.0 + (frontier_weight - 1.0) * frontier)
    total_weight = weights.sum()
    if total_weight <= 0 or total_shells <= 0:
        return np.zeros(targetable.shape, dtype=float)
    return total_shells * weights / total_weight
