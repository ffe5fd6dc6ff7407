"""Pure civilian-harm, damage, supply and flight rules (MECHANISMS C.13, D.19, E.23)."""

from __future__ import annotations

import numpy as np

from sim.enums import Corridor
from sim.params import DistrictParams


def shelter(base_shelter: float, damage: np.ndarray) -> np.ndarray:
    """Shelter offered by buildings falls as they are damaged."""
    return base_shelter * (1.0 - damage)


def damage_after_shelling(damage: np.ndarray, shells: np.ndarray, damage_per_shell: float) -> np.ndarray:
    """Damage saturates towards 1: each shell destroys a fixed share of what still stands."""
    return 1.0 - (1.0 - damage) * np.exp(-damage_per_shell * shells)


def hardship(stock_days: float, buffer_days: float = DistrictParams.hardship_buffer_days) -> float:
    """Hardship H = max(0, 1 - stock/buffer): zero while stocks exceed the buffer, 1 when they are gone
    (the buffer is `district.hardship_buffer_days`)."""
    return float(min(1.0, max(0.0, 1.0 - stock_days / buffer_days)))


def supply_after_day(stock_days: float, need_share: float, resupply_share: float, scarcity_leakage: float,
                     buffer_days: float) -> float:
    """S_{t+1} = S_t + resupply + leakage * H(S_t) - consumption. Need scales with the share of people
    still inside; smuggling, tunnels, farming and aid grow as scarcity bites (shared/PATTERNS.md,
    pattern 6), so stocks settle where the leak covers the shortfall instead of running to zero."""
    leak = scarcity_leakage * hardship(stock_days, buffer_days)
    return max(0.0, stock_days + resupply_share + leak - need_share)


def stock_after_siege(start_days: float, siege_days: int, resupply_share: float, scarcity_leakage: float,
                      buffer_days: float) -> float:
    """The stock after `siege_days` of the same daily rule at a steady population: what a long,
    low-intensity phase leaves when the model starts later (a grim equilibrium, not always zero)."""
    stock = start_days
    for _ in range(siege_days):
        stock = supply_after_day(stock, 1.0, resupply_share, scarcity_leakage, buffer_days)
    return stock


def corridor_flight_share(corridor: Corridor, restricted_share: float) -> float:
    """The share of the flight an open corridor would let through: all, `restricted_share` through
    pauses and checkpoints, none when the corridor is closed."""
    if corridor == Corridor.OPEN:
        return 1.0
    return restricted_share if corridor == Corridor.RESTRICTED else 0.0


def flight_probability(hardship_level: float, shells_on_cell: np.ndarray, journey_risk: float,
                       intercept: float, w_hardship: float, w_shelling: float,
                       w_journey: float) -> np.ndarray:
    """Daily chance a resident leaves: sigmoid(b0 + b1*hardship + b2*shelling - b3*journey risk)."""
    x = intercept + w_hardship * hardship_level + w_shelling * shells_on_cell - w_journey * journey_risk
    return 1.0 / (1.0 + np.exp(-x))
